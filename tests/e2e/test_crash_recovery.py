"""A server process killed (SIGKILL) while the processor holds the charge: after a restart,
recovery completes the attempt — the table is free and there is exactly one charge."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from emulator import Emulator
from harness import Spawned, pause_recovery_of_running_servers, server_env, wait_for
from terminal import Terminal, new_key


@pytest.fixture
def own_emulator(start_fresh_emulator: Callable[..., Emulator]) -> Emulator:
    """A processor of this test's own, so reconciliation sees only this test's charges."""
    return start_fresh_emulator()


@pytest.fixture
def env(
    database_url: str,
    own_emulator: Emulator,
    tmp_path: Path,
    db: object,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, str]:
    pause_recovery_of_running_servers(monkeypatch)
    return server_env(
        database_url,
        own_emulator.url,
        tmp_path,
        TABLESIDE_PROCESSOR_TIMEOUT_S="3",
        TABLESIDE_RECOVERY_INTERVAL_S="0.5",
    )


def test_a_server_killed_mid_payment_settles_the_table_after_restart_with_one_charge(
    env: dict[str, str],
    own_emulator: Emulator,
    start_server_process: Callable[..., Spawned],
) -> None:
    first = start_server_process(**env)
    terminal = Terminal(first.url)
    check = terminal.seat("T7", guests=2)
    check = terminal.ring(check["id"], "Pan-roasted salmon", options=["Fries"])
    # The processor takes the money at once but answers only after 20 s.
    own_emulator.fault("slow", delay_ms=20000)

    def pay() -> None:
        with contextlib.suppress(httpx.HTTPError):  # the server dies under this request
            terminal.pay(check["id"], check["total_cents"], tender="card", key=new_key())

    threading.Thread(target=pay, daemon=True).start()

    def charged() -> bool:
        return bool(own_emulator.charges_for(check["id"]))

    wait_for(charged, 10, "the processor to take the charge", every_s=0.1)
    first.kill()  # between the charge and recording it: the worst moment

    second = start_server_process(**env)
    terminal.http.close()
    survivor = Terminal(second.url)  # tokens survive restarts; this logs in afresh anyway
    pending = survivor.check(check["id"])
    assert pending["status"] == "open"
    assert [p["status"] for p in pending["payments"]] == ["pending"]

    wait_for(lambda: survivor.check(check["id"])["status"] == "closed", 30, "recovery", every_s=0.1)
    settled = survivor.check(check["id"])
    assert [p["status"] for p in settled["payments"]] == ["captured"]
    assert survivor.table("T7")["status"] == "available"
    assert len(own_emulator.charges_for(check["id"])) == 1

    # `tableside check` agrees: money and tables are consistent, processor included.
    result = subprocess.run(
        [sys.executable, "-m", "tableside.cli", "check"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: money and tables agree" in result.stdout
