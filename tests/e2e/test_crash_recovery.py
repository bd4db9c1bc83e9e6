"""A server process killed (SIGKILL) while the processor holds the charge: after a restart,
recovery completes the attempt — the table is free and there is exactly one charge."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from harness import Spawned, pause_recovery_of_running_servers, start_emulator, start_server
from terminal import Terminal, new_key


@pytest.fixture
def own_emulator(tmp_path: Path) -> Iterator[str]:
    """A processor of this test's own, so reconciliation sees only this test's charges."""
    emulator = start_emulator(tmp_path / "ledger.db")
    yield emulator.url
    emulator.kill()


@pytest.fixture
def server_env(
    database_url: str,
    own_emulator: str,
    tmp_path: Path,
    db: object,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, str]:
    pause_recovery_of_running_servers(monkeypatch)
    return {
        **os.environ,
        "TABLESIDE_DATABASE_URL": database_url,
        "TABLESIDE_PROCESSOR_URL": own_emulator,
        "TABLESIDE_DATA_DIR": str(tmp_path),
        "TABLESIDE_PROCESSOR_TIMEOUT_S": "3",
        "TABLESIDE_RECOVERY_INTERVAL_S": "0.5",
    }


@pytest.fixture
def processes() -> Iterator[list[Spawned]]:
    started: list[Spawned] = []
    yield started
    for process in started:
        process.stop()


def wait_for(predicate: object, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_server_killed_mid_payment_settles_the_table_after_restart_with_one_charge(
    server_env: dict[str, str], processes: list[Spawned], own_emulator: str
) -> None:
    emulator_url = own_emulator
    first = start_server(server_env)
    processes.append(first)
    terminal = Terminal(first.url)
    check = terminal.seat("T7", guests=2)
    check = terminal.ring(check["id"], "Pan-roasted salmon", options=["Fries"])
    # The processor takes the money at once but answers only after 20 s.
    httpx.post(f"{emulator_url}/_faults", json={"mode": "slow", "count": 1, "delay_ms": 20000})

    def pay() -> None:
        with contextlib.suppress(httpx.HTTPError):  # the server dies under this request
            terminal.pay(check["id"], check["total_cents"], tender="card", key=new_key())

    threading.Thread(target=pay, daemon=True).start()

    def charged() -> bool:
        listed = httpx.get(f"{emulator_url}/_charges").json()["charges"]
        return any(c["metadata"].get("check_id") == check["id"] for c in listed)

    wait_for(charged, 10, "the processor to take the charge")
    first.kill()  # between the charge and recording it: the worst moment

    second = start_server(server_env)
    processes.append(second)
    terminal.http.close()
    survivor = Terminal(second.url)  # tokens survive restarts; this logs in afresh anyway
    pending = survivor.check(check["id"])
    assert pending["status"] == "open"
    assert [p["status"] for p in pending["payments"]] == ["pending"]

    wait_for(lambda: survivor.check(check["id"])["status"] == "closed", 30, "recovery")
    settled = survivor.check(check["id"])
    assert [p["status"] for p in settled["payments"]] == ["captured"]
    assert survivor.table("T7")["status"] == "available"
    listed = httpx.get(f"{emulator_url}/_charges").json()["charges"]
    assert len([c for c in listed if c["metadata"].get("check_id") == check["id"]]) == 1

    # `tableside check` agrees: money and tables are consistent, processor included.
    result = subprocess.run(
        [sys.executable, "-m", "tableside.cli", "check"],
        env=server_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: money and tables agree" in result.stdout
