"""The floor: occupied exactly when a table has an open check, and one check per table even
when every server taps the same table at once."""

from __future__ import annotations

from functools import partial
from typing import Any

import httpx
from db_state import audit_actions, changed_tables, snapshot
from harness import at_once
from sqlalchemy import text
from terminal import Terminal

from tableside.core.unit_of_work import Database


def test_the_demo_floor_has_at_least_twelve_free_tables(live_server: str) -> None:
    tables = Terminal(live_server).floor()
    assert len(tables) >= 12
    labels = [t["label"] for t in tables]
    assert {"T1", "T12"} <= set(labels)
    assert len(set(labels)) == len(labels)
    for table in tables:
        assert set(table) >= {"id", "label", "capacity", "status", "check_id"}
        assert (table["status"], table["check_id"]) == ("available", None)
        assert table["capacity"] >= 1


def test_seating_a_table_opens_a_check_and_occupies_it(server: Terminal, db: Database) -> None:
    check = server.seat("T4", guests=3)
    assert check["status"] == "open"
    assert check["guests"] == 3
    assert check["lines"] == []
    assert (check["total_cents"], check["balance_cents"], check["paid_cents"]) == (0, 0, 0)
    table = server.table("T4")
    assert table["check_id"] == check["id"]
    assert table["status"] == "occupied"
    assert check["table_id"] == table["id"]
    assert server.check(check["id"])["id"] == check["id"]
    assert [a for a, _ in audit_actions(db, table["id"])] == ["table.seated"]


def test_occupied_exactly_when_an_open_check_exists(server: Terminal) -> None:
    seated = {label: server.seat(label)["id"] for label in ["T1", "T5", "T9"]}
    for table in server.floor():
        assert (table["status"] == "occupied") == (table["check_id"] is not None)
        assert table["check_id"] == seated.get(table["label"])


def test_seating_an_occupied_table_is_a_409_that_changes_nothing(
    live_server: str, db: Database
) -> None:
    server, other = Terminal(live_server), Terminal(live_server, pin="2345")
    check = server.seat("T2")
    before = snapshot(db)
    response = other.post(f"/tables/{check['table_id']}/seat", {"guests": 2})
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "table_occupied"
    assert "T2" in response.json()["error"]["message"]
    assert changed_tables(before, snapshot(db)) == []
    assert server.table("T2")["check_id"] == check["id"]


def test_guests_must_be_between_one_and_a_hundred(server: Terminal, db: Database) -> None:
    table_id = server.table("T3")["id"]
    before = snapshot(db)
    for body in [{"guests": 0}, {"guests": 101}, {"guests": -2}, {"guests": "four"}, {}]:
        response = server.post(f"/tables/{table_id}/seat", body)
        assert response.status_code == 422, (body, response.text)
        assert set(response.json()["error"]) >= {"code", "message"}
    assert changed_tables(before, snapshot(db)) == []


def test_ten_servers_seating_one_table_at_once_get_one_check(
    live_server: str, db: Database
) -> None:
    """Issue 2's race: ten real threads, one free table, one real server and database."""
    tokens = [Terminal(live_server).token, Terminal(live_server, pin="2345").token]
    table_id = Terminal(live_server).table("T7")["id"]

    def tap(i: int) -> httpx.Response:
        with httpx.Client(
            base_url=live_server, headers={"Authorization": f"Bearer {tokens[i % 2]}"}, timeout=30
        ) as tablet:
            return tablet.post(f"/api/v1/tables/{table_id}/seat", json={"guests": 2})

    responses = at_once([partial(tap, i) for i in range(10)])
    answered = [r for r in responses if isinstance(r, httpx.Response)]
    assert len(answered) == 10
    statuses = sorted(r.status_code for r in answered)
    assert statuses == [201] + [409] * 9, [r.text for r in answered]
    winner = next(r.json() for r in answered if r.status_code == 201)
    for loser in (r for r in answered if r.status_code == 409):
        assert loser.json()["error"]["code"] == "table_occupied"
    table = Terminal(live_server).table("T7")
    assert table["check_id"] == winner["id"]
    assert table["status"] == "occupied"
    with db.engine.connect() as conn:
        open_checks = conn.execute(
            text("SELECT id FROM checks WHERE table_id = :t AND status = 'open'"), {"t": table_id}
        ).all()
        seated: Any = conn.execute(
            text("SELECT count(*) FROM audit_log WHERE action = 'table.seated'")
        ).scalar_one()
    assert [row[0] for row in open_checks] == [winner["id"]]
    assert seated == 1


def test_another_restaurants_table_is_not_found(live_server: str, db: Database) -> None:
    demo_table = Terminal(live_server).table("T1")
    other = Terminal(live_server, "demo2")
    assert demo_table["id"] not in {t["id"] for t in other.floor()}
    before = snapshot(db)
    response = other.post(f"/tables/{demo_table['id']}/seat", {"guests": 2})
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "not_found"
    assert changed_tables(before, snapshot(db)) == []


def test_the_kitchen_cannot_seat_guests(kitchen: Terminal, db: Database) -> None:
    table_id = kitchen.table("T1")["id"]
    before = snapshot(db)
    response = kitchen.post(f"/tables/{table_id}/seat", {"guests": 2})
    assert response.status_code == 403, response.text
    assert changed_tables(before, snapshot(db)) == []
