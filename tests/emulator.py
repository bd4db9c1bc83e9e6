"""The card-processor emulator as tests use it: a real subprocess (``start_emulator``) and its
test controls (``Emulator``): the fault switch (``/_faults``) and the ground truth of what was
really charged (``/_charges``).

The fixtures are in tests/conftest.py: ``emulator`` (the session's, shared by every test,
which keep apart by their own check and attempt ids; faults are cleared after each test),
``emulator_url`` (its address) and ``start_fresh_emulator`` (emulators of a test's own).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

import httpx
from harness import Spawned, spawn

# The processor idempotency key Tableside sends for a payment attempt (its payment's id).
ATTEMPT_KEY = "tableside-charge-{}"


class Emulator:
    """The test controls of the emulator at ``url`` (``process``: when a test started it)."""

    def __init__(self, url: str, process: Spawned | None = None) -> None:
        self.url = url
        self.process = process

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    @cached_property
    def http(self) -> httpx.Client:
        """A client on the emulator's address, for tests of its HTTP API itself."""
        return httpx.Client(base_url=self.url, timeout=10.0)

    def fault(self, mode: str, count: int = 1, **extra: Any) -> None:
        """Make the next ``count`` charge requests behave as ``mode`` (``decline``,
        ``error_500``, ``timeout_before_charge``, ``timeout_after_charge``, ``slow`` with
        ``delay_ms``); ``none`` disarms the switch."""
        response = httpx.post(
            f"{self.url}/_faults", json={"mode": mode, "count": count, **extra}, timeout=10
        )
        assert response.status_code == 200, response.text

    def faults(self) -> dict[str, Any]:
        state: dict[str, Any] = httpx.get(f"{self.url}/_faults", timeout=10).json()
        return state

    def reset(self) -> None:
        """Disarm the fault switch (the ledger is kept)."""
        response = httpx.post(f"{self.url}/_reset", timeout=10)
        assert response.status_code == 200, response.text

    def charges(self) -> list[dict[str, Any]]:
        """Every charge that took money, as the emulator's ledger holds it."""
        charges: list[dict[str, Any]] = httpx.get(f"{self.url}/_charges", timeout=10).json()[
            "charges"
        ]
        return charges

    def charges_for(self, owner: str) -> list[dict[str, Any]]:
        """The charges of one check (its id in the charge's metadata) or of one payment
        attempt (a Tableside payment's id, which the charge's idempotency key is made of)."""
        return [
            c
            for c in self.charges()
            if (c.get("metadata") or {}).get("check_id") == owner
            or c["idempotency_key"] == ATTEMPT_KEY.format(owner)
        ]

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()

    def stop(self) -> None:
        if "http" in self.__dict__:
            self.http.close()
        if self.process is not None:
            self.process.stop()


def start_emulator(ledger: Path, port: int | None = None) -> Emulator:
    """``python -m processor_emulator`` keeping its charges in ``ledger`` (on ``port``, or a
    free one), up when this returns."""
    process = spawn(
        lambda chosen: ["processor_emulator", "--port", str(chosen), "--ledger", str(ledger)],
        port,
    )
    return Emulator(process.url, process)
