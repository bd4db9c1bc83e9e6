"""Engines for the embedded SQLite default and for PostgreSQL.

PostgreSQL: a pooled connection that sat unused for a while is pinged before it is lent
(it may have been cut while idle: a database restart, a proxy's timeout); a busy one is
not, because a ping is a round trip on every request. A connection cut while busy fails
that one request with a 503 (``api/errors.py``), and the pool replaces all its
connections of that age.

Through PgBouncer in transaction pooling mode (``prepared_statements=False``), a
connection is PostgreSQL's only for one transaction at a time: nothing may outlive a
transaction on it, so psycopg never prepares a statement there (it would, after five
executions of one query, on a connection of its own). Every other piece of session state
Tableside uses is the transaction's already (``pg_advisory_xact_lock``); LISTEN needs a
session, and connects to PostgreSQL directly (``realtime/wakeups.py``).

A read-only unit (``reader_engine``) reads one snapshot, whatever its first statement: on
PostgreSQL it runs at REPEATABLE READ, so a check read while its settlement commits is never
shown with its payment captured and itself still open. Writes run at READ COMMITTED under
their row locks (at REPEATABLE READ a row changed since the snapshot would fail them).

SQLite: WAL, foreign keys on, and write transactions begin IMMEDIATE so that two writers
serialize at BEGIN instead of failing later on an upgrade of a read lock. Read-only units
use a deferred BEGIN and never block writers; with one writer at a time, each reads one
snapshot already.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, cast

import psycopg
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

READ_ONLY = "tableside_read_only"
# A connection idle longer than this is pinged before use.
PING_AFTER_IDLE_S = 10.0
_IDLE_SINCE = "tableside_idle_since"


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def psycopg_of(connection: Connection) -> psycopg.Connection[Any]:
    """The psycopg connection under a PostgreSQL connection of ours, for the pipelines
    SQLAlchemy does not offer (batched reads, the commit's writes)."""
    return cast("psycopg.Connection[Any]", connection.connection.driver_connection)


# Connections beyond the pool, for a moment when every pooled one is out; each is closed
# when it comes back, so a pool that is too small shows up as connection churn.
OVERFLOW = 4
# How long a request waits for a connection when every one is out before it answers 503
# ("in use right now, try again"), on either database: a tablet is not left spinning.
CONNECTION_WAIT_S = 10


def make_engine(
    url: str, *, pool_size: int = 10, echo: bool = False, prepared_statements: bool = True
) -> Engine:
    """``prepared_statements=False`` for a URL that goes through a transaction-pooling proxy
    (``Settings.pooled_per_transaction``)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, echo=echo)
    engine = create_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=OVERFLOW,
        pool_timeout=CONNECTION_WAIT_S,
        connect_args={} if prepared_statements else {"prepare_threshold": None},
    )
    _ping_when_idle(engine)
    return engine


def reader_engine(engine: Engine) -> Engine:
    """``engine`` for read-only units. On PostgreSQL, psycopg begins each of their
    transactions ``BEGIN ISOLATION LEVEL REPEATABLE READ`` (no round trip of its own: the
    level is sent with the BEGIN), and the pool puts a connection back at the server's
    default when it returns, so the next write unit on it runs at READ COMMITTED."""
    if is_sqlite(engine):
        return engine.execution_options(**{READ_ONLY: True})  # a deferred BEGIN (below)
    return engine.execution_options(isolation_level="REPEATABLE READ")


def _ping_when_idle(engine: Engine) -> None:
    """SQLAlchemy's pessimistic disconnect handling, for connections that were idle only:
    a checkout that raises DisconnectionError makes the pool try a fresh connection."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(
        dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
    ) -> None:
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError(f"an idle connection no longer answers: {error}") from error


def _sqlite_engine(url: str, *, echo: bool) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        echo=echo,
        connect_args={"check_same_thread": False, "timeout": 15},
        pool_size=8,
        max_overflow=8,
        pool_timeout=CONNECTION_WAIT_S,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from pysqlite so that BEGIN is ours to issue.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine
