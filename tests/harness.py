"""Test harness shared by the suites: free ports, waiting for a server, a live server.

Import it as ``from harness import …`` (never ``from conftest``: every folder's conftest
shares that module name).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from tableside.app import create_app
from tableside.config import Settings
from tableside.payments.recovery import RecoveryReport


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_until_up(url: str, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not come up in {timeout_s} s")
        time.sleep(0.05)


def settings_for(database_url: str, emulator_url: str, data_dir: Path, **extra: str) -> Settings:
    return Settings.from_env(
        {
            "TABLESIDE_DATABASE_URL": database_url,
            "TABLESIDE_PROCESSOR_URL": emulator_url,
            "TABLESIDE_DATA_DIR": str(data_dir),
            "TABLESIDE_PROCESSOR_TIMEOUT_S": "2",
            **extra,
        }
    )


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
    def __init__(self, settings: Settings) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = create_app(settings)
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            access_log=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self) -> LiveServer:
        self._thread.start()
        wait_until_up(f"{self.url}/healthz")
        RUNNING[self.url] = self
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


class Spawned:
    """A Tableside process of our own (a server or the emulator), up when constructed."""

    def __init__(self, args: list[str], port: int, env: dict[str, str] | None = None) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen([sys.executable, "-m", *args], env=env)
        try:
            wait_until_up(f"{self.url}/healthz")
        except RuntimeError:
            self.kill()
            raise

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


def start_emulator(ledger: Path, port: int | None = None) -> Spawned:
    """The card-processor emulator as a real subprocess, keeping its charges in ``ledger``."""
    port = port or free_port()
    return Spawned(["processor_emulator", "--port", str(port), "--ledger", str(ledger)], port)


def start_server(env: dict[str, str]) -> Spawned:
    """``tableside`` served by uvicorn in its own process, configured by ``env``."""
    port = free_port()
    return Spawned(
        [
            "uvicorn",
            "tableside.asgi:app_from_env",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        port,
        env,
    )
