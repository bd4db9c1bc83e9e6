"""Ringing on a Friday: Send and Pay never scroll away, the line just rung is in view, an
item without options rings on one tap, a toast never sits on the seat picker, and the
category tabs show that there are more of them — on the tablet and on the phone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect
from screens import PHONE, TABLET, Tablet
from terminal import Terminal

pytestmark = pytest.mark.browser

SIZES = {"tablet": TABLET, "phone": PHONE}

A_BUSY_TABLE = [
    "Crispy calamari",
    "Burrata & heirloom tomato",
    "Mushroom risotto",
    "Truffle fries",
    "Grilled asparagus",
    "Chocolate torte",
    "Crème brûlée",
    "Sparkling water",
    "Mushroom risotto",
    "Truffle fries",
]


def a_long_check(live_server: str, label: str) -> dict[str, Any]:
    server = Terminal(live_server)
    check = server.seat(label, guests=3)
    for i, name in enumerate(A_BUSY_TABLE):
        check = server.ring(check["id"], name, seat=i % 3 + 1)
    return check


def box(locator: Locator) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None, f"{locator} is not on the page"
    return found


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def in_view(page: Page, locator: Locator) -> bool:
    """Inside the window, and the topmost thing at its centre (not covered, not clipped)."""
    return bool(
        locator.evaluate(
            """node => {
                const r = node.getBoundingClientRect();
                if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) {
                    return false;
                }
                const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                return hit === node || node.contains(hit);
            }"""
        )
    )


def page_height(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollHeight"))


@pytest.mark.parametrize("size", ["tablet", "phone"])
def test_send_and_pay_stay_in_view_on_a_long_check_and_the_line_just_rung_scrolls_into_view(
    tablets: Callable[..., Tablet], live_server: str, size: str
) -> None:
    label = {"tablet": "T9", "phone": "T10"}[size]
    check = a_long_check(live_server, label)
    tablet = tablets(pin="1234", viewport=SIZES[size])
    page = tablet.open(f"/checks/{check['id']}")
    expect(page.locator(".line")).to_have_count(len(A_BUSY_TABLE))

    height = SIZES[size]["height"]
    assert page_height(page) <= height, "the check screen grew taller than the screen"
    for button in ("#send", "#pay"):
        assert in_view(page, page.locator(button)), f"{button} is not in view"

    # The list is read from the top; a line rung on the last seat lands out of sight...
    page.locator("#lines").evaluate("node => { node.scrollTop = 0; }")
    page.click(".btn.seat[data-seat='3']")
    page.click(".tab:has-text('Sides')")
    page.click(".menu-item:has-text('Grilled asparagus')")
    expect(page.locator(".line")).to_have_count(len(A_BUSY_TABLE) + 1)
    # ...and is brought into view (inside the visible part of the check's list), marked as
    # just rung. The live feed redraws the list now and then: each look finds it afresh.
    rung = page.locator(".line.just-rung")
    expect(rung).to_have_count(1)
    expect(rung).to_contain_text("Grilled asparagus")
    page.wait_for_function(
        """() => {
            const node = document.querySelector('#lines .line.just-rung');
            if (!node) return false;
            const list = document.querySelector('#lines').getBoundingClientRect();
            const r = node.getBoundingClientRect();
            return r.top >= list.top - 1 && r.bottom <= list.bottom + 1
                && r.bottom <= innerHeight;
        }"""
    )
    assert page_height(page) <= height
    for button in ("#send", "#pay"):
        assert in_view(page, page.locator(button)), f"{button} left the screen after a ring"
    expect(page.locator("#send")).to_have_text(f"Send {len(A_BUSY_TABLE) + 1} to kitchen")


@pytest.mark.parametrize("size", ["tablet", "phone"])
def test_an_item_without_options_rings_on_one_tap_and_no_toast_covers_the_seat_picker(
    tablets: Callable[..., Tablet], live_server: str, size: str
) -> None:
    label = {"tablet": "T11", "phone": "T12"}[size]
    server = Terminal(live_server)
    check = server.seat(label, guests=2)
    tablet = tablets(pin="1234", viewport=SIZES[size])
    page = tablet.open(f"/checks/{check['id']}")

    page.click(".btn.seat[data-seat='2']")
    page.click(".tab:has-text('Sides')")
    fries = page.locator(".menu-item:has-text('Truffle fries')")
    fries.click()
    expect(page.locator(".line")).to_have_count(1)
    expect(page.locator("#item-dialog")).not_to_be_visible()  # no dialog, no Add
    # Two more taps, as fast as a thumb: two more portions, in order, on seat 2.
    fries.click()
    fries.click()
    expect(page.locator(".seat-group[data-seat='2'] .line")).to_have_count(3)
    expect(page.locator("#item-dialog")).not_to_be_visible()
    expect(page.locator(".toast")).to_have_count(0)  # a ring is confirmed by its line
    lines = server.check(check["id"])["lines"]
    assert [(line["name"], line["seat"], line["quantity"]) for line in lines] == [
        ("Truffle fries", 2, 1)
    ] * 3

    # An item with options still asks for them.
    page.click(".tab:has-text('Starters')")
    page.click(".menu-item:has-text('Chicken wings')")
    expect(page.locator("#item-dialog")).to_be_visible()
    page.click(".option:has-text('BBQ')")
    page.click("#item-add")
    expect(page.locator(".line")).to_have_count(4)

    # An item without options can still carry a note (or a quantity): its pencil.
    page.click(".menu-more[aria-label='Crispy calamari with a note or quantity']")
    expect(page.locator("#item-dialog")).to_be_visible()
    page.fill("#item-note", "no lemon")
    page.click("#qty-plus")
    page.click("#item-add")
    expect(page.locator(".line")).to_have_count(5)
    expect(page.locator(".line.just-rung .note")).to_have_text("no lemon")
    expect(page.locator(".line.just-rung .qty")).to_have_text("2×")

    # Confirmations come one at a time, and never over the seat picker.
    page.click("#send")
    expect(page.locator(".toast")).to_have_text("Sent to the kitchen")
    page.evaluate("TS.toast('first'); TS.toast('second')")
    expect(page.locator(".toast")).to_have_count(1)
    expect(page.locator(".toast")).to_have_text("second")
    toast = box(page.locator(".toast"))
    for covered in ("#seats", "#categories", "#send", "#pay"):
        assert not overlap(toast, box(page.locator(covered))), f"the toast covers {covered}"


@pytest.mark.parametrize("size", ["tablet", "phone"])
def test_the_category_tabs_show_that_there_are_more_to_scroll_to(
    tablets: Callable[..., Tablet], live_server: str, size: str
) -> None:
    label = {"tablet": "T13", "phone": "T14"}[size]
    check = Terminal(live_server).seat(label, guests=2)
    tablet = tablets(pin="1234", viewport=SIZES[size])
    page = tablet.open(f"/checks/{check['id']}")
    tabs = page.locator("#categories")
    scroller = page.locator(".scroller:has(#categories)")

    drinks = page.locator(".tab:has-text('Drinks')")
    assert not in_view(page, drinks), "every tab fits: nothing to show"
    expect(scroller).to_have_attribute("data-more", "after")
    expect(scroller.locator(".scroll-next")).to_be_visible()
    expect(scroller.locator(".scroll-prev")).to_be_hidden()

    while scroller.get_attribute("data-more") in ("after", "both"):
        scroller.locator(".scroll-next").click()
        page.wait_for_timeout(400)  # the smooth scroll
    assert tabs.evaluate("node => node.scrollLeft") > 0
    expect(scroller).to_have_attribute("data-more", "before")
    expect(scroller.locator(".scroll-prev")).to_be_visible()
    expect(scroller.locator(".scroll-next")).to_be_hidden()
    assert in_view(page, drinks)
    drinks.click()
    expect(page.locator(".menu-item:has-text('Sparkling water')")).to_be_visible()
