"""A unit's deferred writes (store/deferred.py): sent with its COMMIT on PostgreSQL, at
once on SQLite, and on both never missed by a read and never kept without the unit."""

from __future__ import annotations

import pytest
from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from test_store_invariants import cash_payment, count, principal, seat, table_ids

from tableside.services.principal import Principal
from tableside.store import models as m
from tableside.store.unit_of_work import Database

_CHECKS = m.Check.__table__
_PAYMENTS: Table = m.Payment.__table__  # type: ignore[assignment]


def _guests(db: Database, check_id: str) -> int:
    with db.reader() as uow:
        return int(uow.session.scalar(select(m.Check.guests).where(m.Check.id == check_id)) or 0)


@pytest.fixture
def who(db: Database) -> Principal:
    return principal(db)


@pytest.fixture
def open_check(db: Database, who: Principal) -> str:
    return str(seat(db, who, table_ids(db, who)[0]).id)


def test_a_deferred_write_is_seen_by_the_units_next_core_read_and_orm_query(
    db: Database, who: Principal, open_check: str
) -> None:
    with db.unit(who.restaurant_id, who.staff_id) as uow:
        uow.defer(update(_CHECKS).where(_CHECKS.c.id == open_check).values(guests=7), {})
        assert uow.checks.head(open_check).guests == 7  # a repository's Core read
        uow.defer(update(_CHECKS).where(_CHECKS.c.id == open_check).values(guests=8), {})
        assert uow.session.scalar(select(m.Check.guests).where(m.Check.id == open_check)) == 8
        uow.defer(update(_CHECKS).where(_CHECKS.c.id == open_check).values(guests=9), {})
        assert uow.connection().scalar(select(_CHECKS.c.guests).where(_CHECKS.c.id == open_check))
        uow.commit()
    assert _guests(db, open_check) == 9


def test_deferred_writes_are_kept_with_the_commit_and_dropped_with_a_rollback(
    db: Database, who: Principal, open_check: str
) -> None:
    with db.unit(who.restaurant_id, who.staff_id) as uow:
        uow.defer(insert(_PAYMENTS), cash_payment(who, open_check, "kept"))
        uow.emit("payment.captured", {"check_id": open_check})
        uow.commit()
    with db.unit(who.restaurant_id, who.staff_id) as uow:
        uow.defer(insert(_PAYMENTS), cash_payment(who, open_check, "dropped"))
        uow.emit("payment.captured", {"check_id": open_check})
        # no commit: leaving the block rolls back
    assert count(db, m.Payment, idempotency_key="kept") == 1
    assert count(db, m.Payment, idempotency_key="dropped") == 0
    assert count(db, m.OutboxEvent, type="payment.captured") == 1


def test_a_constraint_a_deferred_write_breaks_raises_integrity_error_and_keeps_nothing(
    db: Database, who: Principal, open_check: str
) -> None:
    with db.unit(who.restaurant_id, who.staff_id) as uow:
        uow.defer(insert(_PAYMENTS), cash_payment(who, open_check, "twice"))
        uow.commit()
    events_before = count(db, m.OutboxEvent)
    with pytest.raises(IntegrityError), db.unit(who.restaurant_id, who.staff_id) as uow:
        uow.defer(update(_CHECKS).where(_CHECKS.c.id == open_check).values(guests=5), {})
        uow.defer(insert(_PAYMENTS), cash_payment(who, open_check, "twice"))  # key taken
        uow.audit("payment.started", "payment", "pay_x")
        uow.emit("payment.captured", {"check_id": open_check})
        uow.commit()
    assert count(db, m.Payment, idempotency_key="twice") == 1
    assert count(db, m.OutboxEvent) == events_before
    assert _guests(db, open_check) == 2  # the write before the failing one is gone too
    with db.unit(who.restaurant_id, who.staff_id) as uow:  # the pool's connection is fine
        assert uow.checks.head(open_check).status == "open"


def test_an_orm_change_made_before_a_deferred_write_reaches_the_database_first(
    db: Database, who: Principal
) -> None:
    table_id = table_ids(db, who)[1]
    check_id = m.new_id("chk")
    with db.unit(who.restaurant_id, who.staff_id) as uow:
        uow.session.add(
            m.Check(
                id=check_id,
                restaurant_id=who.restaurant_id,
                table_id=table_id,
                business_date=m.utcnow().date(),
                number=9001,
                status="open",
                guests=2,
                opened_by=who.staff_id,
                opened_at=m.utcnow(),
                version=1,
            )
        )
        # The payment's foreign key needs the check: the ORM's insert goes first.
        uow.defer(insert(_PAYMENTS), cash_payment(who, check_id, "after-orm"))
        uow.commit()
    with db.reader() as uow:
        paid = uow.session.scalar(
            select(func.sum(m.Payment.amount_cents)).where(m.Payment.check_id == check_id)
        )
    assert paid == 500
