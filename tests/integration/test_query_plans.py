"""A restaurant that is new in a shared database still has its checks read by the check,
not by walking everything it ever rang.

Until the next ANALYZE, PostgreSQL's statistics say a new restaurant has (almost) no
rows. With indexes led by the restaurant, that made the restaurant's index look like the
cheapest way to a check's rows, and every read of a check filtered the restaurant's whole
history (migration 0004; docs/benchmarks.md, fifth round). The plans are checked with
EXPLAIN ANALYZE: no node may throw away more than a handful of rows to find one check's.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Connection, Table, insert, text
from sqlalchemy.sql import ClauseElement

from tableside.checks import repository as repos
from tableside.core import models as m
from tableside.core.unit_of_work import Database
from tableside.payments import repository as payment_queries

HISTORY = ["checks", "check_lines", "line_modifiers", "payments"]
OLD_CHECKS = 3000  # the established restaurant's history, analyzed
NEW_CHECKS = 800  # the new restaurant's, rung after the last ANALYZE
LINES_PER_CHECK = 3


def _table(model: type[m.Base]) -> Table:
    return model.__table__  # type: ignore[return-value]


def _ring(conn: Connection, restaurant_id: str, how_many: int, day: date) -> list[dict[str, Any]]:
    """Closed checks with lines, a modifier on each line and a cash payment."""
    table_id, staff_id, item_id, option_id = conn.execute(
        text(
            "SELECT t.id, s.id, i.id, o.id FROM tables t, staff s, menu_items i, "
            "modifier_options o WHERE t.restaurant_id = :r AND s.restaurant_id = :r "
            "AND i.restaurant_id = :r AND o.restaurant_id = :r LIMIT 1"
        ),
        {"r": restaurant_id},
    ).one()
    now = m.utcnow()
    checks = [
        {
            "id": m.new_id("chk"),
            "restaurant_id": restaurant_id,
            "table_id": table_id,
            "business_date": day,
            "number": n + 1,
            "status": "closed",
            "guests": 2,
            "opened_by": staff_id,
            "opened_at": now,
            "closed_at": now,
        }
        for n in range(how_many)
    ]
    lines = [
        {
            "id": m.new_id("ln"),
            "restaurant_id": restaurant_id,
            "check_id": check["id"],
            "seat": 1,
            "menu_item_id": item_id,
            "name": "Burger",
            "quantity": 1,
            "unit_price_cents": 1500,
            "created_by": staff_id,
            "created_at": now,
        }
        for check in checks
        for _ in range(LINES_PER_CHECK)
    ]
    modifiers = [
        {
            "id": m.new_id("mod"),
            "restaurant_id": restaurant_id,
            "line_id": line["id"],
            "option_id": option_id,
            "name": "Extra cheese",
            "price_cents": 100,
        }
        for line in lines
    ]
    payments = [
        {
            "id": m.new_id("pay"),
            "restaurant_id": restaurant_id,
            "check_id": check["id"],
            "idempotency_key": m.new_id("key"),
            "tender": "cash",
            "status": "captured",
            "amount_cents": 4500,
            "created_by": staff_id,
            "created_at": now,
            "settled_at": now,
        }
        for check in checks
    ]
    for model, rows in [
        (m.Check, checks),
        (m.CheckLine, lines),
        (m.LineModifier, modifiers),
        (m.Payment, payments),
    ]:
        conn.execute(insert(_table(model)), rows)
    return checks


@pytest.fixture
def new_restaurants_check(db: Database) -> Iterator[tuple[Connection, str, str, str]]:
    """(connection, restaurant, check, payment): the check of a restaurant that rang its
    whole history after the database was last analyzed."""
    if db.is_sqlite:
        pytest.skip("PostgreSQL's planner and its statistics")
    with db.engine.connect() as conn:
        old, new = conn.scalars(
            text("SELECT id FROM restaurants WHERE slug IN ('demo', 'demo2') ORDER BY slug")
        ).all()
        for table in HISTORY:  # the statistics stay as ANALYZE leaves them below
            conn.execute(text(f"ALTER TABLE {table} SET (autovacuum_enabled = false)"))
        conn.commit()
        try:
            _ring(conn, old, OLD_CHECKS, date(2026, 11, 1))
            conn.commit()
            conn.execute(text(f"ANALYZE {', '.join(HISTORY)}"))
            conn.commit()
            check = _ring(conn, new, NEW_CHECKS, date(2026, 11, 2))[NEW_CHECKS // 2]
            conn.commit()
            payment = conn.scalar(
                text("SELECT id FROM payments WHERE check_id = :c"), {"c": check["id"]}
            )
            yield conn, new, check["id"], payment
            conn.rollback()
        finally:
            for table in HISTORY:
                conn.execute(text(f"ALTER TABLE {table} RESET (autovacuum_enabled)"))
            conn.commit()


def _rows_thrown_away(conn: Connection, statement: ClauseElement, values: dict[str, str]) -> int:
    """Rows the plan read and then filtered out, over every node (EXPLAIN ANALYZE)."""
    sql = statement.compile(dialect=conn.dialect)
    params = sql.construct_params(values)
    [[plan]] = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params).one()
    thrown, stack = 0, [plan["Plan"]]
    while stack:
        node = stack.pop()
        loops = node.get("Actual Loops", 1)
        thrown += loops * node.get("Rows Removed by Filter", 0)
        thrown += loops * node.get("Rows Removed by Join Filter", 0)
        thrown += loops * node.get("Rows Removed by Index Recheck", 0)
        stack += node.get("Plans", [])
    return thrown


def test_a_new_restaurants_check_is_read_and_changed_without_walking_its_history(
    new_restaurants_check: tuple[Connection, str, str, str],
) -> None:
    conn, restaurant, check, payment = new_restaurants_check
    by_check = {"restaurant_id": restaurant, "id": check, "check_id": check}
    changing = {"check_id": check, "scope_restaurant_id": restaurant}
    plans: dict[str, tuple[ClauseElement, dict[str, str]]] = {
        "the check, locked": (repos._CHECK_HEAD_NOWAIT, by_check),
        "its lines": (repos._LINE_ROWS, by_check),
        "their modifiers": (repos._MODIFIER_ROWS, by_check),
        "its discounts": (repos._DISCOUNT_ROWS, by_check),
        "its payments": (repos._PAYMENT_ROWS, by_check),
        "one payment": (payment_queries._PAYMENT_ROW, {"restaurant_id": restaurant, "id": payment}),
        "the check touched": (repos._TOUCH_CHECK, changing),
    }
    thrown = {what: _rows_thrown_away(conn, *plan) for what, plan in plans.items()}
    # A handful at most: the check's own rows, never the restaurant's history.
    assert {what: n for what, n in thrown.items() if n > LINES_PER_CHECK} == {}
