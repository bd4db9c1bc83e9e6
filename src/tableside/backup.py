"""`tableside backup` and `tableside restore`: a copy of the Tableside database taken while
servers run, and putting one back.

SQLite: SQLite's online backup (``sqlite3.Connection.backup``) copies the database in one
step, inside one read transaction, so the copy is the database as of one moment; in WAL
mode the servers keep writing meanwhile. The copy is one self-contained file.

PostgreSQL: PostgreSQL's own tools, found on PATH (Debian: ``postgresql-client``):
``pg_dump --format=custom`` (one snapshot, servers keep writing) and, to restore,
``pg_restore`` into ``psql`` in a single transaction that first drops what the database held:
the restore happens entirely or not at all.

A restore first checks that the file is a Tableside backup at a migration revision this
Tableside knows, refuses a database that servers have open (unless forced) or that holds
something other than Tableside, puts the backup in place, brings the schema up to date, and
ends every session (a backup's sessions would otherwise be valid again).

A backup is everything in the Tableside database: restaurants, staff and their PIN hashes,
the installation's PIN lookup key, floors, menus, checks, payments, refunds, idempotency
keys, the audit log and the live feed's outbox. Not in it: the settings (``TABLESIDE_…``, the
Stripe key) and the card processor's own records (the emulator's ledger, or Stripe's).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Literal

from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from tableside.config import Settings
from tableside.core import migrate
from tableside.core import models as m
from tableside.core.database import make_engine

Kind = Literal["sqlite", "postgresql"]

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
# Tables every Tableside database has had since its first revision.
TABLESIDE_TABLES = frozenset(
    {"alembic_version", "restaurants", "staff", "checks", "payments", "audit_log"}
)
# What a restore reports it brought back.
COUNTED = {
    "restaurants": m.Restaurant,
    "checks": m.Check,
    "payments": m.Payment,
    "audit entries": m.AuditEntry,
}
# In WAL mode every connection to a SQLite database holds a shared lock on this byte of its
# ``-shm`` file for as long as it is open (SQLite's os_unix.c, UNIX_SHM_DMS).
SQLITE_SHM_DMS_BYTE = 128
# How long a restore waits for a table lock (a forced restore under running servers).
PG_LOCK_TIMEOUT = "30s"


class BackupError(Exception):
    """What stopped a backup or a restore, in words an operator can act on."""


@dataclass(frozen=True)
class Archive:
    """A Tableside backup file: which database it restores into and at which revision."""

    path: Path
    kind: Kind
    revision: str


@dataclass(frozen=True)
class BackupReport:
    archive: Archive
    size_bytes: int
    seconds: float

    def summary(self) -> str:
        return (
            f"Backed up the {self.archive.kind} database (revision {self.archive.revision}) "
            f"to {self.archive.path} ({_size(self.size_bytes)}, {self.seconds:.1f} s)."
        )


@dataclass(frozen=True)
class RestoreReport:
    archive: Archive
    database: str
    revision: str
    counts: dict[str, int] = field(default_factory=dict)
    sessions_ended: int = 0

    def summary(self) -> str:
        counted = ", ".join(f"{n} {what}" for what, n in self.counts.items())
        revision = (
            f"revision {self.revision}"
            if self.revision == self.archive.revision
            else f"revision {self.archive.revision}, migrated to {self.revision}"
        )
        return (
            f"Restored {self.archive.path} into {self.database} ({revision}): {counted}. "
            f"{self.sessions_ended} session(s) ended: everyone logs in again.\n"
            "Payments taken after this backup was made are not in it: run `tableside check` "
            "to compare it with the card processor."
        )


# --- the commands --------------------------------------------------------------------------


def backup_command(settings: Settings, file: Path | None) -> int:
    try:
        report = backup(settings.database_url, file or default_path(settings))
    except BackupError as error:
        print(f"tableside backup: {error}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0


def restore_command(settings: Settings, file: Path, *, force: bool) -> int:
    try:
        report = restore(settings.database_url, file, force=force)
    except BackupError as error:
        print(f"tableside restore: {error}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0


def default_path(settings: Settings, now: datetime | None = None) -> Path:
    """``<data dir>/backups/tableside-<UTC time>.db`` (``.dump`` for PostgreSQL)."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    suffix = ".db" if _kind_of(settings.database_url) == "sqlite" else ".dump"
    return settings.data_dir / "backups" / f"tableside-{stamp}{suffix}"


# --- backing up ----------------------------------------------------------------------------


def backup(database_url: str, path: Path) -> BackupReport:
    """Copy the database at ``database_url``, as of one moment, to the new file ``path``
    (readable by its owner only). The file appears only once it is complete and has been
    read back as a Tableside backup."""
    path = path.absolute()
    if path.exists():
        raise BackupError(f"{path} already exists: name a new file")
    started = time.monotonic()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        if _kind_of(database_url) == "sqlite":
            _sqlite_backup(_sqlite_path(database_url), partial)
        else:
            _pg_dump(database_url, partial)
        archive = inspect(partial)
        with partial.open("rb") as written:
            os.fsync(written.fileno())
        os.replace(partial, path)
        _fsync_directory(path.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupReport(
        Archive(path, archive.kind, archive.revision),
        path.stat().st_size,
        time.monotonic() - started,
    )


def _sqlite_backup(database: Path, target: Path) -> None:
    if not database.is_file():
        raise BackupError(f"there is no database at {database}")
    with _sqlite(database, "rw") as source:
        _tableside_revision(*_sqlite_state(source), f"the database at {database}")
        with _sqlite(target, "rw") as copy:
            # One step: the whole copy reads one snapshot, while servers go on writing.
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # no -wal file beside it


def _pg_dump(database_url: str, target: Path) -> None:
    (pg_dump,) = _pg_tools("pg_dump")
    with _pg_connection(database_url) as conn:
        tables, revision = _pg_state(conn)
        _tableside_revision(tables, revision, f"the database {_safe(database_url)}")
    conninfo, env = _libpq(database_url)
    _run(
        [pg_dump, "--format=custom", "--no-password", f"--file={target}", f"--dbname={conninfo}"],
        env,
        "pg_dump failed",
    )


# --- what a file holds ---------------------------------------------------------------------


def inspect(path: Path) -> Archive:
    """The Tableside backup at ``path``; BackupError if it is not one."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    with path.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        try:
            with _sqlite(path, "ro") as db:
                problems = [row[0] for row in db.execute("PRAGMA quick_check")]
                if problems != ["ok"]:
                    raise BackupError(f"{path} is damaged: {'; '.join(problems[:3])}")
                revision = _tableside_revision(*_sqlite_state(db), str(path))
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path} is damaged: {error}") from None
        return Archive(path, "sqlite", revision)
    if head.startswith(PG_DUMP_MAGIC):
        return Archive(path, "postgresql", _pg_archive_revision(path))
    raise BackupError(
        f"{path} is not a Tableside backup (neither a SQLite database nor a pg_dump "
        "custom-format archive)"
    )


def known_revisions() -> list[str]:
    """Every migration revision this Tableside has, oldest first."""
    script = ScriptDirectory.from_config(migrate.alembic_config())
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def _tableside_revision(tables: set[str], revision: str | None, what: str) -> str:
    """The migration revision of a database with these tables and this revision, if it
    is a Tableside database."""
    _require_tables(tables, what)
    if revision is None:
        raise BackupError(f"{what} is not a Tableside database (no migration revision)")
    return revision


def _require_tables(tables: set[str], what: str) -> None:
    missing = TABLESIDE_TABLES - tables
    if missing:
        raise BackupError(
            f"{what} is not a Tableside database (no {', '.join(sorted(missing))} table)"
        )


def _pg_archive_revision(path: Path) -> str:
    (pg_restore,) = _pg_tools("pg_restore")
    listing = _run([pg_restore, "--list", str(path)], None, f"{path} is damaged or cut short")
    # The listing reads only the table of contents: the data is read whole here too, so a
    # file cut short is refused before anything is touched, whatever line it was cut in.
    _run([pg_restore, "--file=/dev/null", str(path)], None, f"{path} is damaged or cut short")
    tables = set(re.findall(r"^\d+; \d+ \d+ TABLE public (\S+) ", listing, re.MULTILINE))
    _require_tables(tables, str(path))
    data = _run(
        [pg_restore, "--data-only", "--table=alembic_version", "--file=-", str(path)],
        None,
        f"{path} is damaged or cut short",
    )
    found = re.search(r"^COPY public\.alembic_version \(version_num\) FROM stdin;\n(.*?)^\\\.$",
                      data, re.MULTILINE | re.DOTALL)  # fmt: skip
    rows = found.group(1).splitlines() if found else []
    return _tableside_revision(tables, rows[0] if len(rows) == 1 else None, str(path))


# --- restoring -----------------------------------------------------------------------------


def restore(database_url: str, path: Path, *, force: bool = False) -> RestoreReport:
    """Replace the database at ``database_url`` by the backup at ``path``, then migrate it
    and end every session. Nothing changes if the file is not a Tableside backup at a
    revision this Tableside knows, if servers have the database open (unless ``force``),
    or if the database holds anything but Tableside."""
    path = path.absolute()
    archive = inspect(path)
    kind = _kind_of(database_url)
    if archive.kind != kind:
        raise BackupError(
            f"{path} is a {archive.kind} backup; TABLESIDE_DATABASE_URL is a {kind} database"
        )
    known = known_revisions()
    if archive.revision not in known:
        raise BackupError(
            f"{path} is at migration revision {archive.revision}, which this Tableside does "
            f"not know (it knows {known[0]} to {known[-1]}): restore it with the Tableside "
            "that made it"
        )
    if kind == "sqlite":
        _sqlite_restore(_sqlite_path(database_url), archive, force=force)
    else:
        _pg_restore(database_url, archive, force=force)
    return _after_restore(database_url, archive)


def _refuse_unless_replaceable(tables: set[str], revision: str | None, what: str) -> None:
    """A restore replaces an empty database or a Tableside one, nothing else."""
    if tables and TABLESIDE_TABLES - tables:
        raise BackupError(
            f"{what} holds tables that are not Tableside's: restore into an empty database "
            "or a Tableside one"
        )
    if revision is not None and revision not in known_revisions():
        raise BackupError(
            f"{what} is at migration revision {revision}, newer than this Tableside: "
            "restore with that Tableside"
        )


def _sqlite_restore(database: Path, archive: Archive, *, force: bool) -> None:
    created = not database.exists()
    if not created:
        if not force and _sqlite_in_use(database):
            raise BackupError(
                f"the database at {database} is open in another process (a running server?): "
                "stop the servers first, or pass --force to restore under them"
            )
        with _sqlite(database, "rw") as current:
            tables, revision = _sqlite_state(current)
        _refuse_unless_replaceable(tables, revision, f"the database at {database}")
    else:
        database.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        with _sqlite(archive.path, "ro") as backup_db, _sqlite(database, "rw") as target:
            # One step, one write transaction on the target: all of it or none. Through
            # SQLite, so connections that have the database open see the restored one.
            backup_db.backup(target)
    except sqlite3.Error as error:
        if created:
            database.unlink(missing_ok=True)
        raise BackupError(f"restoring into {database} failed, nothing changed: {error}") from None


def _sqlite_in_use(database: Path) -> bool:
    """Whether another process has the (WAL mode) database open: it holds a shared lock
    that an exclusive one, tried for a moment, would conflict with."""
    try:
        fd = os.open(f"{database}-shm", os.O_RDWR)
    except FileNotFoundError:
        return False  # nobody has opened it since it was last closed
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, SQLITE_SHM_DMS_BYTE)
        except OSError:
            return True
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, SQLITE_SHM_DMS_BYTE)
        return False
    finally:
        os.close(fd)


# Everything in the schema a backup fills, dropped in the restore's own transaction.
_PG_CLEAR = f"""
SET lock_timeout = '{PG_LOCK_TIMEOUT}';
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.relname, c.relkind FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S') LOOP
    EXECUTE format('DROP %s IF EXISTS public.%I CASCADE',
                   CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                  WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, r.relname);
  END LOOP;
END $$;
"""


def _pg_restore(database_url: str, archive: Archive, *, force: bool) -> None:
    pg_restore, psql = _pg_tools("pg_restore", "psql")
    what = f"the database {_safe(database_url)}"
    # One connection asks everything: a connection of this command's own that had just
    # closed could still be listed by PostgreSQL, and be taken for a running server.
    with _pg_connection(database_url) as conn:
        tables, revision = _pg_state(conn)
        others = conn.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            )
        )
    if others and not force:
        raise BackupError(
            f"{what} has {others} other connection(s) (a running server?): stop the servers "
            "first, or pass --force to restore under them"
        )
    _refuse_unless_replaceable(tables, revision, what)
    conninfo, env = _libpq(database_url)
    with _log() as restore_log, _log() as psql_log:
        script = subprocess.Popen(
            [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "--file=-",
             str(archive.path)],
            stdout=subprocess.PIPE,
            stderr=restore_log,
        )  # fmt: skip
        loader = subprocess.Popen(
            [psql, "--no-psqlrc", "--quiet", "--no-password", "--set=ON_ERROR_STOP=1",
             f"--dbname={conninfo}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=psql_log,
            env=env,
        )  # fmt: skip
        assert script.stdout is not None and loader.stdin is not None
        # psql commits only if pg_restore produced the whole script; a script cut short, or
        # a statement that fails, leaves the transaction open when psql exits: rolled back.
        complete = False
        try:
            loader.stdin.write(b"BEGIN;\n" + _PG_CLEAR.encode())
            shutil.copyfileobj(script.stdout, loader.stdin)
            complete = script.wait() == 0
            if complete:
                loader.stdin.write(b"COMMIT;\n")
        except BrokenPipeError:  # psql stopped at an error
            script.kill()
        finally:
            with contextlib.suppress(BrokenPipeError):
                loader.stdin.close()
            script.wait()
        if loader.wait() != 0:
            raise BackupError(
                f"restoring into {what} failed, nothing changed: {_tail(psql_log) or 'psql failed'}"
            )
        if not complete:
            raise BackupError(
                f"{archive.path} is damaged or cut short, nothing changed: {_tail(restore_log)}"
            )


def _after_restore(database_url: str, archive: Archive) -> RestoreReport:
    engine = make_engine(database_url)
    try:
        try:
            migrate.upgrade(engine)
        except SQLAlchemyError as error:
            raise BackupError(
                f"the backup is restored, but bringing its schema up to date failed: {error}; "
                "run `tableside migrate`"
            ) from None
        with engine.begin() as conn:
            ended = conn.execute(
                update(m.StaffSession)
                .where(m.StaffSession.revoked_at.is_(None))
                .values(revoked_at=m.utcnow())
            ).rowcount
            revision = conn.scalar(text("SELECT version_num FROM alembic_version"))
            counts = {
                what: conn.scalar(select(func.count()).select_from(model)) or 0
                for what, model in COUNTED.items()
            }
    finally:
        engine.dispose()
    return RestoreReport(archive, _safe(database_url), str(revision), counts, ended)


# --- plumbing ------------------------------------------------------------------------------


def _kind_of(database_url: str) -> Kind:
    backend = make_url(database_url).get_backend_name()
    if backend == "sqlite":
        return "sqlite"
    if backend == "postgresql":
        return "postgresql"
    raise BackupError(f"cannot back up or restore a {backend} database")


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up or restore into")
    return Path(database).absolute()


@contextlib.contextmanager
def _sqlite(path: Path, mode: Literal["ro", "rw"]) -> Iterator[sqlite3.Connection]:
    """A connection to an existing file (never creating one), busy for up to 15 s."""
    db = sqlite3.connect(f"{path.absolute().as_uri()}?mode={mode}", uri=True, timeout=15)
    try:
        yield db
    finally:
        db.close()


def _sqlite_state(db: sqlite3.Connection) -> tuple[set[str], str | None]:
    """The database's tables and, if it has one, its migration revision."""
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    revisions = []
    if "alembic_version" in tables:
        revisions = [row[0] for row in db.execute("SELECT version_num FROM alembic_version")]
    return tables, revisions[0] if len(revisions) == 1 else None


@contextlib.contextmanager
def _pg_connection(database_url: str) -> Iterator[Connection]:
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            yield conn
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise BackupError(f"cannot use the database {_safe(database_url)}: {reason}") from None
    finally:
        engine.dispose()


def _pg_state(conn: Connection) -> tuple[set[str], str | None]:
    """The tables of the public schema and, if it has one, the migration revision."""
    tables = set(
        conn.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).all()
    )
    revision = None
    if "alembic_version" in tables:
        revision = conn.scalar(text("SELECT version_num FROM public.alembic_version"))
    return tables, revision


def _pg_tools(*names: str) -> list[str]:
    found = [shutil.which(name) for name in names]
    missing = [name for name, path in zip(names, found, strict=True) if path is None]
    if missing:
        raise BackupError(
            f"PostgreSQL's {' and '.join(missing)} not found on PATH: install PostgreSQL's "
            "client tools, at the server's major version or newer "
            "(Debian: apt-get install postgresql-client)"
        )
    return [path for path in found if path is not None]


def _libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """The URL as libpq takes it (no driver), and the environment giving its password."""
    url = make_url(database_url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    conninfo = url.set(drivername="postgresql", password=None)
    return conninfo.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str] | None, what: str) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{what}: {done.stderr.strip() or f'exit code {done.returncode}'}")
    return done.stdout


@contextlib.contextmanager
def _log() -> Iterator[IO[bytes]]:
    with tempfile.TemporaryFile() as file:
        yield file


def _tail(log: IO[bytes]) -> str:
    log.seek(0)
    lines = log.read().decode(errors="replace").strip().splitlines()
    return " ".join(lines[-3:])


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _safe(database_url: str) -> str:
    return make_url(database_url).render_as_string(hide_password=True)


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    size = n / 1024
    for unit in ("KB", "MB"):
        if size < 1024:
            return f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"
