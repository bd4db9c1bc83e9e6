"""Settling checks over HTTP, as a server on the floor would: cash, card, tips, declines,
processor failures and time-outs, idempotency keys. Real server, real database, the card
processor emulator reached through the stripe library."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from emulator import Emulator
from terminal import Terminal, new_key


def open_check(server: Terminal, label: str = "T3") -> dict[str, Any]:
    check = server.seat(label, guests=2)
    server.ring(check["id"], "Crispy calamari", seat=1)
    return server.ring(
        check["id"], "Bistro burger", seat=2, options=["Medium", "Add bacon", "Fries"]
    )


def test_paying_the_whole_check_in_cash_closes_it_and_frees_the_table_in_one_answer(
    server: Terminal,
) -> None:
    check = open_check(server)
    total = check["total_cents"]
    response = server.pay(check["id"], total, tender="cash", cash_tendered_cents=total + 1000)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["payment"]["status"] == "captured"
    assert body["payment"]["change_cents"] == 1000
    assert body["check"]["status"] == "closed"
    assert body["check"]["balance_cents"] == 0
    assert body["table"] == {"id": check["table_id"], "status": "available"}
    assert server.table("T3")["status"] == "available"
    assert server.table("T3")["check_id"] is None


def test_a_card_payment_with_a_tip_settles_the_check_and_charges_amount_plus_tip(
    server: Terminal, emulator: Emulator
) -> None:
    check = open_check(server)
    total = check["total_cents"]
    response = server.pay(check["id"], total, tender="card", tip_cents=500)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["check"]["status"] == "closed"
    assert body["check"]["tip_cents"] == 500
    assert body["check"]["paid_cents"] == total
    assert body["table"]["status"] == "available"
    [charge] = emulator.charges_for(body["payment"]["id"])
    assert charge["amount"] == total + 500


def test_modifier_upcharges_are_charged_and_prices_come_from_the_menu(server: Terminal) -> None:
    check = server.seat("T4")
    check = server.ring(
        check["id"], "Bistro burger", options=["Rare", "Add bacon", "Sweet potato fries"]
    )
    [line] = check["lines"]
    assert line["unit_price_cents"] == 1795
    assert line["total_cents"] == 1795 + 150 + 150
    assert check["subtotal_cents"] == 2095
    assert check["tax_cents"] == 173  # 8.25 % of 2095 = 172.84, half up
    assert check["total_cents"] == 2268


def test_a_partial_payment_keeps_the_table_occupied_until_the_last_cent(server: Terminal) -> None:
    check = open_check(server)
    total = check["total_cents"]
    first = server.pay(check["id"], 1000)
    assert first.status_code == 201
    assert first.json()["check"]["status"] == "open"
    assert first.json()["check"]["balance_cents"] == total - 1000
    assert first.json()["table"]["status"] == "occupied"
    assert server.table("T3")["status"] == "occupied"
    last = server.pay(check["id"], total - 1000, tender="card")
    assert last.status_code == 201
    assert last.json()["check"]["status"] == "closed"
    assert last.json()["table"]["status"] == "available"


def test_card_payment_is_taken_while_the_kitchen_is_cooking(server: Terminal) -> None:
    check = open_check(server)
    server.send(check["id"])
    response = server.pay(check["id"], check["total_cents"], tender="card")
    assert response.status_code == 201, response.text
    assert response.json()["check"]["status"] == "closed"


def test_a_tip_is_never_part_of_the_balance(server: Terminal) -> None:
    check = open_check(server)
    response = server.pay(check["id"], 500, tip_cents=300)
    assert response.json()["check"]["balance_cents"] == check["total_cents"] - 500
    assert response.json()["check"]["tip_cents"] == 300


def test_cash_that_does_not_cover_amount_and_tip_is_refused_and_changes_nothing(
    server: Terminal,
) -> None:
    check = open_check(server)
    response = server.pay(check["id"], 1000, tip_cents=200, cash_tendered_cents=1100)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "insufficient_cash"
    assert server.check(check["id"])["payments"] == []


def test_a_declined_card_answers_402_and_the_check_is_unchanged(
    server: Terminal, emulator: Emulator
) -> None:
    check = open_check(server)
    response = server.pay(
        check["id"],
        check["total_cents"],
        tender="card",
        payment_method="pm_card_chargeDeclinedInsufficientFunds",
    )
    assert response.status_code == 402
    assert response.json()["error"]["code"] == "card_declined"
    assert "insufficient funds" in response.json()["error"]["message"].lower()
    after = server.check(check["id"])
    assert after["status"] == "open"
    assert after["balance_cents"] == check["total_cents"]
    assert server.table("T3")["status"] == "occupied"
    assert emulator.charges_for(response.json()["error"]["payment_id"]) == []


def test_a_decline_forced_by_the_processor_is_a_402_too(
    server: Terminal, emulator: Emulator
) -> None:
    check = open_check(server)
    emulator.fault("decline")
    response = server.pay(check["id"], check["total_cents"], tender="card")
    assert response.status_code == 402
    assert server.check(check["id"])["paid_cents"] == 0


def test_a_processor_error_answers_502_charges_nothing_and_replays_the_same(
    server: Terminal, emulator: Emulator
) -> None:
    check = open_check(server)
    emulator.fault("error_500")
    key = new_key()
    first = server.pay(check["id"], check["total_cents"], tender="card", key=key)
    assert first.status_code == 502, first.text
    assert first.json()["error"]["code"] == "processor_error"
    again = server.pay(check["id"], check["total_cents"], tender="card", key=key)
    assert again.status_code == 502
    assert again.json()["error"]["payment_id"] == first.json()["error"]["payment_id"]
    assert emulator.charges_for(first.json()["error"]["payment_id"]) == []
    assert server.check(check["id"])["status"] == "open"
    # A new key is a new attempt, and it works.
    assert server.pay(check["id"], check["total_cents"], tender="card").status_code == 201


@pytest.mark.parametrize("mode", ["timeout_after_charge", "timeout_before_charge"])
def test_after_a_processor_timeout_nothing_shows_paid_and_a_retry_settles_with_one_charge(
    server: Terminal, emulator: Emulator, mode: str
) -> None:
    check = open_check(server)
    emulator.fault(mode)
    key = new_key()
    first = server.pay(check["id"], check["total_cents"], tender="card", key=key)
    assert first.status_code == 504, first.text
    assert first.json()["error"]["code"] == "processor_timeout"
    payment_id = first.json()["error"]["payment_id"]
    shown = server.check(check["id"])
    assert shown["status"] == "open"
    assert shown["paid_cents"] == 0
    assert shown["payable_cents"] == 0  # the pending attempt reserves the balance
    assert server.table("T3")["status"] == "occupied"

    retry = server.pay(check["id"], check["total_cents"], tender="card", key=key)
    assert retry.status_code == 201, retry.text
    assert retry.json()["payment"]["id"] == payment_id
    assert retry.json()["check"]["status"] == "closed"
    assert retry.json()["table"]["status"] == "available"
    assert len(emulator.charges_for(payment_id)) == 1


def test_background_recovery_settles_a_payment_whose_answer_was_lost(
    server: Terminal, emulator: Emulator
) -> None:
    check = open_check(server)
    emulator.fault("timeout_after_charge")
    first = server.pay(check["id"], check["total_cents"], tender="card")
    assert first.status_code == 504
    payment_id = first.json()["error"]["payment_id"]
    # Nobody retries: the server asks the processor on its own within seconds.
    for _ in range(200):
        if server.check(check["id"])["status"] == "closed":
            break
        httpx.get(f"{emulator.url}/healthz")  # a tiny wait that also checks the emulator
        import time

        time.sleep(0.1)
    after = server.check(check["id"])
    assert after["status"] == "closed"
    assert [p["status"] for p in after["payments"]] == ["captured"]
    assert server.table("T3")["status"] == "available"
    assert len(emulator.charges_for(payment_id)) == 1


def test_replaying_a_key_returns_the_first_outcome_and_never_charges_again(
    server: Terminal, emulator: Emulator
) -> None:
    check = open_check(server)
    key = new_key()
    first = server.pay(check["id"], 700, tender="card", key=key)
    second = server.pay(check["id"], 700, tender="card", key=key)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert len(emulator.charges_for(first.json()["payment"]["id"])) == 1
    assert server.check(check["id"])["paid_cents"] == 700


def test_a_key_replayed_after_the_check_closed_still_answers_its_first_outcome(
    server: Terminal,
) -> None:
    check = open_check(server)
    key = new_key()
    first = server.pay(check["id"], check["total_cents"], key=key)
    assert first.status_code == 201
    assert server.pay(check["id"], check["total_cents"], key=key).json() == first.json()
    other = server.pay(check["id"], 100)
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "check_not_open"


def test_a_key_reused_with_a_different_body_is_refused(server: Terminal) -> None:
    check = open_check(server)
    key = new_key()
    assert server.pay(check["id"], 500, key=key).status_code == 201
    for changed in ({"amount_cents": 501}, {"tip_cents": 1}, {"cash_tendered_cents": 900}):
        body = {"amount_cents": 500, **changed}
        amount = body.pop("amount_cents")
        response = server.pay(check["id"], amount, key=key, **{k: v for k, v in body.items()})
        assert response.status_code == 422, changed
        assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert server.check(check["id"])["paid_cents"] == 500


def test_a_payment_without_an_idempotency_key_is_a_400(server: Terminal) -> None:
    check = open_check(server)
    body = {"tender": "cash", "amount_cents": 100, "cash_tendered_cents": 100}
    response = server.post(f"/checks/{check['id']}/payments", body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "idempotency_key_required"
    too_long = server.post(
        f"/checks/{check['id']}/payments", body, headers={"Idempotency-Key": "k" * 256}
    )
    assert too_long.status_code == 400
    assert server.check(check["id"])["payments"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"tender": "cash", "amount_cents": 0, "cash_tendered_cents": 0},
        {"tender": "cash", "amount_cents": -5, "cash_tendered_cents": 0},
        {"tender": "cash", "amount_cents": 12.5, "cash_tendered_cents": 100},
        {"tender": "cash", "amount_cents": "100", "cash_tendered_cents": 100},
        {"tender": "cash", "amount_cents": 100, "tip_cents": -1, "cash_tendered_cents": 100},
        {"tender": "cash", "amount_cents": 100},
        {"tender": "card", "amount_cents": 100},
        {"tender": "cheque", "amount_cents": 100},
        {"tender": "cash", "amount_cents": 10_000_000, "cash_tendered_cents": 10_000_000},
        {"tender": "card", "amount_cents": 100, "payment_method": "pm_card_visa", "extra": 1},
    ],
)
def test_bad_payment_input_is_a_422_with_a_message_and_changes_nothing(
    server: Terminal, body: dict[str, Any]
) -> None:
    check = open_check(server)
    response = server.post(
        f"/checks/{check['id']}/payments", body, headers={"Idempotency-Key": new_key()}
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"]
    assert server.check(check["id"]) == check | {"payments": []}


def test_the_kitchen_cannot_take_payments(kitchen: Terminal, server: Terminal) -> None:
    check = open_check(server)
    response = kitchen.pay(check["id"], 100)
    assert response.status_code == 403
    assert server.check(check["id"])["payments"] == []


def test_another_restaurants_check_is_not_found_and_its_keys_are_its_own(
    live_server: str, server: Terminal
) -> None:
    check = open_check(server)
    other = Terminal(live_server, restaurant="demo2", pin="1234")
    key = new_key()
    assert other.pay(check["id"], 100, key=key).status_code == 404
    # The same key in our restaurant is a fresh key.
    assert server.pay(check["id"], 100, key=key).status_code == 201


def test_paying_without_logging_in_is_refused(live_server: str, server: Terminal) -> None:
    check = open_check(server)
    response = httpx.post(
        f"{live_server}/api/v1/checks/{check['id']}/payments",
        json={"tender": "cash", "amount_cents": 100, "cash_tendered_cents": 100},
        headers={"Idempotency-Key": new_key()},
    )
    assert response.status_code == 401


def test_a_manager_voids_a_payment_stuck_pending_and_the_balance_is_payable_again(
    manager: Terminal, server: Terminal, emulator: Emulator
) -> None:
    check = open_check(server)
    emulator.fault("timeout_before_charge")
    stuck = server.pay(check["id"], check["total_cents"], tender="card")
    assert stuck.status_code == 504
    payment_id = stuck.json()["error"]["payment_id"]
    assert server.post(f"/payments/{payment_id}/void").status_code == 403
    voided = manager.post(f"/payments/{payment_id}/void")
    if voided.status_code == 409:  # the background recovery concluded it first
        assert voided.json()["error"]["code"] == "payment_not_pending"
    else:
        assert voided.status_code == 200, voided.text
        assert voided.json()["payment"]["status"] == "voided"
    assert emulator.charges_for(payment_id) == []
    assert server.check(check["id"])["payable_cents"] == check["total_cents"]
    assert server.pay(check["id"], check["total_cents"]).status_code == 201


def test_voiding_a_payment_the_processor_did_charge_records_it_captured_instead(
    manager: Terminal, server: Terminal, emulator: Emulator
) -> None:
    check = open_check(server)
    emulator.fault("timeout_after_charge")
    stuck = server.pay(check["id"], check["total_cents"], tender="card")
    payment_id = stuck.json()["error"]["payment_id"]
    response = manager.post(f"/payments/{payment_id}/void")
    assert response.status_code == 409
    assert response.json()["error"]["code"] in ("payment_was_captured", "payment_not_pending")
    assert server.check(check["id"])["status"] == "closed"
    assert server.table("T3")["status"] == "available"
    assert len(emulator.charges_for(payment_id)) == 1
