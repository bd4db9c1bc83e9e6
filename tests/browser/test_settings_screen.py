"""The owner sets the restaurant up on the settings screen, and the floor follows: prices
with tax included, a new tax rate, tip choices on the pay screen, a large party's service
charge and the receipt's footer; the data downloads from the same screen."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from new_restaurant import PINS, add_menu_items, open_new_restaurant, staff
from playwright.sync_api import expect
from screens import Tablet

from tableside.core.unit_of_work import Database

pytestmark = pytest.mark.browser


def test_the_owner_sets_prices_tax_tips_service_and_receipt_and_the_floor_follows(
    tablets: Callable[..., Tablet], live_server: str, db: Database
) -> None:
    place = open_new_restaurant(db, tables=("A1",))
    page = tablets(PINS["owner"], restaurant=place.slug).open("/manager/settings")
    expect(page.locator("h1")).to_have_text("Settings")

    page.fill("#name", "Chez Lou")
    page.fill("#currency", "eur")  # refused in the API's words, nothing saved
    page.click("#restaurant-save")
    expect(page.locator("#restaurant-error")).to_contain_text("ISO 4217")
    page.fill("#currency", "EUR")
    page.click("#restaurant-save")
    expect(page.locator("#restaurant-error")).to_be_hidden()

    page.click("#prices [data-include='true']")
    page.click("#pricing-save")
    expect(page.locator("#prices [data-include='true']")).to_have_attribute("aria-checked", "true")

    page.fill("#new-rate-name", "Takeaway")
    page.fill("#new-rate-percent", "5.5")
    page.click("#add-rate button[type='submit']")
    expect(page.locator("#tax-rates li input[aria-label='Takeaway: percent']")).to_have_value("5.5")
    page.click("#tax-rates [aria-label='Archive Food']")
    expect(page.locator("#tax-rates [aria-label='Food: name']")).to_have_count(0)
    expect(page.locator("#tax-rates li")).to_have_count(2)  # Alcohol and Takeaway

    page.fill("#tip-presets", "10, 12.5")
    expect(page.locator("#max-tip")).to_have_value("100")
    page.fill("#max-tip", "50")
    page.fill("#service-percent", "15")
    page.click("#service-save")
    expect(page.locator("#service-error")).to_contain_text("guests")  # for parties of how many?
    page.fill("#service-guests", "6")
    page.click("#service-save")
    expect(page.locator("#service-error")).to_be_hidden()
    page.fill("#receipt-footer", "Merci, à bientôt")
    page.click("#receipt-save")
    expect(page.locator(".toast")).to_contain_text("Receipt saved")

    settings = staff(live_server, place, "owner").get("/restaurant").json()
    assert (settings["name"], settings["currency"], settings["prices_include_tax"]) == (
        "Chez Lou",
        "EUR",
        True,
    )
    assert (settings["tip_presets_bp"], settings["max_tip_bp"]) == ([1000, 1250], 5000)
    assert (settings["service_charge_bp"], settings["service_charge_min_guests"]) == (1500, 6)
    assert settings["receipt_footer"] == "Merci, à bientôt"
    assert [(r["name"], r["rate_bp"]) for r in settings["tax_rates"]] == [
        ("Alcohol", 2000),
        ("Takeaway", 550),
    ]

    with page.expect_download() as download:
        page.click("#export")
    exported = json.loads(download.value.path().read_text())
    assert exported["restaurant"]["name"] == "Chez Lou"

    # The floor: a party of six, tax inside the prices, the service charge on its own line,
    # the owner's tip choices, and the footer once the check is paid.
    # The soup is taxed at the default rate, 8.25 %.
    soup = add_menu_items(db, place.id, "Mains", {"Soup": {"price_cents": 1_100}})["Soup"]
    server = staff(live_server, place, "server")
    check = server.post(f"/tables/{place.tables['A1']}/seat", {"guests": 6}).json()
    server.post(f"/checks/{check['id']}/lines", {"menu_item_id": soup})
    floor = tablets(PINS["server"], restaurant=place.slug)
    pay = floor.open(f"/checks/{check['id']}/pay")
    expect(pay.locator("[data-total='service charge']")).to_have_text("€1.65")
    expect(pay.locator("[data-total='tax included']")).to_have_text("€0.84")
    expect(pay.locator("[data-total='tax']")).to_have_count(0)
    expect(pay.locator("[data-total='total']")).to_have_text("€12.65")
    expect(pay.locator("#tip [data-tip]")).to_have_text(["No tip", "10%", "12.5%", "Custom"])
    pay.click("#tender [data-tender='cash']")
    pay.click("#tip [data-tip='1250']")
    pay.fill("#cash-tendered", "20.00")
    pay.click("#pay-button")
    expect(pay.locator("#outcome-title")).to_contain_text("Paid")
    expect(pay.locator("#receipt-footer")).to_have_text("Merci, à bientôt")
    paid = server.check(check["id"])
    assert (paid["status"], paid["tip_cents"]) == ("closed", 158)  # 12.5 % of 12.65

    # The owner turns the service charge off: its party size goes with it.
    page.fill("#service-percent", "")
    page.fill("#service-guests", "")
    page.click("#service-save")
    expect(page.locator(".toast")).to_contain_text("Tips and service charge saved")
    settings = staff(live_server, place, "owner").get("/restaurant").json()
    assert (settings["service_charge_bp"], settings["service_charge_min_guests"]) == (0, None)


def test_a_manager_is_not_shown_the_settings(tablets: Callable[..., Tablet]) -> None:
    page = tablets(pin="9999").open("/manager")
    expect(page.locator(".back-office a")).not_to_contain_text(["Settings"])
    page.goto("/manager/settings")
    expect(page).not_to_have_url("**/manager/settings")
