"""The kitchen display and the manager's screen, live."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect
from screens import Tablet, usd
from terminal import Terminal

pytestmark = pytest.mark.browser

SETTLE_MS = 600  # kitchen.js: a card that has just moved or appeared ignores taps (500 ms)


def test_the_kitchen_sees_a_fired_ticket_without_refreshing_and_bumps_it(
    tablets: Callable[..., Tablet], live_server: str
) -> None:
    kitchen = tablets(pin="5555")
    page = kitchen.open("/kitchen")
    expect(page.locator(".ticket")).to_have_count(0)

    server = Terminal(live_server)
    check = server.seat("T8", guests=2)
    server.ring(check["id"], "Ribeye 12 oz", seat=1, options=["Medium rare", "Fries"])
    server.ring(check["id"], "Truffle fries", seat=0, note="no truffle oil, allergy")
    fired = server.send(check["id"])

    ticket = page.locator("#lane-new .ticket")
    expect(ticket).to_have_count(1)
    expect(ticket).to_contain_text("Table T8")
    expect(ticket).to_contain_text(f"#{fired['number']}")
    ribeye = ticket.locator(".ticket-line", has_text="Ribeye 12 oz")
    expect(ribeye).to_contain_text("S1")
    expect(ribeye.locator(".mod")).to_have_text(["Medium rare", "Fries"])
    expect(ticket.locator(".note")).to_have_text("no truffle oil, allergy")

    # A manager voids the fries: the kitchen sees them struck through, still on the ticket.
    fries = next(line for line in fired["lines"] if line["name"] == "Truffle fries")
    manager = Terminal(live_server, pin="9999")
    voided = manager.post(
        f"/checks/{check['id']}/lines/{fries['id']}/void", {"reason": "guest changed mind"}
    )
    assert voided.status_code == 200, voided.text
    expect(ticket.locator(".ticket-line.voided s")).to_have_text("1× Truffle fries")

    ticket_id = fired["lines"][0]["ticket_id"]
    for status in ("in_progress", "ready"):
        page.wait_for_timeout(SETTLE_MS)  # a card that just moved ignores taps a moment
        page.locator(f".ticket[data-ticket-id='{ticket_id}'] .ticket-body").click()
        expect(page.locator(f"#lane-{status} .ticket")).to_have_count(1)
        assert server.get("/tickets").json()["tickets"][0]["status"] == status
    page.wait_for_timeout(SETTLE_MS)
    page.locator(f".ticket[data-ticket-id='{ticket_id}'] .ticket-body").click()
    expect(page.locator(".ticket")).to_have_count(0)
    served = server.get("/tickets", params={"include_served": True}).json()["tickets"]
    assert [t["status"] for t in served] == ["served"]
    assert kitchen.was_not_reloaded()

    # A screen that missed the news (its feed held back) taps a ticket that has moved on:
    # the server leaves it where it is, and the screen quietly shows it as it is now.
    server.ring(check["id"], "Espresso")
    dessert = server.send(check["id"])["lines"][-1]["ticket_id"]
    stale = tablets(pin="5555")
    stale.page.route_web_socket(re.compile(r"/api/v1/ws"), lambda socket: None)
    stale.page.goto("/kitchen")
    expect(stale.page.locator("#lane-new .ticket")).to_have_count(1)
    chef = Terminal(live_server, pin="5555")
    for step in ("in_progress", "ready", "served"):
        moved = chef.post(f"/tickets/{dessert}/status", {"status": step})
        assert moved.status_code == 200, moved.text
    stale.page.wait_for_timeout(SETTLE_MS)
    stale.page.locator(f".ticket[data-ticket-id='{dessert}'] .ticket-body").click()
    expect(stale.page.locator(".ticket")).to_have_count(0)
    expect(stale.page.locator(".toast.bad")).to_have_count(0)


def test_a_manager_reads_the_days_numbers_live_and_refunds_a_payment_once(
    tablets: Callable[..., Tablet], live_server: str
) -> None:
    manager = tablets(pin="9999")
    page = manager.open("/manager")
    expect(page.locator("[data-stat='checks_closed'] .stat-value")).to_have_text("0")

    server = Terminal(live_server)
    check = server.seat("T14", guests=3)
    check = server.ring(check["id"], "Roast half chicken", options=["Side salad"], quantity=3)
    paid = server.pay(check["id"], check["total_cents"], tender="card", tip_cents=900)
    assert paid.status_code == 201, paid.text

    # No reload: the numbers follow the payment.
    expect(page.locator("[data-stat='checks_closed'] .stat-value")).to_have_text("1")
    expect(page.locator("[data-stat='covers'] .stat-value")).to_have_text("3")
    expect(page.locator("[data-stat='sales'] .stat-value")).to_have_text(usd(3 * 2600))
    expect(page.locator("[data-stat='tips'] .stat-value")).to_have_text(usd(900))
    expect(page.locator("tr[data-tender='card'] td").nth(1)).to_have_text(usd(check["total_cents"]))

    page.get_by_role("button", name="Refund").click()
    page.fill("#refund-amount", "10.00")
    page.fill("#refund-reason", "cold chicken")
    page.click("#refund-confirm")
    expect(page.locator("#refund-outcome-title")).to_have_text(f"Refunded {usd(1000)}")
    page.click("#refund-cancel")
    refunds = page.locator("#unsettled tbody tr").first
    expect(refunds).to_contain_text(usd(1000))

    refund_posts = [r for r in manager.requests if r.url.endswith("/refund")]
    assert len(refund_posts) == 1 and refund_posts[0].headers["idempotency-key"]
    report = manager_report(live_server)
    assert (report["refunds"]["count"], report["refunds"]["amount_cents"]) == (1, 1000)
    assert manager.was_not_reloaded()


def manager_report(live_server: str) -> dict[str, Any]:
    response = Terminal(live_server, pin="9999").get("/reports/day")
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report
