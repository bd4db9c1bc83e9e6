"""Fixtures shared by every test that touches a database.

Every database test runs twice: on SQLite (a file, WAL) and on a real PostgreSQL (a fresh
database per run). Nothing of ours is mocked: the API is served by a real uvicorn server
and the card processor is our emulator, a real subprocess reached over HTTP.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from harness import RUNNING, LiveServer, settings_for, start_emulator
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tableside.core import migrate
from tableside.core.database import make_engine
from tableside.core.unit_of_work import Database
from tableside.demo import seed_demo

PG_ADMIN_URL = os.environ.get(
    "TABLESIDE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite", "postgresql"]

# Rows a test leaves behind; the seeded restaurants, staff, floor and menu stay.
TRANSIENT_TABLES = [
    "line_modifiers",
    "check_discounts",
    "refunds",
    "idempotency_keys",
    "payments",
    "check_lines",
    "tickets",
    "checks",
    "check_number_counters",
    "audit_log",
    "outbox",
    "outbox_counters",
    "login_throttle",
]


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
    database = Database(make_engine(database_url))
    yield database
    database.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_floor(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each database test starts on an empty floor with the seeded staff and menu."""
    if "db" not in request.fixturenames and "live_server" not in request.fixturenames:
        yield
        return
    database: Database = request.getfixturevalue("db")
    with database.engine.begin() as conn:
        if database.is_sqlite:
            for table in TRANSIENT_TABLES:
                conn.execute(text(f"DELETE FROM {table}"))
        else:
            conn.execute(text(f"TRUNCATE {', '.join(TRANSIENT_TABLES)}"))
        conn.execute(text("UPDATE staff SET failed_pin_attempts = 0, locked_until = NULL"))
        conn.execute(text("UPDATE menu_items SET available = (name <> 'Soup of the day')"))
    yield


@pytest.fixture(scope="session")
def emulator_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The card-processor emulator as a real subprocess."""
    emulator = start_emulator(tmp_path_factory.mktemp("emulator") / "ledger.db")
    yield emulator.url
    emulator.stop()


@pytest.fixture(autouse=True)
def _no_faults_left(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "emulator_url" in request.fixturenames:
        httpx.post(f"{request.getfixturevalue('emulator_url')}/_faults", json={"mode": "none"})


@pytest.fixture(scope="session")
def live_server(
    database_url: str, emulator_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A real uvicorn server on the test database and the emulator; yields its base URL."""
    server = LiveServer(
        settings_for(database_url, emulator_url, tmp_path_factory.mktemp("data"))
    ).start()
    yield server.url
    server.stop()


@pytest.fixture
def server_app(live_server: str) -> FastAPI:
    """The live server's application, for tests that reach its settlement or recovery."""
    return RUNNING[live_server].app
