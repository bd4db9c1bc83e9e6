"""A check's rows read together (store/batched.py: one round trip on PostgreSQL) are the
rows SQLAlchemy's own execution returns, on both databases, whatever the session's zone."""

from __future__ import annotations

import secrets
from dataclasses import astuple
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from psycopg.pq import Trace, TransactionStatus
from sqlalchemy import Table, insert, literal_column, select, text, update
from test_store_invariants import cash_payment, principal, table_ids

from tableside.checks import repository as repos
from tableside.checks import service as checks
from tableside.checks.repository import Checks
from tableside.core import batched
from tableside.core import models as m
from tableside.core.access import Principal
from tableside.core.database import make_engine, psycopg_of
from tableside.core.errors import Conflict
from tableside.core.unit_of_work import BUSY, Database, UnitOfWork
from tableside.floor import service as floor
from tableside.kitchen import service as kitchen
from tableside.menu.repository import Menu
from tableside.staff import repository as staff_queries
from tableside.staff import service as auth
from tableside.staff.repository import StaffRepository

_LINES: Table = m.CheckLine.__table__  # type: ignore[assignment]
_PAYMENTS: Table = m.Payment.__table__  # type: ignore[assignment]
_DISCOUNTS: Table = m.CheckDiscount.__table__  # type: ignore[assignment]


def _a_busy_check(db: Database, who: Principal) -> str:
    """Two rung lines (one with modifiers) sent to the kitchen, one voided, a discount and
    a payment: every kind of row, with datetimes set and unset."""
    with db.unit(who.restaurant_id, who.staff_id) as uow:
        check = floor.seat(uow, who, table_ids(db, who)[2], 3)
        items = Menu.of(uow).items()
        groups = {g.menu_item_id: g for g in Menu.of(uow).groups()}
        with_options = next(item for item in items if item.id in groups)
        options = Menu.of(uow).options([groups[with_options.id].id])
        chosen = tuple(o.id for o in options[: groups[with_options.id].max_choices])
        plain = next(item for item in items if item.id not in groups and item.available)
        checks.add_line(uow, who, check.id, checks.NewLine(with_options.id, 1, 1, chosen))
        first = checks.add_line(uow, who, check.id, checks.NewLine(plain.id, 2, 2))
        kitchen.send(uow, who, check.id)
        checks.add_line(uow, who, check.id, checks.NewLine(plain.id, 3, 1, note="no salt"))
        voided = first.lines[-1].id
        uow.defer(
            update(_LINES)
            .where(_LINES.c.id == voided)
            .values(voided_at=m.utcnow() - timedelta(minutes=3), void_reason="sent back"),
            {},
        )
        uow.defer(
            insert(_DISCOUNTS),
            {
                "id": m.new_id("dsc"),
                "restaurant_id": who.restaurant_id,
                "check_id": check.id,
                "line_id": None,
                "kind": "percent",
                "value": 1000,
                "reason": "regulars",
                "created_by": who.staff_id,
                "created_at": m.utcnow(),
            },
        )
        uow.defer(
            insert(_PAYMENTS),
            cash_payment(who, check.id, m.new_id("key"), 1000, tip=100, tendered=2000),
        )
        uow.commit()
        return check.id


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata"])
def test_a_checks_rows_read_together_are_the_rows_sqlalchemy_returns(
    db: Database, zone: str
) -> None:
    who = principal(db)
    check_id = _a_busy_check(db, who)
    with db.reader(who.restaurant_id) as uow:
        connection = uow.connection()
        if not db.is_sqlite:  # timestamps come back in the session's zone
            connection.execute(text(f"SET LOCAL TIME ZONE '{zone}'"))
        lines, modifiers, discounts, payments = Checks.of(uow).contents(check_id)
        scope = {"restaurant_id": who.restaurant_id, "check_id": check_id}
        expected = [
            [tuple(row) for row in connection.execute(statement, scope)]
            for statement in (
                repos._LINE_ROWS,
                repos._MODIFIER_ROWS,
                repos._DISCOUNT_ROWS,
                repos._PAYMENT_ROWS,
            )
        ]
    assert [[astuple(row) for row in rows] for rows in (lines, modifiers, discounts)] == (
        expected[:3]
    )
    assert [astuple(row) for row in payments] == expected[3]
    assert len(lines) == 3 and modifiers and len(discounts) == 1 and len(payments) == 1
    stamped = [line.sent_at for line in lines if line.sent_at] + [
        line.voided_at for line in lines if line.voided_at
    ]
    assert len(stamped) == 3
    assert all(moment.utcoffset() == timedelta(0) for moment in stamped)
    assert all(moment.astimezone(UTC) == moment for moment in stamped)


def test_a_check_locked_by_another_terminal_is_a_409_at_once_and_its_rows_are_not_read(
    db: Database,
) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite serializes writers at BEGIN IMMEDIATE: there is no row lock")
    who = principal(db)
    check_id = _a_busy_check(db, who)
    with db.unit(who.restaurant_id, who.staff_id) as holder:
        Checks.of(holder).head(check_id, lock=True)
        with pytest.raises(Conflict) as refused, db.unit(who.restaurant_id) as other:
            checks.read_check(other, check_id, lock=True)
    assert refused.value.code == BUSY
    with db.unit(who.restaurant_id) as after:  # the lock went with its holder
        head, rows, _ = checks.read_check(after, check_id, lock=True)
    assert head.id == check_id and len(rows.lines) == 3


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata"])
def test_a_requests_token_read_alone_is_the_row_sqlalchemy_returns(db: Database, zone: str) -> None:
    who = principal(db)
    token_hash = auth.hash_token(secrets.token_urlsafe(32))
    with db.unit(who.restaurant_id, who.staff_id) as uow:
        now = m.utcnow()
        uow.session.add(
            m.StaffSession(
                id=m.new_id("ses"),
                restaurant_id=who.restaurant_id,
                staff_id=who.staff_id,
                token_hash=token_hash,
                created_at=now,
                expires_at=now + timedelta(hours=1),
                revoked_at=now - timedelta(minutes=1),
            )
        )
        uow.commit()
    with db.reader() as uow:
        connection = uow.connection()
        if not db.is_sqlite:
            connection.execute(text(f"SET LOCAL TIME ZONE '{zone}'"))
        found = StaffRepository.of(uow).token_holder(token_hash)
        missing = StaffRepository.of(uow).token_holder(auth.hash_token("not a token"))
        expected = connection.execute(staff_queries._TOKEN_HOLDER, {"token_hash": token_hash}).one()
    assert found == tuple(expected) and missing is None
    revoked_at, expires_at, active, restaurant_id, staff_id, _, _ = found
    assert (restaurant_id, staff_id, active) == (who.restaurant_id, who.staff_id, True)
    assert revoked_at is not None and revoked_at.utcoffset() == timedelta(0)
    assert expires_at - revoked_at == timedelta(hours=1, minutes=1)


def test_a_requests_token_is_read_in_the_round_trip_that_begins_its_transaction(
    db: Database, tmp_path: Path
) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite has no round trips")
    who = principal(db)
    check_id = _a_busy_check(db, who)
    count = text("SELECT count(*) FROM payments WHERE check_id = :check")
    with db.reader() as uow:
        before = uow.connection().execute(count, {"check": check_id}).scalar_one()
    trace = tmp_path / "libpq.trace"
    with db.unit(who.restaurant_id) as uow, trace.open("w") as sink:
        driver = psycopg_of(uow.connection())
        assert driver.info.transaction_status == TransactionStatus.IDLE  # nothing sent yet
        driver.pgconn.trace(sink.fileno())
        driver.pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS)
        holder = StaffRepository.of(uow).token_holder(auth.hash_token("not a token"))
        driver.pgconn.untrace()
        # psycopg's state is its own BEGIN's: in the transaction, not in autocommit.
        assert driver.info.transaction_status == TransactionStatus.INTRANS
        assert driver.autocommit is False
        uow.connection().execute(insert(_PAYMENTS), cash_payment(who, check_id, "key-1"))
    assert holder is None
    answers = [line for line in trace.read_text().splitlines() if "ReadyForQuery" in line]
    assert len(answers) == 1, trace.read_text()  # BEGIN and the read: one round trip
    with db.reader() as uow:  # the unit rolled back: its write went with it
        after = uow.connection().execute(count, {"check": check_id}).scalar_one()
    assert after == before


@pytest.mark.parametrize("first", ["token", "other"])
def test_a_read_sees_one_moment_even_while_a_payment_commits(db: Database, first: str) -> None:
    """A read-only unit sees one snapshot, whether it begins with its token's read (every
    staff request) or with any other (a guest's order, a restaurant's code): a check read
    while its settlement commits never shows its payment captured and itself still open."""
    if db.is_sqlite:
        pytest.skip("SQLite has one writer, and a reader sees one snapshot already")
    marker = f"snapshot-{secrets.token_hex(4)}"
    count = text("SELECT count(*) FROM audit_log WHERE action = :m")
    with db.reader() as reader:
        connection = reader.session.connection()
        if first == "token":
            assert batched.read_first(connection, select(literal_column("1")), {}) == (1,)
        before = connection.execute(count, {"m": marker}).scalar()
        restaurant = connection.execute(text("SELECT id FROM restaurants LIMIT 1")).scalar()
        with db.unit(restaurant) as writer:  # commits while the read is under way
            writer.audit(marker, "test", "x")
            writer.commit()
        during = connection.execute(count, {"m": marker}).scalar()
    with db.reader() as later:
        after = later.session.execute(count, {"m": marker}).scalar()
    assert (before, during, after) == (0, 0, 1)


def _isolation_and_backend(uow: UnitOfWork, first: str) -> tuple[str, int]:
    connection = uow.connection()
    if first == "token":
        batched.read_first(connection, select(literal_column("1")), {})
    level = connection.execute(text("SHOW transaction_isolation")).scalar_one()
    return level, connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_reads_are_repeatable_read_and_writes_read_committed_on_one_pooled_connection(
    db: Database,
) -> None:
    """Whatever a unit reads first, a read runs at REPEATABLE READ and a write at READ
    COMMITTED (under its row locks; at REPEATABLE READ a row changed since its snapshot
    would fail it), one after the other on the same pooled connection: a connection a
    read gives back to the pool is at the server's default again."""
    if db.is_sqlite:
        pytest.skip("SQLite has no isolation levels")
    one = Database(make_engine(db.engine.url.render_as_string(hide_password=False), pool_size=1))
    try:
        seen = []
        for first in ("other", "token"):
            for unit in (one.reader, one.unit, one.reader, one.unit):
                with unit() as uow:
                    seen.append(_isolation_and_backend(uow, first))
    finally:
        one.engine.dispose()
    assert [level for level, _ in seen] == ["repeatable read", "read committed"] * 4
    assert len({backend for _, backend in seen}) == 1  # one connection, lent eight times


def test_a_reads_snapshot_and_a_writes_begin_go_in_their_token_reads_round_trip(
    db: Database, tmp_path: Path
) -> None:
    """A read's REPEATABLE READ costs no round trip of its own, nor does the write that
    next borrows its connection."""
    if db.is_sqlite:
        pytest.skip("SQLite has no round trips")
    one = Database(make_engine(db.engine.url.render_as_string(hide_password=False), pool_size=1))
    traces = []
    try:
        for unit in (one.reader, one.unit):
            trace = tmp_path / f"libpq-{len(traces)}.trace"
            with unit() as uow, trace.open("w") as sink:
                driver = psycopg_of(uow.connection())
                driver.pgconn.trace(sink.fileno())
                driver.pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS)
                StaffRepository.of(uow).token_holder(auth.hash_token("not a token"))
                driver.pgconn.untrace()
                assert driver.info.transaction_status == TransactionStatus.INTRANS
                assert driver.autocommit is False
                level = uow.connection().execute(text("SHOW transaction_isolation")).scalar()
            traces.append((level, trace.read_text()))
    finally:
        one.engine.dispose()
    for (level, sent), expected in zip(traces, ["repeatable read", "read committed"], strict=True):
        assert level == expected
        assert len([line for line in sent.splitlines() if "ReadyForQuery" in line]) == 1, sent
    assert "BEGIN ISOLATION LEVEL REPEATABLE READ" in traces[0][1]
