"""The manager's screen at close: each server's sales and tips, every void and comp with who
did it, who approved it and why, and refunds that need a reason and take the total down."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import expect
from screens import Tablet, usd
from terminal import Terminal

pytestmark = pytest.mark.browser
APPROVED = {"approval": {"pin": "9999"}}


def test_the_manager_sees_who_voided_and_comped_what_and_refunds_only_with_a_reason(
    tablets: Callable[..., Tablet], live_server: str
) -> None:
    sam, riley = Terminal(live_server), Terminal(live_server, pin="2345")
    one = sam.seat("T12", guests=2)
    sam.ring(one["id"], "Pan-roasted salmon", seat=1, options=["Side salad"])  # 2950
    sam.ring(one["id"], "House red (glass)", seat=2)  # 1200
    one = sam.send(one["id"])
    salmon, wine = one["lines"]
    voided = sam.post(
        f"/checks/{one['id']}/lines/{wine['id']}/void", {"reason": "corked"} | APPROVED
    )
    assert voided.status_code == 200, voided.text
    comped = sam.post(
        f"/checks/{one['id']}/discounts",
        {"kind": "percent", "value": 5000, "reason": "overcooked", "line_id": salmon["id"]}
        | APPROVED,
    )
    assert comped.status_code == 201, comped.text
    one = comped.json()
    paid = sam.pay(one["id"], one["total_cents"], tender="card", tip_cents=300)
    assert paid.status_code == 201, paid.text
    two = riley.seat("T13")
    two = riley.ring(two["id"], "Mushroom risotto")
    assert riley.pay(two["id"], two["total_cents"], tender="cash", tip_cents=200).status_code == 201

    page = tablets(pin="9999").open("/manager")
    sams = page.locator("#servers tbody tr", has_text="Sam Rivera")
    expect(sams.locator("td")).to_have_text(
        ["1", "2", usd(2950), usd(1475), usd(one["total_cents"]), usd(300)]
    )
    expect(
        page.locator("#servers tbody tr", has_text="Riley Chen").locator("td").last
    ).to_have_text(usd(200))
    void_row = page.locator("#voids tbody tr").first
    expect(void_row.locator("td")).to_have_text(
        [
            re.compile(r"^\d{1,2}:\d\d [AP]M$"),  # when
            f"T12 #{one['number']}",
            "1× House red (glass)",
            usd(1200),
            "corked",
            "Sam Rivera",
            "Morgan Ellis",
        ]
    )
    expect(page.locator("#discounts tbody tr").first.locator("td")).to_have_text(
        [
            f"T12 #{one['number']}",
            "Pan-roasted salmon",
            "50 % off",
            usd(1475),
            "overcooked",
            "Sam Rivera",
            "Morgan Ellis",
        ]
    )
    expect(page.locator("#refunds tbody")).to_have_text("No refunds this day.")

    # A refund needs a reason: without one the API refuses, in its own words.
    page.locator("#payments tbody tr", has_text="T12").get_by_role("button").click()
    page.fill("#refund-amount", "5.00")
    page.click("#refund-confirm")
    expect(page.locator("#refund-outcome-message")).to_have_text(
        "Say why this payment is refunded."
    )
    page.fill("#refund-reason", "slow kitchen")
    page.click("#refund-confirm")
    expect(page.locator("#refund-outcome-title")).to_have_text(f"Refunded {usd(500)}")
    page.click("#refund-cancel")

    total = one["total_cents"] + two["total_cents"]
    expect(page.locator("[data-stat='total'] .stat-value")).to_have_text(usd(total))
    expect(page.locator("[data-stat='net'] .stat-value")).to_have_text(usd(total - 500))
    expect(page.locator("#refunds tbody tr").first.locator("td").nth(4)).to_have_text(
        "slow kitchen"
    )
    expect(page.locator("#refunds tbody tr").first.locator("td").nth(5)).to_have_text(
        "Morgan Ellis"
    )
