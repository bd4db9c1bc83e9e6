"""The staff screen (/manager/staff): a manager adds a server, who then logs in with the new
PIN; deactivated, that server's floor is logged out at once and the PIN opens nothing."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from new_restaurant import PINS, open_new_restaurant
from playwright.sync_api import expect
from screens import Tablet, log_in

from tableside.core.unit_of_work import Database

pytestmark = pytest.mark.browser


def test_a_manager_adds_a_server_who_logs_in_and_is_logged_out_when_deactivated(
    tablets: Callable[..., Tablet], live_server: str, db: Database
) -> None:
    place = open_new_restaurant(db)
    manager = tablets(PINS["manager"], restaurant=place.slug)
    manager.open("/manager")
    manager.page.get_by_role("link", name="Staff", exact=True).click()
    expect(manager.page.locator("#live")).to_have_attribute("data-state", "live")
    page = manager.page
    # A manager may give the server and kitchen roles only.
    expect(page.locator("#new-role option")).to_have_count(2)
    pin = f"{random.randrange(100_000, 1_000_000)}"
    page.locator("#new-name").fill("Jo Park")
    page.locator("#new-role").select_option("server")
    page.locator("#new-pin").fill(pin)
    page.locator("#add-staff button").click()
    jo = page.locator("#staff li", has_text="Jo Park")
    expect(jo).to_contain_text("Active")

    # The same PIN again: refused in the API's words.
    page.locator("#new-name").fill("Copycat")
    page.locator("#new-pin").fill(pin)
    page.locator("#add-staff button").click()
    expect(page.locator("#add-error")).to_have_text("That PIN is taken; choose another.")

    tablet = tablets(pin=None)
    log_in(tablet.page, place.slug, pin)
    expect(tablet.page).to_have_url(f"{live_server}/floor")
    expect(tablet.page.locator("#live")).to_have_attribute("data-state", "live")
    expect(tablet.page.locator(".who-name")).to_have_text("Jo Park")

    jo.get_by_role("button", name="Deactivate Jo Park").click()
    expect(jo).to_contain_text("Deactivated")
    # Jo's tablet is told at once and goes back to the PIN pad.
    expect(tablet.page).to_have_url(f"{live_server}/", timeout=8000)
    log_in(tablet.page, place.slug, pin)
    expect(tablet.page.locator("#login-error")).to_have_text("Wrong PIN. Try again.")
