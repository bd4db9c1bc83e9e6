"""Servers for the tests: Tableside served in this process (``LiveServer``, a test can reach
its app and patch it) or in a process of its own (``start_server``), and waiting for them.

Import it as ``from harness import …`` (never ``from conftest``: every folder's conftest
shares that module name). The fixtures built on it are in tests/conftest.py.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import uvicorn
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from tableside.app import create_app
from tableside.config import Settings
from tableside.core.unit_of_work import Database
from tableside.payments.recovery import RecoveryReport
from tableside.realtime.hub import Hub

WAIT_S = 10.0  # the longest a test waits for something that should take milliseconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for(
    condition: Callable[[], object],
    timeout_s: float = WAIT_S,
    what: str = "condition",
    every_s: float = 0.01,
) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(every_s)


def is_up(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def wait_until_up(url: str, timeout_s: float = 20.0) -> None:
    wait_for(lambda: is_up(url), timeout_s, f"{url} to come up", every_s=0.05)


def at_once(work: Sequence[Callable[[], Any]], timeout_s: float = 60.0) -> list[Any]:
    """Run each piece of work on a thread of its own, all let go at the same instant; what
    each returned (or the exception it raised), in order."""
    start = threading.Barrier(len(work))
    results: list[Any] = [None] * len(work)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = work[i]()
        except Exception as error:
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout_s)
    return results


def server_env(
    database_url: str, emulator_url: str, data_dir: Path, **extra: str
) -> dict[str, str]:
    """A test server's settings: the test database, the emulator, a short processor timeout."""
    return {
        "TABLESIDE_DATABASE_URL": database_url,
        "TABLESIDE_PROCESSOR_URL": emulator_url,
        "TABLESIDE_DATA_DIR": str(data_dir),
        "TABLESIDE_PROCESSOR_TIMEOUT_S": "2",
        **extra,
    }


def settings_for(database_url: str, emulator_url: str, data_dir: Path, **extra: str) -> Settings:
    return Settings.from_env(server_env(database_url, emulator_url, data_dir, **extra))


# Every LiveServer running in this process, by URL.
RUNNING: dict[str, LiveServer] = {}


def pause_recovery_of_running_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    """For a test with a server and a processor of its own, on the shared test database.

    Servers already running in this process (conftest's session ``live_server``) run their
    recovery loop on that database against another emulator, which has never heard of
    this test's attempts: a pass of theirs that came first would conclude that nothing was
    charged and fail our pending payment or refund for good (seen on a loaded machine).
    One restaurant's servers share one processor; so, for this test, only its own recover.
    """
    for server in list(RUNNING.values()):
        monkeypatch.setattr(server.app.state.recovery, "run_once", RecoveryReport)


class LiveServer:
    """uvicorn in a thread of this process, serving ``create_app(settings, db)``.

    ``db``: share the tests' Database object, so that their commits wake this server's hub
    in-process (None: a Database of its own, as another process would have). ``send_buffer``
    sizes the accepted sockets' send buffers; ``hub`` keywords change the hub's settings.
    """

    def __init__(
        self,
        settings: Settings,
        db: Database | None = None,
        *,
        send_buffer: int | None = None,
        **hub: Any,
    ) -> None:
        # Accepted sockets inherit the listening socket's send buffer size.
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if send_buffer is not None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
        self.sock.bind(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = create_app(settings, db=db)
        self.hub: Hub = self.app.state.hub
        if hub:
            self.hub.settings = replace(self.hub.settings, **hub)
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            access_log=False,
            **settings.uvicorn_options(),  # type: ignore[arg-type]
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def start(self) -> LiveServer:
        self._thread.start()
        wait_until_up(f"{self.url}/healthz")
        RUNNING[self.url] = self
        return self

    def idle(self) -> bool:
        """No WebSocket open, nobody subscribed to the live floor."""
        return self.hub.connections == 0 and self.hub.subscriber_count() == 0

    def stop(self) -> None:
        RUNNING.pop(self.url, None)
        self._server.should_exit = True
        if self._thread.ident is not None:
            self._thread.join(timeout=10)
        self.sock.close()

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


class Spawned:
    """A process of our own (a server or the emulator) serving ``/healthz`` on ``port``, up
    when constructed; ``python -m`` with ``args``."""

    def __init__(self, args: list[str], port: int, env: dict[str, str] | None = None) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen([sys.executable, "-m", *args], env=env)
        try:
            wait_for(
                lambda: self.process.poll() is not None or is_up(f"{self.url}/healthz"),
                20.0,
                f"{self.url} to come up",
                every_s=0.05,
            )
        except BaseException:
            self.kill()
            raise
        if self.process.poll() is not None:
            raise RuntimeError(f"{args[0]} on port {port} exited ({self.process.returncode})")

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to finish anything."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def spawn(
    args: Callable[[int], list[str]], port: int | None = None, env: dict[str, str] | None = None
) -> Spawned:
    """``python -m`` with ``args(port)``, on ``port`` or else on a free one (another, should
    some other process take it between our choosing it and binding it)."""
    tries = 1 if port is not None else 3
    for left in reversed(range(tries)):
        chosen = port or free_port()
        try:
            return Spawned(args(chosen), chosen, env)
        except RuntimeError:  # exited at once
            if not left:
                raise
    raise AssertionError("unreachable")


def start_server(env: dict[str, str]) -> Spawned:
    """``tableside`` served by uvicorn in its own process, configured by ``env`` (on top of
    this process's environment)."""
    return spawn(
        lambda port: [
            "uvicorn",
            "tableside.asgi:app_from_env",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            *uvicorn_proxy_args(env.get("TABLESIDE_TRUSTED_PROXIES", "")),
        ],
        env={**os.environ, **env},
    )


def uvicorn_proxy_args(trusted_proxies: str) -> list[str]:
    """uvicorn's options for honouring forwarded headers from ``trusted_proxies`` only (its
    default trusts them from loopback), as ``tableside serve`` passes them."""
    if not trusted_proxies.strip():
        return ["--no-proxy-headers"]
    return ["--proxy-headers", "--forwarded-allow-ips", trusted_proxies]


# What a test leaves behind on the shared test databases; the rest is the seed's.
TRANSIENT_TABLES = [
    "guest_orders",
    "kiosks",
    "online_ordering",
    "line_modifiers",
    "check_discounts",
    "refunds",
    "idempotency_keys",
    "payments",
    "check_lines",
    "tickets",
    "guest_links",
    "checks",
    "check_number_counters",
    "audit_log",
    "outbox",
    "outbox_counters",
    "login_throttle",
]


def clean_floor(database: Database) -> None:
    """An empty floor with the seeded staff and menu (for fixtures set up once a module,
    before any test's own clean floor).

    The session's servers keep reading meanwhile (their recovery loop, its sweep of unpaid
    orders): TRUNCATE locks its tables one by one, so a read that holds one of them and
    waits for the next can deadlock with it. PostgreSQL then cancels one of the two; when it
    is the TRUNCATE, it is simply done again."""
    for attempt in range(5):
        try:
            with database.engine.begin() as conn:
                if database.is_sqlite:
                    for table in TRANSIENT_TABLES:
                        conn.execute(text(f"DELETE FROM {table}"))
                else:
                    conn.execute(text(f"TRUNCATE {', '.join(TRANSIENT_TABLES)}"))
                conn.execute(text("UPDATE menu_items SET available = (name <> 'Soup of the day')"))
            return
        except OperationalError as error:
            if not isinstance(error.orig, psycopg.errors.DeadlockDetected) or attempt == 4:
                raise
