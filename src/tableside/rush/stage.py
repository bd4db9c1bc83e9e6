"""The stage a rush plays on: its database (seeded with the demo restaurants), its own card
processor emulator and 1–2 ``tableside serve`` processes, each on a free port, each a real
process of its own that can be SIGKILLed and started again on the same port.

Every process writes its output to ``<data dir>/logs/``; a server's log is appended to
across its restarts.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from tableside.config import EMULATOR_API_KEY

UP_TIMEOUT_S = 90.0  # a loaded machine takes a while to import and migrate


class StageError(RuntimeError):
    """Something the rush needs could not be started; the message says what."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def is_up(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


@dataclass
class Process:
    """One process of the stage, serving ``/healthz`` on ``port`` once up."""

    name: str
    args: list[str]
    port: int
    env: dict[str, str]
    log_path: Path
    popen: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def start(self) -> None:
        """Start it and wait until it answers ``/healthz``."""
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - kept open while it runs
        self.popen = subprocess.Popen(
            self.args, env=self.env, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + UP_TIMEOUT_S
        while not is_up(self.url):
            if self.popen.poll() is not None:
                raise StageError(
                    f"{self.name} exited with code {self.popen.returncode} before it served "
                    f"(its log: {self.log_path})"
                )
            if time.monotonic() > deadline:
                self.kill()
                raise StageError(
                    f"{self.name} did not answer on {self.url} within {UP_TIMEOUT_S:.0f} s "
                    f"(its log: {self.log_path})"
                )
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: it gets no chance to finish anything it was doing."""
        if self.popen is not None and self.popen.poll() is None:
            os.kill(self.popen.pid, signal.SIGKILL)
        self._reap()

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=15)
        self.kill()

    def _reap(self) -> None:
        if self.popen is not None:
            self.popen.wait(timeout=30)
        if self._log is not None:
            self._log.close()
            self._log = None


class Stage:
    """The processes of one rush, on one data directory."""

    def __init__(
        self,
        data_dir: Path,
        database_url: str,
        servers: int,
        processor_timeout_s: float,
    ) -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        self.logs = data_dir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.ledger = data_dir / "processor-emulator.db"
        self.emulator = Process(
            "the card-processor emulator",
            [sys.executable, "-m", "processor_emulator"],
            0,
            dict(os.environ),
            self.logs / "emulator.log",
        )
        self.env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "TABLESIDE_DATA_DIR": str(data_dir),
            "TABLESIDE_DATABASE_URL": database_url,
            # The emulator's key, whatever this shell holds: a real one would be sent to the
            # emulator, and the servers would allow for Stripe's search lag (minutes) before
            # concluding that a pending charge never happened.
            "TABLESIDE_STRIPE_API_KEY": EMULATOR_API_KEY,
            "TABLESIDE_PROCESSOR_TIMEOUT_S": f"{processor_timeout_s:g}",
            "TABLESIDE_RECOVERY_INTERVAL_S": "1",
        }
        self.servers = [
            Process(
                f"server {i + 1}",
                [],
                0,
                self.env,
                self.logs / f"server-{i + 1}.log",
            )
            for i in range(servers)
        ]
        self._lock = threading.Lock()

    @property
    def emulator_url(self) -> str:
        return self.emulator.url

    @property
    def server_urls(self) -> list[str]:
        return [server.url for server in self.servers]

    def start(self) -> None:
        """Seed the database, then start the emulator and the servers (in parallel)."""
        seeded = subprocess.run(
            [sys.executable, "-m", "tableside.cli", "seed-demo"],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if seeded.returncode != 0:
            raise StageError(
                f"seeding the demo restaurants failed:\n{seeded.stdout}{seeded.stderr}"
            )
        self._start_on_free_port(
            self.emulator,
            lambda port: [
                sys.executable,
                "-m",
                "processor_emulator",
                "--port",
                str(port),
                "--ledger",
                str(self.ledger),
            ],
        )
        self.env["TABLESIDE_PROCESSOR_URL"] = self.emulator_url
        errors: list[BaseException] = []

        def start(server: Process) -> None:
            try:
                self._start_on_free_port(server, self._serve_args)
            except BaseException as error:
                errors.append(error)

        starting = [threading.Thread(target=start, args=(s,)) for s in self.servers]
        for thread in starting:
            thread.start()
        for thread in starting:
            thread.join()
        if errors:
            raise errors[0]

    def _serve_args(self, port: int) -> list[str]:
        return [
            sys.executable,
            "-m",
            "tableside.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]

    @staticmethod
    def _start_on_free_port(process: Process, args: Callable[[int], list[str]]) -> None:
        """On a free port (another one if something took it before the process bound it)."""
        for attempt in range(3):
            process.port = free_port()
            process.args = args(process.port)
            try:
                process.start()
                return
            except StageError:
                if attempt == 2:
                    raise

    def kill_server(self, index: int) -> None:
        with self._lock:
            self.servers[index].kill()

    def restart_server(self, index: int) -> None:
        """Start it again on the same port: terminals find it where it was."""
        server = self.servers[index]
        with self._lock:
            server.args = self._serve_args(server.port)
            server.start()

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
        self.emulator.stop()
