"""A refund asked for while the processor is unreachable is finished later by recovery,
once, under the refund's own key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from emulator import Emulator
from harness import LiveServer, pause_recovery_of_running_servers, wait_for
from terminal import Terminal, new_key


def test_a_refund_lost_to_an_unreachable_processor_is_finished_by_recovery_once(
    monkeypatch: pytest.MonkeyPatch,
    start_fresh_emulator: Callable[..., Emulator],
    start_live_server: Callable[..., LiveServer],
    db: object,
    tmp_path: Path,
) -> None:
    pause_recovery_of_running_servers(monkeypatch)
    ledger = tmp_path / "ledger.db"
    processor = start_fresh_emulator(ledger)
    server = start_live_server(
        emulator_url=processor.url, env={"TABLESIDE_RECOVERY_INTERVAL_S": "0.5"}
    )
    waiter = Terminal(server.url, pin="1234")
    manager = Terminal(server.url, pin="9999")
    check = waiter.seat("T12")
    check = waiter.ring(check["id"], "Crème brûlée")
    paid = waiter.pay(check["id"], check["total_cents"], tender="card")
    payment_id = paid.json()["payment"]["id"]

    processor.kill()  # the processor goes away
    key = new_key()
    lost = manager.refund(payment_id, 300, key=key)
    assert lost.status_code == 504, lost.text
    assert waiter.check(check["id"])["payments"][0]["refunded_cents"] == 0

    processor = start_fresh_emulator(ledger, processor.port)  # back, with its ledger

    wait_for(
        lambda: waiter.check(check["id"])["payments"][0]["refunded_cents"] != 0,
        30,
        "recovery to finish the refund",
        every_s=0.2,
    )
    assert waiter.check(check["id"])["payments"][0]["refunded_cents"] == 300
    [charge] = processor.charges_for(check["id"])
    assert charge["amount_refunded"] == 300
    # The manager's retry with the same key answers the finished refund; nothing more.
    again = manager.refund(payment_id, 300, key=key)
    assert again.status_code == 201
    assert again.json()["payment"]["refunded_cents"] == 300
