"""A takeout check has no table: it is rung, paid and closed like any other, and the floor
never hears of it."""

from __future__ import annotations

from typing import Any

import pytest
from emulator import Emulator
from sqlalchemy import select
from terminal import Terminal, new_key

from tableside.checks import service as checks
from tableside.checks.rules import CheckType
from tableside.core import models as m
from tableside.core.access import Principal, Role
from tableside.core.errors import InvalidRequest
from tableside.core.unit_of_work import Database


def open_takeout(db: Database) -> str:
    with db.unit() as uow:
        restaurant = uow.session.scalars(select(m.Restaurant).where(m.Restaurant.slug == "demo"))
        restaurant_id = restaurant.one().id
        staff = uow.session.scalars(
            select(m.Staff).where(m.Staff.restaurant_id == restaurant_id, m.Staff.role == "server")
        ).first()
        assert staff is not None
        who = Principal(restaurant_id, staff.id, Role.SERVER, staff.name)
        uow.scope_to(restaurant_id)
        check = checks.open_without_table(uow, who, CheckType.TAKEOUT, guest_name="Sam")
        uow.commit()
    assert check.table_id is None and check.type == "takeout"
    return check.id


def tables(server: Terminal) -> list[dict[str, Any]]:
    return [{k: t[k] for k in ("id", "status", "check_id")} for t in server.floor()]


@pytest.mark.parametrize("tender", ["cash", "card"])
def test_a_takeout_check_settles_and_closes_and_no_table_changes(
    server: Terminal, db: Database, emulator: Emulator, tender: str
) -> None:
    floor_before = tables(server)
    check_id = open_takeout(db)
    server.ring(check_id, "Truffle fries", seat=1)
    check = server.ring(check_id, "Espresso", seat=1)
    assert check["table_id"] is None and check["table_label"] is None

    key = new_key()
    paid = server.pay(check_id, check["total_cents"], tender=tender, tip_cents=100, key=key)
    assert paid.status_code == 201, paid.text
    body = paid.json()
    assert body["check"]["status"] == "closed"
    assert body["check"]["balance_cents"] == 0
    assert body["table"] is None

    # The same key answers the same payment; nothing is taken twice.
    again = server.pay(check_id, check["total_cents"], tender=tender, tip_cents=100, key=key)
    assert again.status_code == 201
    assert again.json()["payment"]["id"] == body["payment"]["id"]
    assert [p["status"] for p in server.check(check_id)["payments"]] == ["captured"]
    if tender == "card":
        charges = emulator.charges_for(check_id)
        assert [c["amount"] for c in charges] == [check["total_cents"] + 100]

    assert tables(server) == floor_before


def test_a_takeout_check_cannot_be_moved_like_a_party_at_a_table(
    server: Terminal, db: Database
) -> None:
    check_id = open_takeout(db)
    free = next(t for t in server.floor() if t["status"] == "available")
    moved = server.post(f"/checks/{check_id}/move", {"table_id": free["id"]})
    assert moved.status_code == 422, moved.text
    assert moved.json()["error"]["code"] == "no_table"
    assert server.table(free["label"])["status"] == "available"


def test_a_dine_in_check_is_opened_only_by_seating_a_table(db: Database) -> None:
    with db.unit() as uow:
        restaurant_id = uow.session.scalars(
            select(m.Restaurant.id).where(m.Restaurant.slug == "demo")
        ).one()
        uow.scope_to(restaurant_id)
        who = Principal(restaurant_id, "nobody", Role.SERVER, "Nobody")
        with pytest.raises(InvalidRequest):
            checks.open_without_table(uow, who, CheckType.DINE_IN)


@pytest.mark.parametrize("mode", ["timeout_after_charge", "timeout_before_charge"])
def test_a_takeout_paid_through_a_processor_timeout_is_charged_once_and_never_shows_paid_early(
    server: Terminal, db: Database, emulator: Emulator, mode: str
) -> None:
    floor_before = tables(server)
    check_id = open_takeout(db)
    check = server.ring(check_id, "Truffle fries", seat=1)
    emulator.fault(mode)
    key = new_key()

    first = server.pay(check_id, check["total_cents"], tender="card", key=key)
    assert first.status_code == 504, first.text
    assert first.json()["error"]["code"] == "processor_timeout"
    pending = server.check(check_id)
    assert (pending["status"], pending["paid_cents"]) == ("open", 0)

    retry = server.pay(check_id, check["total_cents"], tender="card", key=key)
    if retry.status_code == 409:  # the background recovery was finishing it this instant
        retry = server.pay(check_id, check["total_cents"], tender="card", key=key)
    assert retry.status_code == 201, retry.text
    assert retry.json()["payment"]["id"] == first.json()["error"]["payment_id"]
    assert retry.json()["check"]["status"] == "closed"
    assert retry.json()["table"] is None
    assert [c["amount"] for c in emulator.charges_for(check_id)] == [check["total_cents"]]
    assert tables(server) == floor_before
