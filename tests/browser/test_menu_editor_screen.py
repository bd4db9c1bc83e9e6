"""The menu editor screen (/manager/menu): a manager builds a menu by touch, the check
screen's menu follows without a reload, refusals are shown in the API's words, and a menu
file is imported (or refused, naming its line) — on a tablet and on a phone."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from new_restaurant import PINS, open_new_restaurant, staff
from playwright.sync_api import APIResponse, Page, Route, expect
from screens import PHONE, Tablet

from tableside.core.unit_of_work import Database

pytestmark = pytest.mark.browser


def assert_touch_friendly(page: Page, width: int) -> None:
    """Nothing wider than the screen; every visible control at least 44 px tall."""
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width
    small = page.evaluate(
        """() => [...document.querySelectorAll('main button, main a.btn, main input, main select')]
            .filter((e) => e.offsetParent !== null && e.type !== 'checkbox')
            .filter((e) => e.getBoundingClientRect().height < 44)
            .map((e) => e.outerHTML.slice(0, 80))"""
    )
    assert small == []


def test_a_manager_builds_a_menu_by_touch_and_the_check_screen_follows_without_reloading(
    tablets: Callable[..., Tablet], live_server: str, db: Database
) -> None:
    place = open_new_restaurant(db)
    server = staff(live_server, place, "server")
    check = server.seat("A1")
    floor = tablets(PINS["server"], restaurant=place.slug)
    check_screen = floor.open(f"/checks/{check['id']}")

    manager = tablets(PINS["manager"], restaurant=place.slug)
    manager.open("/manager")
    manager.page.get_by_role("link", name="Menu", exact=True).click()
    expect(manager.page.locator("#live")).to_have_attribute("data-state", "live")
    page = manager.page
    page.evaluate("window.__sameDocument = true")  # from here on, no reload
    expect(page.locator("#items-empty")).to_contain_text("Add a category first")

    page.locator("#new-category").fill("Mains")
    page.locator("#add-category button").click()
    expect(page.locator("#categories li")).to_have_count(1)
    expect(page.locator("#items-title")).to_have_text("Mains")
    expect(page.locator("#new-item-name")).to_be_focused()  # ready for the first item
    page.locator("#new-item-name").fill("Burger")
    page.locator("#new-item-price").fill("15")
    page.locator("#add-item button").click()
    expect(page.locator("#items li")).to_have_text("Burger$15.00↑↓")
    expect(check_screen.locator(".menu-item", has_text="Burger")).to_be_visible()

    # The same name again is refused, in the API's words; nothing is added.
    page.locator("#new-item-name").fill("burger ")
    page.locator("#new-item-price").fill("9.50")
    page.locator("#add-item button").click()
    expect(page.locator(".toast.bad")).to_contain_text(
        "There is already a menu item named 'burger' in Mains"
    )
    expect(page.locator("#items li")).to_have_count(1)

    # The item's sheet: price, tax rate, station, allergens; then its modifier groups.
    page.get_by_role("button", name="Edit Burger").click()
    sheet = page.locator("#item-dialog")
    expect(sheet).to_be_visible()
    sheet.locator("#item-price").fill("16.50")
    sheet.locator("#item-tax").select_option(label="Food (10 %)")
    sheet.locator("#item-station").fill("grill")
    sheet.locator("#item-allergens").fill("gluten; dairy")
    sheet.locator("#item-save").click()
    expect(page.locator(".toast.good")).to_contain_text("Burger saved")
    sheet.locator("#new-group-name").fill("Temperature")
    sheet.locator("#new-group-min").fill("1")
    sheet.locator("#new-group-add").click()
    group = sheet.locator(".group-edit", has_text="Temperature")
    expect(group).to_be_visible()
    for option in ("Rare", "Medium"):
        group.get_by_label("New option of Temperature", exact=True).fill(option)
        group.get_by_role("button", name="Add an option to Temperature").click()
        expect(group.locator(f"li input[value='{option}']")).to_have_count(1)
    # A group whose minimum is over its maximum is refused where it was typed.
    group.get_by_label("Temperature: at least").fill("3")
    group.get_by_role("button", name="Save Temperature").click()
    expect(group.locator(".message.error")).to_have_text(
        "A modifier group's minimum (3) cannot be more than its maximum (1)."
    )
    assert_touch_friendly(page, 1024)
    sheet.locator("#item-close").click()

    burger = next(i for i in server.get("/menu").json()["items"] if i["name"] == "Burger")
    assert burger["price_cents"] == 1650
    assert burger["tax_rate_id"] == place.tax_rates["Food"]
    assert (burger["station"], burger["allergens"]) == ("grill", ["gluten", "dairy"])
    temperature = burger["modifier_groups"][0]
    assert (temperature["name"], temperature["min"], temperature["max"]) == ("Temperature", 1, 1)
    assert [o["name"] for o in temperature["options"]] == ["Rare", "Medium"]
    expect(check_screen.locator(".menu-item", has_text="Burger")).to_contain_text("$16.50")

    # Archived, it leaves the check screen's menu at once; restored, it comes back.
    page.get_by_role("button", name="Edit Burger").click()
    sheet.locator("#item-archive").click()
    expect(page.locator(".toast.good")).to_contain_text("Burger is off the menu")
    expect(page.locator("#items li")).to_have_count(0)
    expect(check_screen.locator(".menu-item", has_text="Burger")).to_have_count(0)
    page.locator("#show-archived").check()
    page.get_by_role("button", name="Restore Burger").click()
    expect(check_screen.locator(".menu-item", has_text="Burger")).to_be_visible()
    assert floor.was_not_reloaded() and manager.was_not_reloaded()


def test_the_next_item_typed_before_the_last_one_is_confirmed_is_kept(
    tablets: Callable[..., Tablet], live_server: str, db: Database
) -> None:
    place = open_new_restaurant(db)
    manager = tablets(PINS["manager"], restaurant=place.slug)
    page = manager.open("/manager/menu")
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    page.locator("#new-category").fill("Mains")
    page.locator("#add-category button").click()
    expect(page.locator("#new-item-name")).to_be_focused()

    # The server saves the burger at once, but its answer reaches the tablet only later: the
    # live feed shows the burger first, and the manager types the next item meanwhile.
    answers: list[tuple[Route, APIResponse]] = []

    def hold_the_answer(route: Route) -> None:
        answers.append((route, route.fetch()))

    page.route("**/api/v1/menu/items", hold_the_answer)
    page.locator("#new-item-name").fill("Burger")
    page.locator("#new-item-price").fill("15")
    page.locator("#add-item button").click()
    expect(page.locator("#items li", has_text="Burger")).to_be_visible()
    page.locator("#new-item-name").fill("Fish")
    page.locator("#new-item-price").fill("18")
    assert len(answers) == 1
    route, answer = answers.pop()
    route.fulfill(response=answer)

    expect(page.locator(".toast.good")).to_have_text("Burger added")
    expect(page.locator("#new-item-name")).to_have_value("Fish")
    expect(page.locator("#new-item-price")).to_have_value("18")
    page.unroute("**/api/v1/menu/items")
    page.locator("#add-item button").click()
    expect(page.locator(".toast.good")).to_have_text("Fish added")
    expect(page.locator("#items li")).to_have_count(2)
    expect(page.locator("#new-item-name")).to_have_value("")
    expect(page.locator("#new-item-name")).to_be_focused()


def test_a_menu_file_is_imported_on_the_screen_and_a_bad_row_is_named(
    tablets: Callable[..., Tablet], live_server: str, db: Database
) -> None:
    place = open_new_restaurant(db)
    manager = tablets(PINS["manager"], viewport=PHONE, restaurant=place.slug)
    page = manager.open("/manager/menu")
    assert_touch_friendly(page, PHONE["width"])

    page.locator("#import-open").click()
    bad = "category,item,price_cents\nMains,Steak,28.00\nMains,Fish,2400\n"
    page.locator("#import-file").set_input_files(
        {"name": "menu.csv", "mimeType": "text/csv", "buffer": bad.encode()}
    )
    page.locator("#import-go").click()
    problems = page.locator("#import-error")
    expect(problems).to_contain_text("Nothing was imported")
    expect(problems).to_contain_text("line 2: price_cents is in cents")
    assert staff(live_server, place, "server").get("/menu").json()["items"] == []

    good = bad.replace("28.00", "2800") + "Drinks,Pale ale,700\n"
    page.locator("#import-file").set_input_files(
        {"name": "menu.csv", "mimeType": "application/vnd.ms-excel", "buffer": good.encode()}
    )
    page.locator("#import-go").click()
    expect(page.locator("#import-result")).to_contain_text("Imported 3 rows: 3 items added")
    expect(problems).to_be_hidden()
    assert_touch_friendly(page, PHONE["width"])
    page.locator("#import-close").click()
    expect(page.locator("#categories li")).to_have_count(2)
    expect(page.locator("#items li")).to_have_count(2)
    assert_touch_friendly(page, PHONE["width"])
    assert manager.was_not_reloaded()


def test_servers_and_the_kitchen_are_sent_to_their_own_screens(
    tablets: Callable[..., Tablet], live_server: str, db: Database
) -> None:
    place = open_new_restaurant(db)
    for role, home in (("server", "/floor"), ("kitchen", "/kitchen")):
        tablet = tablets(PINS[role], restaurant=place.slug)
        tablet.page.goto("/manager/menu")
        expect(tablet.page).to_have_url(f"{live_server}{home}")
