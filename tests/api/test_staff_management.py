"""A manager runs the staff: adds servers and the kitchen, changes roles, gives new PINs,
deactivates and reactivates; owners and managers are the owner's to manage. A deactivated
person is logged out everywhere at once — their token answers 401 on its next request and
their live feed closes — and their checks and audit entries keep their name."""

from __future__ import annotations

import json
from typing import Any

import httpx
from db_state import audit_of, changed_tables, snapshot
from live_feed import Feed
from new_restaurant import PINS, NewRestaurant, open_new_restaurant, staff
from terminal import Terminal, fresh_pin, login, ok, refused

from tableside.core.unit_of_work import Database


def token_of(live_server: str, place: NewRestaurant, pin: str) -> str:
    response = login(live_server, pin, restaurant=place.slug)
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


def as_token(live_server: str, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"{live_server}/api/v1", headers={"Authorization": f"Bearer {token}"}
    )


def member(terminal: Terminal, name: str) -> dict[str, Any]:
    roster = ok(terminal.get("/staff/roster"))["staff"]
    return next(s for s in roster if s["name"] == name)


def test_a_deactivated_server_is_logged_out_at_once_and_their_history_stays(
    live_server: str, db: Database
) -> None:
    place = open_new_restaurant(db)
    manager = staff(live_server, place, "manager")
    pin = fresh_pin()
    jo = ok(manager.post("/staff", {"name": "Jo Park", "role": "server", "pin": pin}), 201)
    assert jo["active"] is True
    jos_tablet = as_token(live_server, token_of(live_server, place, pin))
    seated = ok(jos_tablet.post(f"/tables/{place.tables['A1']}/seat", json={"guests": 2}), 201)
    feed = Feed(live_server, jos_tablet.headers["Authorization"].removeprefix("Bearer "))
    feed.wait_ready()

    gone = ok(manager.post(f"/staff/{jo['id']}/deactivate"))
    assert gone["active"] is False
    # The feed tells every terminal, then closes Jo's own at once (not at the next heartbeat).
    *_, event = feed.until(  # what came before: Jo added, Jo seating A1
        lambda e: e["type"] == "staff.updated" and e["data"]["change"] == "deactivated",
        timeout_s=5,
    )
    assert event["data"]["staff_id"] == jo["id"]
    assert event["data"]["sessions_ended"] is True
    closed, before_close = feed.closed(timeout_s=5)  # the sessions' end, then the close
    assert [(e["type"], e["data"]["staff_id"]) for e in before_close] == [
        ("staff.sessions_ended", jo["id"])
    ]
    assert closed.code == 4401
    refused(jos_tablet.get("/floor"), 401, "not_authenticated")
    refused(login(live_server, pin, restaurant=place.slug), 401, "not_authenticated")

    # History keeps Jo: the floor still shows whose table it is, the audit log says who did it.
    a1 = next(t for t in manager.floor() if t["label"] == "A1")
    assert (a1["check_id"], a1["server_name"]) == (seated["id"], "Jo Park")
    manager_id = ok(manager.get("/me"))["id"]
    assert [(a, who) for a, who, _ in audit_of(db, jo["id"])] == [
        ("staff.added", manager_id),
        ("staff.login", jo["id"]),
        ("staff.deactivated", manager_id),
    ]
    assert member(manager, "Jo Park")["active"] is False
    assert jo["id"] not in manager.get("/staff").text  # the active list leaves Jo out

    back = ok(manager.post(f"/staff/{jo['id']}/reactivate"))
    assert back["active"] is True
    refused(jos_tablet.get("/floor"), 401, "not_authenticated")  # the old session stays ended
    assert login(live_server, pin, restaurant=place.slug).status_code == 200


def test_only_the_owner_manages_managers_and_owners(live_server: str, db: Database) -> None:
    place = open_new_restaurant(db)
    manager, owner = staff(live_server, place, "manager"), staff(live_server, place, "owner")
    server_id = member(owner, "Test server")["id"]
    manager_id = member(owner, "Test manager")["id"]
    owner_id = member(owner, "Test owner")["id"]
    floor_staff = [staff(live_server, place, role) for role in ("server", "kitchen")]
    before = snapshot(db)  # after the logins, which write
    message = refused(
        manager.post("/staff", {"name": "Boss", "role": "manager", "pin": fresh_pin()}),
        403,
        "forbidden",
    )
    assert "Only the owner" in message
    refused(manager.patch(f"/staff/{server_id}", {"role": "manager"}), 403, "forbidden")
    refused(manager.patch(f"/staff/{owner_id}", {"name": "Nope"}), 403, "forbidden")
    refused(manager.put(f"/staff/{owner_id}/pin", {"pin": fresh_pin()}), 403, "forbidden")
    refused(manager.post(f"/staff/{owner_id}/deactivate"), 403, "forbidden")
    refused(manager.post(f"/staff/{manager_id}/deactivate"), 422, "cannot_deactivate_self")
    for terminal in floor_staff:
        refused(terminal.get("/staff/roster"), 403, "forbidden")
    assert changed_tables(before, snapshot(db)) == []

    # A manager moves a server to the kitchen; the owner makes a manager and an owner.
    cook = ok(manager.patch(f"/staff/{server_id}", {"role": "kitchen"}))
    assert cook["role"] == "kitchen"
    assert audit_of(db, server_id)[-1][2]["before"] == {"role": "server"}
    assert audit_of(db, server_id)[-1][2]["after"] == {"role": "kitchen"}
    made = ok(owner.post("/staff", {"name": "Pat Lee", "role": "manager", "pin": fresh_pin()}), 201)
    ok(owner.patch(f"/staff/{made['id']}", {"role": "owner"}))
    # Two owners now; one may step down, the last may not.
    ok(owner.patch(f"/staff/{made['id']}", {"role": "manager"}))
    message = refused(owner.patch(f"/staff/{owner_id}", {"role": "manager"}), 409, "last_owner")
    assert "only active owner" in message


def test_pins_are_unique_and_a_new_pin_ends_the_old_sessions(
    live_server: str, db: Database
) -> None:
    place = open_new_restaurant(db)
    manager = staff(live_server, place, "manager")
    old_pin, new_pin = fresh_pin(), fresh_pin()
    kai = ok(manager.post("/staff", {"name": "Kai", "role": "kitchen", "pin": old_pin}), 201)
    kais_screen = as_token(live_server, token_of(live_server, place, old_pin))
    assert kais_screen.get("/tickets").status_code == 200
    before = snapshot(db)
    refused(
        manager.post("/staff", {"name": "Copy", "role": "server", "pin": PINS["server"]}),
        409,
        "pin_taken",
    )
    refused(manager.put(f"/staff/{kai['id']}/pin", {"pin": PINS["owner"]}), 409, "pin_taken")
    assert changed_tables(before, snapshot(db)) == []

    ok(manager.put(f"/staff/{kai['id']}/pin", {"pin": new_pin}))
    refused(kais_screen.get("/tickets"), 401, "not_authenticated")
    refused(login(live_server, old_pin, restaurant=place.slug), 401, "not_authenticated")
    assert login(live_server, new_pin, restaurant=place.slug).status_code == 200
    details = audit_of(db, kai["id"])[-2][2]
    assert details["sessions_ended"] == 1
    assert new_pin not in json.dumps(details) and old_pin not in json.dumps(details)


def test_another_restaurants_staff_are_not_found(live_server: str, db: Database) -> None:
    place, other = open_new_restaurant(db), open_new_restaurant(db)
    server_id = member(staff(live_server, place, "owner"), "Test server")["id"]
    theirs = staff(live_server, other, "owner")
    before = snapshot(db)  # after the logins, which write
    refused(theirs.patch(f"/staff/{server_id}", {"role": "kitchen"}), 404, "not_found")
    refused(theirs.put(f"/staff/{server_id}/pin", {"pin": fresh_pin()}), 404, "not_found")
    refused(theirs.post(f"/staff/{server_id}/deactivate"), 404, "not_found")
    refused(theirs.post(f"/staff/{server_id}/reactivate"), 404, "not_found")
    assert changed_tables(before, snapshot(db)) == []
    assert server_id not in theirs.get("/staff/roster").text
