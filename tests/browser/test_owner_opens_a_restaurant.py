"""An owner opens a restaurant from scratch: ``tableside restaurant create`` on the command
line, then only the screens — two tax rates on the settings, a menu of three categories
with a modifier group, a floor of six tables, two servers. One of those servers logs in on
a fresh tablet, seats a table, rings, sends and takes cash, and the check is taxed at each
item's own rate (issue 14's first "Must show")."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from new_restaurant import open_chez_lou
from playwright.sync_api import Page, expect
from screens import PAID, Tablet, log_in
from terminal import Terminal

pytestmark = pytest.mark.browser

FOOD_BP, ALCOHOL_BP = 1000, 2000
# name, category, price, tax rate's name
MENU = [
    ("Onion soup", "Starters", "8.75", "Food"),
    ("Steak frites", "Mains", "24.00", "Food"),
    ("Mushroom risotto", "Mains", "19.50", "Food"),
    ("House red", "Drinks", "7.25", "Alcohol"),
    ("Lemonade", "Drinks", "4.00", "Food"),
]
SERVERS = [("Ana Ruiz", "24680"), ("Ben Okafor", "13579")]


def eur(cents: int) -> str:
    return f"€{cents / 100:,.2f}"


def half_up(cents: int, rate_bp: int) -> int:
    """``rate_bp`` of ``cents``, rounded half up (docs/payments.md: once per rate)."""
    return (cents * rate_bp + 5_000) // 10_000


def back_office(page: Page, screen: str) -> Page:
    """From wherever the owner is, the top bar's Manager, then that screen's button."""
    page.locator(".topnav").get_by_role("link", name="Manager", exact=True).click()
    page.locator(".back-office").get_by_role("link", name=screen, exact=True).click()
    expect(page.locator("h1")).to_have_text(screen)
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    return page


def set_tax_rates(page: Page) -> None:
    for name, bp in (("Food", FOOD_BP), ("Alcohol", ALCOHOL_BP)):
        page.fill("#new-rate-name", name)
        page.fill("#new-rate-percent", f"{bp / 100:g}")
        page.click("#add-rate button[type='submit']")
        expect(page.locator(f"#tax-rates input[aria-label='{name}: percent']")).to_have_value(
            f"{bp / 100:g}"
        )
    expect(page.locator("#tax-rates li")).to_have_count(2)
    expect(page.locator("#rates-error")).to_be_hidden()


def build_menu(page: Page) -> None:
    sheet = page.locator("#item-dialog")
    for category in dict.fromkeys(c for _, c, _, _ in MENU):
        page.fill("#new-category", category)
        page.click("#add-category button")
        expect(page.locator("#items-title")).to_have_text(category)
        for name, _, price, rate in (row for row in MENU if row[1] == category):
            page.fill("#new-item-name", name)
            page.fill("#new-item-price", price)
            page.click("#add-item button")
            page.get_by_role("button", name=f"Edit {name}").click()
            expect(sheet).to_be_visible()
            sheet.locator("#item-tax").select_option(
                label=f"{rate} ({(FOOD_BP if rate == 'Food' else ALCOHOL_BP) / 100:g} %)"
            )
            sheet.locator("#item-save").click()
            expect(page.locator(".toast.good", has_text=f"{name} saved")).to_be_visible()
            if name == "Steak frites":
                add_group(page, "Cooking", 1, 1, [("Rare", ""), ("Medium", ""), ("Well done", "")])
                add_group(page, "Sauce", 0, 1, [("Pepper sauce", "2.50"), ("Béarnaise", "2.50")])
            sheet.locator("#item-close").click()
            expect(sheet).to_be_hidden()
    expect(page.locator("#categories li")).to_have_count(3)


def add_group(page: Page, name: str, low: int, high: int, options: list[tuple[str, str]]) -> None:
    sheet = page.locator("#item-dialog")
    sheet.locator("#new-group-name").fill(name)
    sheet.locator("#new-group-min").fill(str(low))
    sheet.locator("#new-group-max").fill(str(high))
    sheet.locator("#new-group-add").click()
    group = sheet.locator(".group-edit", has_text=name)
    expect(group).to_be_visible()
    for option, price in options:
        group.get_by_label(f"New option of {name}", exact=True).fill(option)
        group.get_by_label(f"New option of {name}: price", exact=True).fill(price)
        group.get_by_role("button", name=f"Add an option to {name}").click()
        expect(group.locator(f"li input[value='{option}']")).to_have_count(1)


def draw_floor(page: Page) -> None:
    page.fill("#new-section", "Room")
    page.click("#add-section button")
    expect(page.locator("#sections li")).to_have_count(1)
    # The first table dragged onto the plan, the other five tapped in (the first free place).
    page.evaluate("window.scrollTo(0, 0)")  # the section's field scrolled the plan away
    palette = page.locator("#new-table").bounding_box()
    plan = page.locator("#plan").bounding_box()
    assert palette is not None and plan is not None
    cell = plan["width"] / 40
    page.mouse.move(palette["x"] + palette["width"] / 2, palette["y"] + palette["height"] / 2)
    page.mouse.down()
    page.mouse.move(plan["x"] + 20.5 * cell, plan["y"] + 10.5 * cell, steps=12)
    page.mouse.up()
    expect(page.locator(".plan-table")).to_have_count(1)
    for count in range(2, 7):
        page.click("#new-table")
        expect(page.locator(".plan-table")).to_have_count(count)
    expect(page.locator(".plan-table")).to_have_count(6)
    expect(page.locator('.plan-table[data-label="T1"]')).to_have_attribute(
        "aria-label", "Table T1, seats 4, Room"
    )


def hire_servers(page: Page) -> None:
    for name, pin in SERVERS:
        page.fill("#new-name", name)
        page.locator("#new-role").select_option("server")
        page.fill("#new-pin", pin)
        page.click("#add-staff button")
        expect(page.locator("#staff li", has_text=name)).to_contain_text("Active")
    expect(page.locator("#add-error")).to_be_hidden()


def test_an_owner_builds_a_new_restaurant_on_the_screens_and_a_server_settles_a_check_there(
    tablets: Callable[..., Tablet], live_server: str, database_url: str
) -> None:
    slug, owner_pin = open_chez_lou(database_url)

    # The owner, on a tablet of their own, through the login screen's PIN pad.
    owner = tablets(pin=None)
    log_in(owner.page, slug, owner_pin)
    owner.page.wait_for_url("**/floor")
    empty = owner.page.locator(".floor-empty")  # a restaurant just opened has no tables yet
    expect(empty).to_contain_text("No tables on the floor yet")
    expect(empty.get_by_role("link", name="Draw the floor plan")).to_have_attribute(
        "href", "/manager/floor"
    )
    set_tax_rates(back_office(owner.page, "Settings"))
    build_menu(back_office(owner.page, "Menu"))
    draw_floor(back_office(owner.page, "Floor plan"))
    hire_servers(back_office(owner.page, "Staff"))

    # What the screens built, as the API has it.
    ana = Terminal(live_server, slug, SERVERS[0][1])
    rates = {r["name"]: r for r in ana.get("/restaurant").json()["tax_rates"]}
    assert {name: r["rate_bp"] for name, r in rates.items()} == {
        "Food": FOOD_BP,
        "Alcohol": ALCOHOL_BP,
    }
    menu = ana.get("/menu").json()
    items = {item["name"]: item for item in menu["items"]}
    assert {name: items[name]["tax_rate_id"] for name, *_ in MENU} == {
        name: rates[rate]["id"] for name, _, _, rate in MENU
    }
    assert [g["name"] for g in items["Steak frites"]["modifier_groups"]] == ["Cooking", "Sauce"]
    tables = {t["label"]: t for t in ana.floor()}
    assert sorted(tables) == [f"T{n}" for n in range(1, 7)]
    assert (tables["T1"]["x"], tables["T1"]["y"]) == (20, 10)  # where it was dropped
    assert Terminal(live_server, slug, SERVERS[1][1]).token  # the second server logs in too

    # Ana, on a fresh tablet: the login screen, then the floor of that restaurant.
    server = tablets(pin=None)
    page = server.page
    log_in(page, slug, SERVERS[0][1])
    page.wait_for_url("**/floor")
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    expect(page.locator(".who-name")).to_have_text("Ana Ruiz")
    expect(page.locator(".table")).to_have_count(6)
    page.click(".table[data-label='T1']")
    page.click("[data-guests='2']")
    page.click("#seat-confirm")
    page.wait_for_url("**/checks/*")
    check_id = page.url.rsplit("/", 1)[1]

    page.click(".btn.seat[data-seat='1']")
    page.click(".tab:has-text('Mains')")
    page.click(".menu-item:has-text('Steak frites')")
    expect(page.locator("#item-add")).to_be_disabled()  # Cooking: one is required
    page.click(".option:has-text('Medium')")
    page.click(".option:has-text('Pepper sauce')")
    expect(page.locator("#item-add")).to_have_text(f"Add · {eur(2400 + 250)}")
    page.click("#item-add")
    page.click(".btn.seat[data-seat='2']")
    page.click(".tab:has-text('Starters')")
    page.click(".menu-item:has-text('Onion soup')")  # no options: one tap rings it
    page.click(".tab:has-text('Drinks')")
    page.click(".menu-item:has-text('House red')")
    page.click(".menu-item:has-text('Lemonade')")
    expect(page.locator(".line.unsent")).to_have_count(4)
    page.click("#send")
    expect(page.locator(".line.sent")).to_have_count(4)

    # Each line at its item's own rate: steak (with its sauce), soup and lemonade at 10 %,
    # the wine at 20 % — one rate for all would be 10 % (468) or 20 % (935) of 46.75.
    food, wine = 2400 + 250 + 875 + 400, 725
    tax = half_up(food, FOOD_BP) + half_up(wine, ALCOHOL_BP)
    assert tax == 393 + 145
    total = food + wine + tax
    expect(page.locator("[data-total='subtotal']")).to_have_text(eur(food + wine))
    expect(page.locator("[data-total='tax']")).to_have_text(eur(tax))
    expect(page.locator("[data-total='total']")).to_have_text(eur(total))
    check = ana.check(check_id)
    assert (check["subtotal_cents"], check["tax_cents"], check["total_cents"]) == (
        food + wine,
        tax,
        total,
    )
    steak = next(line for line in check["lines"] if line["name"] == "Steak frites")
    assert [m["name"] for m in steak["modifiers"]] == ["Medium", "Pepper sauce"]

    page.click("#pay")
    page.wait_for_url("**/pay")
    expect(page.locator("[data-total='tax']")).to_have_text(eur(tax))
    expect(page.locator("[data-total='total']")).to_have_text(eur(total))
    page.click("[data-tender='cash']")
    page.click("[data-tip='0']")
    page.fill("#cash-tendered", "100")
    expect(page.locator("[data-due='change']")).to_have_text(eur(10_000 - total))
    page.click("#pay-button")
    expect(page.locator("#outcome-title")).to_have_text(PAID)
    page.click("#outcome-floor")
    page.wait_for_url("**/floor")
    expect(page.locator(".table[data-label='T1']")).to_have_attribute("data-status", "available")

    closed = ana.check(check_id)
    assert (closed["status"], closed["paid_cents"], closed["tax_cents"]) == ("closed", total, tax)
    assert [(p["tender"], p["amount_cents"]) for p in closed["payments"]] == [("cash", total)]
