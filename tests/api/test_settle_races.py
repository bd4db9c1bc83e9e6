"""Races on one check: double taps, two terminals, retries, recovery — with real threads,
and with competing requests placed at exact points of the flow (no sleeps)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from emulator import Emulator
from fastapi import FastAPI
from races import run_after, run_before
from terminal import Terminal, new_key


def open_check(server: Terminal, label: str = "T5") -> dict[str, Any]:
    check = server.seat(label, guests=3)
    server.ring(check["id"], "Ribeye 12 oz", seat=1, options=["Medium rare", "Fries"])
    return server.ring(check["id"], "Caesar salad", seat=2)


def test_twenty_taps_with_one_key_make_one_charge_and_one_payment(
    server: Terminal, emulator: Emulator
) -> None:
    check = open_check(server)
    emulator.fault("slow", delay_ms=600)
    key = new_key()
    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(
            pool.map(
                lambda _: server.pay(check["id"], check["total_cents"], tender="card", key=key),
                range(20),
            )
        )
    statuses = sorted({r.status_code for r in responses})
    assert set(statuses) <= {201, 409}, [r.text for r in responses]
    assert 201 in statuses
    for response in responses:
        if response.status_code == 409:
            assert response.json()["error"]["code"] == "payment_in_progress"
    ids = {r.json()["payment"]["id"] for r in responses if r.status_code == 201}
    assert len(ids) == 1
    assert len(emulator.charges_for(check["id"])) == 1
    # After the dust settles, the same key answers the one outcome.
    assert (
        server.pay(check["id"], check["total_cents"], tender="card", key=key).json()["payment"][
            "id"
        ]
        in ids
    )
    assert len(server.check(check["id"])["payments"]) == 1


@pytest.mark.parametrize("tender", ["cash", "card"])
def test_ten_full_payments_from_two_terminals_capture_the_balance_exactly_once(
    server: Terminal, second_server: Terminal, emulator: Emulator, tender: str
) -> None:
    check = open_check(server)
    total = check["total_cents"]
    terminals = [server, second_server] * 5
    with ThreadPoolExecutor(max_workers=10) as pool:
        responses = list(pool.map(lambda t: t.pay(check["id"], total, tender=tender), terminals))
    codes = [r.status_code for r in responses]
    assert codes.count(201) == 1, [r.text for r in responses]
    assert set(codes) <= {201, 409, 422}
    after = server.check(check["id"])
    assert after["paid_cents"] == total
    assert after["status"] == "closed"
    assert [p["status"] for p in after["payments"]] == ["captured"]
    if tender == "card":
        assert len(emulator.charges_for(check["id"])) == 1


def test_a_second_terminal_paying_while_a_card_is_at_the_processor_is_refused(
    server: Terminal, second_server: Terminal, server_app: FastAPI
) -> None:
    check = open_check(server)
    total = check["total_cents"]
    competing: list[httpx.Response] = []
    with run_before(
        server_app.state.settlement.processor,
        "charge",
        lambda: competing.append(second_server.pay(check["id"], total, tender="cash")),
    ):
        first = server.pay(check["id"], total, tender="card")
    assert first.status_code == 201
    [other] = competing
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "amount_exceeds_balance"
    assert server.check(check["id"])["paid_cents"] == total


def test_a_retry_while_the_first_request_is_at_the_processor_is_told_to_wait(
    server: Terminal, server_app: FastAPI
) -> None:
    check = open_check(server)
    key = new_key()
    competing: list[httpx.Response] = []
    with run_before(
        server_app.state.settlement.processor,
        "charge",
        lambda: competing.append(server.pay(check["id"], 500, tender="card", key=key)),
    ):
        first = server.pay(check["id"], 500, tender="card", key=key)
    assert first.status_code == 201
    assert competing[0].status_code == 409
    assert competing[0].json()["error"]["code"] == "payment_in_progress"


def test_recovery_running_while_a_payment_is_being_recorded_does_nothing(
    server: Terminal, server_app: FastAPI, emulator: Emulator
) -> None:
    check = open_check(server)
    reports: list[Any] = []
    with run_after(
        server_app.state.settlement.processor,
        "charge",
        lambda: reports.append(server_app.state.recovery.run_once()),
    ):
        response = server.pay(check["id"], check["total_cents"], tender="card")
    assert response.status_code == 201
    assert reports[0].captured == [] and reports[0].failed == []
    assert len(emulator.charges_for(check["id"])) == 1


def test_whichever_of_recovery_and_the_request_records_the_charge_second_changes_nothing(
    server: Terminal, server_app: FastAPI, emulator: Emulator, live_server: str
) -> None:
    check = open_check(server)
    restaurant_id = server.get("/floor").json() and None  # noqa: F841 (warm the token)

    def recovery_gets_there_first() -> None:
        settlement = server_app.state.settlement
        processor = server_app.state.processor
        pending = [p for p in server.check(check["id"])["payments"] if p["status"] == "pending"]
        [payment] = pending
        result = processor.lookup(payment["id"])
        me = server.get("/me").json()
        assert me["id"]
        settlement.complete(_restaurant_of(live_server, server), payment["id"], result)

    with run_after(server_app.state.settlement.processor, "charge", recovery_gets_there_first):
        response = server.pay(check["id"], check["total_cents"], tender="card")
    assert response.status_code == 201, response.text
    assert response.json()["check"]["status"] == "closed"
    after = server.check(check["id"])
    assert after["paid_cents"] == check["total_cents"]
    assert [p["status"] for p in after["payments"]] == ["captured"]
    captured_events = [
        e
        for e in server.get("/events").json()["events"]
        if e["type"] == "payment.captured" and e["data"]["check_id"] == check["id"]
    ]
    assert len(captured_events) == 1
    assert len(emulator.charges_for(check["id"])) == 1


def _restaurant_of(live_server: str, terminal: Terminal) -> str:
    response = httpx.post(
        f"{live_server}/api/v1/auth/login", json={"restaurant": "demo", "pin": "1234"}
    )
    restaurant_id: str = response.json()["restaurant"]["id"]
    return restaurant_id
