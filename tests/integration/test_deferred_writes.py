"""A unit's deferred writes (store/deferred.py): sent with its COMMIT on PostgreSQL, at
once on SQLite, and on both never missed by a read and never kept without the unit."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from test_store_invariants import cash_payment, count, principal, seat, table_ids

from tableside.checks.repository import Checks
from tableside.core import models as m
from tableside.core.access import Principal
from tableside.core.unit_of_work import Database

_CHECKS: Table = m.Check.__table__  # type: ignore[assignment]
_PAYMENTS: Table = m.Payment.__table__  # type: ignore[assignment]
_KEYS: Table = m.IdempotencyKey.__table__  # type: ignore[assignment]


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
        assert Checks.of(uow).head(open_check).guests == 7  # a repository's Core read
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
        assert Checks.of(uow).head(open_check).status == "open"


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


def _key_row(who: Principal, payment_id: str, key: str) -> dict[str, Any]:
    return {
        "id": m.new_id("idk"),
        "restaurant_id": who.restaurant_id,
        "key": key,
        "operation": "payment",
        "fingerprint": "f" * 64,
        "resource_id": payment_id,
        "response_status": 201,
        "response_body": {"check": {"status": "closed", "lines": [{"name": "Soup"}]}},
        "locked_until": None,
        "created_at": m.utcnow(),
    }


def test_writes_sent_with_the_commit_store_what_sqlalchemys_execution_stores(
    db: Database, who: Principal, open_check: str
) -> None:
    """The commit's writes are executed by psycopg from SQLAlchemy's compiled statement
    and its types' bind processors (JSON, time zones, SQL expressions in the values);
    the same writes through SQLAlchemy's own execution must store the same rows."""
    tables = table_ids(db, who)
    checks = [open_check, str(seat(db, who, tables[1]).id)]
    closed_at = m.utcnow()
    for sent_with_commit, check_id in zip([True, False], checks, strict=True):
        payment = cash_payment(who, check_id, f"pay-{check_id}", 1200, tip=300)
        with db.unit(who.restaurant_id, who.staff_id) as uow:
            writes: list[tuple[Any, Any]] = [
                (insert(_PAYMENTS), payment),
                (insert(_KEYS), _key_row(who, payment["id"], f"key-{check_id}")),
                (
                    update(_CHECKS)
                    .where(_CHECKS.c.id == check_id)
                    .values(status="closed", closed_at=closed_at, version=_CHECKS.c.version + 1),
                    {},
                ),
                # No refunded_cents: its Python-side default needs SQLAlchemy's execution.
                (
                    insert(_PAYMENTS),
                    {
                        **{k: v for k, v in payment.items() if k != "refunded_cents"},
                        "id": m.new_id("pay"),
                        "idempotency_key": f"default-{check_id}",
                    },
                ),
            ]
            for statement, params in writes:
                if sent_with_commit:
                    uow.defer(statement, params)
                else:
                    uow.connection().execute(statement, params)
            uow.commit()
    with db.reader() as uow:
        stored = [
            (
                uow.session.execute(
                    select(_CHECKS.c.status, _CHECKS.c.closed_at, _CHECKS.c.version).where(
                        _CHECKS.c.id == check_id
                    )
                ).one(),
                uow.session.execute(
                    select(
                        _PAYMENTS.c.amount_cents,
                        _PAYMENTS.c.tip_cents,
                        _PAYMENTS.c.change_cents,
                        _PAYMENTS.c.refunded_cents,
                        _PAYMENTS.c.settled_at,
                    )
                    .where(_PAYMENTS.c.check_id == check_id)
                    .order_by(_PAYMENTS.c.idempotency_key)
                ).all(),
                uow.session.execute(
                    select(_KEYS.c.response_status, _KEYS.c.response_body).where(
                        _KEYS.c.key == f"key-{check_id}"
                    )
                ).one(),
            )
            for check_id in checks
        ]
    assert stored[0][0] == ("closed", closed_at, 2)
    assert [row[:4] for row in stored[0][1]] == [(1200, 300, 0, 0)] * 2
    assert stored[0][2][1]["check"]["lines"] == [{"name": "Soup"}]
    assert stored[0][0] == stored[1][0] and stored[0][2] == stored[1][2]
    assert [row[:4] for row in stored[0][1]] == [row[:4] for row in stored[1][1]]
