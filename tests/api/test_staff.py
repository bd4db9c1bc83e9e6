"""A manager adds staff and changes PINs (which ends that person's sessions); nobody else can."""

from __future__ import annotations

import json

import httpx
import pytest
from db_state import audit_actions, changed_tables, snapshot
from terminal import Terminal, fresh_pin, login
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tableside.core.unit_of_work import Database


def test_a_manager_adds_a_server_who_can_then_log_in(
    live_server: str, manager: Terminal, db: Database
) -> None:
    pin = fresh_pin()
    response = manager.post("/staff", {"name": " Jo Park ", "role": "server", "pin": pin})
    assert response.status_code == 201, response.text
    added = response.json()
    assert (added["name"], added["role"]) == ("Jo Park", "server")
    assert any(s["id"] == added["id"] for s in manager.get("/staff").json()["staff"])
    logged_in = login(live_server, pin)
    assert logged_in.status_code == 200, logged_in.text
    assert logged_in.json()["staff"]["id"] == added["id"]
    manager_id = login(live_server, "9999").json()["staff"]["id"]
    assert ("staff.added", manager_id) in audit_actions(db, added["id"])


def test_a_pin_already_taken_cannot_be_given_twice(manager: Terminal, db: Database) -> None:
    before = snapshot(db)
    response = manager.post("/staff", {"name": "Copycat", "role": "server", "pin": "1234"})
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "pin_taken"
    assert changed_tables(before, snapshot(db)) == []


def test_a_server_or_the_kitchen_cannot_add_staff(live_server: str, db: Database) -> None:
    terminals = [Terminal(live_server, pin=pin) for pin in ["1234", "5555"]]
    before = snapshot(db)
    for terminal in terminals:
        response = terminal.post(
            "/staff", {"name": "Sneaky", "role": "manager", "pin": fresh_pin()}
        )
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "forbidden"
    assert changed_tables(before, snapshot(db)) == []


def test_a_pin_change_ends_that_persons_sessions_at_once(
    live_server: str, manager: Terminal, db: Database
) -> None:
    old_pin, new_pin = fresh_pin(), fresh_pin()
    staff = manager.post("/staff", {"name": "Lee Ward", "role": "kitchen", "pin": old_pin}).json()
    tablets = [login(live_server, old_pin).json()["token"] for _ in range(2)]
    colleague = Terminal(live_server, pin="5555")  # the rest of the kitchen goes on
    with connect(f"{live_server.replace('http', 'ws')}/api/v1/ws", open_timeout=10) as screen:
        screen.send(json.dumps({"token": tablets[0]}))
        assert json.loads(screen.recv(timeout=10))["type"] == "ready"

        reset = manager.put(f"/staff/{staff['id']}/pin", {"pin": new_pin})
        assert reset.status_code == 200, reset.text
        # The kitchen screen logged in as Lee is closed at once, not at its next heartbeat.
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                screen.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    for token in tablets:
        refused = httpx.get(
            f"{live_server}/api/v1/me", headers={"Authorization": f"Bearer {token}"}
        )
        assert refused.status_code == 401, refused.text
    assert colleague.get("/me").status_code == 200
    assert login(live_server, old_pin).status_code == 401
    relogin = login(live_server, new_pin, staff_id=staff["id"])
    assert relogin.status_code == 200, relogin.text
    manager_id = manager.get("/me").json()["id"]
    assert audit_actions(db, staff["id"]) == [
        ("staff.added", manager_id),
        ("staff.login", staff["id"]),
        ("staff.login", staff["id"]),
        ("staff.pin_reset", manager_id),
        ("staff.login", staff["id"]),
    ]


def test_a_server_cannot_reset_a_pin(manager: Terminal, server: Terminal, db: Database) -> None:
    staff = manager.post("/staff", {"name": "Ash Kim", "role": "server", "pin": fresh_pin()})
    before = snapshot(db)
    response = server.put(f"/staff/{staff.json()['id']}/pin", {"pin": fresh_pin()})
    assert response.status_code == 403, response.text
    assert changed_tables(before, snapshot(db)) == []


def test_a_manager_cannot_touch_another_restaurants_staff(live_server: str, db: Database) -> None:
    other = Terminal(live_server, "demo2", "9999")
    demo_staff = Terminal(live_server, pin="9999").get("/staff").json()["staff"]
    before = snapshot(db)
    for person in demo_staff:
        response = other.put(f"/staff/{person['id']}/pin", {"pin": fresh_pin()})
        assert response.status_code == 404, response.text
        assert person["name"] not in response.text
    assert changed_tables(before, snapshot(db)) == []
    assert {s["id"] for s in other.get("/staff").json()["staff"]}.isdisjoint(
        {s["id"] for s in demo_staff}
    )
