"""`tableside backup` while servers take payments, `tableside restore` into a fresh database:
the restored restaurant has the same checks, payments and audit trail, and money and
tables still agree. A file that is not a Tableside backup changes nothing."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from harness import LiveServer, clean_floor, wait_for
from sqlalchemy import Table, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from terminal import Terminal

from tableside import cli
from tableside.backup import known_revisions
from tableside.core import models as m
from tableside.core.unit_of_work import Database

pytestmark = pytest.mark.slow  # runs the `tableside` command in processes of its own

HEAD = known_revisions()[-1]
PG_ADMIN_URL = os.environ.get(
    "TABLESIDE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
# The money and its trail, compared row for row between the original and the restored one.
COMPARED: list[Table] = [
    m.Check.__table__,  # type: ignore[list-item]
    m.CheckLine.__table__,  # type: ignore[list-item]
    m.Payment.__table__,  # type: ignore[list-item]
    m.Refund.__table__,  # type: ignore[list-item]
    m.AuditEntry.__table__,  # type: ignore[list-item]
]


def tableside(database_url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The `tableside` command, as an operator runs it, on ``database_url``."""
    return subprocess.run(
        [sys.executable, "-m", "tableside.cli", *args],
        env={
            **os.environ,
            "TABLESIDE_DATABASE_URL": database_url,
            "TABLESIDE_DATA_DIR": str(data_dir),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _admin(sql: str) -> None:
    admin = make_url(PG_ADMIN_URL).set(drivername="postgresql")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture
def new_database(database_url: str, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Make brand-new, empty databases on the test's backend (a new SQLite file, a new
    PostgreSQL database); the PostgreSQL ones are dropped afterwards."""
    made: list[str] = []

    def make() -> str:
        name = f"tableside_restored_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        if make_url(database_url).get_backend_name() == "sqlite":
            return f"sqlite:///{tmp_path / name / 'tableside.db'}"
        _admin(f'CREATE DATABASE "{name}"')
        made.append(name)
        return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    yield make
    for name in made:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def rows(database_url: str) -> dict[str, list[Any]]:
    """The compared tables' rows, in key order."""
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return {
                table.name: [
                    tuple(row)
                    for row in conn.execute(select(table).order_by(*table.primary_key.columns))
                ]
                for table in COMPARED
            }
    finally:
        engine.dispose()


def tables_of(database_url: str) -> set[str]:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and not Path(str(url.database)).exists():
        return set()
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            if url.get_backend_name() == "sqlite":
                query = "SELECT name FROM sqlite_master WHERE type = 'table'"
            else:
                query = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            return set(conn.scalars(text(query)))
    finally:
        engine.dispose()


def a_night_of_service(server: Terminal, manager: Terminal) -> list[dict[str, Any]]:
    """A card check with a tip and a partial refund, a cash check, and one still open with
    part of it paid."""
    burger = server.seat("T1", guests=2)
    server.ring(burger["id"], "Bistro burger", options=["Medium", "Fries"])
    burger = server.ring(burger["id"], "Draft IPA", seat=2)
    server.send(burger["id"])
    paid = server.pay(burger["id"], burger["total_cents"], tender="card", tip_cents=400)
    assert paid.status_code == 201, paid.text
    refunded = manager.refund(paid.json()["payment"]["id"], 500)
    assert refunded.status_code == 201, refunded.text

    risotto = server.seat("T2")
    risotto = server.ring(risotto["id"], "Mushroom risotto")
    assert server.pay(risotto["id"], risotto["total_cents"]).status_code == 201

    ribeye = server.seat("T3", guests=4)
    ribeye = server.ring(ribeye["id"], "Ribeye 12 oz", options=["Rare", "Side salad"])
    assert server.pay(ribeye["id"], 1000).status_code == 201
    return [server.check(c["id"]) for c in (burger, risotto, ribeye)]


@dataclass(frozen=True)
class Friday:
    """A night of service backed up while the server ran: the file, the checks as the
    terminals saw them, and the compared rows as they were."""

    backup: Path
    checks: list[dict[str, Any]]
    rows: dict[str, list[Any]]


@pytest.fixture(scope="module")
def friday(
    live_server: str, database_url: str, db: Database, tmp_path_factory: pytest.TempPathFactory
) -> Friday:
    # Set up once for the module, before any test's own clean floor: start from an empty one.
    clean_floor(db)
    server, manager = Terminal(live_server, pin="1234"), Terminal(live_server, pin="9999")
    checks = a_night_of_service(server, manager)
    server.close()
    manager.close()
    data_dir = tmp_path_factory.mktemp("friday")
    made = tableside(database_url, data_dir, "backup")  # the server is running
    assert made.returncode == 0, made.stderr
    [backup] = (data_dir / "backups").iterdir()
    assert f"to {backup}" in made.stdout
    return Friday(backup, checks, rows(database_url))


def restore(database_url: str, backup: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """`tableside restore` in this process, for a restore that must be refused: what it
    said on stderr, once it has exited 1."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TABLESIDE_DATABASE_URL", database_url)
        capsys.readouterr()
        assert cli.main(["restore", str(backup)]) == 1
    return capsys.readouterr().err


def test_a_backup_taken_during_service_restores_into_a_fresh_database_with_the_same_money(
    friday: Friday,
    new_database: Callable[[], str],
    start_live_server: Callable[..., LiveServer],
    tmp_path: Path,
) -> None:
    assert friday.backup.stat().st_mode & 0o077 == 0  # PIN hashes in it: its owner's eyes only
    fresh = new_database()
    restored = tableside(fresh, tmp_path, "restore", str(friday.backup))
    assert restored.returncode == 0, restored.stderr
    assert "3 checks, 3 payments" in restored.stdout

    checked = tableside(fresh, tmp_path, "check", "--no-processor")
    assert checked.returncode == 0, checked.stdout
    assert "OK: money and tables agree" in checked.stdout
    copy = rows(fresh)
    assert copy == friday.rows
    assert len(copy["checks"]) == 3 and len(copy["refunds"]) == 1 and copy["audit_log"]

    # A server on the restored database: the same checks, and the open one can be finished.
    there = start_live_server(database_url=fresh)
    terminal = Terminal(there.url)
    assert [terminal.check(c["id"]) for c in friday.checks] == friday.checks
    ribeye = friday.checks[2]
    assert terminal.pay(ribeye["id"], ribeye["balance_cents"]).status_code == 201
    assert terminal.check(ribeye["id"])["status"] == "closed"


def test_a_backup_taken_while_terminals_keep_paying_is_one_consistent_moment(
    live_server: str,
    database_url: str,
    new_database: Callable[[], str],
    tmp_path: Path,
) -> None:
    stop = threading.Event()
    settled: list[str] = []
    errors: list[str] = []

    def keep_paying(label: str) -> None:
        terminal = Terminal(live_server)
        try:
            while not stop.is_set():
                check = terminal.seat(label)
                check = terminal.ring(check["id"], "Espresso", quantity=2)
                check = terminal.ring(check["id"], "Chocolate torte", seat=2)
                paid = terminal.pay(check["id"], check["total_cents"])
                if paid.status_code != 201:
                    errors.append(paid.text)
                    return
                settled.append(check["id"])
        except Exception as error:  # the assertion below says what went wrong
            errors.append(repr(error))
        finally:
            terminal.close()

    workers = [threading.Thread(target=keep_paying, args=(f"T{i}",)) for i in (5, 6, 7)]
    for worker in workers:
        worker.start()
    try:
        wait_for(lambda: len(settled) >= 6 or errors, 60, "terminals to settle some checks")
        backup = tmp_path / "busy.backup"
        made = tableside(database_url, tmp_path, "backup", str(backup))
        assert made.returncode == 0, made.stderr
        after = len(settled)
        wait_for(lambda: len(settled) >= after + 6 or errors, 60, "more checks after the backup")
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=30)
    assert not errors, errors

    fresh = new_database()
    restored = tableside(fresh, tmp_path, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    checked = tableside(fresh, tmp_path, "check", "--no-processor")
    assert checked.returncode == 0, checked.stdout

    original, copy = rows(database_url), rows(fresh)
    assert 6 <= len(copy["payments"]) < len(original["payments"])
    for table, copied in copy.items():
        # Every restored row is the original's as it was; a check open at that moment may
        # have been paid since.
        if table == "checks":
            by_id = {row[0]: row for row in original[table]}
            closed = [row for row in copied if by_id[row[0]] == row]
            assert len(closed) >= len(copied) - 3  # at most one check per terminal in flight
        else:
            assert [row for row in copied if row not in original[table]] == [], table


def test_restoring_a_file_that_is_not_a_tableside_backup_says_so_and_changes_nothing(
    friday: Friday,
    new_database: Callable[[], str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    serving = new_database()
    assert tableside(serving, tmp_path, "restore", str(friday.backup)).returncode == 0
    empty = new_database()

    newer = tmp_path / "newer.backup"  # a backup of a database a later Tableside migrated
    engine = create_engine(serving, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    assert tableside(serving, tmp_path, "backup", str(newer)).returncode == 0
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": HEAD})
    engine.dispose()

    text_file = tmp_path / "specials.txt"
    text_file.write_text("Friday's specials: halibut, 34.00\n")
    empty_file = tmp_path / "empty.backup"
    empty_file.touch()
    other_program = tmp_path / "recipes.db"
    with sqlite3.connect(other_program) as other:
        other.execute("CREATE TABLE recipes (name TEXT)")
    other.close()
    cut_short = tmp_path / "cut-short.backup"
    whole = friday.backup.read_bytes()
    cut_short.write_bytes(whole[: len(whole) * 9 // 10])

    before = rows(serving)
    for target, bad, says in [
        (serving, text_file, "is not a Tableside backup"),
        (serving, empty_file, "is not a Tableside backup"),
        (serving, other_program, "is not a Tableside database (no alembic_version, audit_log"),
        (serving, tmp_path / "missing.backup", "no such file"),
        (serving, cut_short, "is damaged"),
        (empty, cut_short, "is damaged"),
        (serving, newer, "at migration revision 9999, which this Tableside does not know"),
        (empty, newer, "at migration revision 9999, which this Tableside does not know"),
    ]:
        said = restore(target, bad, capsys)
        assert says in said, (bad.name, said)
    assert tables_of(empty) == set()
    assert rows(serving) == before


def test_restore_refuses_a_database_a_running_server_has_open_unless_forced(
    friday: Friday,
    new_database: Callable[[], str],
    start_live_server: Callable[..., LiveServer],
    tmp_path: Path,
) -> None:
    restaurant = new_database()
    assert tableside(restaurant, tmp_path, "restore", str(friday.backup)).returncode == 0
    there = start_live_server(database_url=restaurant)
    terminal = Terminal(there.url)
    late = terminal.seat("T9")  # after the backup

    refused = tableside(restaurant, tmp_path, "restore", str(friday.backup))
    assert refused.returncode == 1
    assert "stop the servers first, or pass --force" in refused.stderr
    assert terminal.check(late["id"])["status"] == "open"

    # Forced, under the running server: it serves the backup, and everyone logs in again.
    forced = tableside(restaurant, tmp_path, "restore", "--force", str(friday.backup))
    assert forced.returncode == 0, forced.stderr
    assert "everyone logs in again" in forced.stdout
    assert terminal.get(f"/checks/{late['id']}").status_code == 401
    login = httpx.post(f"{there.url}/api/v1/auth/login", json={"restaurant": "demo", "pin": "1234"})
    assert login.status_code == 200, login.text
    again = httpx.Client(
        base_url=f"{there.url}/api/v1", headers={"Authorization": f"Bearer {login.json()['token']}"}
    )
    assert again.get(f"/checks/{late['id']}").status_code == 404
    assert again.get(f"/checks/{friday.checks[2]['id']}").json() == friday.checks[2]
    again.close()


def test_a_backup_without_postgresqls_own_tools_says_what_to_install(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TABLESIDE_DATABASE_URL", database_url)
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump, no pg_restore, no psql
    backup = tmp_path / "tonight.backup"
    code = cli.main(["backup", str(backup)])
    if make_url(database_url).get_backend_name() == "sqlite":
        assert code == 0  # SQLite needs nothing but Python's own sqlite3
        assert backup.exists()
        return
    said = capsys.readouterr().err
    assert code == 1
    assert "PostgreSQL's pg_dump not found on PATH" in said
    assert "apt-get install postgresql-client" in said
    assert list(tmp_path.iterdir()) == []
