"""What the database holds, read straight from it: to prove a refused request changed nothing
and that the changes which happened were audited."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text

from tableside.core.unit_of_work import Database

# Every table a request could change, except sessions (a login makes one) and the
# throttle of wrong PINs (counting them is the point of a wrong PIN).
WATCHED = [
    "restaurants",
    "staff",
    "sections",
    "tables",
    "menu_categories",
    "menu_items",
    "modifier_groups",
    "modifier_options",
    "checks",
    "check_number_counters",
    "check_lines",
    "line_modifiers",
    "check_discounts",
    "tickets",
    "payments",
    "refunds",
    "guest_links",
    "idempotency_keys",
    "audit_log",
    "outbox",
    "outbox_counters",
]


def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every watched table, in a stable order."""
    state: dict[str, list[tuple[Any, ...]]] = {}
    with db.engine.connect() as conn:
        for table in WATCHED:
            rows = conn.execute(text(f"SELECT * FROM {table}")).all()
            state[table] = sorted((tuple(row) for row in rows), key=repr)
    return state


def changed_tables(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [table for table in WATCHED if before[table] != after[table]]


def audit_actions(db: Database, entity_id: str | None = None) -> list[tuple[str, str | None]]:
    """(action, staff_id) of every audit entry, oldest first (optionally of one entity)."""
    sql = "SELECT action, staff_id FROM audit_log"
    params: dict[str, Any] = {}
    if entity_id is not None:
        sql += " WHERE entity_id = :entity_id"
        params["entity_id"] = entity_id
    with db.engine.connect() as conn:
        return [(row[0], row[1]) for row in conn.execute(text(sql + " ORDER BY id"), params)]


def audit_of(db: Database, entity_id: str) -> list[tuple[str, str | None, dict[str, Any]]]:
    """(action, staff_id, details) of every audit entry of one entity, oldest first."""
    with db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT action, staff_id, details FROM audit_log WHERE entity_id = :id ORDER BY id"
            ),
            {"id": entity_id},
        ).all()
    return [(row[0], row[1], json_value(row[2])) for row in rows]


def json_value(raw: Any) -> dict[str, Any]:
    """A JSON column's object: PostgreSQL's driver has decoded it, SQLite's gives the text."""
    value: dict[str, Any] = raw if isinstance(raw, dict) else json.loads(raw)
    return value


def event_types(db: Database) -> list[str]:
    with db.engine.connect() as conn:
        return [row[0] for row in conn.execute(text("SELECT type FROM outbox ORDER BY seq"))]


def staff_id(db: Database, slug: str, name: str) -> str:
    with db.engine.connect() as conn:
        return str(
            conn.execute(
                text(
                    "SELECT s.id FROM staff s JOIN restaurants r ON r.id = s.restaurant_id"
                    " WHERE r.slug = :slug AND s.name = :name"
                ),
                {"slug": slug, "name": name},
            ).scalar_one()
        )


def execute(db: Database, sql: str, **params: Any) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(sql), params)


def rows(db: Database, sql: str, **params: Any) -> list[Any]:
    """The rows a read of the test's own returns."""
    with db.engine.connect() as conn:
        return list(conn.execute(text(sql), params).all())
