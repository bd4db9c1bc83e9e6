"""Several reads of one unit in one round trip (PostgreSQL's pipeline mode).

Reading a check means five selects: the check itself (often locked), its lines, their
modifiers, its discounts and its payments; a settle adds its key. None needs another's
answer, so on PostgreSQL they are sent together and answered together: one round trip
instead of five or six, on the unit's own connection and transaction. PostgreSQL still
runs them one after the other: in a write unit (READ COMMITTED) each with its own
snapshot, so the reads after a lock see everything its previous holder committed, exactly
as when each waited for the one before; in a read-only unit all in the unit's one. A
read that fails (a lock held elsewhere, NOWAIT) fails the batch, and the reads after it are
not run.

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

from tableside.core.database import psycopg_of

AnySelect = Select[*tuple[Any, ...]]
Read = tuple[AnySelect, Mapping[str, Any]]
Rows = Sequence[Sequence[Any]]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # (column index, result processor) of the columns that have one: a row's other values
    # are what the driver gave (a 200-row floor plan with one timestamp column converts
    # 200 values, not 2 800).
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]


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
    at about half the CPU of SQLAlchemy's own execution. As a unit's first statement, it
    also begins the unit's transaction in its round trip (``_begin_with``)."""
    if connection.dialect.name != "postgresql":
        return connection.execute(statement, params).first()
    plan = _compile(statement, connection.dialect)
    driver = psycopg_of(connection)
    with _as_sqlalchemy_raises(connection, [plan]):
        begin = _begin_statement(driver)
        if begin is not None:
            cursor = _begin_with(driver, begin, plan.sql, params)
        else:
            cursor = driver.execute(plan.sql, params)
        row = cursor.fetchone()
    return None if row is None else _convert([row], plan)[0]


def _begin_statement(driver: psycopg.Connection[Any]) -> bytes | None:
    """The ``BEGIN`` psycopg would send before the next statement, with the transaction's
    characteristics (a read-only unit's REPEATABLE READ: core/database.py), or None if it
    would send none (autocommit, or in a transaction already)."""
    if driver.autocommit or driver.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        return None
    return driver._get_tx_start_command()


def _begin_with(
    driver: psycopg.Connection[Any], begin: bytes, sql: str, params: Mapping[str, Any]
) -> psycopg.Cursor[Any]:
    """``begin`` and the statement in one round trip; the statement's cursor.

    Before a transaction's first statement psycopg sends its ``BEGIN`` and waits for the
    answer: a round trip of its own, on every request. Here that same ``BEGIN`` is sent
    ahead of the statement in one pipeline, with psycopg told not to send its own
    (autocommit, for that moment). Afterwards psycopg's state is exactly as after its own
    ``BEGIN``: in a transaction, not in autocommit, so the unit commits or rolls back as
    always. The attribute is set directly because psycopg's setter refuses to change it
    inside a transaction, and the ``BEGIN`` is psycopg's own (``_get_tx_start_command``);
    psycopg is pinned, and tests/integration/test_batched_reads.py checks this state."""
    driver.autocommit = True
    try:
        with driver.pipeline():
            driver.execute(begin)
            cursor = driver.execute(sql, params)
    finally:
        driver._autocommit = False
    return cursor


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
            # As SQLAlchemy's own execution does on a disconnect: every connection the pool
            # lent before now is replaced at its next checkout (a restart cut them all), not
            # only this one.
            connection.engine.pool._invalidate(connection.connection, error)
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
            (index, processor)
            for index, column in enumerate(statement.selected_columns)
            if (processor := column.type.dialect_impl(dialect).result_processor(dialect, None))
            is not None
        )
        found = _COMPILED[key] = _Compiled(sql, processors)
    return found


def _convert(rows: list[tuple[Any, ...]], plan: _Compiled) -> Rows:
    processors = plan.processors
    if not processors:
        return rows
    converted = []
    for row in rows:
        values = list(row)
        for index, processor in processors:
            values[index] = processor(values[index])
        converted.append(tuple(values))
    return converted
