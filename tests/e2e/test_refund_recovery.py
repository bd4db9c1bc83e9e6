"""A refund asked for while the processor is unreachable is finished later by recovery,
once, under the refund's own key."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from harness import (
    LiveServer,
    Spawned,
    free_port,
    pause_recovery_of_running_servers,
    settings_for,
    start_emulator,
)
from terminal import Terminal, new_key


@pytest.fixture
def processor_and_server(
    database_url: str, db: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[list[Spawned], LiveServer]]:
    pause_recovery_of_running_servers(monkeypatch)
    port = free_port()
    emulators = [start_emulator(tmp_path / "ledger.db", port)]
    server = LiveServer(
        settings_for(database_url, emulators[0].url, tmp_path, TABLESIDE_RECOVERY_INTERVAL_S="0.5")
    ).start()
    yield emulators, server
    server.stop()
    for emulator in emulators:
        emulator.stop()


def test_a_refund_lost_to_an_unreachable_processor_is_finished_by_recovery_once(
    processor_and_server: tuple[list[Spawned], LiveServer], tmp_path: Path
) -> None:
    emulators, server = processor_and_server
    waiter = Terminal(server.url, pin="1234")
    manager = Terminal(server.url, pin="9999")
    check = waiter.seat("T12")
    check = waiter.ring(check["id"], "Crème brûlée")
    paid = waiter.pay(check["id"], check["total_cents"], tender="card")
    payment_id = paid.json()["payment"]["id"]

    emulators[0].kill()  # the processor goes away
    key = new_key()
    lost = manager.post(
        f"/payments/{payment_id}/refund", {"amount_cents": 300}, headers={"Idempotency-Key": key}
    )
    assert lost.status_code == 504, lost.text
    assert waiter.check(check["id"])["payments"][0]["refunded_cents"] == 0

    port = emulators[0].port
    emulators.append(start_emulator(tmp_path / "ledger.db", port))  # back, with its ledger

    deadline = time.monotonic() + 30
    while waiter.check(check["id"])["payments"][0]["refunded_cents"] == 0:
        assert time.monotonic() < deadline, "recovery did not finish the refund"
        time.sleep(0.2)
    assert waiter.check(check["id"])["payments"][0]["refunded_cents"] == 300
    [charge] = [
        c
        for c in httpx.get(f"{emulators[1].url}/_charges").json()["charges"]
        if c["metadata"].get("check_id") == check["id"]
    ]
    assert charge["amount_refunded"] == 300
    # The manager's retry with the same key answers the finished refund; nothing more.
    again = manager.post(
        f"/payments/{payment_id}/refund", {"amount_cents": 300}, headers={"Idempotency-Key": key}
    )
    assert again.status_code == 201
    assert again.json()["payment"]["refunded_cents"] == 300
