"""A takeout rung on the floor screen, with no table: the server opens it under the guest's
name, rings, sends and takes cash like any check; the floor lists it beside the tables
until it is paid; the kitchen shows it marked takeout under that name, and its type chips
show only the types the kitchen asks for."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import expect
from screens import PHONE, Tablet
from terminal import Terminal

pytestmark = pytest.mark.browser


def test_a_server_rings_a_takeout_from_the_floor_and_the_kitchen_shows_and_filters_it(
    tablets: Callable[..., Tablet], live_server: str
) -> None:
    # A dine-in ticket already in the kitchen, for the filter to leave out.
    server = Terminal(live_server)
    table = server.seat("T2")
    server.ring(table["id"], "Crispy calamari")
    dine_in = server.send(table["id"])["lines"][0]["ticket_id"]

    kitchen = tablets(pin="5555").open("/kitchen")
    dine_in_card = kitchen.locator(f".ticket[data-ticket-id='{dine_in}']")
    expect(dine_in_card.locator(".type-badge")).to_have_text("Dine in")

    sam = tablets(pin="1234")
    floor = sam.open("/floor")
    expect(floor.locator("#away")).to_be_hidden()  # no takeout open yet
    other_floor = tablets(pin="2345").open("/floor")
    floor.click("#new-takeout")
    floor.click("#takeout-confirm")  # no name yet: asked for one, nothing opened
    expect(floor.locator("#takeout-error")).to_contain_text("name")
    floor.fill("#takeout-name", "Maria")
    floor.fill("#takeout-phone", "555-0142")
    floor.click("#takeout-confirm")
    floor.wait_for_url("**/checks/*")
    expect(floor.locator("#check-title")).to_contain_text("Takeout · Maria")
    expect(floor.locator("#check-title")).not_to_contain_text("null")
    expect(floor.locator("#merge-open")).to_be_hidden()  # no table to merge
    check_id = floor.url.rsplit("/", 1)[1]

    # Another server's floor shows it beside the tables, live.
    card = other_floor.locator(f".away-check[data-check-id='{check_id}']")
    expect(card).to_be_visible()
    expect(card.locator(".away-name")).to_have_text("Maria")
    expect(card.locator(".type-badge")).to_have_text("Takeout")
    assert other_floor.evaluate("window.__sameDocument === true")

    floor.click(".tab:has-text('Drinks')")
    floor.click(".menu-item:has-text('Fresh lemonade')")
    expect(floor.locator(".line.unsent")).to_have_count(1)
    floor.click("#send")
    expect(floor.locator(".line.sent")).to_have_count(1)

    # The kitchen: marked takeout, under the guest's name, live.
    ticket = kitchen.locator(".ticket[data-type='takeout']")
    expect(ticket).to_have_count(1)
    expect(ticket.locator(".type-badge")).to_have_text("Takeout")
    expect(ticket.locator(".ticket-head .where")).to_have_text("Maria")
    expect(ticket).not_to_contain_text("Table")
    # Only takeout: the dine-in ticket goes; the choice survives a reload of the screen.
    chip = kitchen.locator("#type-filter [data-type='takeout']")
    box = chip.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44, box
    chip.click()
    expect(chip).to_have_attribute("aria-pressed", "true")
    expect(dine_in_card).to_have_count(0)
    expect(ticket).to_have_count(1)
    assert "type=takeout" in kitchen.url
    kitchen.goto("/kitchen")
    expect(kitchen.locator("#type-filter [data-type='takeout']")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(kitchen.locator(".ticket[data-type='takeout']")).to_have_count(1)
    expect(kitchen.locator(f".ticket[data-ticket-id='{dine_in}']")).to_have_count(0)
    kitchen.click("#type-filter [data-type='all']")
    expect(kitchen.locator(f".ticket[data-ticket-id='{dine_in}']")).to_have_count(1)

    # Paid in cash like any check: "Paid", and the floor's list lets it go.
    floor.click("#pay")
    floor.click("[data-tender='cash']")
    floor.click("#pay-button")
    expect(floor.locator("#outcome-title")).to_have_text("Paid")
    expect(floor.locator("#outcome-message")).to_contain_text("Takeout · Maria")
    expect(card).to_have_count(0)
    assert Terminal(live_server).check(check_id)["status"] == "closed"
    floor.click("#outcome-floor")
    floor.wait_for_url("**/floor")
    expect(floor.locator("#away")).to_be_hidden()


def test_on_a_phone_the_open_takeouts_are_a_strip_above_the_plan(
    tablets: Callable[..., Tablet], live_server: str
) -> None:
    server = Terminal(live_server)
    for name in ("Ana", "Ben", "Cleo"):
        response = server.post("/checks", {"type": "takeout", "guest_name": name})
        assert response.status_code == 201, response.text
    page = tablets(pin="1234", viewport=PHONE).open("/floor")
    checks = page.locator(".away-check")
    expect(checks).to_have_count(3)
    strip = page.locator("#away").bounding_box()
    plan = page.locator("#floor").bounding_box()
    assert strip is not None and plan is not None
    assert strip["y"] + strip["height"] <= plan["y"] + 1, (strip, plan)
    first = checks.first.bounding_box()
    assert first is not None and first["height"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
