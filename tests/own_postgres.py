"""A PostgreSQL cluster of a test's own, and PgBouncer in front of it: for tests (and the
deployment bench) that restart the database, which the shared one on 5432 must never be.

``OwnPostgres`` runs ``initdb`` into a new temporary directory and serves it on a free
port; ``PgBouncer`` serves Debian's ``pgbouncer`` with an ini of its own on another free
port, in transaction pooling mode, as docs/deployment.md configures it. As root (CI), both
run as the ``postgres`` user, which owns their directory; otherwise as the caller.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType as Traceback
from typing import Self

import psycopg

UP_TIMEOUT_S = 60.0


def _pg_bin() -> Path | None:
    configured = os.environ.get("TABLESIDE_TEST_PG_BIN")
    if configured:
        return Path(configured)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_major)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _major(path: str) -> int:
    part = Path(path).parent.parent.name
    return int(part) if part.isdigit() else 0


def _pgbouncer() -> str | None:
    found = shutil.which("pgbouncer")
    if found is None and Path("/usr/sbin/pgbouncer").exists():  # not on a user's PATH
        found = "/usr/sbin/pgbouncer"
    return found


def missing() -> str | None:
    """What this machine lacks to run a cluster and PgBouncer of a test's own, if anything."""
    pg_bin = _pg_bin()
    if pg_bin is None or not (pg_bin / "pg_ctl").exists():
        return "PostgreSQL's server programs (initdb, pg_ctl) are not installed"
    if _pgbouncer() is None:
        return "pgbouncer is not installed (Debian: apt-get install pgbouncer)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root, with no postgres user to run PostgreSQL as"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _as_owner(args: list[str]) -> list[str]:
    """PostgreSQL and PgBouncer refuse to run as root: as root, run them as postgres."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _run(args: list[str], what: str) -> int:
    done = subprocess.run(_as_owner(args), capture_output=True, text=True, check=False)
    if done.returncode not in (0, 3) or (done.returncode == 3 and args[-1] != "status"):
        raise RuntimeError(f"{what} failed ({done.returncode}): {done.stdout}{done.stderr}")
    return done.returncode


def _wait_until_connectable(conninfo: str, what: str) -> None:
    deadline = time.monotonic() + UP_TIMEOUT_S
    while True:
        try:
            with psycopg.connect(conninfo, connect_timeout=2, autocommit=True) as conn:
                conn.execute("SELECT 1")
                return
        except psycopg.OperationalError as error:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not answer: {error}") from None
            time.sleep(0.1)


class _Service:
    """A process of the test's own, as a ``with`` block: started on entry, stopped on exit."""

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: Traceback
    ) -> None:
        self.stop()


class OwnPostgres(_Service):
    """One cluster in a temporary directory, user ``postgres``, trust on 127.0.0.1."""

    def __init__(self) -> None:
        pg_bin = _pg_bin()
        assert pg_bin is not None, missing()
        self.bin = pg_bin
        self.root = Path(tempfile.mkdtemp(prefix="tableside-own-pg-"))
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        self.data = self.root / "data"
        self.log = self.root / "postgresql.log"
        self.port = free_port()

    def start(self) -> None:
        _run(
            [
                str(self.bin / "initdb"),
                *("-D", str(self.data), "-U", "postgres", "--auth=trust"),
                *("--encoding=UTF8", "--no-locale", "--no-sync"),
            ],
            "initdb",
        )
        settings = {
            "port": str(self.port),
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.root}'",
            "max_connections": "60",
            "shared_buffers": "'32MB'",
            # A test's cluster: what it proves is a restart, not a power cut. A fast
            # shutdown still writes everything committed before it stops.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())
        self.pg_ctl("start", "-l", str(self.log))
        _wait_until_connectable(self.conninfo("postgres"), "the test's own PostgreSQL")

    def restart(self) -> None:
        """``pg_ctl restart -m fast``: every session is ended, then it comes back."""
        self.pg_ctl("restart", "-m", "fast", "-l", str(self.log))

    def stop(self) -> None:
        with contextlib.suppress(RuntimeError):
            self.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def start_as_standby(self) -> None:
        """Up, but refusing every connection (57P03, as while it starts up): a standby
        with no primary and hot standby off."""
        (self.data / "standby.signal").touch()
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("hot_standby = off\n")
        self.pg_ctl("start", "-l", str(self.log))

    def promote(self) -> None:
        """The standby becomes a primary and takes connections again."""
        self.pg_ctl("promote")
        _wait_until_connectable(self.conninfo("postgres"), "the promoted PostgreSQL")

    def pg_ctl(self, *args: str) -> int:
        """``pg_ctl`` on this cluster, waiting (``-W`` in ``args``: not); its exit code."""
        return _run(
            [str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60", *args], "pg_ctl"
        )

    def conninfo(self, database: str) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={database}"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> None:
        with psycopg.connect(self.conninfo("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')


class PgBouncer(_Service):
    """Debian's pgbouncer in front of ``postgres``, pooling per transaction."""

    def __init__(self, postgres: OwnPostgres, pool_size: int = 20) -> None:
        self.postgres = postgres
        self.root = postgres.root / "pgbouncer"
        self.port = free_port()
        self.pool_size = pool_size
        self.ini = self.root / "pgbouncer.ini"
        self.pidfile = self.root / "pgbouncer.pid"
        self.log = self.root / "pgbouncer.log"

    def start(self) -> None:
        self.root.mkdir()
        (self.root / "userlist.txt").write_text('"postgres" ""\n')
        self.ini.write_text(
            "[databases]\n"
            f"* = host=127.0.0.1 port={self.postgres.port}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {self.root / 'userlist.txt'}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {self.pool_size}\n"
            "max_client_conn = 500\n"
            # After PostgreSQL restarts: try it again every second, and let no request
            # wait for a server connection longer than the servers' own pool does.
            "server_login_retry = 1\n"
            "query_wait_timeout = 10\n"
            f"logfile = {self.log}\npidfile = {self.pidfile}\n"
        )
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            for path in (self.root, *self.root.iterdir()):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        program = _pgbouncer()
        assert program is not None, missing()
        _run([program, "-d", str(self.ini)], "pgbouncer")
        _wait_until_connectable(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", "PgBouncer"
        )

    def stop(self) -> None:
        with contextlib.suppress(FileNotFoundError, ValueError, ProcessLookupError):
            os.kill(int(self.pidfile.read_text().split()[0]), signal.SIGTERM)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"
