"""The floor editor screen (/manager/floor): a manager drags a new table onto the plan and
a server's floor shows it at once, without a reload; dragging a table onto another is
refused in the API's words and the table goes back where it was."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from new_restaurant import PINS, open_new_restaurant, staff
from playwright.sync_api import Page, expect
from screens import Tablet

from tableside.core.unit_of_work import Database

pytestmark = pytest.mark.browser


def drag(page: Page, source: str, to: tuple[float, float]) -> None:
    """Press on ``source``, move in steps to the page point ``to``, release (pointer events)."""
    box = page.locator(source).bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(to[0], to[1], steps=12)
    page.mouse.up()


def cell_point(page: Page, x: int, y: int) -> tuple[float, float]:
    """The middle of the plan's cell (x, y), on the page."""
    box = page.locator("#plan").bounding_box()
    assert box is not None
    cell = box["width"] / 40
    return box["x"] + (x + 0.5) * cell, box["y"] + (y + 0.5) * cell


def test_a_table_dragged_onto_the_plan_appears_on_the_servers_floor_live(
    tablets: Callable[..., Tablet], live_server: str, db: Database
) -> None:
    place = open_new_restaurant(db)
    server = tablets(PINS["server"], restaurant=place.slug)
    floor = server.open("/floor")
    expect(floor.locator(".table")).to_have_count(3)

    manager = tablets(PINS["manager"], restaurant=place.slug)
    manager.open("/manager")
    manager.page.get_by_role("link", name="Floor plan").click()
    expect(manager.page.locator("#live")).to_have_attribute("data-state", "live")
    page = manager.page
    expect(page.locator(".plan-table")).to_have_count(3)

    page.locator("#new-shape").select_option("round")
    drag(page, "#new-table", cell_point(page, 12, 6))
    expect(page.locator(".plan-table")).to_have_count(4)
    new_tile = page.locator('.plan-table[data-label="T1"]')
    expect(new_tile).to_have_class(re.compile("shape-round"))
    # The server's floor follows without a reload.
    expect(floor.locator('.table[data-label="T1"]')).to_be_visible()
    assert server.was_not_reloaded()
    added = next(t for t in staff(live_server, place, "server").floor() if t["label"] == "T1")
    assert (added["x"], added["y"], added["shape"]) == (12, 6, "round")

    # Renamed and given seats in its form; the server's floor shows that too.
    expect(page.locator("#table-label")).to_have_value("T1")
    page.locator("#table-label").fill("Window 1")
    page.locator("#table-seats").fill("6")
    page.locator("#table-save").click()
    expect(floor.locator('.table[data-label="Window 1"]')).to_contain_text("seats 6")

    # Dropped onto A2 (the cell 3, 0): refused in the API's words, and it goes back.
    page.evaluate("window.scrollTo(0, 0)")  # the form's field scrolled the plan away
    drag(page, '.plan-table[data-label="Window 1"]', cell_point(page, 3, 0))
    expect(page.locator("#toasts")).to_contain_text("already stands there")
    moved_back = next(
        t for t in staff(live_server, place, "server").floor() if t["label"] == "Window 1"
    )
    assert (moved_back["x"], moved_back["y"]) == (12, 6)

    # A table with a party at it cannot be removed: the screen says why.
    staff(live_server, place, "server").seat("A2")
    # The seating reaches the editor as an event that redraws the plan: a tap on the plan
    # while it is being redrawn may meet the table it replaces, so let it arrive first.
    page.wait_for_timeout(1000)
    page.locator('.plan-table[data-label="A2"]').click()
    expect(page.locator("#table-label")).to_have_value("A2")
    page.locator("#table-remove").click()
    page.locator("#table-remove").click()
    expect(page.locator("#table-error")).to_contain_text("Table A2 has an open check")
    expect(page.locator(".plan-table")).to_have_count(4)
