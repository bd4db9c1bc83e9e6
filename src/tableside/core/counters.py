"""Counters incremented under their row's lock: check numbers, event sequence numbers."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def increment_counter(
    session: Session, model: Any, key: dict[str, Any], column: str, *, by: int = 1
) -> int:
    """Atomically add ``by`` to ``model.column`` for the row ``key`` (created at ``by``).

    One ``INSERT … ON CONFLICT DO UPDATE … RETURNING``: concurrent callers serialize on the
    row and each gets its own value — never "count + 1".
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    upsert = (
        insert(model)
        .values(**key, **{column: by})
        .on_conflict_do_update(index_elements=list(key), set_={column: getattr(model, column) + by})
        .returning(getattr(model, column))
    )
    value = session.execute(upsert).scalar_one()
    return int(value)
