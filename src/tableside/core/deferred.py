"""Writes sent with the commit: a unit's last writes travel with its COMMIT.

A request's writes mostly come last: read the check under its lock, decide, then insert
the payment, close the check, record the key. Nothing in the unit reads those rows back,
so on PostgreSQL they need not each wait for their own round trip. ``defer`` queues such
a Core statement; the unit of work sends the queue, its outbox statement and COMMIT in
one pipeline (psycopg's pipeline mode), so a cash settle's five final statements cost
one round trip instead of five. Each round trip is also a moment in which the thread gives
up the GIL and the transaction holds its locks while it waits to get the GIL back.

Reading never misses a deferred write: the queue is sent first, in order, before anything
else runs in the unit (a repository's read, an ORM query, an ORM flush). A constraint a
deferred write breaks is raised at the latest by the commit, as the same IntegrityError
(``unit_of_work.translate_db_error``), and nothing of the unit is kept.

In the commit's pipeline each write is compiled once by SQLAlchemy (per statement and
set of columns), its values passed through each bind parameter's own type processor, and
executed by psycopg: half of SQLAlchemy's execution costs per statement, three to five
times a request. A statement SQLAlchemy must help with (a Python-side column default to
run, RETURNING, an expanding IN) goes through SQLAlchemy's execution as before.

A deferred write may return a value (``defer_returning``: an INSERT that takes a number
from a counter row and returns it). Its value is known once it has run: with the commit,
or before the unit's next read. A row lock it takes is then held only while PostgreSQL
commits, as the outbox counter's is (``unit_of_work``), never while this thread waits for
the GIL between round trips.

SQLite has no pipeline and no round trips: there a deferred write runs at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import psycopg
from sqlalchemy import Connection, Dialect, Executable, event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from tableside.core.database import psycopg_of

Params = Mapping[str, Any] | Sequence[Mapping[str, Any]]

_QUEUE = "tableside_deferred_writes"


@dataclass
class Returned:
    """The value a deferred write returns (its first row's first column): set once the
    write has run, at the latest when the unit has committed."""

    value: Any = None


@dataclass(frozen=True)
class Write:
    """A deferred write; with ``returned``, one with RETURNING. ``refused``: a constraint's
    name and the error to raise instead of the IntegrityError when this write breaks it."""

    statement: Executable
    params: Params
    returned: Returned | None = None
    refused: tuple[str, Exception] | None = None


def enable(session: Session) -> None:
    """Let this session's unit defer writes (PostgreSQL units)."""
    session.info[_QUEUE] = []


def defer(session: Session, statement: Executable, params: Params) -> None:
    """Run ``statement`` now, or queue it for the commit when the unit may defer."""
    _defer(session, Write(statement, params))


def defer_returning(
    session: Session,
    statement: Executable,
    params: Mapping[str, Any],
    refused: tuple[str, Exception] | None = None,
) -> Returned:
    """``defer`` a write with RETURNING; its value arrives in the answer once it has run."""
    returned = Returned()
    _defer(session, Write(statement, params, returned, refused))
    return returned


def _defer(session: Session, write: Write) -> None:
    # Whatever the unit changed through the ORM before this write goes first.
    if session.new or session.dirty or session.deleted:
        session.flush()
    queue: list[Write] | None = session.info.get(_QUEUE)
    if queue is None:
        _run(session.connection(), write)
    else:
        queue.append(write)


def _run(connection: Connection, write: Write) -> None:
    try:
        result = connection.execute(write.statement, write.params)
    except IntegrityError as error:
        if write.refused is not None:
            raise write.refused[1] from error
        raise
    if write.returned is not None:
        write.returned.value = result.scalar()


def refusal(writes: Sequence[Write], error: psycopg.IntegrityError) -> Exception | None:
    """The error a write sent in a pipeline names for the constraint ``error`` broke."""
    broken = error.diag.constraint_name
    for write in writes:
        if write.refused is not None and write.refused[0] == broken:
            return write.refused[1]
    return None


def take(session: Session) -> list[Write]:
    """Empty the queue and hand over what was in it (the caller sends it)."""
    queue: list[Write] | None = session.info.get(_QUEUE)
    if not queue:
        return []
    taken = list(queue)
    queue.clear()
    return taken


def send_now(session: Session) -> None:
    """Run the queued writes, in order, before the unit reads or flushes anything else."""
    pending = take(session)
    if pending:
        connection = session.connection()
        for write in pending:
            _run(connection, write)


def connection(session: Session) -> Connection:
    """The session's connection for a Core statement, after everything the unit wrote:
    its pending ORM changes and its queued writes (a Core read must see them)."""
    session.flush()
    send_now(session)
    return session.connection()


def install(factory: sessionmaker[Session]) -> None:
    """Send the queue before any ORM query or flush of a session this factory makes."""

    @event.listens_for(factory, "do_orm_execute")
    def _before_query(state: ORMExecuteState) -> None:
        send_now(state.session)

    @event.listens_for(factory, "before_flush")
    def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
        send_now(session)


@dataclass(frozen=True)
class _Compiled:
    compiled: SQLCompiler
    sql: str
    processors: dict[str, Callable[[Any], Any]]  # by placeholder, where the type has one


# Per statement object (built once, as the repositories' are), set of columns, dialect and
# whether its RETURNING rows are read; None: the statement needs SQLAlchemy's execution.
_COMPILED: dict[tuple[Executable, frozenset[str], str, bool], _Compiled | None] = {}


def send_in_pipeline(connection: Connection, write: Write) -> psycopg.Cursor[Any] | None:
    """Queue one deferred write in the connection's open psycopg pipeline (the commit's);
    for a write with RETURNING, the cursor its row is on once the pipeline has synced."""
    statement, params = write.statement, write.params
    if write.returned is not None:
        assert isinstance(params, Mapping)
        plan = _compile(statement, frozenset(params), connection.dialect, returning=True)
        if plan is None:
            raise ValueError("a write with RETURNING sent with the commit needs no defaults")
        returning = psycopg_of(connection).cursor()
        returning.execute(plan.sql, _bound(plan, params))
        return returning
    rows = [params] if isinstance(params, Mapping) else list(params)
    plan = _compile(statement, frozenset(rows[0]) if rows else frozenset(), connection.dialect)
    if plan is None:
        connection.execute(statement, params)
        return None
    values = [_bound(plan, row) for row in rows]
    cursor = psycopg_of(connection).cursor()
    if len(values) == 1:
        cursor.execute(plan.sql, values[0])
    else:
        cursor.executemany(plan.sql, values)
    return None


def _compile(
    statement: Executable, keys: frozenset[str], dialect: Dialect, *, returning: bool = False
) -> _Compiled | None:
    """``returning``: the caller reads the statement's RETURNING rows from its cursor."""
    cache_key = (statement, keys, dialect.name, returning)
    if cache_key in _COMPILED:
        return _COMPILED[cache_key]
    compiled = cast(ClauseElement, statement).compile(dialect=dialect, column_keys=sorted(keys))
    assert isinstance(compiled, SQLCompiler)
    sql = str(compiled)
    plain = not (
        compiled.insert_prefetch
        or compiled.update_prefetch
        or (compiled.effective_returning and not returning)
        or "POSTCOMPILE" in sql
    )
    plan = None
    if plain:
        processors: dict[str, Callable[[Any], Any]] = {}
        for bind in compiled.binds.values():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                processors[compiled.bind_names[bind]] = processor
        plan = _Compiled(compiled, sql, processors)
    _COMPILED[cache_key] = plan
    return plan


def _bound(plan: _Compiled, row: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(plan.compiled.construct_params(dict(row)))
    for name, processor in plan.processors.items():
        if name in values:
            values[name] = processor(values[name])
    return values
