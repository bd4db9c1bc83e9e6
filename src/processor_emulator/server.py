"""Serving the emulator with uvicorn: in the foreground, or in a thread of another program.

``serve`` blocks until interrupted; ``start_in_thread`` starts it in a daemon thread and
returns an ``EmulatorHandle`` once it accepts connections.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from processor_emulator.app import create_app


def _config(host: str, port: int, ledger_path: Path | str, *, own_logging: bool) -> uvicorn.Config:
    extra: dict[str, Any] = {}
    if not own_logging:
        # Inside another program (one that starts the emulator in a thread) leave its logging
        # setup alone: uvicorn's default applies a process-wide dictConfig.
        extra["log_config"] = None
    return uvicorn.Config(
        create_app(ledger_path),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        # Held requests (timeout faults) must not keep a stopping emulator alive.
        timeout_graceful_shutdown=1,
        **extra,
    )


def serve(host: str, port: int, ledger_path: Path | str) -> None:
    """Serve the emulator until interrupted (blocking)."""
    uvicorn.Server(_config(host, port, ledger_path, own_logging=True)).run()


@dataclass
class EmulatorHandle:
    """A running in-process emulator; ``stop()`` shuts it down and waits for its thread."""

    host: str
    port: int
    _server: uvicorn.Server
    _thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self, timeout_s: float = 5.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout_s)


def start_in_thread(
    host: str, port: int, ledger_path: Path | str, *, startup_timeout_s: float = 10.0
) -> EmulatorHandle:
    """Start the emulator in a daemon thread; returns once it accepts connections.

    ``port=0`` picks a free port (see ``handle.port``). Raises ``RuntimeError`` when it
    cannot start (e.g. the port is taken).
    """
    server = uvicorn.Server(_config(host, port, ledger_path, own_logging=False))
    thread = threading.Thread(target=server.run, name="processor-emulator", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout_s
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"The card processor emulator could not start on {host}:{port}.")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("The card processor emulator did not start in time.")
        time.sleep(0.02)
    bound_port = port
    if port == 0:
        bound_port = int(server.servers[0].sockets[0].getsockname()[1])
    return EmulatorHandle(host, bound_port, server, thread)
