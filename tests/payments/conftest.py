"""Fixtures for the card processor tests: a real emulator process, talked to over HTTP."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from harness import free_port

from tableside.config import EMULATOR_API_KEY
from tableside.payments.stripe_card import StripeCardProcessor

STARTUP_TIMEOUT_S = 20.0


@dataclass
class EmulatorProcess:
    """An emulator subprocess plus the test controls it exposes (``/_faults``, ``/_charges``)."""

    ledger: Path
    port: int
    process: subprocess.Popen[bytes]
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.url, timeout=10.0)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def set_fault(self, mode: str, count: int = 1, delay_ms: int | None = None) -> None:
        body: dict[str, Any] = {"mode": mode, "count": count}
        if delay_ms is not None:
            body["delay_ms"] = delay_ms
        response = self.http.post("/_faults", json=body)
        assert response.status_code == 200, response.text

    def faults(self) -> dict[str, Any]:
        state: dict[str, Any] = self.http.get("/_faults").json()
        return state

    def charges(self) -> list[dict[str, Any]]:
        charges: list[dict[str, Any]] = self.http.get("/_charges").json()["charges"]
        return charges

    def charges_for(self, attempt_id: str) -> list[dict[str, Any]]:
        key = f"tableside-charge-{attempt_id}"
        return [c for c in self.charges() if c["idempotency_key"] == key]

    def stop(self) -> None:
        self.http.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def start_emulator(ledger: Path) -> EmulatorProcess:
    """Start ``python -m processor_emulator`` and wait until it answers /healthz."""
    for _ in range(3):  # a free port can be taken between choosing and binding it
        port = free_port()
        command = [sys.executable, "-m", "processor_emulator", "--port", str(port)]
        process = subprocess.Popen([*command, "--ledger", str(ledger)])
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while process.poll() is None and time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1.0).status_code == 200:
                    return EmulatorProcess(ledger, port, process)
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        if process.poll() is None:
            process.kill()
            process.wait(5)
    raise RuntimeError("the card processor emulator did not start")


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """One emulator for the whole session; tests keep apart by using fresh attempt ids."""
    running = start_emulator(tmp_path_factory.mktemp("emulator") / "ledger.sqlite3")
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def _no_fault_left_armed(emulator: EmulatorProcess) -> Iterator[None]:
    emulator.http.post("/_reset")
    yield
    emulator.http.post("/_reset")


@pytest.fixture
def start_fresh_emulator(tmp_path: Path) -> Iterator[Callable[[Path | None], EmulatorProcess]]:
    """Start extra emulators (e.g. to restart one on the same ledger); all stopped afterwards."""
    started: list[EmulatorProcess] = []

    def start(ledger: Path | None = None) -> EmulatorProcess:
        running = start_emulator(ledger or tmp_path / f"ledger-{len(started)}.sqlite3")
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


@pytest.fixture
def make_processor() -> Iterator[Callable[..., StripeCardProcessor]]:
    """Adapters over any URL; short timeouts keep the suite quick. Closed afterwards."""
    made: list[StripeCardProcessor] = []

    def make(url: str, timeout_s: float = 1.0, **kwargs: Any) -> StripeCardProcessor:
        processor = StripeCardProcessor(url, EMULATOR_API_KEY, timeout_s, **kwargs)
        made.append(processor)
        return processor

    yield make
    for processor in made:
        processor.close()


@pytest.fixture
def processor(
    emulator: EmulatorProcess, make_processor: Callable[..., StripeCardProcessor]
) -> StripeCardProcessor:
    return make_processor(emulator.url)


@pytest.fixture
def unused_port() -> int:
    """A port nothing listens on (a processor that is down)."""
    return free_port()


@pytest.fixture
def new_id() -> Callable[..., str]:
    """Fresh ids, so tests sharing the session emulator never see each other's attempts."""
    return lambda prefix="att": f"{prefix}-{uuid.uuid4().hex}"
