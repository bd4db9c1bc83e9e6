"""A refund asked for while the processor is unreachable is finished later by recovery,
once, under the refund's own key."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from harness import LiveServer, free_port, settings_for, wait_until_up
from terminal import Terminal, new_key


class Emulator:
    def __init__(self, port: int, ledger: Path) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tableside.payments.emulator",
                "--port",
                str(port),
                "--ledger",
                str(ledger),
            ],
        )
        wait_until_up(f"{self.url}/healthz")

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def processor_and_server(
    database_url: str, db: object, tmp_path: Path
) -> Iterator[tuple[list[Emulator], LiveServer]]:
    port = free_port()
    emulators = [Emulator(port, tmp_path / "ledger.db")]
    server = LiveServer(
        settings_for(database_url, emulators[0].url, tmp_path, TABLESIDE_RECOVERY_INTERVAL_S="0.5")
    ).start()
    yield emulators, server
    server.stop()
    for emulator in emulators:
        if emulator.process.poll() is None:
            emulator.stop()


def test_a_refund_lost_to_an_unreachable_processor_is_finished_by_recovery_once(
    processor_and_server: tuple[list[Emulator], LiveServer], tmp_path: Path
) -> None:
    emulators, server = processor_and_server
    waiter = Terminal(server.url, pin="1234")
    manager = Terminal(server.url, pin="9999")
    check = waiter.seat("T12")
    check = waiter.ring(check["id"], "Crème brûlée")
    paid = waiter.pay(check["id"], check["total_cents"], tender="card")
    payment_id = paid.json()["payment"]["id"]

    emulators[0].stop()  # the processor goes away
    key = new_key()
    lost = manager.post(
        f"/payments/{payment_id}/refund", {"amount_cents": 300}, headers={"Idempotency-Key": key}
    )
    assert lost.status_code == 504, lost.text
    assert waiter.check(check["id"])["payments"][0]["refunded_cents"] == 0

    port = int(emulators[0].url.rsplit(":", 1)[1])
    emulators.append(Emulator(port, tmp_path / "ledger.db"))  # back, with its ledger

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
