"""From the kitchen to the floor: a cook's double tap moves one ticket, and the server sees
their food is up — on the floor's tile, on the check, and in a banner they dismiss."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect
from screens import PHONE, TABLET, Tablet, usd
from sqlalchemy import select
from terminal import Terminal

from tableside.checks import service as checks
from tableside.checks.rules import CheckType
from tableside.core import models as m
from tableside.core.access import Principal, Role
from tableside.core.unit_of_work import Database

pytestmark = pytest.mark.browser


def fire(server: Terminal, label: str, *items: str, guests: int = 2) -> dict[str, Any]:
    check = server.seat(label, guests=guests)
    for item in items or ("Espresso",):
        server.ring(check["id"], item)
    return server.send(check["id"])


def ticket_of(check: dict[str, Any]) -> str:
    ticket_id: str = check["lines"][-1]["ticket_id"]
    return ticket_id


def status_of(terminal: Terminal, ticket_id: str) -> str:
    tickets = terminal.get("/tickets", params={"include_served": True}).json()["tickets"]
    status: str = next(t["status"] for t in tickets if t["id"] == ticket_id)
    return status


def test_a_double_tap_starts_the_oldest_ticket_not_the_one_that_slid_into_its_place(
    tablets: Callable[..., Tablet], live_server: str
) -> None:
    server, chef = Terminal(live_server), Terminal(live_server, pin="5555")
    oldest = ticket_of(fire(server, "T1"))
    next_one = ticket_of(fire(server, "T2"))
    kitchen = tablets(pin="5555")
    page = kitchen.open("/kitchen")
    cards = page.locator("#lane-new .ticket")
    expect(cards).to_have_count(2)
    page.wait_for_timeout(600)  # the cards have settled where they were drawn

    # The second tap lands where the first one did, the moment the first ticket has moved
    # on and the next one has slid up into its place (a tap 200 ms later on a fast server).
    box = cards.first.locator(".ticket-body").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.evaluate(
        """([x, y]) => {
          const lane = document.querySelector("#lane-in_progress");
          new MutationObserver((_, observer) => {
            if (!lane.querySelector(".ticket")) return;
            observer.disconnect();
            const under = document.elementFromPoint(x, y);
            window.__secondTap = under && under.closest(".ticket")
              ? under.closest(".ticket").dataset.ticketId : null;
            under.click();
          }).observe(lane, { childList: true });
        }""",
        [x, y],
    )
    page.mouse.click(x, y)

    expect(page.locator("#lane-in_progress .ticket")).to_have_count(1)
    expect(page.locator(f"#lane-in_progress .ticket[data-ticket-id='{oldest}']")).to_have_count(1)
    assert page.evaluate("window.__secondTap") == next_one  # it did land on the next ticket
    page.wait_for_timeout(300)  # time for a second move to have been asked and answered
    assert (status_of(chef, oldest), status_of(chef, next_one)) == ("in_progress", "new")
    moves = [r for r in kitchen.requests if r.method == "POST" and r.url.endswith("/status")]
    assert [(r.url.split("/")[-2], r.post_data_json) for r in moves] == [
        (oldest, {"status": "in_progress", "from_status": "new"})
    ]
    expect(page.locator(f"#lane-new .ticket[data-ticket-id='{next_one}']")).to_have_count(1)

    # A deliberate tap once it has settled starts it.
    page.wait_for_timeout(600)
    page.locator(f".ticket[data-ticket-id='{next_one}'] .ticket-body").click()
    expect(page.locator("#lane-in_progress .ticket")).to_have_count(2)
    assert status_of(chef, next_one) == "in_progress"


def test_a_ticket_another_screen_already_moved_is_left_where_it_is_now(
    tablets: Callable[..., Tablet], live_server: str
) -> None:
    server, chef = Terminal(live_server), Terminal(live_server, pin="5555")
    ticket = ticket_of(fire(server, "T3"))
    stale = tablets(pin="5555")
    stale.page.route_web_socket(re.compile(r"/api/v1/ws"), lambda socket: None)
    stale.page.goto("/kitchen")
    card = stale.page.locator(f".ticket[data-ticket-id='{ticket}']")
    expect(card).to_have_attribute("data-status", "new")
    # Another screen starts it and puts it up; this one still shows it new.
    for step in ("in_progress", "ready"):
        assert chef.post(f"/tickets/{ticket}/status", {"status": step}).status_code == 200
    stale.page.wait_for_timeout(600)

    with stale.page.expect_response(re.compile(r"/tickets/.+/status")) as answered:
        card.locator(".ticket-body").click()
    assert answered.value.status == 409
    assert answered.value.json()["error"]["code"] == "ticket_already_moved"
    # Not moved again (a start would have sent it back to the line): shown as it is now.
    expect(stale.page.locator(f"#lane-ready .ticket[data-ticket-id='{ticket}']")).to_have_count(1)
    expect(stale.page.locator(".toast.bad")).to_have_count(0)
    assert status_of(chef, ticket) == "ready"


def test_a_ticket_of_a_check_with_no_table_goes_by_its_guests_name_and_number(
    tablets: Callable[..., Tablet], live_server: str, db: Database
) -> None:
    with db.unit() as uow:
        demo = uow.session.scalars(select(m.Restaurant).where(m.Restaurant.slug == "demo")).one()
        sam = uow.session.scalars(
            select(m.Staff).where(m.Staff.restaurant_id == demo.id, m.Staff.name == "Sam Rivera")
        ).one()
        uow.scope_to(demo.id)
        who = Principal(demo.id, sam.id, Role.SERVER, sam.name)
        takeout = checks.open_without_table(uow, who, CheckType.TAKEOUT, guest_name="Dana")
        uow.commit()
    server = Terminal(live_server)
    server.ring(takeout.id, "Truffle fries")
    ticket = ticket_of(server.send(takeout.id))

    page = tablets(pin="5555").open("/kitchen")
    card = page.locator(f".ticket[data-ticket-id='{ticket}']")
    expect(card.locator(".ticket-head .where")).to_have_text("Dana")
    expect(card.locator(".ticket-head")).to_contain_text(f"#{takeout.number}")
    expect(card).not_to_contain_text("null")
    # Its server still hears when it is up.
    floor = tablets(pin="1234").open("/floor")
    chef = Terminal(live_server, pin="5555")
    assert chef.post(f"/tickets/{ticket}/status", {"status": "ready"}).status_code == 200
    signal = floor.locator(".ready-signal .what")
    expect(signal).to_have_text("Takeout · Dana: food ready")


def tile(page: Page, label: str) -> Locator:
    return page.locator(f".table[data-label='{label}']")


def test_the_server_sees_their_food_is_ready_on_the_floor_the_check_and_a_banner(
    tablets: Callable[..., Tablet], live_server: str
) -> None:
    sam = tablets(pin="1234")  # Sam seats T5: it is Sam's food
    floor = sam.open("/floor")
    riley = tablets(pin="2345")
    other_floor = riley.open("/floor")

    server, chef = Terminal(live_server), Terminal(live_server, pin="5555")
    check = fire(server, "T5", "Crispy calamari")
    ticket = ticket_of(check)
    t5 = tile(floor, "T5")
    expect(t5).to_have_attribute("data-kitchen", "waiting")
    expect(t5.locator(".kitchen")).to_contain_text("Waiting")

    assert chef.post(f"/tickets/{ticket}/status", {"status": "ready"}).status_code == 200
    expect(t5).to_have_attribute("data-kitchen", "ready")
    expect(t5.locator(".kitchen")).to_contain_text("Ready")
    expect(tile(other_floor, "T5")).to_have_attribute("data-kitchen", "ready")

    banner = floor.locator(".ready-signal")
    expect(banner).to_have_count(1)
    expect(banner.locator(".what")).to_have_text("Table T5: food ready")
    dismiss = banner.get_by_role("button", name="Dismiss")
    box = dismiss.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44
    # Only Sam's tablet: T5 is not Riley's table.
    other_floor.wait_for_timeout(300)
    expect(other_floor.locator(".ready-signal")).to_have_count(0)
    assert sam.was_not_reloaded() and riley.was_not_reloaded()

    # The signal stays while Sam goes to the check, which shows the food up too.
    banner.get_by_role("link", name="Open").click()
    sam.page.wait_for_url(f"**/checks/{check['id']}")
    page = sam.page
    expect(page.locator("#kitchen-status")).to_have_text("Food ready")
    expect(page.locator(".ready-signal .what")).to_have_text("Table T5: food ready")
    page.locator(".ready-signal").get_by_role("button", name="Dismiss").click()
    expect(page.locator(".ready-signal")).to_have_count(0)

    # The check follows the kitchen live: a new round goes in, the food is run.
    server.ring(check["id"], "Espresso")
    second = ticket_of(server.send(check["id"]))
    expect(page.locator("#kitchen-status")).to_have_text("Food ready")  # the first is still up
    assert server.post(f"/tickets/{ticket}/status", {"status": "served"}).status_code == 200
    expect(page.locator("#kitchen-status")).to_have_text("In the kitchen")
    assert chef.post(f"/tickets/{second}/status", {"status": "ready"}).status_code == 200
    expect(page.locator("#kitchen-status")).to_have_text("Food ready")
    expect(page.locator(".ready-signal .what")).to_have_text("Table T5: food ready")
    # Served before Sam dismissed it: the signal goes by itself.
    assert server.post(f"/tickets/{second}/status", {"status": "served"}).status_code == 200
    expect(page.locator(".ready-signal")).to_have_count(0)
    expect(page.locator("#kitchen-status")).to_be_hidden()


def test_a_server_taking_a_payment_still_hears_another_tables_food_is_ready(
    tablets: Callable[..., Tablet], live_server: str
) -> None:
    server, chef = Terminal(live_server), Terminal(live_server, pin="5555")
    paying = server.seat("T6", guests=2)
    server.ring(paying["id"], "Draft IPA")
    waiting = fire(server, "T7", "Crispy calamari")

    sam = tablets(pin="1234")
    page = sam.open(f"/checks/{paying['id']}/pay")
    assert (
        chef.post(f"/tickets/{ticket_of(waiting)}/status", {"status": "ready"}).status_code == 200
    )
    banner = page.locator(".ready-signal")
    expect(banner.locator(".what")).to_have_text("Table T7: food ready")
    expect(banner.get_by_role("link", name="Open")).to_have_attribute(
        "href", f"/checks/{waiting['id']}"
    )
    banner.get_by_role("button", name="Dismiss").click()
    expect(banner).to_have_count(0)
    assert sam.was_not_reloaded()


@pytest.mark.parametrize("size", [TABLET, PHONE], ids=["tablet", "phone"])
def test_a_seated_tile_shows_the_server_minutes_balance_and_food_readable_on_the_floor(
    tablets: Callable[..., Tablet], live_server: str, size: dict[str, int]
) -> None:
    server, chef = Terminal(live_server), Terminal(live_server, pin="5555")
    check = fire(server, "T7", "Mushroom risotto", "Fresh lemonade", guests=4)
    check = server.check(check["id"])
    paid = server.pay(check["id"], 1000)
    assert paid.status_code == 201, paid.text
    ready = fire(server, "T2", "Crispy calamari")
    chef.post(f"/tickets/{ticket_of(ready)}/status", {"status": "ready"})

    page = tablets(pin="2345", viewport=size).open("/floor")
    t7 = tile(page, "T7")
    expect(t7.locator(".label")).to_have_text("T7")
    expect(t7.locator(".tile-head .since")).to_have_text(re.compile(r"^\d+m$"))
    expect(t7.locator(".money")).to_have_text(f"{usd(check['total_cents'] - 1000)} left")
    # Sam's name where the tile has room for it, else initials (and the name in its title);
    # the party's size always.
    expect(t7.locator(".detail")).to_have_text(re.compile(r"^((Sam|SR) · )?4 guests$"))
    if t7.locator(".detail").inner_text() != "Sam · 4 guests":
        expect(t7).to_have_attribute("title", "Sam Rivera's table")
    expect(t7.locator(".kitchen")).to_have_text(re.compile(r"^Waiting \d+m$"))
    expect(tile(page, "T2").locator(".kitchen")).to_have_text(re.compile(r"^Ready \d+m$"))

    # Readable at arm's length: nothing cut off by the tile, no text smaller than 12 px,
    # the money the largest after the label, and the tile a comfortable target.
    for label in ("T7", "T2"):
        table = tile(page, label)
        table.scroll_into_view_if_needed()
        measured = table.evaluate(
            """(tile) => {
              const box = tile.getBoundingClientRect();
              const shown = ".label, .tile-head .since, .money, .detail, .detail span, .kitchen";
              const parts = [...tile.querySelectorAll(shown)];
              return {
                width: box.width, height: box.height,
                parts: parts.map((part) => {
                  const r = part.getBoundingClientRect();
                  return {
                    cls: part.className, text: part.textContent,
                    size: parseFloat(getComputedStyle(part).fontSize),
                    inside: r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5
                      && r.left >= box.left - 0.5 && r.right <= box.right + 0.5,
                    clipped: part.scrollWidth > part.clientWidth + 1,
                  };
                }),
              };
            }"""
        )
        assert measured["width"] >= 44 and measured["height"] >= 44, measured
        for part in measured["parts"]:
            assert part["inside"] and not part["clipped"], (label, size, part)
            assert part["size"] >= 12, (label, size, part)
        money = next(p for p in measured["parts"] if p["cls"].startswith("money"))
        assert money["size"] >= 15, money
