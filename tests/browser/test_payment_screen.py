"""The payment screen never says "paid" unless the server said the check is closed and the
table free, and every retry of one payment reuses that payment's Idempotency-Key
(DESIGN invariant 5; the seed review's three failure scenarios; ORIGINAL 1 and 5)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from emulator import Emulator
from playwright.sync_api import Page, expect
from screens import PAID, Tablet, a_check, outcome, usd
from terminal import Terminal

pytestmark = pytest.mark.browser


def on_the_pay_screen(
    tablets: Callable[..., Tablet], live_server: str, label: str
) -> tuple[dict[str, Any], Tablet, Page]:
    """Two guests' check at ``label`` (``a_check``), and a server's tablet on its pay screen."""
    check = a_check(live_server, label)
    tablet = tablets(pin="1234")
    return check, tablet, tablet.open(f"/checks/{check['id']}/pay")


def test_when_the_processor_times_out_the_screen_never_says_paid_and_retry_settles_with_one_charge(
    tablets: Callable[..., Tablet], live_server: str, emulator: Emulator
) -> None:
    check, tablet, page = on_the_pay_screen(tablets, live_server, "T4")
    emulator.fault("timeout_after_charge")

    page.click("#pay-button")
    expect(page.locator("#outcome-title")).to_have_text("Not confirmed yet", timeout=15000)
    assert outcome(page) == "unconfirmed"
    expect(page.get_by_text(PAID)).to_have_count(0)
    expect(page.locator("#outcome-retry")).to_be_visible()
    # The money moved at the processor, once; the screen still does not claim it.
    assert len(emulator.charges_for(check["id"])) == 1

    for _ in range(3):  # a retry may meet the background recovery finishing it (409)
        page.click("#outcome-retry")
        expect(page.locator("#outcome-retry")).to_be_enabled(timeout=15000)
        if outcome(page) == "paid":
            break
    expect(page.locator("#outcome-title")).to_have_text(PAID)

    keys = tablet.keys_sent()
    assert len(keys) >= 2 and len(set(keys)) == 1, keys
    charges = emulator.charges_for(check["id"])
    assert [(c["amount"], c["status"]) for c in charges] == [(check["total_cents"], "succeeded")]
    server = Terminal(live_server)
    assert server.check(check["id"])["status"] == "closed"
    assert server.table("T4")["status"] == "available"


def test_a_declined_card_shows_the_decline_and_the_check_stays_open(
    tablets: Callable[..., Tablet], live_server: str, emulator: Emulator
) -> None:
    check, tablet, page = on_the_pay_screen(tablets, live_server, "T6")

    page.click("[data-card='pm_card_chargeDeclined']")
    page.click("#pay-button")
    assert outcome(page) == "declined"
    expect(page.locator("#outcome-title")).to_have_text("Card declined")
    expect(page.locator("#outcome-message")).to_contain_text("declined")
    expect(page.get_by_text(PAID)).to_have_count(0)
    expect(page.locator(".payment.declined")).to_have_count(1)

    server = Terminal(live_server)
    after = server.check(check["id"])
    assert (after["status"], after["balance_cents"]) == ("open", check["total_cents"])
    assert server.table("T6")["status"] == "occupied"
    assert emulator.charges_for(check["id"]) == []

    # A decline is final: the next card is a new attempt with a new key.
    page.click("#outcome-form")
    page.click("[data-card='pm_card_visa']")
    page.click("#pay-button")
    expect(page.locator("#outcome-title")).to_have_text(PAID)
    keys = tablet.keys_sent()
    assert len(keys) == 2 and len(set(keys)) == 2
    assert server.table("T6")["status"] == "available"


def test_when_the_processor_fails_the_screen_says_nothing_was_charged_and_tries_again_anew(
    tablets: Callable[..., Tablet], live_server: str, emulator: Emulator
) -> None:
    check, tablet, page = on_the_pay_screen(tablets, live_server, "T12")
    emulator.fault("error_500", count=10)

    page.click("#pay-button")
    assert outcome(page) == "failed"
    expect(page.locator("#outcome-title")).to_have_text("Nothing was charged")
    expect(page.get_by_text(PAID)).to_have_count(0)
    emulator.fault("none")

    page.click("#outcome-again")
    expect(page.locator("#outcome-title")).to_have_text(PAID)
    keys = tablet.keys_sent()
    assert len(keys) == 2 and len(set(keys)) == 2, "a 502 is final: Try again is a new attempt"
    assert len(emulator.charges_for(check["id"])) == 1


def test_a_double_tap_on_pay_charges_once(
    tablets: Callable[..., Tablet], live_server: str, emulator: Emulator
) -> None:
    check, tablet, page = on_the_pay_screen(tablets, live_server, "T7")
    emulator.fault("slow", delay_ms=1000)

    pay = page.locator("#pay-button")
    pay.evaluate("button => { button.click(); button.click(); }")  # faster than any thumb
    expect(pay).to_be_disabled()  # and it stays so while the card is at the processor
    expect(page.locator("#outcome-title")).to_have_text(PAID)

    assert len(tablet.payment_posts()) == 1
    assert len(emulator.charges_for(check["id"])) == 1
    payments = Terminal(live_server).check(check["id"])["payments"]
    assert [p["status"] for p in payments] == ["captured"]


def test_a_split_check_is_paid_part_by_part_and_only_the_last_part_frees_the_table(
    tablets: Callable[..., Tablet], live_server: str
) -> None:
    check, _, page = on_the_pay_screen(tablets, live_server, "T13")

    page.click("[data-scope='split']")
    page.click("#split-evenly")  # two guests: two ways
    parts = page.locator(".btn.part")
    expect(parts).to_have_count(2)
    first, second = (check["total_cents"] + 1) // 2, check["total_cents"] // 2

    page.click("#pay-button")
    assert outcome(page) == "partial"
    expect(page.locator("#outcome-title")).to_have_text(
        f"Payment taken — balance now {usd(second)}"
    )
    expect(page.get_by_text(PAID)).to_have_count(0)
    server = Terminal(live_server)
    assert server.table("T13")["status"] == "occupied"

    page.click("#outcome-next")
    expect(page.locator(".btn.part.paid")).to_have_count(1)
    page.click("[data-tender='cash']")
    page.click("#pay-button")
    expect(page.locator("#outcome-title")).to_have_text(PAID)
    payments = server.check(check["id"])["payments"]
    assert [(p["tender"], p["amount_cents"], p["split_part"]) for p in payments] == [
        ("card", first, 1),
        ("cash", second, 2),
    ]
    assert server.table("T13")["status"] == "available"
