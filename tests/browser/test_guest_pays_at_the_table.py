"""Pay at the table (issue 15), in the browser: a guest's phone (390×844, no login) opened
from the QR code on the server's check screen, and the server's terminal beside it.

The guest page keeps the payment screen's rules (DESIGN invariant 5): "Paid" only when the
server says the check is closed, never a second charge, every retry on the attempt's key."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from emulator import Emulator
from playwright.sync_api import Page, expect
from screens import PAID, PHONE, Tablet, outcome, usd
from terminal import Terminal, new_key

pytestmark = pytest.mark.browser

THANKS = "Paid — thank you"


def a_party_of_three(live_server: str, label: str) -> dict[str, Any]:
    server = Terminal(live_server)
    check = server.seat(label, guests=3)
    server.ring(check["id"], "Pan-roasted salmon", seat=1, options=["Fries"])
    server.ring(check["id"], "Ribeye 12 oz", seat=2, options=["Rare", "Fries"])
    return server.ring(check["id"], "House red (glass)", seat=3)


def guest_link_from_the_check_screen(terminal: Tablet, check_id: str) -> str:
    """The server taps "Guest pays": the QR code and the link it encodes."""
    page = terminal.open(f"/checks/{check_id}")
    page.click("#guest-pays")
    expect(page.locator("#guest-dialog")).to_be_visible()
    qr = page.locator("#guest-qr")
    expect(qr).to_have_attribute("src", re.compile(r"^data:image/svg\+xml"))
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")  # a real image
    url = page.locator("#guest-url").get_attribute("href") or ""
    assert "/g/" in url and check_id not in url
    page.click("#guest-done")
    expect(page.locator("#guest-dialog")).to_be_hidden()
    return url


def phone(tablets: Callable[..., Tablet], url: str) -> tuple[Tablet, Page]:
    guest = tablets(pin=None, viewport=PHONE)
    guest.page.goto(url)
    expect(guest.page.locator("#guest-title")).to_contain_text("Check #")
    guest.page.evaluate("window.__sameDocument = true")  # lost on any reload
    return guest, guest.page


def fits_a_phone(page: Page) -> list[str]:
    """What is wrong with the page on a phone: sideways scrolling, or a control smaller than
    a thumb (44 px)."""
    return list(
        page.evaluate(
            """() => {
              const problems = [];
              if (document.documentElement.scrollWidth > window.innerWidth) {
                problems.push(`scrolls sideways: ${document.documentElement.scrollWidth}px`);
              }
              for (const el of document.querySelectorAll("button, input")) {
                const box = el.getBoundingClientRect();
                if (box.width && box.height < 44) problems.push(`${el.id || el.textContent}`);
              }
              return problems;
            }"""
        )
    )


def test_two_guests_pay_their_seats_by_qr_the_third_pays_cash_and_the_table_frees_after_the_last(
    tablets: Callable[..., Tablet], live_server: str, emulator: Emulator
) -> None:
    check = a_party_of_three(live_server, "T5")
    server = Terminal(live_server)
    terminal = tablets(pin="1234")
    url = guest_link_from_the_check_screen(terminal, check["id"])

    # The server splits by seat on the terminal's payment screen and stays there.
    till = terminal.open(f"/checks/{check['id']}/pay")
    till.click("[data-scope='split']")
    till.click("#split-by-seat")
    expect(till.locator(".btn.part")).to_have_count(3)
    parts = server.check(check["id"])["split"]["parts"]

    # Seat 1 pays from their phone, with an 18 % tip.
    first, first_page = phone(tablets, url)
    assert first_page.viewport_size == PHONE
    assert fits_a_phone(first_page) == []
    expect(first_page.locator("#guest-restaurant")).to_have_text("Demo Bistro")
    expect(first_page.locator("#split-parts .btn.part")).to_have_count(3)
    first_page.click("#split-parts [data-part='1']")
    first_page.click("#tip [data-tip='1800']")
    tip = (parts[0]["amount_cents"] * 1800 + 5000) // 10000
    expect(first_page.locator("#pay-button")).to_have_text(
        f"Pay {usd(parts[0]['amount_cents'] + tip)}"
    )
    first_page.click("#pay-button")
    assert outcome(first_page) == "partial"
    expect(first_page.get_by_text(THANKS)).to_have_count(0)
    # The terminal sees it arrive, live, and the table is still taken.
    expect(till.locator(".payment.captured")).to_have_count(1)
    expect(till.locator(".btn.part.paid")).to_have_count(1)
    assert server.table("T5")["status"] == "occupied"

    # Seat 2 pays from another phone.
    _, second_page = phone(tablets, url)
    expect(second_page.locator("#split-parts .btn.part.paid")).to_have_count(1)
    second_page.click("#split-parts [data-part='2']")
    second_page.click("#pay-button")
    assert outcome(second_page) == "partial"
    expect(till.locator(".payment.captured")).to_have_count(2)
    assert server.table("T5")["status"] == "occupied"
    assert till.evaluate("window.__sameDocument === true")  # live, not reloaded

    # Seat 3 pays cash at the terminal: that frees the table.
    expect(till.locator(".btn.part.paid")).to_have_count(2)
    till.click("[data-tender='cash']")
    till.click("#pay-button")
    expect(till.locator("#outcome-title")).to_have_text(PAID)
    assert server.table("T5")["status"] == "available"
    payments = server.check(check["id"])["payments"]
    assert [(p["tender"], p["split_part"], p["tip_cents"]) for p in payments] == [
        ("card", 1, tip),
        ("card", 2, 0),
        ("cash", 3, 0),
    ]
    assert len(emulator.charges_for(check["id"])) == 2

    # The QR link now shows the check paid — on the open phone without a reload, and anew —
    # and refuses any further payment.
    expect(first_page.locator("#outcome-title")).to_have_text(THANKS, timeout=10000)
    assert first.was_not_reloaded()
    expect(first_page.locator("#pay-form")).to_be_hidden()
    _, later_page = phone(tablets, url)
    expect(later_page.locator("#outcome-title")).to_have_text(THANKS)
    expect(later_page.locator("#pay-button")).to_be_hidden()
    expect(later_page.locator("#guest-lines li")).to_have_count(3)
    token = url.rsplit("/", 1)[1]
    refused = httpx.post(
        f"{live_server}/api/v1/guest/checks/{token}/payments",
        json={"amount_cents": 100, "payment_method": "pm_card_visa"},
        headers={"Idempotency-Key": new_key()},
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "check_not_open"
    assert len(emulator.charges_for(check["id"])) == 2


def guest_page_for(
    tablets: Callable[..., Tablet], live_server: str, label: str
) -> tuple[dict[str, Any], Tablet, Page]:
    server = Terminal(live_server)
    check = server.seat(label, guests=2)
    check = server.ring(check["id"], "Mushroom risotto", seat=1)
    link = server.post(f"/checks/{check['id']}/guest-link").json()
    guest, page = phone(tablets, link["url"])
    return check, guest, page


def test_a_declined_card_on_the_guest_page_shows_the_decline_and_charges_nothing(
    tablets: Callable[..., Tablet], live_server: str, emulator: Emulator
) -> None:
    check, guest, page = guest_page_for(tablets, live_server, "T6")
    page.click("[data-card='pm_card_chargeDeclined']")
    page.click("#pay-button")
    assert outcome(page) == "declined"
    expect(page.locator("#outcome-title")).to_have_text("Card declined")
    expect(page.locator("#outcome-message")).to_contain_text("declined")
    expect(page.get_by_text(THANKS)).to_have_count(0)
    assert emulator.charges_for(check["id"]) == []
    assert Terminal(live_server).check(check["id"])["paid_cents"] == 0

    # Another card is a new attempt, with a new key.
    page.click("#outcome-form")
    page.click("[data-card='pm_card_visa']")
    page.click("#pay-button")
    expect(page.locator("#outcome-title")).to_have_text(THANKS)
    keys = guest.keys_sent()
    assert len(keys) == 2 and len(set(keys)) == 2
    assert len(emulator.charges_for(check["id"])) == 1
    assert Terminal(live_server).table("T6")["status"] == "available"


def test_when_the_processor_times_out_after_charging_the_guest_page_never_says_paid_until_it_is(
    tablets: Callable[..., Tablet], live_server: str, emulator: Emulator
) -> None:
    check, guest, page = guest_page_for(tablets, live_server, "T7")
    emulator.fault("timeout_after_charge")

    page.click("#pay-button")
    expect(page.locator("#outcome-title")).to_have_text("Not confirmed yet", timeout=15000)
    expect(page.get_by_text(THANKS)).to_have_count(0)
    expect(page.locator("#outcome-retry")).to_be_visible()
    assert len(emulator.charges_for(check["id"])) == 1  # the money moved; not yet shown

    for _ in range(3):  # a retry may meet the background recovery finishing it (409)
        if outcome(page) == "paid":
            break
        if page.locator("#outcome-retry").is_visible():
            page.click("#outcome-retry")
        expect(page.locator("#outcome-retry")).to_be_enabled(timeout=15000)
    expect(page.locator("#outcome-title")).to_have_text(THANKS)

    keys = guest.keys_sent()
    assert len(keys) >= 2 and len(set(keys)) == 1, keys
    charges = emulator.charges_for(check["id"])
    assert [(c["amount"], c["status"]) for c in charges] == [(check["total_cents"], "succeeded")]
    server = Terminal(live_server)
    assert server.check(check["id"])["status"] == "closed"
    assert server.table("T7")["status"] == "available"


def test_when_the_processor_fails_the_guest_page_says_nothing_was_charged_and_tries_anew(
    tablets: Callable[..., Tablet], live_server: str, emulator: Emulator
) -> None:
    check, guest, page = guest_page_for(tablets, live_server, "T8")
    emulator.fault("error_500", count=10)

    page.click("#pay-button")
    assert outcome(page) == "failed"
    expect(page.locator("#outcome-title")).to_have_text("Nothing was charged")
    expect(page.get_by_text(THANKS)).to_have_count(0)
    assert emulator.charges_for(check["id"]) == []
    emulator.fault("none")

    page.click("#outcome-again")
    expect(page.locator("#outcome-title")).to_have_text(THANKS)
    keys = guest.keys_sent()
    assert len(keys) == 2 and len(set(keys)) == 2, "a 502 is final: Try again is a new attempt"
    assert len(emulator.charges_for(check["id"])) == 1


def test_a_revoked_link_shows_the_guest_it_no_longer_works(
    tablets: Callable[..., Tablet], live_server: str
) -> None:
    check = a_party_of_three(live_server, "T9")
    terminal = tablets(pin="1234")
    url = guest_link_from_the_check_screen(terminal, check["id"])
    _, guest_page = phone(tablets, url)

    page = terminal.page
    page.click("#guest-pays")
    page.click("#guest-stop")
    expect(page.locator("#guest-dialog")).to_be_hidden()
    expect(guest_page.locator("#outcome-title")).to_have_text(
        "This link does not work any more", timeout=10000
    )
    expect(guest_page.locator("#pay-form")).to_be_hidden()
    guest_page.reload()
    expect(guest_page.locator("#guest-ended")).to_contain_text("does not work any more")
