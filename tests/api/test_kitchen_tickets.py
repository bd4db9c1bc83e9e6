"""Firing to the kitchen and working tickets through the one state machine (ORIGINAL 14)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from db_state import audit_actions, changed_tables, event_types, snapshot
from sqlalchemy import text
from sqlalchemy.orm import Session
from terminal import Terminal

from tableside.core import models as m
from tableside.core.unit_of_work import Database


def ticket_of(kitchen: Terminal, check_id: str, include_served: bool = False) -> dict[str, Any]:
    tickets = kitchen.get("/tickets", params={"include_served": include_served}).json()["tickets"]
    (ticket,) = [t for t in tickets if t["check_id"] == check_id]
    return ticket


def fired_check(server: Terminal, label: str) -> dict[str, Any]:
    check = server.seat(label, guests=2)
    server.ring(check["id"], "Ribeye 12 oz", seat=2, options=["Medium rare", "Fries"])
    server.ring(check["id"], "Caesar salad", seat=1, options=["Add shrimp"], note="no croutons")
    server.ring(check["id"], "Crispy calamari", seat=0, note="sauce on the side")
    return server.send(check["id"])


def fired_ticket(
    server: Terminal, kitchen: Terminal, label: str, moved_through: Sequence[str] = ()
) -> tuple[dict[str, Any], str]:
    """A check fired at ``label`` (``fired_check``) and its ticket's id, the ticket moved on
    by the kitchen through each status of ``moved_through``."""
    check = fired_check(server, label)
    ticket_id = ticket_of(kitchen, check["id"])["id"]
    for status in moved_through:
        assert move(kitchen, ticket_id, status).status_code == 200
    return check, ticket_id


def move(terminal: Terminal, ticket_id: str, status: str | None = None) -> Any:
    return terminal.post(
        f"/tickets/{ticket_id}/status", {} if status is None else {"status": status}
    )


def test_sending_fires_the_lines_as_one_ticket_by_seat(
    server: Terminal, kitchen: Terminal, db: Database
) -> None:
    check = fired_check(server, "T1")
    assert all(line["sent"] for line in check["lines"])
    assert len({line["ticket_id"] for line in check["lines"]}) == 1
    ticket = ticket_of(kitchen, check["id"])
    assert ticket["status"] == "new"
    assert ticket["table_label"] == "T1"
    assert [(li["seat"], li["name"], li["modifiers"], li["note"]) for li in ticket["lines"]] == [
        (0, "Crispy calamari", [], "sauce on the side"),
        (1, "Caesar salad", ["Add shrimp"], "no croutons"),
        (2, "Ribeye 12 oz", ["Medium rare", "Fries"], ""),
    ]
    assert "ticket.created" in event_types(db)
    assert "check.sent" in [a for a, _ in audit_actions(db, check["id"])]


def test_only_new_lines_go_on_the_next_ticket(server: Terminal, kitchen: Terminal) -> None:
    check = fired_check(server, "T2")
    server.ring(check["id"], "Chocolate torte", seat=1)
    after = server.send(check["id"])
    tickets = [t for t in kitchen.get("/tickets").json()["tickets"] if t["check_id"] == check["id"]]
    assert [[line["name"] for line in t["lines"]] for t in tickets] == [
        ["Crispy calamari", "Caesar salad", "Ribeye 12 oz"],
        ["Chocolate torte"],
    ]
    assert after["lines"][-1]["ticket_id"] == tickets[1]["id"]


def test_nothing_to_send_is_a_422_and_changes_nothing(server: Terminal, db: Database) -> None:
    empty = server.seat("T3")
    sent = fired_check(server, "T4")
    only_voided = server.seat("T5")
    line = server.ring(only_voided["id"], "Draft IPA")["lines"][0]
    server.post(f"/checks/{only_voided['id']}/lines/{line['id']}/void", {})
    before = snapshot(db)
    for check in [empty, sent, only_voided]:
        response = server.post(f"/checks/{check['id']}/send")
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "nothing_to_send"
    assert changed_tables(before, snapshot(db)) == []


def test_the_kitchen_bumps_a_ticket_from_new_to_served(
    server: Terminal, kitchen: Terminal, db: Database
) -> None:
    check = fired_check(server, "T6")
    ticket = ticket_of(kitchen, check["id"])
    seen = [ticket["status"]]
    for _ in range(3):
        response = move(kitchen, ticket["id"])
        assert response.status_code == 200, response.text
        seen.append(response.json()["status"])
    assert seen == ["new", "in_progress", "ready", "served"]
    assert [t for t in kitchen.get("/tickets").json()["tickets"] if t["id"] == ticket["id"]] == []
    assert ticket_of(kitchen, check["id"], include_served=True)["status"] == "served"
    kitchen_id = kitchen.get("/me").json()["id"]
    assert audit_actions(db, ticket["id"]) == [("ticket.status", kitchen_id)] * 3


def test_a_ready_ticket_can_be_recalled_and_a_quick_plate_can_go_straight_up(
    server: Terminal, kitchen: Terminal
) -> None:
    _, ticket_id = fired_ticket(server, kitchen, "T7")
    for status in ["ready", "in_progress", "ready", "served"]:
        response = move(kitchen, ticket_id, status)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == status


@pytest.mark.parametrize(
    ("path", "forbidden"),
    [
        ([], "served"),
        (["in_progress"], "served"),
        (["in_progress"], "in_progress"),
        (["ready", "served"], "ready"),
        (["ready", "served"], "in_progress"),
        (["ready", "served"], "served"),
        (["ready", "served"], None),  # a bump past served
    ],
)
def test_moves_the_state_machine_forbids_are_a_409(
    server: Terminal,
    kitchen: Terminal,
    db: Database,
    path: list[str],
    forbidden: str | None,
) -> None:
    _, ticket_id = fired_ticket(server, kitchen, "T8", path)
    before = snapshot(db)
    response = move(kitchen, ticket_id, forbidden)
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "ticket_transition_not_allowed"
    assert changed_tables(before, snapshot(db)) == []


@pytest.mark.parametrize("body", [{"status": "new"}, {"status": "cooked"}, {"status": 3}])
def test_a_status_that_does_not_exist_is_a_422(
    server: Terminal, kitchen: Terminal, body: dict[str, Any]
) -> None:
    check, ticket_id = fired_ticket(server, kitchen, "T9")
    response = kitchen.post(f"/tickets/{ticket_id}/status", body)
    assert response.status_code == 422, response.text
    assert ticket_of(kitchen, check["id"])["status"] == "new"


def test_a_server_only_marks_a_ready_ticket_served(
    server: Terminal, kitchen: Terminal, db: Database
) -> None:
    _, ticket_id = fired_ticket(server, kitchen, "T10")
    before = snapshot(db)
    for status in [None, "in_progress", "ready"]:
        response = move(server, ticket_id, status)
        assert response.status_code == 403, response.text
    assert changed_tables(before, snapshot(db)) == []
    assert move(kitchen, ticket_id, "ready").status_code == 200
    served = move(server, ticket_id)
    assert served.status_code == 200, served.text
    assert served.json()["status"] == "served"


def test_a_manager_works_the_kitchen_too(server: Terminal, manager: Terminal) -> None:
    check = fired_check(server, "T11")
    ticket_id = ticket_of(manager, check["id"])["id"]
    assert move(manager, ticket_id).json()["status"] == "in_progress"


def test_the_kitchen_does_not_ring_or_send(
    server: Terminal, kitchen: Terminal, db: Database
) -> None:
    check = server.seat("T12")
    server.ring(check["id"], "Draft IPA")
    before = snapshot(db)
    assert kitchen.post(f"/checks/{check['id']}/send").status_code == 403
    assert kitchen.ring_response(check["id"], "Draft IPA").status_code == 403
    assert changed_tables(before, snapshot(db)) == []


def test_another_restaurants_kitchen_sees_none_of_our_tickets(
    server: Terminal, live_server: str, db: Database
) -> None:
    check = fired_check(server, "T13")
    other = Terminal(live_server, "demo2", "5555")
    assert [
        t for t in other.get("/tickets").json()["tickets"] if t["check_id"] == check["id"]
    ] == []
    ticket_id = ticket_of(Terminal(live_server, pin="5555"), check["id"])["id"]
    before = snapshot(db)
    response = move(other, ticket_id)
    assert response.status_code == 404, response.text
    assert changed_tables(before, snapshot(db)) == []


# --- a move names the status it was made on (a double tap moves a ticket once) --------------


def test_a_double_tap_moves_a_ticket_once_and_the_second_is_a_409_that_changes_nothing(
    server: Terminal, kitchen: Terminal, db: Database
) -> None:
    check, ticket_id = fired_ticket(server, kitchen, "T1")
    tap = {"status": "in_progress", "from_status": "new"}
    first = kitchen.post(f"/tickets/{ticket_id}/status", tap)
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "in_progress"
    before = snapshot(db)
    second = kitchen.post(f"/tickets/{ticket_id}/status", tap)
    assert second.status_code == 409, second.text
    assert second.json()["error"] == {
        "code": "ticket_already_moved",
        "message": "This ticket has already moved on: it is in progress now.",
    }
    assert changed_tables(before, snapshot(db)) == []
    assert ticket_of(kitchen, check["id"])["status"] == "in_progress"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        # A screen that shows the ticket in progress while it is still new: never straight up.
        ([], {"status": "ready", "from_status": "in_progress"}),
        # A bump from what the screen saw (no status): one step from there, or nothing.
        (["in_progress"], {"from_status": "new"}),
        # Recalled meanwhile: a "served" tap made on the ready card does not serve it.
        (["ready", "in_progress"], {"status": "served", "from_status": "ready"}),
        (["ready", "served"], {"status": "in_progress", "from_status": "ready"}),
    ],
)
def test_a_ticket_no_longer_where_the_screen_saw_it_is_not_moved(
    server: Terminal,
    kitchen: Terminal,
    db: Database,
    path: list[str],
    body: dict[str, str],
) -> None:
    _, ticket_id = fired_ticket(server, kitchen, "T2", path)
    before = snapshot(db)
    response = kitchen.post(f"/tickets/{ticket_id}/status", body)
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "ticket_already_moved"
    assert changed_tables(before, snapshot(db)) == []


def test_a_move_made_where_the_ticket_still_is_goes_through_with_or_without_the_status_seen(
    server: Terminal, kitchen: Terminal
) -> None:
    _, ticket_id = fired_ticket(server, kitchen, "T3")
    bumped = kitchen.post(f"/tickets/{ticket_id}/status", {"from_status": "new"})
    assert bumped.json()["status"] == "in_progress"
    named = {"status": "ready", "from_status": "in_progress"}
    assert kitchen.post(f"/tickets/{ticket_id}/status", named).json()["status"] == "ready"
    # A client that does not say what it saw works as before.
    assert move(server, ticket_id).json()["status"] == "served"


@pytest.mark.parametrize("seen", ["cooked", "", 3, "NEW"])
def test_a_status_seen_that_does_not_exist_is_a_422(
    server: Terminal, kitchen: Terminal, seen: Any
) -> None:
    check, ticket_id = fired_ticket(server, kitchen, "T4")
    response = kitchen.post(f"/tickets/{ticket_id}/status", {"from_status": seen})
    assert response.status_code == 422, response.text
    assert ticket_of(kitchen, check["id"])["status"] == "new"


# --- what the floor hears from the kitchen -----------------------------------------------


def ticket_events(db: Database) -> list[dict[str, Any]]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT data FROM outbox WHERE type = 'ticket.updated' ORDER BY seq")
        ).all()
    return [row[0] if isinstance(row[0], dict) else json.loads(row[0]) for row in rows]


def test_a_ticket_put_up_tells_the_floor_whose_table_and_where_the_checks_food_stands(
    server: Terminal, kitchen: Terminal, db: Database
) -> None:
    check = fired_check(server, "T5")
    first = ticket_of(kitchen, check["id"])["id"]
    server.ring(check["id"], "Espresso")
    server.send(check["id"])
    second = next(t["id"] for t in kitchen.get("/tickets").json()["tickets"] if t["id"] != first)
    sam = server.get("/me").json()

    for ticket_id, status in [(first, "ready"), (first, "served"), (second, "ready")]:
        moved = move(kitchen if status == "ready" else server, ticket_id, status)
        assert moved.status_code == 200, moved.text
        assert (moved.json()["server_id"], moved.json()["server_name"]) == (sam["id"], sam["name"])
    events = ticket_events(db)
    assert [(e["ticket_id"], e["status"], e["kitchen_status"]) for e in events] == [
        (first, "ready", "ready"),
        (first, "served", "waiting"),  # the espresso is still being made
        (second, "ready", "ready"),
    ]
    for event in events:
        assert event["check_id"] == check["id"]
        assert (event["table_id"], event["table_label"]) == (check["table_id"], "T5")
        assert (event["server_id"], event["check_number"]) == (sam["id"], check["number"])
    assert move(server, second, "served").status_code == 200
    assert ticket_events(db)[-1]["kitchen_status"] is None  # all served


def test_a_check_screen_reads_its_own_tickets(server: Terminal, kitchen: Terminal) -> None:
    mine = fired_check(server, "T6")
    fired_check(server, "T7")
    tickets = server.get("/tickets", params={"check_id": mine["id"]}).json()["tickets"]
    assert [t["check_id"] for t in tickets] == [mine["id"]]
    move(kitchen, tickets[0]["id"], "ready")
    move(server, tickets[0]["id"], "served")
    assert server.get("/tickets", params={"check_id": mine["id"]}).json()["tickets"] == []
    served = server.get("/tickets", params={"check_id": mine["id"], "include_served": True})
    assert [t["status"] for t in served.json()["tickets"]] == ["served"]
    assert server.get("/tickets", params={"check_id": "chk_nope"}).json()["tickets"] == []
    assert server.get("/tickets", params={"check_id": "no such/id"}).status_code == 422


def test_served_tickets_listed_are_the_services_not_the_whole_history(
    server: Terminal, kitchen: Terminal, db: Database
) -> None:
    earlier, earlier_id = fired_ticket(server, kitchen, "T7", ["in_progress", "ready", "served"])
    _, now_id = fired_ticket(server, kitchen, "T8", ["in_progress", "ready", "served"])
    with Session(db.engine) as session:  # the first was served yesterday evening
        ticket = session.get(m.Ticket, earlier_id)
        assert ticket is not None
        ticket.updated_at -= timedelta(hours=13)
        session.commit()

    listed = kitchen.get("/tickets", params={"include_served": True}).json()["tickets"]
    assert now_id in [t["id"] for t in listed]
    assert earlier_id not in [t["id"] for t in listed]
    # A check's own tickets are all listed, whenever they were served.
    its = kitchen.get("/tickets", params={"include_served": True, "check_id": earlier["id"]})
    assert [t["id"] for t in its.json()["tickets"]] == [earlier_id]
