"""Fixtures shared by the tests (a folder's conftest adds only what is its own).

Every database test runs twice: on SQLite (a file, WAL) and on a real PostgreSQL (a fresh
database per run). Nothing of ours is mocked: the API is served by a real uvicorn server
(in this process, so a test can reach its app) and the card processor is our emulator, a
real subprocess reached over HTTP. The helpers behind them: harness.py (servers),
emulator.py (the processor emulator), terminal.py (a staff member's tablet).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import psycopg
import pytest
from emulator import Emulator, start_emulator
from fastapi import FastAPI
from harness import (
    LiveServer,
    Spawned,
    clean_floor,
    server_env,
    settings_for,
    start_server,
    wait_for,
)
from sqlalchemy.engine import make_url
from terminal import Terminal

from tableside.config import Settings
from tableside.core import migrate
from tableside.core.database import make_engine
from tableside.core.unit_of_work import Database
from tableside.demo import seed_demo

PG_ADMIN_URL = os.environ.get(
    "TABLESIDE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite", "postgresql"]

# Rows a test leaves behind; the seeded restaurants, staff, floor and menu stay.


def _postgres_database(name: str) -> str:
    admin = make_url(PG_ADMIN_URL)
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin.set(database=name).render_as_string(hide_password=False)


def _drop_postgres_database(name: str) -> None:
    admin = make_url(PG_ADMIN_URL).set(drivername="postgresql")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database with the demo data, on each backend in turn."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'tableside.db'}"
        name = None
    else:
        name = f"tableside_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        try:
            url = _postgres_database(name)
        except psycopg.OperationalError as error:
            if os.environ.get("TABLESIDE_TEST_SKIP_POSTGRES") == "1":
                pytest.skip(f"PostgreSQL not reachable: {error}")
            raise
    engine = make_engine(url)
    migrate.upgrade(engine)
    seed_demo(Database(engine))
    engine.dispose()
    yield url
    if name is not None:
        _drop_postgres_database(name)


@pytest.fixture(params=BACKENDS)
def empty_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database with no schema yet, on each backend in turn (for migration tests)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('empty') / 'tableside.db'}"
        return
    name = f"tableside_empty_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    yield _postgres_database(name)
    _drop_postgres_database(name)


@pytest.fixture(scope="session")
def db(database_url: str) -> Iterator[Database]:
    """The tests' Database object; the session's live server shares it (so a test's commits
    wake its hub), hence a server's pool size."""
    database = Database(make_engine(database_url, pool_size=Settings.from_env({}).pool_size))
    yield database
    database.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_floor(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each database test starts on an empty floor with the seeded staff and menu."""
    if "db" not in request.fixturenames:
        yield
        return
    clean_floor(request.getfixturevalue("db"))
    yield


# --- the card processor -------------------------------------------------------------------


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """The session's card-processor emulator, a real subprocess: ``fault()``,
    ``charges_for()``. Tests keep apart by their own check and attempt ids."""
    running = start_emulator(tmp_path_factory.mktemp("emulator") / "ledger.db")
    yield running
    running.stop()


@pytest.fixture(scope="session")
def emulator_url(emulator: Emulator) -> str:
    return emulator.url


@pytest.fixture
def start_fresh_emulator(tmp_path: Path) -> Iterator[Callable[..., Emulator]]:
    """Start emulators of the test's own (``ledger``: to restart one on the same ledger,
    ``port``: on the same port); all killed afterwards."""
    started: list[Emulator] = []

    def start(ledger: Path | None = None, port: int | None = None) -> Emulator:
        running = start_emulator(ledger or tmp_path / f"ledger-{len(started)}.db", port)
        started.append(running)
        return running

    yield start
    for running in started:
        running.kill()


# --- servers ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def running_server(
    db: Database, database_url: str, emulator_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The session's server on the test database and the emulator (per backend), in this
    process: its ``app``, ``hub`` and ``port`` are at hand."""
    settings = settings_for(database_url, emulator_url, tmp_path_factory.mktemp("data"))
    with LiveServer(settings, db) as server:
        yield server


@pytest.fixture(scope="session")
def live_server(running_server: LiveServer) -> str:
    """The session's server's base URL."""
    return running_server.url


@pytest.fixture
def server_app(running_server: LiveServer) -> FastAPI:
    """The live server's application, for tests that reach its settlement or recovery."""
    return running_server.app


@pytest.fixture(autouse=True)
def _nothing_left_behind(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test: no fault left armed at the emulator, no connection of the test still
    reading the live server's outbox (the next test wipes it), and none of its guest
    requests still counted against the next test's."""
    yield
    if "emulator" in request.fixturenames:
        request.getfixturevalue("emulator").reset()
    if "running_server" in request.fixturenames:
        server: LiveServer = request.getfixturevalue("running_server")
        wait_for(server.idle, what="every WebSocket of the test to be closed on the server")
        limits = getattr(server.app.state, "guest_limits", None)
        if limits is not None:  # guests' requests counted by the test (guests/limits.py)
            limits.reset()


@pytest.fixture
def start_live_server(
    database_url: str, emulator_url: str, tmp_path: Path
) -> Iterator[Callable[..., LiveServer]]:
    """Start more servers in this process, each with settings of its own; all stopped
    afterwards. ``env``: settings (``TABLESIDE_…``) beyond the test ones; ``database_url``,
    ``emulator_url``: others than the session's; ``db``, ``send_buffer`` and hub settings:
    as ``LiveServer`` takes them."""
    started: list[LiveServer] = []
    session_database, session_emulator = database_url, emulator_url

    def start(
        *,
        env: dict[str, str] | None = None,
        database_url: str | None = None,
        emulator_url: str | None = None,
        db: Database | None = None,
        send_buffer: int | None = None,
        **hub: Any,
    ) -> LiveServer:
        settings = settings_for(
            database_url or session_database,
            emulator_url or session_emulator,
            tmp_path / f"server-{len(started)}",
            **(env or {}),
        )
        server = LiveServer(settings, db, send_buffer=send_buffer, **hub)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def start_server_process(
    database_url: str, emulator_url: str, tmp_path: Path
) -> Iterator[Callable[..., Spawned]]:
    """Start servers as processes of their own on the test database and the emulator; all
    stopped afterwards. Keywords: settings (``TABLESIDE_…``) beyond the test ones."""
    started: list[Spawned] = []

    def start(**env: str) -> Spawned:
        started.append(start_server(server_env(database_url, emulator_url, tmp_path, **env)))
        return started[-1]

    yield start
    for process in started:
        process.stop()


# --- terminals on the live server ---------------------------------------------------------


def _logged_in(pin: str, who: str) -> Any:
    """A fixture: a tablet on the live server logged in with ``pin`` (``who``, of the demo
    restaurant), closed afterwards."""

    def tablet(live_server: str) -> Iterator[Terminal]:
        with closing(Terminal(live_server, pin=pin)) as terminal:
            yield terminal

    tablet.__doc__ = f"A tablet on the live server, logged in as {who} (PIN {pin})."
    return pytest.fixture(tablet)


server = _logged_in("1234", "Sam Rivera, a server (a waiter)")
second_server = _logged_in("2345", "Riley Chen, the other server")
manager = _logged_in("9999", "Morgan Ellis, the manager")
kitchen = _logged_in("5555", "Kai Brooks, the kitchen")
