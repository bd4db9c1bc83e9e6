"""The processor emulator over plain HTTP: Stripe's shapes, idempotency and the fault switch."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from emulator import Emulator

from processor_emulator import decode_form, parse_search_query, start_in_thread

pytestmark = pytest.mark.slow

NewId = Callable[..., str]
AUTH = {"Authorization": "Bearer sk_test_tableside_emulator"}


def charge_form(amount: int = 1500, pm: str = "pm_card_visa", **metadata: str) -> dict[str, str]:
    form = {
        "amount": str(amount),
        "currency": "usd",
        "confirm": "true",
        "payment_method": pm,
        "automatic_payment_methods[enabled]": "true",
        "automatic_payment_methods[allow_redirects]": "never",
    }
    form.update({f"metadata[{k}]": v for k, v in metadata.items()})
    return form


def post(
    emulator: Emulator,
    path: str,
    form: dict[str, str],
    key: str | None = None,
    timeout: float = 10.0,
) -> httpx.Response:
    headers = {**AUTH, **({"Idempotency-Key": key} if key else {})}
    return emulator.http.post(path, data=form, headers=headers, timeout=timeout)


def get(emulator: Emulator, path: str, **params: Any) -> httpx.Response:
    return emulator.http.get(path, params=params, headers=AUTH)


def charges_with_key(emulator: Emulator, key: str) -> list[dict[str, Any]]:
    return [c for c in emulator.charges() if c["idempotency_key"] == key]


# -- basics --------------------------------------------------------------------------------


def test_the_emulator_says_it_is_healthy(emulator: Emulator) -> None:
    response = emulator.http.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_api_calls_without_an_api_key_are_refused(emulator: Emulator) -> None:
    response = emulator.http.post("/v1/payment_intents", data=charge_form())

    assert response.status_code == 401
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_an_approved_payment_intent_looks_like_stripes(emulator: Emulator, new_id: NewId) -> None:
    key = new_id("key")

    response = post(emulator, "/v1/payment_intents", charge_form(1999, order="42"), key)

    assert response.status_code == 200
    intent = response.json()
    assert intent["object"] == "payment_intent"
    assert intent["id"].startswith("pi_")
    assert intent["status"] == "succeeded"
    assert intent["amount"] == intent["amount_received"] == 1999
    assert intent["currency"] == "usd"
    assert intent["metadata"] == {"order": "42"}
    assert intent["latest_charge"].startswith("ch_")
    assert intent["last_payment_error"] is None
    assert get(emulator, f"/v1/payment_intents/{intent['id']}").json() == intent
    charge = get(emulator, f"/v1/charges/{intent['latest_charge']}").json()
    assert charge["payment_intent"] == intent["id"]
    assert charge["captured"] is True


def test_a_declined_card_answers_402_with_the_declined_payment_intent(
    emulator: Emulator, new_id: NewId
) -> None:
    key = new_id("key")

    response = post(
        emulator,
        "/v1/payment_intents",
        charge_form(pm="pm_card_chargeDeclinedInsufficientFunds"),
        key,
    )

    assert response.status_code == 402
    error = response.json()["error"]
    assert error["type"] == "card_error"
    assert error["code"] == "card_declined"
    assert error["decline_code"] == "insufficient_funds"
    assert error["message"] == "Your card has insufficient funds."
    intent = error["payment_intent"]
    assert intent["status"] == "requires_payment_method"
    assert intent["amount_received"] == 0
    assert intent["last_payment_error"]["decline_code"] == "insufficient_funds"
    assert charges_with_key(emulator, key) == []
    # Stored, like on Stripe, but no money was taken.
    assert get(emulator, f"/v1/payment_intents/{intent['id']}").json()["status"] == (
        "requires_payment_method"
    )


def test_bad_input_is_refused_in_stripes_error_shape(emulator: Emulator) -> None:
    missing = post(emulator, "/v1/payment_intents", {"currency": "usd", "confirm": "true"})
    unknown_card = post(emulator, "/v1/payment_intents", charge_form(pm="pm_nope"))
    unknown_param = post(emulator, "/v1/payment_intents", {**charge_form(), "colour": "red"})
    not_found = get(emulator, "/v1/payment_intents/pi_does_not_exist")

    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "parameter_missing"
    assert missing.json()["error"]["param"] == "amount"
    assert unknown_card.status_code == 400
    assert unknown_card.json()["error"]["code"] == "resource_missing"
    assert unknown_param.json()["error"]["code"] == "parameter_unknown"
    assert not_found.status_code == 404
    assert not_found.json()["error"]["type"] == "invalid_request_error"


# -- idempotency -----------------------------------------------------------------------------


def test_the_same_key_and_params_replay_the_first_answer_and_charge_once(
    emulator: Emulator, new_id: NewId
) -> None:
    key = new_id("key")

    first = post(emulator, "/v1/payment_intents", charge_form(), key)
    again = post(emulator, "/v1/payment_intents", charge_form(), key)

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(charges_with_key(emulator, key)) == 1


def test_a_key_reused_with_other_params_is_an_idempotency_error(
    emulator: Emulator, new_id: NewId
) -> None:
    key = new_id("key")
    post(emulator, "/v1/payment_intents", charge_form(1000), key)

    reused = post(emulator, "/v1/payment_intents", charge_form(2000), key)

    assert reused.status_code == 400
    assert reused.json()["error"]["type"] == "idempotency_error"
    assert [c["amount"] for c in charges_with_key(emulator, key)] == [1000]


def test_a_refused_request_does_not_use_up_its_key(emulator: Emulator, new_id: NewId) -> None:
    key = new_id("key")
    refused = post(emulator, "/v1/payment_intents", {**charge_form(), "amount": "lots"}, key)

    accepted = post(emulator, "/v1/payment_intents", charge_form(), key)

    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "parameter_invalid_integer"
    assert accepted.status_code == 200


def test_a_key_whose_first_request_is_still_running_answers_409(
    emulator: Emulator, new_id: NewId
) -> None:
    emulator.fault("slow", delay_ms=1000)
    key = new_id("key")
    first: list[httpx.Response] = []
    running = threading.Thread(
        target=lambda: first.append(post(emulator, "/v1/payment_intents", charge_form(), key))
    )
    running.start()
    time.sleep(0.3)

    meanwhile = post(emulator, "/v1/payment_intents", charge_form(), key)
    running.join()
    afterwards = post(emulator, "/v1/payment_intents", charge_form(), key)

    assert meanwhile.status_code == 409
    assert meanwhile.json()["error"]["code"] == "idempotency_key_in_use"
    assert meanwhile.headers["Stripe-Should-Retry"] == "true"
    assert first[0].status_code == afterwards.status_code == 200
    assert afterwards.json()["id"] == first[0].json()["id"]
    assert len(charges_with_key(emulator, key)) == 1


# -- the fault switch ------------------------------------------------------------------------


def test_the_fault_switch_counts_down_and_clears_itself(emulator: Emulator, new_id: NewId) -> None:
    emulator.fault("decline", count=2)
    assert emulator.faults() == {"mode": "decline", "count": 2, "delay_ms": 3000}

    statuses = [
        post(emulator, "/v1/payment_intents", charge_form(), new_id("key")).status_code
        for _ in range(3)
    ]

    assert statuses == [402, 402, 200]
    assert emulator.faults()["mode"] == "none"


def test_the_fault_switch_can_be_turned_off_and_refuses_nonsense(
    emulator: Emulator,
) -> None:
    emulator.fault("error_500", count=5)
    emulator.fault("none")
    nonsense = emulator.http.post("/_faults", json={"mode": "explode"})
    negative = emulator.http.post("/_faults", json={"mode": "slow", "count": -1})

    assert emulator.faults()["mode"] == "none"
    assert nonsense.status_code == negative.status_code == 400
    assert "mode must be one of" in nonsense.json()["error"]["message"]


def test_reset_clears_an_armed_fault(emulator: Emulator) -> None:
    emulator.fault("timeout_after_charge", count=3)

    emulator.http.post("/_reset")

    assert emulator.faults()["mode"] == "none"


def test_error_500_charges_nothing_and_is_replayed_for_the_same_key(
    emulator: Emulator, new_id: NewId
) -> None:
    emulator.fault("error_500")
    key = new_id("key")

    first = post(emulator, "/v1/payment_intents", charge_form(), key)
    again = post(emulator, "/v1/payment_intents", charge_form(), key)
    other_key = post(emulator, "/v1/payment_intents", charge_form(), new_id("key"))

    assert first.status_code == again.status_code == 500
    assert first.json()["error"]["type"] == "api_error"
    assert again.json() == first.json()
    assert first.headers["Stripe-Should-Retry"] == "false"
    assert charges_with_key(emulator, key) == []
    assert other_key.status_code == 200


def test_timeout_before_charge_hangs_until_the_client_leaves_and_keeps_the_key_unused(
    emulator: Emulator, new_id: NewId
) -> None:
    emulator.fault("timeout_before_charge")
    key = new_id("key")

    with pytest.raises(httpx.ReadTimeout):
        post(emulator, "/v1/payment_intents", charge_form(), key, timeout=0.5)
    assert charges_with_key(emulator, key) == []
    retry = post(emulator, "/v1/payment_intents", charge_form(), key)

    assert retry.status_code == 200
    assert "Idempotent-Replayed" not in retry.headers
    assert len(charges_with_key(emulator, key)) == 1


def test_timeout_after_charge_takes_the_money_and_replays_the_success(
    emulator: Emulator, new_id: NewId
) -> None:
    emulator.fault("timeout_after_charge")
    key = new_id("key")

    with pytest.raises(httpx.ReadTimeout):
        post(emulator, "/v1/payment_intents", charge_form(), key, timeout=0.5)
    [charge] = charges_with_key(emulator, key)
    retry = post(emulator, "/v1/payment_intents", charge_form(), key)

    assert retry.status_code == 200
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["id"] == charge["id"]
    assert len(charges_with_key(emulator, key)) == 1


def test_slow_answers_after_the_delay_and_the_charge_stands_if_the_caller_left(
    emulator: Emulator, new_id: NewId
) -> None:
    emulator.fault("slow", count=2, delay_ms=600)
    patient_key, impatient_key = new_id("key"), new_id("key")

    started = time.monotonic()
    patient = post(emulator, "/v1/payment_intents", charge_form(), patient_key)
    elapsed = time.monotonic() - started
    with pytest.raises(httpx.ReadTimeout):
        post(emulator, "/v1/payment_intents", charge_form(), impatient_key, timeout=0.2)

    assert patient.status_code == 200
    assert 0.6 <= elapsed < 2.0
    assert len(charges_with_key(emulator, impatient_key)) == 1


# -- list and search -------------------------------------------------------------------------


def test_listing_pages_newest_first_with_cursors(
    start_fresh_emulator: Callable[..., Emulator],
) -> None:
    emulator = start_fresh_emulator()
    ids = [
        post(emulator, "/v1/payment_intents", charge_form(100 + i)).json()["id"] for i in range(5)
    ]

    first = get(emulator, "/v1/payment_intents", limit=2).json()
    second = get(emulator, "/v1/payment_intents", limit=2, starting_after=first["data"][-1]["id"])
    last = get(emulator, "/v1/payment_intents", limit=2, starting_after=ids[1]).json()
    before = get(emulator, "/v1/payment_intents", limit=2, ending_before=ids[1]).json()

    assert first["object"] == "list"
    assert first["url"] == "/v1/payment_intents"
    assert [pi["id"] for pi in first["data"]] == [ids[4], ids[3]]
    assert first["has_more"] is True
    assert [pi["id"] for pi in second.json()["data"]] == [ids[2], ids[1]]
    assert [pi["id"] for pi in last["data"]] == [ids[0]]
    assert last["has_more"] is False
    assert [pi["id"] for pi in before["data"]] == [ids[3], ids[2]]


def test_listing_can_expand_the_charge_to_show_refunds(emulator: Emulator, new_id: NewId) -> None:
    intent = post(emulator, "/v1/payment_intents", charge_form(800)).json()
    post(emulator, "/v1/refunds", {"payment_intent": intent["id"], "amount": "300"}, new_id("k"))

    listed = get(emulator, "/v1/payment_intents", limit=1, **{"expand[0]": "data.latest_charge"})

    charge = listed.json()["data"][0]["latest_charge"]
    assert charge["object"] == "charge"
    assert charge["amount_refunded"] == 300
    assert charge["refunded"] is False


def test_search_finds_payment_intents_by_metadata(emulator: Emulator, new_id: NewId) -> None:
    attempt = new_id()
    declined = post(
        emulator,
        "/v1/payment_intents",
        charge_form(pm="pm_card_chargeDeclined", tableside_attempt=attempt),
    ).json()["error"]["payment_intent"]
    approved = post(emulator, "/v1/payment_intents", charge_form(tableside_attempt=attempt)).json()

    both = get(
        emulator, "/v1/payment_intents/search", query=f"metadata['tableside_attempt']:'{attempt}'"
    ).json()
    succeeded = get(
        emulator,
        "/v1/payment_intents/search",
        query=f'metadata["tableside_attempt"]:"{attempt}" AND status:"succeeded"',
    ).json()
    paged = get(
        emulator,
        "/v1/payment_intents/search",
        query=f"metadata['tableside_attempt']:'{attempt}'",
        limit=1,
    ).json()
    nothing = get(
        emulator, "/v1/payment_intents/search", query="metadata['tableside_attempt']:'nope'"
    ).json()

    assert both["object"] == "search_result"
    assert [pi["id"] for pi in both["data"]] == [approved["id"], declined["id"]]
    assert [pi["id"] for pi in succeeded["data"]] == [approved["id"]]
    assert paged["has_more"] is True
    next_page = get(
        emulator,
        "/v1/payment_intents/search",
        query=f"metadata['tableside_attempt']:'{attempt}'",
        limit=1,
        page=paged["next_page"],
    ).json()
    assert [pi["id"] for pi in next_page["data"]] == [declined["id"]]
    assert nothing["data"] == []
    assert nothing["has_more"] is False


def test_search_rejects_queries_it_does_not_understand(emulator: Emulator) -> None:
    response = get(emulator, "/v1/payment_intents/search", query="amount>100")

    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


# -- refunds ---------------------------------------------------------------------------------


def test_refunds_partial_full_replayed_and_refused(emulator: Emulator, new_id: NewId) -> None:
    key = new_id("key")
    intent = post(emulator, "/v1/payment_intents", charge_form(1000), key).json()
    refund_key = new_id("refund")

    partial = post(
        emulator, "/v1/refunds", {"payment_intent": intent["id"], "amount": "400"}, refund_key
    )
    replay = post(
        emulator, "/v1/refunds", {"payment_intent": intent["id"], "amount": "400"}, refund_key
    )
    too_much = post(emulator, "/v1/refunds", {"payment_intent": intent["id"], "amount": "700"})
    rest = post(emulator, "/v1/refunds", {"payment_intent": intent["id"]}, new_id("refund"))
    after_all = post(emulator, "/v1/refunds", {"payment_intent": intent["id"], "amount": "1"})

    assert partial.status_code == 200
    refund = partial.json()
    assert refund["object"] == "refund"
    assert refund["status"] == "succeeded"
    assert refund["amount"] == 400
    assert refund["payment_intent"] == intent["id"]
    assert replay.json() == refund
    assert too_much.status_code == 400
    assert too_much.json()["error"]["code"] == "amount_too_large"
    assert too_much.json()["error"]["message"] == (
        "Refund amount ($7.00) is greater than unrefunded amount on charge ($6.00)"
    )
    assert rest.json()["amount"] == 600  # no amount: whatever is left
    assert after_all.json()["error"]["code"] == "charge_already_refunded"
    [charge] = charges_with_key(emulator, key)
    assert charge["amount_refunded"] == 1000
    assert charge["status"] == "succeeded"
    assert get(emulator, f"/v1/refunds/{refund['id']}").json() == refund
    listed = get(emulator, "/v1/refunds", payment_intent=intent["id"]).json()
    assert sorted(r["amount"] for r in listed["data"]) == [400, 600]


def test_a_refund_of_an_unknown_or_declined_payment_is_refused(
    emulator: Emulator,
) -> None:
    declined = post(emulator, "/v1/payment_intents", charge_form(pm="pm_card_chargeDeclined"))
    declined_id = declined.json()["error"]["payment_intent"]["id"]

    unknown = post(emulator, "/v1/refunds", {"payment_intent": "pi_nope"})
    not_paid = post(emulator, "/v1/refunds", {"payment_intent": declined_id})

    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "resource_missing"
    assert not_paid.status_code == 400
    assert not_paid.json()["error"]["code"] == "payment_intent_unexpected_state"


# -- in-process and pure parts ------------------------------------------------------------------


def test_the_emulator_can_run_in_a_thread_of_another_program(tmp_path: Path) -> None:
    handle = start_in_thread("127.0.0.1", 0, tmp_path / "ledger.sqlite3")
    try:
        assert httpx.get(f"{handle.url}/healthz").status_code == 200
    finally:
        handle.stop()

    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{handle.url}/healthz")


def test_nested_form_keys_decode_like_stripes() -> None:
    decoded = decode_form(
        [
            ("amount", "100"),
            ("metadata[a]", "1"),
            ("metadata[b]", "2"),
            ("expand[0]", "x"),
            ("expand[1]", "y"),
            ("automatic_payment_methods[enabled]", "true"),
        ]
    )

    assert decoded == {
        "amount": "100",
        "metadata": {"a": "1", "b": "2"},
        "expand": ["x", "y"],
        "automatic_payment_methods": {"enabled": "true"},
    }


def test_search_queries_parse_quotes_and_escapes() -> None:
    [clause] = parse_search_query(r"metadata['it\'s']:'a\'b'")
    assert (clause.field, clause.key, clause.value) == ("metadata", "it's", "a'b")
