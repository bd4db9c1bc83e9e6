"""A guest's order that nobody paid for — the server that held it stopped before its payment
began — does not hold its pickup place for ever: two minutes on, the recovery loop calls it
off without waiting for anyone's next order. An order whose payment has begun is never
called off this way, whatever the processor does."""

from __future__ import annotations

from datetime import timedelta

import httpx
from db_state import rows
from emulator import Emulator
from harness import wait_for
from ordering import Guest
from sqlalchemy import select
from sqlalchemy.orm import Session
from terminal import new_key

from tableside.checks.rules import CheckType
from tableside.core import models as m
from tableside.core.unit_of_work import Database
from tableside.guests import orders
from tableside.guests.rules import UNPAID_HOLD
from tableside.guests.schemas import OrderItem


def hold_an_order(db: Database, name: str) -> orders.Held:
    """What placing an order does before its payment: the order held, its place taken."""
    with db.unit() as uow:
        restaurant_id = uow.session.scalars(
            select(m.Restaurant.id).where(m.Restaurant.slug == "demo")
        ).one()
        uow.scope_to(restaurant_id)
        ipa = uow.session.scalars(
            select(m.MenuItem.id).where(
                m.MenuItem.restaurant_id == restaurant_id, m.MenuItem.name == "Draft IPA"
            )
        ).one()
        held = orders.hold(
            uow,
            new_key(),
            orders.NewOrder(
                kind=CheckType.ONLINE,
                items=[OrderItem(menu_item_id=ipa, quantity=2)],
                name=name,
                pickup="asap",
                payment_method="pm_card_visa",
            ),
        )
        uow.commit()
    return held


def age(db: Database, check_id: str) -> None:
    """Move the order's opening back past the time an unpaid order may hold its place."""
    with Session(db.engine) as session:
        check = session.get(m.Check, check_id)
        assert check is not None
        check.opened_at -= UNPAID_HOLD + timedelta(minutes=1)
        session.commit()


def status(live_server: str, token: str) -> tuple[str, bool]:
    """The order's status and whether it is paid, as its guest's page reads them."""
    response = httpx.get(f"{live_server}/api/v1/public/orders/{token}", timeout=10)
    assert response.status_code == 200, response.text
    order = response.json()["order"]
    return order["status"], order["paid"]


def places_held(db: Database, check_id: str) -> int:
    """Orders in this order's pickup slot whose check is not void."""
    return int(
        rows(
            db,
            "SELECT count(*) FROM guest_orders o JOIN checks c ON c.id = o.check_id "
            "WHERE o.slot_at = (SELECT slot_at FROM guest_orders WHERE check_id = :id) "
            "AND c.status <> 'void'",
            id=check_id,
        )[0][0]
    )


def test_an_order_nobody_paid_for_is_called_off_and_frees_its_place(db: Database) -> None:
    held = hold_an_order(db, "Left Unpaid")
    fresh = hold_an_order(db, "Still Paying")
    places = places_held(db, held.check_id)
    age(db, held.check_id)

    assert orders.call_off_abandoned(db) >= 1  # the session's server may have others too

    def statuses() -> dict[str, str]:
        found = rows(
            db,
            "SELECT id, status FROM checks WHERE id IN (:a, :b)",
            a=held.check_id,
            b=fresh.check_id,
        )
        return {check_id: check_status for check_id, check_status in found}

    assert statuses() == {held.check_id: "void", fresh.check_id: "open"}
    assert places_held(db, held.check_id) == places - 1
    assert rows(db, "SELECT count(*) FROM tickets WHERE check_id = :id", id=held.check_id) == [(0,)]
    assert rows(
        db,
        "SELECT count(*) FROM audit_log WHERE entity_id = :id AND action = 'order.called_off'",
        id=held.check_id,
    ) == [(1,)]
    orders.call_off_abandoned(db)  # a second pass: the called-off order is not touched again
    assert statuses() == {held.check_id: "void", fresh.check_id: "open"}
    assert rows(
        db,
        "SELECT count(*) FROM audit_log WHERE entity_id = :id AND action = 'order.called_off'",
        id=held.check_id,
    ) == [(1,)]


def test_the_servers_own_loop_calls_off_an_unpaid_order_and_the_guest_sees_cancelled(
    db: Database, live_server: str
) -> None:
    held = hold_an_order(db, "Gone Quiet")
    assert status(live_server, held.token) == ("received", False)  # "Confirming your payment…"
    age(db, held.check_id)

    wait_for(
        lambda: status(live_server, held.token) == ("cancelled", False), what="the order called off"
    )


def test_an_order_whose_payment_began_is_never_called_off_for_being_unpaid(
    db: Database, live_server: str, emulator: Emulator
) -> None:
    guest = Guest(live_server)
    emulator.fault("timeout_after_charge")
    placed = guest.order(name="Timed Out")
    assert placed.status_code == 504, placed.text
    order_id = placed.json()["order"]["id"]
    check_id = rows(db, "SELECT check_id FROM guest_orders WHERE id = :id", id=order_id)[0][0]
    age(db, check_id)

    orders.call_off_abandoned(db)

    assert rows(db, "SELECT status FROM checks WHERE id = :id", id=check_id)[0][0] != "void"
    # The card was charged: recovery records it and the order goes to the kitchen.
    wait_for(
        lambda: status(live_server, placed.json()["token"]) == ("received", True),
        what="the charge recorded by recovery",
    )
    assert len(emulator.charges_for(check_id)) == 1
    guest.close()
