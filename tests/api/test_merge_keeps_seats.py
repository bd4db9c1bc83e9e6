"""Merging two tables' checks keeps each party's seats apart: the other party's seats are
numbered after this one's (audited), so no seat holds two guests' food, and the merged-away
check says where it went."""

from __future__ import annotations

import json
from typing import Any

from db_state import changed_tables, snapshot
from sqlalchemy import text
from terminal import Terminal

from tableside.core.unit_of_work import Database


def merge_details(db: Database, check_id: str) -> dict[str, Any]:
    with db.engine.connect() as conn:
        details = conn.execute(
            text("SELECT details FROM audit_log WHERE entity_id = :id AND action = 'check.merged'"),
            {"id": check_id},
        ).scalar_one()
    return details if isinstance(details, dict) else json.loads(details)


def test_the_other_partys_seats_follow_this_ones_so_no_seat_holds_two_guests(
    server: Terminal, db: Database
) -> None:
    bar = server.seat("T15", guests=2)
    server.ring(bar["id"], "Old fashioned", seat=1)
    server.ring(bar["id"], "Old fashioned", seat=2)
    patio = server.seat("T16", guests=3)
    server.ring(patio["id"], "Bistro burger", options=["Medium", "Fries"], seat=1)
    server.ring(patio["id"], "Truffle fries", seat=0)
    server.ring(patio["id"], "Mushroom risotto", seat=3)
    server.send(patio["id"])

    merged = server.post(f"/checks/{bar['id']}/merge", {"from_check_id": patio["id"]})
    assert merged.status_code == 200, merged.text
    seats = [(line["name"], line["seat"]) for line in merged.json()["lines"]]
    assert seats == [
        ("Old fashioned", 1),
        ("Old fashioned", 2),
        ("Bistro burger", 3),  # patio seat 1
        ("Truffle fries", 0),  # shared stays shared
        ("Mushroom risotto", 5),  # patio seat 3
    ]
    assert merged.json()["guests"] == 5
    assert merge_details(db, bar["id"])["seats_renumbered"] == {"1": 3, "3": 5}

    # Split by seat: each guest pays their own, not someone else's drink.
    split = server.put(f"/checks/{bar['id']}/split", {"kind": "by_seat"})
    assert split.status_code == 200, split.text
    assert [p["label"] for p in split.json()["split"]["parts"]] == [
        "Seat 1",
        "Seat 2",
        "Seat 3",
        "Seat 5",
    ]

    # The merged-away check names where it went.
    gone = server.check(patio["id"])
    assert (gone["status"], gone["merged_into"]) == ("void", bar["id"])
    assert server.check(bar["id"])["merged_into"] is None


def test_a_merge_that_would_number_seats_past_99_is_refused_and_changes_nothing(
    server: Terminal, db: Database
) -> None:
    big = server.seat("T10", guests=60)
    server.ring(big["id"], "Draft IPA", seat=60)
    other = server.seat("T11", guests=40)
    server.ring(other["id"], "Draft IPA", seat=40)
    before = snapshot(db)
    response = server.post(f"/checks/{big['id']}/merge", {"from_check_id": other["id"]})
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "too_many_seats"
    assert changed_tables(before, snapshot(db)) == []
