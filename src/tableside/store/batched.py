"""Several reads of one unit in one round trip (PostgreSQL's pipeline mode).

Reading a check means five selects: the check itself (often locked), its lines, their
modifiers, its discounts and its payments; a settle adds its key. None needs another's
answer, so on PostgreSQL they are sent together and answered together: one round trip
instead of five or six, on the unit's own connection and transaction. PostgreSQL still
runs them one after the other, each with its own snapshot (READ COMMITTED): the reads
after a lock see everything its previous holder committed, exactly as when each waited
for the one before. A read that fails (a lock held elsewhere, NOWAIT) fails the batch,
and the reads after it are not run.

Each select is compiled once by SQLAlchemy for the dialect, executed by psycopg in its
pipeline, and its values converted by each column type's own result processor, so a row
is what SQLAlchemy's execution would have returned. SQLite has no round trips to save:
there each select simply runs through SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from sqlalchemy import Connection, Dialect, Select
from sqlalchemy.exc import DBAPIError

from tableside.store.database import psycopg_of

AnySelect = Select[*tuple[Any, ...]]
Read = tuple[AnySelect, Mapping[str, Any]]
Rows = Sequence[Sequence[Any]]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    processors: tuple[Callable[[Any], Any] | None, ...]


# Per statement object (the repositories' selects are built once) and dialect.
_COMPILED: dict[tuple[AnySelect, str], _Compiled] = {}


def read_together(connection: Connection, reads: Sequence[Read]) -> list[Rows]:
    """Each read's rows, in order. The caller has sent the unit's pending writes.

    Each select is compiled once and kept: pass selects built once (module constants, as
    the repositories' are), with their parameters apart."""
    if connection.dialect.name != "postgresql":
        return [connection.execute(statement, params).all() for statement, params in reads]
    driver = psycopg_of(connection)
    compiled = [_compile(statement, connection.dialect) for statement, _ in reads]
    cursors = []
    with _as_sqlalchemy_raises(connection, compiled), driver.pipeline():
        for (_, params), plan in zip(reads, compiled, strict=True):
            cursor = driver.cursor()
            cursor.execute(plan.sql, params)
            cursors.append(cursor)
    return [
        _convert(cursor.fetchall(), plan) for cursor, plan in zip(cursors, compiled, strict=True)
    ]


def read_first(
    connection: Connection, statement: AnySelect, params: Mapping[str, Any]
) -> Sequence[Any] | None:
    """The first row of one read, or None: a read with nothing to share its round trip
    with (a request's token). Compiled and converted as above, executed by psycopg alone,
    at about half the CPU of SQLAlchemy's own execution."""
    if connection.dialect.name != "postgresql":
        return connection.execute(statement, params).first()
    plan = _compile(statement, connection.dialect)
    with _as_sqlalchemy_raises(connection, [plan]):
        cursor = psycopg_of(connection).cursor()
        cursor.execute(plan.sql, params)
        row = cursor.fetchone()
    return None if row is None else _convert([row], plan)[0]


@contextmanager
def _as_sqlalchemy_raises(connection: Connection, compiled: Sequence[_Compiled]) -> Iterator[None]:
    """A driver error as SQLAlchemy's execution would raise it: a lock held elsewhere
    (NOWAIT) becomes the caller's 409, a connection cut under us is replaced by the pool
    and answered 503."""
    try:
        yield
    except psycopg.Error as error:
        lost = psycopg_of(connection).broken
        if lost:
            connection.invalidate(error)
        raise DBAPIError.instance(
            "; ".join(plan.sql for plan in compiled),
            None,
            error,
            psycopg.Error,
            connection_invalidated=lost,
            dialect=connection.dialect,
        ) from error


def _compile(statement: AnySelect, dialect: Dialect) -> _Compiled:
    key = (statement, dialect.name)
    found = _COMPILED.get(key)
    if found is None:
        sql = str(statement.compile(dialect=dialect))
        if "POSTCOMPILE" in sql:
            raise ValueError("a batched read cannot take an expanding IN parameter")
        processors = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.selected_columns
        )
        found = _COMPILED[key] = _Compiled(sql, processors)
    return found


def _convert(rows: list[tuple[Any, ...]], plan: _Compiled) -> Rows:
    if not any(plan.processors):
        return rows
    processors = plan.processors
    return [
        tuple(value if p is None else p(value) for p, value in zip(processors, row, strict=True))
        for row in rows
    ]
