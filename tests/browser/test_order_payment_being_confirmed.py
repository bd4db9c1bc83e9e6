"""An online order whose card payment timed out: the guest's order page says "Confirming
your payment…" (never "Received — the kitchen has your order") and the staff's orders
screen says "Confirming payment"; once the guest's retry learns the card was charged, both
move to received without a reload."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from emulator import Emulator
from harness import pause_recovery_of_running_servers, wait_for
from ordering import Guest
from playwright.sync_api import expect
from screens import PHONE, Tablet
from terminal import new_key

pytestmark = pytest.mark.browser


def test_a_timed_out_order_shows_confirming_until_the_charge_is_recorded(
    tablets: Callable[..., Tablet],
    live_server: str,
    emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Only the guest's retry learns the outcome here, so the page is seen before it.
    pause_recovery_of_running_servers(monkeypatch)
    guest = Guest(live_server)
    emulator.fault("timeout_after_charge")
    key = new_key()
    placed = guest.order(key=key, name="Katherine Johnson")
    assert placed.status_code == 504, placed.text

    phone = tablets(pin=None, viewport=PHONE).page
    phone.goto(f"/o/{placed.json()['token']}")
    headline = phone.locator("#status-headline")
    staff = tablets(pin="1234").open("/orders")
    row = staff.locator("#orders tr").filter(has_text="Katherine Johnson")
    expect(headline).to_have_text("Confirming your payment…")
    expect(headline).to_have_attribute("data-status", "confirming")
    expect(phone.locator("#status-steps li.current")).to_have_count(0)
    expect(row.locator(".order-status")).to_have_text("Confirming payment")
    phone.evaluate("window.__sameDocument = true")

    def retry() -> bool:
        answer = guest.order(key=key, name="Katherine Johnson")
        assert answer.status_code in (201, 409), answer.text  # 409: the attempt is still leased
        return answer.status_code == 201

    wait_for(retry, what="the guest's retry to learn the charge", every_s=0.5)
    guest.close()

    expect(headline).to_have_attribute("data-status", "received", timeout=15000)
    expect(headline).to_have_text("Received — the kitchen has your order")
    expect(row.locator(".order-status")).to_have_text("Received", timeout=15000)
    assert phone.evaluate("window.__sameDocument === true")  # no reload
