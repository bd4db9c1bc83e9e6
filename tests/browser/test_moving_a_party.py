"""From the check screen a server moves the party to a free table, and discounts the whole
check when a manager types their PIN on the spot."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from screens import Tablet, usd
from terminal import Terminal

pytestmark = pytest.mark.browser


def type_pin(page: Page, pin: str) -> None:
    for digit in pin:
        page.click(f"#approval-keypad [data-key='{digit}']")


def test_a_server_moves_the_party_to_a_free_table_and_the_floor_shows_it(
    tablets: Callable[..., Tablet], live_server: str
) -> None:
    sam = Terminal(live_server)
    check = sam.seat("T9", guests=2)
    sam.ring(check["id"], "Old fashioned", seat=1)
    sam.send(check["id"])
    sam.seat("T10", guests=1)  # taken: not offered

    floor = tablets().open("/floor")
    page = tablets().open(f"/checks/{check['id']}")
    page.click("#move-open")
    expect(page.locator(".move-table:has-text('T11')")).to_be_visible()
    expect(page.locator(".move-table", has_text=re.compile(r"^T10 "))).to_have_count(0)
    expect(page.locator(".move-table", has_text=re.compile(r"^T9 "))).to_have_count(0)
    page.click(".move-table:has-text('T11')")
    expect(page.locator("#move-dialog")).to_be_hidden()
    expect(page.locator("#check-title")).to_contain_text("Table T11")
    expect(page.locator(".toast")).to_contain_text("Moved from T9 to T11")

    assert sam.table("T11")["check_id"] == check["id"]
    assert sam.table("T9")["status"] == "available"
    # The other tablet's floor, without a reload.
    expect(floor.locator(".table[data-label='T11']")).to_have_attribute("data-status", "occupied")
    expect(floor.locator(".table[data-label='T9']")).to_have_attribute("data-status", "available")


def test_a_server_discounts_the_check_when_a_manager_approves_with_their_pin(
    tablets: Callable[..., Tablet], live_server: str
) -> None:
    sam = Terminal(live_server)
    check = sam.seat("T12", guests=2)
    check = sam.ring(check["id"], "Bistro burger", options=["Medium", "Fries"], seat=1)
    subtotal = check["subtotal_cents"]

    page = tablets().open(f"/checks/{check['id']}")
    page.click("#discount-check")
    page.click("#discount-kind [data-kind='percent']")
    page.fill("#discount-value", "10")
    page.fill("#discount-reason", "regulars")
    page.click("#discount-confirm")
    expect(page.locator("#approval-dialog")).to_be_visible()
    type_pin(page, "9999")
    page.click("#approval-ok")
    expect(page.locator("#approval-dialog")).to_be_hidden()
    off = (subtotal * 1000 + 5000) // 10000  # 10 %, rounded half up
    expect(page.locator("[data-total='discounts']")).to_have_text("-" + usd(off))
    after = sam.check(check["id"])
    assert after["discount_cents"] == off
    assert after["discounts"][0]["reason"] == "regulars"
