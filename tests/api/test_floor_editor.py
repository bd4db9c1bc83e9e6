"""A manager draws the floor: sections and tables added, relabelled, placed and sized on
the plan's grid, moved between sections and removed — each change audited before → after
and announced live, so a server's floor follows at once. A table with a party at it stays
where its check says (409), labels are unique, and history keeps naming a removed table."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from db_state import audit_of, changed_tables, snapshot
from live_feed import Feed
from new_restaurant import open_new_restaurant, staff
from races import run_after
from sqlalchemy import text
from terminal import Terminal, ok, refused

from tableside.core.unit_of_work import Database
from tableside.floor import editor as floor_editor
from tableside.floor import service as floor_service


def table_at(terminal: Terminal, label: str) -> dict[str, Any] | None:
    return next((t for t in terminal.floor() if t["label"] == label), None)


def test_a_manager_draws_a_section_of_tables_and_the_servers_floor_shows_it(
    live_server: str, db: Database
) -> None:
    place = open_new_restaurant(db)
    manager, server = staff(live_server, place, "manager"), staff(live_server, place, "server")
    me = ok(manager.get("/me"))["id"]
    terrace = ok(manager.post("/floor/sections", {"name": " Terrace "}), 201)
    assert (terrace["name"], terrace["tables"]) == ("Terrace", 0)
    added = ok(
        manager.post(
            "/floor/tables",
            {"label": "P1", "capacity": 6, "shape": "rect", "section_id": terrace["id"],
             "x": 0, "y": 5, "width": 3, "height": 2},
        ),
        201,
    )  # fmt: skip
    assert added["status"] == "available"
    seen = table_at(server, "P1")
    assert seen is not None
    assert (seen["capacity"], seen["shape"], seen["section_id"]) == (6, "rect", terrace["id"])
    assert (seen["x"], seen["y"], seen["width"], seen["height"]) == (0, 5, 3, 2)
    floor = server.get("/floor").json()
    assert [s["name"] for s in floor["sections"]] == ["Room", "Terrace"]

    moved = ok(manager.patch(f"/floor/tables/{added['id']}", {"x": 10, "y": 6, "width": 4}))
    assert (moved["x"], moved["y"], moved["width"], moved["height"]) == (10, 6, 4, 2)
    renamed = ok(manager.patch(f"/floor/tables/{added['id']}", {"label": "Patio 1", "capacity": 8}))
    assert (renamed["label"], renamed["capacity"]) == ("Patio 1", 8)

    audit = audit_of(db, added["id"])
    assert [(a, who) for a, who, _ in audit] == [
        ("floor.table.created", me),
        ("floor.table.updated", me),
        ("floor.table.updated", me),
    ]
    assert audit[1][2]["before"] == {"x": 0, "y": 5, "width": 3}
    assert audit[1][2]["after"] == {"x": 10, "y": 6, "width": 4}
    assert audit[2][2]["before"] == {"label": "P1", "capacity": 6}
    assert audit[2][2]["after"] == {"label": "Patio 1", "capacity": 8}

    editor = ok(manager.get("/floor/editor"))
    assert editor["grid"] == {"columns": 40, "rows": 30, "smallest": 2, "largest": 8}
    assert editor["shapes"] == ["round", "square", "rect", "booth"]
    assert {s["name"]: s["tables"] for s in editor["sections"]} == {"Room": 3, "Terrace": 1}


def test_the_servers_live_feed_hears_of_each_change_of_the_plan(
    live_server: str, db: Database
) -> None:
    place = open_new_restaurant(db)
    manager, server = staff(live_server, place, "manager"), staff(live_server, place, "server")
    with Feed(live_server, server.token) as feed:
        feed.wait_ready()
        table = ok(
            manager.post("/floor/tables", {"label": "B9", "capacity": 2, "x": 20, "y": 0}), 201
        )
        event = feed.event()
    assert event["type"] == "floor.updated"
    assert event["data"] == {"kind": "table", "id": table["id"], "change": "created"}


def test_a_seated_table_stays_in_its_section_and_on_the_floor_until_the_party_leaves(
    live_server: str, db: Database
) -> None:
    place = open_new_restaurant(db)
    manager, server = staff(live_server, place, "manager"), staff(live_server, place, "server")
    bar = ok(manager.post("/floor/sections", {"name": "Bar"}), 201)
    a1 = place.tables["A1"]
    check = server.seat("A1")
    before = snapshot(db)
    message = refused(
        manager.patch(f"/floor/tables/{a1}", {"section_id": bar["id"]}), 409, "table_occupied"
    )
    assert "Table A1 has an open check" in message
    message = refused(manager.delete(f"/floor/tables/{a1}"), 409, "table_occupied")
    assert "settle it or move the party" in message
    assert changed_tables(before, snapshot(db)) == []
    # Moving it on the plan is fine: the party is still at A1.
    ok(manager.patch(f"/floor/tables/{a1}", {"x": 0, "y": 10}))
    assert table_at(server, "A1")["check_id"] == check["id"]  # type: ignore[index]

    # Once the party has moved on, the table can go to the bar, and be removed.
    ok(server.post(f"/checks/{check['id']}/move", {"table_id": place.tables["A2"]}))
    ok(manager.patch(f"/floor/tables/{a1}", {"section_id": bar["id"]}))
    ok(manager.delete(f"/floor/tables/{a1}"), 204)
    assert table_at(server, "A1") is None
    assert [a for a, _, _ in audit_of(db, a1)][-1] == "floor.table.removed"


def test_a_removed_table_is_still_named_by_its_checks_and_its_label_is_free_again(
    live_server: str, db: Database
) -> None:
    place = open_new_restaurant(db)
    manager, server = staff(live_server, place, "manager"), staff(live_server, place, "server")
    category = ok(manager.post("/menu/categories", {"name": "Mains"}), 201)
    item = ok(
        manager.post(
            "/menu/items", {"category_id": category["id"], "name": "Soup", "price_cents": 800}
        ),
        201,
    )
    check = server.seat("A3")
    ok(server.post(f"/checks/{check['id']}/lines", {"menu_item_id": item["id"], "seat": 1}), 201)
    total = server.check(check["id"])["total_cents"]
    assert server.pay(check["id"], total, tender="cash").status_code == 201

    ok(manager.delete(f"/floor/tables/{place.tables['A3']}"), 204)
    assert server.check(check["id"])["table_label"] == "A3"
    message = refused(
        server.post(f"/tables/{place.tables['A3']}/seat", {"guests": 2}), 404, "table_removed"
    )
    assert "Table A3 was removed from the floor plan" in message
    again = ok(manager.post("/floor/tables", {"label": "a3", "capacity": 2, "x": 30, "y": 20}), 201)
    assert again["id"] != place.tables["A3"]
    assert server.check(check["id"])["table_label"] == "A3"


def test_labels_names_and_cells_are_not_shared_and_a_refusal_changes_nothing(
    live_server: str, db: Database
) -> None:
    place = open_new_restaurant(db)
    manager = staff(live_server, place, "manager")
    room = manager.get("/floor").json()["sections"][0]
    before = snapshot(db)
    message = refused(
        manager.post("/floor/tables", {"label": " a1 ", "capacity": 2, "x": 30, "y": 0}),
        409,
        "label_taken",
    )
    assert "already a table labelled 'a1'" in message
    a2 = place.tables["A2"]
    refused(manager.patch(f"/floor/tables/{a2}", {"label": "A1"}), 409, "label_taken")
    # A1 stands on cells 0-1 × 0-1 (new_restaurant puts tables 3 cells apart, 1 × 1 each).
    message = refused(manager.patch(f"/floor/tables/{a2}", {"x": 0}), 409, "spot_taken")
    assert "Table A1 already stands there" in message
    refused(
        manager.post("/floor/tables", {"label": "Z", "capacity": 2, "x": 39, "y": 0, "width": 2}),
        422,
        "off_the_plan",
    )
    refused(manager.patch(f"/floor/tables/{a2}", {"width": 9}), 422, "invalid_size")
    refused(manager.patch(f"/floor/tables/{a2}", {"width": 1}), 422, "invalid_size")
    refused(manager.post("/floor/sections", {"name": "room"}), 409, "name_taken")
    message = refused(manager.delete(f"/floor/sections/{room['id']}"), 409, "section_not_empty")
    assert "A1, A2, A3" in message
    refused(manager.put("/floor/sections/order", {"ids": []}), 422, "invalid_request")
    assert changed_tables(before, snapshot(db)) == []


def test_sections_are_renamed_reordered_and_removed_when_empty(
    live_server: str, db: Database
) -> None:
    place = open_new_restaurant(db)
    manager, server = staff(live_server, place, "manager"), staff(live_server, place, "server")
    room = manager.get("/floor").json()["sections"][0]
    bar = ok(manager.post("/floor/sections", {"name": "Bar"}), 201)
    ok(manager.put("/floor/sections/order", {"ids": [bar["id"], room["id"]]}))
    assert [s["name"] for s in server.get("/floor").json()["sections"]] == ["Bar", "Room"]
    renamed = ok(manager.patch(f"/floor/sections/{bar['id']}", {"name": "Bar top"}))
    assert renamed["name"] == "Bar top"
    refused(manager.put("/floor/sections/order", {"ids": [bar["id"]]}), 422, "invalid_order")
    ok(manager.delete(f"/floor/sections/{bar['id']}"), 204)
    assert [s["name"] for s in server.get("/floor").json()["sections"]] == ["Room"]
    refused(manager.patch(f"/floor/sections/{bar['id']}", {"name": "Bar"}), 404, "not_found")
    # Its name is free again.
    ok(manager.post("/floor/sections", {"name": "Bar top"}), 201)
    assert [a for a, _, _ in audit_of(db, bar["id"])] == [
        "floor.section.created",
        "floor.section.updated",
        "floor.section.removed",
    ]


def test_servers_and_the_kitchen_cannot_edit_the_floor_and_another_restaurant_finds_nothing(
    live_server: str, db: Database
) -> None:
    place, other = open_new_restaurant(db), open_new_restaurant(db)
    a1 = place.tables["A1"]
    terminals = [staff(live_server, place, role) for role in ("server", "kitchen")]
    theirs = staff(live_server, other, "owner")
    room = staff(live_server, place, "manager").get("/floor").json()["sections"][0]["id"]
    before = snapshot(db)  # after the logins, which write
    for terminal in terminals:
        refused(terminal.get("/floor/editor"), 403, "forbidden")
        refused(terminal.patch(f"/floor/tables/{a1}", {"x": 20}), 403, "forbidden")
        refused(terminal.post("/floor/sections", {"name": "Nope"}), 403, "forbidden")
    refused(theirs.patch(f"/floor/tables/{a1}", {"x": 20}), 404, "not_found")
    refused(theirs.delete(f"/floor/tables/{a1}"), 404, "not_found")
    refused(theirs.patch(f"/floor/sections/{room}", {"name": "Mine"}), 404, "not_found")
    refused(theirs.delete(f"/floor/sections/{room}"), 404, "not_found")
    refused(
        theirs.post(
            "/floor/tables", {"label": "X", "capacity": 2, "x": 30, "y": 0, "section_id": room}
        ),
        404,
        "not_found",
    )
    assert changed_tables(before, snapshot(db)) == []
    assert a1 not in theirs.get("/floor/editor").text


def test_a_removed_table_cannot_be_seated_or_take_a_moved_party_and_nothing_changes(
    live_server: str, db: Database
) -> None:
    place = open_new_restaurant(db)
    manager, server = staff(live_server, place, "manager"), staff(live_server, place, "server")
    a1, a2 = place.tables["A1"], place.tables["A2"]
    check = server.seat("A2")
    ok(manager.delete(f"/floor/tables/{a1}"), 204)
    before = snapshot(db)
    message = refused(server.post(f"/tables/{a1}/seat", {"guests": 2}), 404, "table_removed")
    assert message == "Table A1 was removed from the floor plan; pick a table on the floor."
    refused(server.post(f"/checks/{check['id']}/move", {"table_id": a1}), 404, "table_removed")
    assert changed_tables(before, snapshot(db)) == []
    assert server.check(check["id"])["table_id"] == a2


def test_a_table_being_seated_is_not_removed_under_the_party(
    live_server: str, db: Database, database_url: str
) -> None:
    """The seating has read the table and not yet written its check when the manager's
    removal arrives: the removal is refused and the party gets the table."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: a removal cannot cross a seating there")
    place = open_new_restaurant(db)
    manager, server = staff(live_server, place, "manager"), staff(live_server, place, "server")
    a1 = place.tables["A1"]
    removals: list[httpx.Response] = []

    def remove() -> None:
        removals.append(manager.delete(f"/floor/tables/{a1}"))

    # Between the seating's look at the table and the insert of its check.
    with run_after(floor_service.check_service, "has_open_check", remove):
        seated = server.post(f"/tables/{a1}/seat", {"guests": 2})
    check = ok(seated, 201)
    refused(removals[0], 409, "busy")
    assert table_at(server, "A1")["check_id"] == check["id"]  # type: ignore[index]
    # Once the seating is in, the removal is refused for the party's sake.
    refused(manager.delete(f"/floor/tables/{a1}"), 409, "table_occupied")


def test_a_table_being_removed_is_not_seated_and_is_then_found_removed(
    live_server: str, db: Database, database_url: str
) -> None:
    """The removal holds the table and has found it free when a server taps it: the seating
    is refused at once (no check on a removed table), and once the removal is in, the
    table is not found, saying why."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: a seating cannot cross a removal there")
    place = open_new_restaurant(db)
    manager, server = staff(live_server, place, "manager"), staff(live_server, place, "server")
    a1 = place.tables["A1"]
    seatings: list[httpx.Response] = []

    def seat() -> None:
        seatings.append(server.post(f"/tables/{a1}/seat", {"guests": 2}))

    # After the removal has found no open check, before it archives the table and commits.
    with run_after(floor_editor, "_refuse_if_seated", seat):
        ok(manager.delete(f"/floor/tables/{a1}"), 204)
    refused(seatings[0], 409, "busy")
    refused(server.post(f"/tables/{a1}/seat", {"guests": 2}), 404, "table_removed")
    with db.engine.connect() as conn:
        checks = conn.execute(text("SELECT id FROM checks WHERE table_id = :t"), {"t": a1}).all()
    assert checks == []
