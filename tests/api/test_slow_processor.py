"""A slow card processor slows card payments, never the floor: payments run on threads of
their own (TABLESIDE_PAYMENT_THREADS), apart from the requests' (TABLESIDE_REQUEST_THREADS)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from emulator import Emulator
from harness import LiveServer, wait_for
from terminal import Terminal


@pytest.fixture
def small_server(db: object, start_live_server: Callable[..., LiveServer]) -> str:
    env = {
        "TABLESIDE_REQUEST_THREADS": "2",
        "TABLESIDE_PAYMENT_THREADS": "2",
        "TABLESIDE_PROCESSOR_TIMEOUT_S": "10",
    }
    return start_live_server(env=env).url


def test_servers_keep_seating_and_ringing_while_every_payment_thread_waits_on_the_processor(
    small_server: str, emulator: Emulator
) -> None:
    waiter = Terminal(small_server)
    checks = [waiter.ring(waiter.seat(label)["id"], "Crème brûlée") for label in ("T1", "T2")]
    # Both payment threads will wait 4 s on the processor.
    emulator.fault("slow", count=2, delay_ms=4000)
    answers: list[int] = []

    def pay(check: dict[str, object]) -> None:
        payer = Terminal(small_server)
        answers.append(
            payer.pay(str(check["id"]), int(str(check["total_cents"])), tender="card").status_code
        )

    def at_the_processor() -> int:
        return sum(len(emulator.charges_for(str(check["id"]))) for check in checks)

    paying = [threading.Thread(target=pay, args=(check,)) for check in checks]
    for thread in paying:
        thread.start()
    try:
        # Both payment threads now wait on the processor.
        wait_for(lambda: at_the_processor() >= 2, 10, "the payments to reach it", every_s=0.05)
        # Meanwhile another party is seated and rung up, and the floor shows it.
        other = waiter.ring(waiter.seat("T3")["id"], "Crème brûlée")
        assert other["lines"][0]["name"] == "Crème brûlée"
        assert waiter.table("T3")["status"] == "occupied"
        assert all(thread.is_alive() for thread in paying), "the payments were not held up"
    finally:
        for thread in paying:
            thread.join(timeout=30)
    assert answers == [201, 201]
    for check in checks:
        assert waiter.check(str(check["id"]))["status"] == "closed"
