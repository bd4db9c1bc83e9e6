"""Counters incremented under their row's lock: check numbers, event sequence numbers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Insert, Table, bindparam, insert, select
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


def insert_numbered(
    table: Table,
    columns: Sequence[str],
    number: str,
    counter: Any,
    key: Sequence[str],
    column: str,
) -> Insert:
    """PostgreSQL: one statement that takes the next value of ``counter.column`` for the row
    ``key`` (as ``increment_counter`` does) and inserts a row of ``table`` numbered with it,
    returning the number. Its parameters are ``columns``' values by name (the key's among
    them); the other columns take their scalar defaults (a default computed in Python is
    not run: give that column's value).

    Deferred to the commit (``UnitOfWork.defer_returning``), the counter's row stays locked
    only while PostgreSQL commits.
    """
    counted = getattr(counter, column)
    taken = (
        postgresql.insert(counter)
        .values({name: bindparam(name) for name in key} | {column: 1})
        .on_conflict_do_update(index_elements=list(key), set_={column: counted + 1})
        .returning(counted.label("taken"))
        .cte("taken")
    )
    defaults = [
        c
        for c in table.columns
        if c.name not in columns and c.name != number and c.default is not None
        if c.default.is_scalar
    ]
    names = [*columns, *(c.name for c in defaults), number]
    values = select(
        *(bindparam(name, type_=table.c[name].type) for name in columns),
        *(bindparam(c.name, value=getattr(c.default, "arg", None), type_=c.type) for c in defaults),
        taken.c.taken,
    )
    return (
        insert(table).from_select(names, values, include_defaults=False).returning(table.c[number])
    )
