"""Order ahead and the kiosk (issue 15), in the browser: a guest orders on their phone
(390×844, no login) and pays; the ticket appears on the kitchen display marked online with
the guest's name and pickup time; the kitchen bumps it ready and the guest's order page
shows "Ready for pickup" without a reload. A kiosk, started by a manager's PIN, takes an
order, shows its number large and starts over."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from ordering import Guest
from playwright.sync_api import Page, Request, expect
from screens import PHONE, Tablet

pytestmark = pytest.mark.browser


def the_kitchen_and_a_guests_phone(tablets: Callable[..., Tablet]) -> tuple[Page, Page]:
    """The kitchen display, and a guest's phone (not logged in) on the demo restaurant's
    order-ahead page."""
    board = tablets(pin="5555").open("/kitchen")
    phone = tablets(pin=None, viewport=PHONE).page
    phone.goto("/r/demo")
    expect(phone.locator("#order-restaurant")).to_have_text("Demo Bistro")
    return board, phone


def order_a_draft_ipa(page: Page) -> None:
    """Into an empty cart: one Draft IPA, from the drinks."""
    page.locator("#categories button", has_text="Drinks").click()
    page.locator(".order-item[data-item='Draft IPA']").click()
    expect(page.locator("#cart .cart-line")).to_have_count(1)
    expect(page.locator("#total-total")).to_be_visible()


def test_an_online_order_paid_on_a_phone_goes_to_the_kitchen_and_shows_ready(
    tablets: Callable[..., Tablet],
) -> None:
    board, phone = the_kitchen_and_a_guests_phone(tablets)
    order_a_draft_ipa(phone)
    phone.fill("#pickup-name", "Grace Hopper")
    phone.fill("#pickup-phone", "+1 555 0199")
    expect(phone.locator("#pickup-time option")).not_to_have_count(0)
    phone.click("#pay-button")

    expect(phone).to_have_url(re.compile(r"/o/[A-Za-z0-9_-]{43}$"), timeout=15000)
    headline = phone.locator("#status-headline")
    expect(headline).to_have_attribute("data-status", "received")
    phone.evaluate("window.__sameDocument = true")

    ticket = board.locator("#lane-new .ticket").filter(has_text="Grace Hopper")
    expect(ticket).to_have_count(1)
    expect(ticket.locator(".type-badge")).to_have_text("Online")
    expect(ticket.locator(".pickup")).to_contain_text("Pickup")
    board.wait_for_timeout(600)  # a card that just arrived ignores taps for half a second
    ticket.locator(".ticket-body").click()
    moved = board.locator("#lane-in_progress .ticket").filter(has_text="Grace Hopper")
    expect(moved).to_have_count(1)
    board.wait_for_timeout(600)  # a card that just moved ignores taps for half a second
    moved.locator(".ticket-body").click()
    expect(board.locator("#lane-ready .ticket").filter(has_text="Grace Hopper")).to_have_count(1)

    expect(headline).to_have_attribute("data-status", "ready", timeout=10000)
    expect(headline).to_have_text("Ready for pickup")
    assert phone.evaluate("window.__sameDocument === true")  # no reload

    staff = tablets(pin="1234")
    orders = staff.open("/orders")
    row = orders.locator("#orders tr").filter(has_text="Grace Hopper")
    expect(row).to_have_attribute("data-status", "ready")
    row.get_by_role("button", name="Picked up").click()
    expect(row).to_have_attribute("data-status", "picked_up")
    expect(headline).to_have_attribute("data-status", "picked_up", timeout=10000)


def test_a_declined_card_on_the_phone_says_so_and_makes_no_ticket(
    tablets: Callable[..., Tablet],
) -> None:
    board, phone = the_kitchen_and_a_guests_phone(tablets)
    order_a_draft_ipa(phone)
    phone.fill("#pickup-name", "Alan Turing")
    phone.fill("#pickup-phone", "555 0123")
    phone.locator("#card-choice [data-card='pm_card_chargeDeclined']").click()
    phone.click("#pay-button")

    box = phone.locator("#outcome")
    expect(box).to_have_attribute("data-kind", "declined", timeout=15000)
    expect(box).to_contain_text("Nothing was charged")
    expect(board.locator(".ticket").filter(has_text="Alan Turing")).to_have_count(0)


def test_a_paused_restaurant_takes_no_orders_and_says_why(
    tablets: Callable[..., Tablet],
) -> None:
    manager = tablets(pin="9999")
    screen = manager.open("/orders")
    screen.click("#pause-toggle")
    expect(screen.locator("#accepting")).to_have_text("Online ordering paused")
    guest = tablets(pin=None, viewport=PHONE)
    guest.page.goto("/r/demo")
    expect(guest.page.locator("#paused")).to_contain_text("not taking online orders")
    expect(guest.page.locator("#checkout")).to_be_hidden()
    screen.click("#pause-toggle")
    expect(screen.locator("#accepting")).to_have_text("Taking online orders")


def test_a_kiosk_takes_an_order_shows_its_number_and_starts_over(
    tablets: Callable[..., Tablet],
) -> None:
    kitchen = tablets(pin="5555")
    board = kitchen.open("/kitchen")
    tablet = tablets(pin=None)
    page = tablet.page
    page.goto("/r/demo/kiosk")
    expect(page.locator("#kiosk-setup")).to_be_visible()
    page.fill("#kiosk-pin", "9999")
    page.click("#kiosk-start")
    expect(page.locator("#order-layout")).to_be_visible()
    # The manager's login was not kept on the kiosk.
    assert not [c for c in tablet.context.cookies() if c["name"] == "tableside_token"]

    order_a_draft_ipa(page)
    page.click("#pay-button")

    number = page.locator("#outcome-number")
    expect(number).to_be_visible(timeout=15000)
    assert (number.text_content() or "").startswith("#")
    ticket = board.locator("#lane-new .ticket").filter(has_text="KIOSK")
    expect(ticket).to_have_count(1)
    expect(ticket).to_contain_text(f"Kiosk {number.text_content()}")

    page.click("#outcome-new")
    expect(page.locator("#outcome")).to_be_hidden()
    expect(page.locator("#cart .cart-line")).to_have_count(0)
    # After a reload the tablet is still a kiosk (it kept its key).
    page.reload()
    expect(page.locator("#order-layout")).to_be_visible()


def test_an_order_page_on_a_phone_put_away_asks_nothing_and_catches_up_when_looked_at(
    tablets: Callable[..., Tablet], live_server: str
) -> None:
    guest = Guest(live_server)
    placed = guest.order(name="Hedy Lamarr")
    guest.close()
    assert placed.status_code == 201, placed.text
    phone = tablets(pin=None, viewport=PHONE).page
    phone.clock.install()  # the page's timers run only as far as the test moves the clock
    asked: list[str] = []
    phone.on("request", lambda r: asked.append(r.url))
    phone.goto(f"/o/{placed.json()['token']}")
    expect(phone.locator("#status-headline")).to_have_attribute("data-status", "received")
    phone.clock.pause_at(time.time() * 1000 + 1000)

    with phone.expect_request(asks_about_the_order):
        phone.clock.run_for(3100)  # every 3 s while in view

    put_away(phone, True)
    before = len(asked)
    phone.clock.run_for(60_000)
    phone.wait_for_timeout(300)  # a request the page made would be seen by now
    assert len(asked) == before

    with phone.expect_request(asks_about_the_order):
        put_away(phone, False)  # at once, not at the next tick
    with phone.expect_request(asks_about_the_order):
        phone.clock.run_for(3100)


def asks_about_the_order(request: Request) -> bool:
    return "/api/v1/public/orders/" in request.url


def put_away(page: Page, away: bool) -> None:
    """The phone's screen turned off (or the tab left), or back: as the browser tells a page."""
    page.evaluate(
        """(away) => {
            Object.defineProperty(document, "visibilityState", {
                value: away ? "hidden" : "visible",
                configurable: true,
            });
            document.dispatchEvent(new Event("visibilitychange"));
        }""",
        away,
    )
