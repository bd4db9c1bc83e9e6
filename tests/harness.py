"""Test harness shared by the suites: free ports, waiting for a server, a live server.

Import it as ``from harness import …`` (never ``from conftest``: every folder's conftest
shares that module name).
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from tableside.api.app import create_app
from tableside.config import Settings


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
