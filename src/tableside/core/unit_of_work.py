"""The unit of work: one object, one database transaction.

``with db.unit(restaurant_id, staff_id) as uow:`` opens the transaction; services change
rows through ``uow.session`` and the repositories, record ``uow.audit(...)`` and
``uow.emit(...)``; ``uow.commit()`` writes the audit entries and the outbox events and
commits all of it at once. Leaving the block without ``commit()`` rolls everything back —
including the events, so no terminal hears of a change that did not happen.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self, TypeVar, cast

import psycopg
from sqlalchemy import Connection, Engine, Executable, Table, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from tableside.core import deferred
from tableside.core.counters import increment_counter
from tableside.core.database import is_sqlite, psycopg_of, reader_engine
from tableside.core.errors import Conflict
from tableside.core.models import AuditEntry, OutboxCounter, OutboxEvent, utcnow
from tableside.core.repository import Repository

R = TypeVar("R", bound=Repository)

BUSY = "busy"  # a row another transaction holds this instant (FOR UPDATE NOWAIT)

CommitListener = Callable[[str, int], None]  # (restaurant_id, last committed seq)

# The unit's audit rows, the counter increment, the events and the wake-up (delivered only
# if the transaction commits) in one statement, sent with the unit's deferred writes and its
# COMMIT in one round trip (psycopg's pipeline mode, in ``_commit_postgresql``). A unit with
# audit rows and no events sends only the first part.
_AUDIT_POSTGRESQL = """
        INSERT INTO audit_log (restaurant_id, staff_id, action, entity_type, entity_id,
                               details, at)
        SELECT %(restaurant)s, a.staff_id, a.action, a.entity_type, a.entity_id, a.details, a.at
        FROM jsonb_to_recordset(CAST(%(audit)s AS jsonb)) AS a(
            staff_id text, action text, entity_type text, entity_id text, details json,
            at timestamptz)
"""
_OUTBOX_POSTGRESQL = f"""
    WITH audit AS ({_AUDIT_POSTGRESQL}
    ), counter AS (
        INSERT INTO outbox_counters (restaurant_id, last_seq) VALUES (%(restaurant)s, %(count)s)
        ON CONFLICT (restaurant_id)
        DO UPDATE SET last_seq = outbox_counters.last_seq + %(count)s
        RETURNING last_seq
    ), written AS (
        INSERT INTO outbox (restaurant_id, seq, type, data, at)
        SELECT %(restaurant)s, counter.last_seq - %(count)s + e.n, e.event ->> 'type',
               CAST(e.event -> 'data' AS json), %(at)s
        FROM counter, jsonb_array_elements(CAST(%(events)s AS jsonb)) WITH ORDINALITY AS e(event, n)
    )
    SELECT last_seq, pg_notify('tableside_outbox', %(restaurant)s || ':' || last_seq) FROM counter
"""


_INSERT_AUDIT = insert(cast(Table, AuditEntry.__table__))


@dataclass
class _PendingEvent:
    type: str
    data: dict[str, Any]


@dataclass
class Database:
    """The engine plus who wants to hear about commits (the realtime hub)."""

    engine: Engine
    commit_listeners: list[CommitListener] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._read_engine = reader_engine(self.engine)
        self._writer = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._reader = sessionmaker(bind=self._read_engine, expire_on_commit=False)
        deferred.install(self._writer)

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.engine)

    def unit(self, restaurant_id: str | None = None, staff_id: str | None = None) -> UnitOfWork:
        return UnitOfWork(self, self._writer, restaurant_id, staff_id)

    def reader(self, restaurant_id: str | None = None) -> UnitOfWork:
        """A read-only unit: never commits, never blocks a writer, and reads one snapshot
        (everything it shows is of one moment)."""
        return UnitOfWork(self, self._reader, restaurant_id, None, read_only=True)

    def on_commit(self, listener: CommitListener) -> None:
        self.commit_listeners.append(listener)


class UnitOfWork:
    def __init__(
        self,
        db: Database,
        factory: sessionmaker[Session],
        restaurant_id: str | None,
        staff_id: str | None,
        *,
        read_only: bool = False,
    ) -> None:
        self.db = db
        self._factory = factory
        self.restaurant_id = restaurant_id
        self.staff_id = staff_id
        self.read_only = read_only
        self._events: list[_PendingEvent] = []
        self._audit: list[dict[str, Any]] = []
        self._committed_seq: int | None = None
        self._after_commit: list[Callable[[], None]] = []
        self._repositories: dict[type[Repository], Repository] = {}
        self.session: Session

    def __enter__(self) -> Self:
        self.session = self._factory()
        if not self.read_only and not self.db.is_sqlite:
            deferred.enable(self.session)  # its last writes go with its COMMIT
        self.session.begin()
        return self

    def scope_to(self, restaurant_id: str) -> None:
        """Scope this unit to a restaurant found during it (login: by the restaurant's code)."""
        self.restaurant_id = restaurant_id
        self._repositories.clear()

    def repository(self, kind: type[R]) -> R:
        """This unit's ``kind`` repository, scoped to its restaurant (made on first use)."""
        found = self._repositories.get(kind)
        if found is None:
            found = self._repositories[kind] = kind(self.session, self.restaurant_id)
        return cast(R, found)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self.session.in_transaction():
                self.session.rollback()
        finally:
            self.session.close()
        if self._committed_seq is not None and self.restaurant_id is not None:
            for listener in self.db.commit_listeners:
                listener(self.restaurant_id, self._committed_seq)
        if isinstance(exc, DBAPIError):
            # A row another terminal holds (NOWAIT) is a 409 for the caller, not a crash.
            translated = translate_db_error(exc)
            if translated is not exc:
                raise translated from exc

    @property
    def restaurant(self) -> str:
        if self.restaurant_id is None:
            raise RuntimeError("this unit of work is not scoped to a restaurant")
        return self.restaurant_id

    def connection(self) -> Connection:
        """The unit's connection for a Core read: everything the unit wrote is visible."""
        return deferred.connection(self.session)

    def defer(self, statement: Executable, params: deferred.Params) -> None:
        """A Core write whose failure may wait for the commit (core/deferred.py)."""
        deferred.defer(self.session, statement, params)

    def defer_returning(
        self,
        statement: Executable,
        params: dict[str, Any],
        *,
        refused: tuple[str, Exception] | None = None,
    ) -> deferred.Returned:
        """A deferred write with RETURNING: on PostgreSQL sent with the COMMIT unless the
        unit reads first, so that a row it locks (a counter's) stays locked only while
        PostgreSQL commits. Its value is the answer's ``value`` once it has run.
        ``refused``: a constraint's name, and the error to raise instead when this write
        breaks it."""
        return deferred.defer_returning(self.session, statement, params, refused)

    def after_commit(self, then: Callable[[], None]) -> None:
        """Call ``then`` once the unit has committed (to read what only the commit knows,
        such as a value returned by a write sent with it)."""
        self._after_commit.append(then)

    def emit(self, type_: str, data: dict[str, Any]) -> None:
        """An event for every terminal of the restaurant, sent only if this unit commits."""
        self._events.append(_PendingEvent(type_, data))

    def audit(self, action: str, entity_type: str, entity_id: str, **details: Any) -> None:
        self._audit.append(
            {
                "restaurant_id": self.restaurant,
                "staff_id": self.staff_id,
                "action": action,
                "entity_type": entity_type,
                "entity_id": entity_id,
                "details": details,
                "at": utcnow(),
            }
        )

    def commit(self) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        self.session.flush()
        try:
            if not self.db.is_sqlite:
                self._committed_seq = self._commit_postgresql()
            else:
                if self._audit:
                    # Core, all rows in one statement: audit rows are never read back.
                    self.session.connection().execute(_INSERT_AUDIT, self._audit)
                if self._events:
                    self._committed_seq = self._write_outbox_sqlite()
            self.session.commit()
        except (DBAPIError, psycopg.Error) as error:
            self._committed_seq = None
            raise translate_db_error(error) from error
        self._events.clear()
        self._audit.clear()
        committed, self._after_commit = self._after_commit, []
        for then in committed:
            then()

    # The outbox's numbers are taken last, so the counter row is locked only for the commit
    # itself: sequence order is commit order, and a rollback hands the numbers back (no gaps).

    def _write_outbox_sqlite(self) -> int:
        last = increment_counter(
            self.session,
            OutboxCounter,
            {"restaurant_id": self.restaurant},
            "last_seq",
            by=len(self._events),
        )
        first = last - len(self._events) + 1
        now = utcnow()
        self.session.add_all(
            OutboxEvent(
                restaurant_id=self.restaurant, seq=first + i, type=e.type, data=e.data, at=now
            )
            for i, e in enumerate(self._events)
        )
        return last

    def _commit_postgresql(self) -> int | None:
        """Send the deferred writes, the audit rows and the events, take the events' numbers
        and COMMIT, in one round trip; the events' last number (None without events).

        The restaurant's counter row stays locked only while PostgreSQL works. Sent as
        separate round trips, the counter was held from the outbox statement until this
        thread next won the GIL to send COMMIT, and every other writer of the restaurant
        queued behind it (docs/benchmarks.md). The transaction is committed
        here, on the driver's connection; the session's commit that follows finds nothing
        left to do.
        """
        writes = deferred.take(self.session)
        if not (writes or self._events or self._audit):
            return None
        connection = self.session.connection()
        driver = psycopg_of(connection)
        outbox = driver.cursor()
        returning: list[tuple[deferred.Returned, psycopg.Cursor[Any]]] = []
        try:
            with driver.pipeline():
                for write in writes:
                    cursor = deferred.send_in_pipeline(connection, write)
                    if cursor is not None and write.returned is not None:
                        returning.append((write.returned, cursor))
                if self._events:
                    outbox.execute(_OUTBOX_POSTGRESQL, self._outbox_params())
                elif self._audit:
                    outbox.execute(_AUDIT_POSTGRESQL, self._outbox_params())
                driver.commit()
        except psycopg.IntegrityError as error:
            refused = deferred.refusal(writes, error)
            if refused is None:
                raise
            raise refused from error
        for returned, cursor in returning:
            found = cursor.fetchone()
            returned.value = None if found is None else found[0]
        if not self._events:
            return None
        row = outbox.fetchone()
        assert row is not None
        return int(row[0])

    def _outbox_params(self) -> dict[str, Any]:
        events = [{"type": e.type, "data": e.data} for e in self._events]
        audit = [entry | {"at": entry["at"].isoformat()} for entry in self._audit]
        return {
            "restaurant": self.restaurant,
            "count": len(events),
            "events": json.dumps(events),
            "audit": json.dumps(audit),
            "at": utcnow(),
        }

    def last_event_seq(self) -> int:
        seq = self.session.scalar(
            select(OutboxCounter.last_seq).where(OutboxCounter.restaurant_id == self.restaurant)
        )
        return seq or 0


def translate_db_error(error: DBAPIError | psycopg.Error) -> Exception:
    """A lock we would have to wait for is a 409 at once, not a queue (DESIGN invariant 4).

    ``error``: SQLAlchemy's wrapper, or the driver's own error (the outbox's commit)."""
    driver_error = error.orig if isinstance(error, DBAPIError) else error
    if isinstance(error, psycopg.IntegrityError):
        # A deferred write's constraint, reported by the commit's pipeline: the same
        # IntegrityError its own round trip would have raised (core/deferred.py).
        return IntegrityError(None, None, error)
    sqlstate = getattr(driver_error, "sqlstate", None)
    if sqlstate == "55P03":  # lock_not_available, from FOR UPDATE NOWAIT
        return Conflict(
            "Another terminal is changing this right now. Try again in a moment.",
            code=BUSY,
        )
    if sqlstate in {"40001", "40P01"}:  # serialization failure / deadlock
        return Conflict("Another change got there first. Try again.", code="concurrent_change")
    message = str(driver_error).lower()
    if "database is locked" in message:
        return Conflict("The restaurant's database is busy. Try again.", code="busy")
    return error
