"""The Stripe card adapter against a real emulator process, through the stripe library.

Every failure the payment flow must survive is injected with the emulator's fault switch;
``/_charges`` is the ground truth for how often a card was really charged.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from emulator import Emulator

from tableside.config import Settings
from tableside.payments.processor import ChargeOutcome, ChargeRequest, ChargeResult, RefundOutcome
from tableside.payments.stripe_card import (
    ProcessorUnavailableError,
    StripeCardProcessor,
    decline_message,
)

pytestmark = pytest.mark.slow

MakeProcessor = Callable[..., StripeCardProcessor]
NewId = Callable[..., str]
TIMEOUT_S = 1.0
# How late a call may return after its budget: scheduling, the last poll, process noise.
SLACK_S = 0.6


def card(attempt_id: str, amount_cents: int = 2500, pm: str = "pm_card_visa") -> ChargeRequest:
    return ChargeRequest(
        attempt_id=attempt_id,
        amount_cents=amount_cents,
        currency="USD",
        payment_method=pm,
        metadata={"check_id": "chk-1", "restaurant": "demo"},
    )


def timed(call: Callable[[], ChargeResult]) -> tuple[ChargeResult, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def captured(processor: StripeCardProcessor, attempt_id: str, amount_cents: int = 2500) -> str:
    result = processor.charge(card(attempt_id, amount_cents))
    assert result.outcome is ChargeOutcome.CAPTURED, result
    assert result.processor_payment_id is not None
    return result.processor_payment_id


# -- approvals and declines ---------------------------------------------------------------


def test_an_approved_card_is_charged_once_with_the_attempt_on_it(
    processor: StripeCardProcessor, emulator: Emulator, new_id: NewId
) -> None:
    attempt = new_id()

    result = processor.charge(card(attempt, 4321))

    assert result.outcome is ChargeOutcome.CAPTURED
    assert result.processor_payment_id is not None
    assert result.processor_payment_id.startswith("pi_")
    [charge] = emulator.charges_for(attempt)
    assert charge["id"] == result.processor_payment_id
    assert charge["amount"] == 4321
    assert charge["currency"] == "usd"
    assert charge["metadata"] == {
        "check_id": "chk-1",
        "restaurant": "demo",
        "tableside_attempt": attempt,
    }


def test_a_declined_card_tells_the_server_to_ask_for_another_and_takes_no_money(
    processor: StripeCardProcessor, emulator: Emulator, new_id: NewId
) -> None:
    attempt = new_id()

    result = processor.charge(card(attempt, pm="pm_card_chargeDeclined"))

    assert result.outcome is ChargeOutcome.DECLINED
    assert result.decline_code == "generic_decline"
    assert result.message == "The card was declined. Ask for another card."
    assert emulator.charges_for(attempt) == []


def test_a_card_without_enough_funds_is_declined_with_that_reason(
    processor: StripeCardProcessor, emulator: Emulator, new_id: NewId
) -> None:
    attempt = new_id()

    result = processor.charge(card(attempt, pm="pm_card_chargeDeclinedInsufficientFunds"))

    assert result.outcome is ChargeOutcome.DECLINED
    assert result.decline_code == "insufficient_funds"
    assert result.message == "The card was declined (insufficient funds). Ask for another card."
    assert emulator.charges_for(attempt) == []


def test_the_decline_fault_declines_a_good_card(
    processor: StripeCardProcessor, emulator: Emulator, new_id: NewId
) -> None:
    emulator.fault("decline")
    attempt = new_id()

    result = processor.charge(card(attempt))

    assert result.outcome is ChargeOutcome.DECLINED
    assert result.decline_code == "generic_decline"
    assert emulator.charges_for(attempt) == []
    assert processor.charge(card(new_id())).outcome is ChargeOutcome.CAPTURED  # count was 1


def test_an_unknown_card_is_refused_and_nothing_is_charged(
    processor: StripeCardProcessor, emulator: Emulator, new_id: NewId
) -> None:
    attempt = new_id()

    result = processor.charge(card(attempt, pm="pm_card_made_up"))

    assert result.outcome is ChargeOutcome.FAILED
    assert "nothing was charged" in result.message
    assert emulator.charges_for(attempt) == []


def test_decline_messages_name_the_reason_in_plain_words() -> None:
    assert decline_message("expired_card") == (
        "The card was declined (expired card). Ask for another card."
    )
    assert decline_message(None) == "The card was declined. Ask for another card."


# -- idempotency ---------------------------------------------------------------------------


def test_charging_the_same_attempt_again_charges_the_card_once(
    processor: StripeCardProcessor, emulator: Emulator, new_id: NewId
) -> None:
    attempt = new_id()

    first = processor.charge(card(attempt))
    again = processor.charge(card(attempt))

    assert first.outcome is again.outcome is ChargeOutcome.CAPTURED
    assert again.processor_payment_id == first.processor_payment_id
    assert len(emulator.charges_for(attempt)) == 1


def test_a_declined_attempt_stays_declined_when_asked_again(
    processor: StripeCardProcessor, new_id: NewId
) -> None:
    attempt = new_id()

    first = processor.charge(card(attempt, pm="pm_card_chargeDeclined"))
    again = processor.charge(card(attempt, pm="pm_card_chargeDeclined"))

    assert again == first


def test_resending_an_attempt_with_another_amount_never_charges_again(
    processor: StripeCardProcessor, emulator: Emulator, new_id: NewId
) -> None:
    attempt = new_id()
    payment_id = captured(processor, attempt, 1000)

    result = processor.charge(card(attempt, 2000))

    # The processor refuses the reused key; what it holds for the attempt is the answer.
    assert result.outcome is ChargeOutcome.CAPTURED
    assert result.processor_payment_id == payment_id
    assert [c["amount"] for c in emulator.charges_for(attempt)] == [1000]


# -- injected faults ---------------------------------------------------------------------


def test_a_processor_error_that_charged_nothing_is_a_final_failure(
    processor: StripeCardProcessor, emulator: Emulator, new_id: NewId
) -> None:
    emulator.fault("error_500")
    attempt = new_id()

    result = processor.charge(card(attempt))

    assert result.outcome is ChargeOutcome.FAILED
    assert result.message == "The card processor failed; nothing was charged."
    assert emulator.charges_for(attempt) == []
    # The processor replays the 500 for the same key: still failed, still nothing charged.
    assert processor.charge(card(attempt)).outcome is ChargeOutcome.FAILED
    assert emulator.charges_for(attempt) == []
    assert emulator.faults()["mode"] == "none"  # the replay did not use up another fault


def test_a_retry_after_the_processor_went_silent_charges_the_card_once(
    processor: StripeCardProcessor, emulator: Emulator, new_id: NewId
) -> None:
    emulator.fault("timeout_before_charge")
    attempt = new_id()

    result, elapsed = timed(lambda: processor.charge(card(attempt)))

    assert result.outcome is ChargeOutcome.UNKNOWN
    assert "may or may not have gone through" in result.message
    assert elapsed < TIMEOUT_S + SLACK_S
    assert emulator.charges_for(attempt) == []
    assert processor.lookup(attempt) is None

    retry = processor.charge(card(attempt))

    assert retry.outcome is ChargeOutcome.CAPTURED
    assert len(emulator.charges_for(attempt)) == 1


def test_a_charge_whose_answer_was_lost_is_found_and_never_repeated(
    processor: StripeCardProcessor, emulator: Emulator, new_id: NewId
) -> None:
    emulator.fault("timeout_after_charge")
    attempt = new_id()

    result, elapsed = timed(lambda: processor.charge(card(attempt)))

    assert result.outcome is ChargeOutcome.UNKNOWN
    assert elapsed < TIMEOUT_S + SLACK_S
    [charge] = emulator.charges_for(attempt)  # the money moved; the caller never heard
    found = processor.lookup(attempt)
    assert found is not None
    assert found.outcome is ChargeOutcome.CAPTURED
    assert found.processor_payment_id == charge["id"]

    retry = processor.charge(card(attempt))

    assert retry.outcome is ChargeOutcome.CAPTURED
    assert retry.processor_payment_id == charge["id"]
    assert len(emulator.charges_for(attempt)) == 1


def test_a_slow_processor_keeps_the_charge_after_the_caller_gave_up(
    processor: StripeCardProcessor, emulator: Emulator, new_id: NewId
) -> None:
    emulator.fault("slow", delay_ms=2500)
    attempt = new_id()

    result, elapsed = timed(lambda: processor.charge(card(attempt)))

    assert result.outcome is ChargeOutcome.UNKNOWN
    assert elapsed < TIMEOUT_S + SLACK_S
    [charge] = emulator.charges_for(attempt)
    found = processor.lookup(attempt)
    assert found == ChargeResult(ChargeOutcome.CAPTURED, processor_payment_id=charge["id"])


def test_a_retry_while_the_processor_is_still_working_waits_then_finds_the_one_charge(
    emulator: Emulator, make_processor: MakeProcessor, new_id: NewId
) -> None:
    emulator.fault("slow", delay_ms=1500)
    attempt = new_id()
    patient = make_processor(emulator.url, timeout_s=5.0)
    first: list[ChargeResult] = []
    waiting = threading.Thread(target=lambda: first.append(patient.charge(card(attempt))))
    waiting.start()
    time.sleep(0.3)  # the first request now holds the key

    impatient = make_processor(emulator.url, timeout_s=0.5).charge(card(attempt))
    waiting.join()

    assert impatient.outcome is ChargeOutcome.UNKNOWN  # 409: still in progress
    assert "still working" in impatient.message
    assert first[0].outcome is ChargeOutcome.CAPTURED
    after = patient.charge(card(attempt))
    assert after.processor_payment_id == first[0].processor_payment_id
    assert len(emulator.charges_for(attempt)) == 1


def test_a_slow_answer_inside_the_timeout_is_an_ordinary_capture(
    processor: StripeCardProcessor, emulator: Emulator, new_id: NewId
) -> None:
    emulator.fault("slow", delay_ms=300)
    attempt = new_id()

    result = processor.charge(card(attempt))

    assert result.outcome is ChargeOutcome.CAPTURED
    assert len(emulator.charges_for(attempt)) == 1


def test_with_the_processor_down_every_answer_is_unknown_within_the_timeout(
    make_processor: MakeProcessor, unused_port: int, new_id: NewId
) -> None:
    nowhere = make_processor(f"http://127.0.0.1:{unused_port}", timeout_s=TIMEOUT_S)

    result, elapsed = timed(lambda: nowhere.charge(card(new_id())))

    assert result.outcome is ChargeOutcome.UNKNOWN
    assert elapsed < TIMEOUT_S + SLACK_S
    lookup = nowhere.lookup(new_id())
    assert lookup is not None and lookup.outcome is ChargeOutcome.UNKNOWN
    assert nowhere.refund(new_id("ref"), "pi_x", 100).outcome is RefundOutcome.UNKNOWN
    with pytest.raises(ProcessorUnavailableError):
        list(nowhere.charges())


# -- lookup and restarts -------------------------------------------------------------------


def test_looking_up_an_attempt_the_processor_never_saw_finds_nothing(
    processor: StripeCardProcessor, new_id: NewId
) -> None:
    assert processor.lookup(new_id()) is None


def test_looking_up_a_declined_attempt_reports_the_decline(
    processor: StripeCardProcessor, new_id: NewId
) -> None:
    attempt = new_id()
    processor.charge(card(attempt, pm="pm_card_chargeDeclinedInsufficientFunds"))

    found = processor.lookup(attempt)

    assert found is not None
    assert found.outcome is ChargeOutcome.DECLINED
    assert found.decline_code == "insufficient_funds"


def test_charges_survive_an_emulator_restart(
    start_fresh_emulator: Callable[..., Emulator],
    make_processor: MakeProcessor,
    tmp_path: Path,
    new_id: NewId,
) -> None:
    ledger = tmp_path / "kept.sqlite3"
    before = start_fresh_emulator(ledger)
    attempt = new_id()
    payment_id = captured(make_processor(before.url), attempt)
    before.stop()

    after = start_fresh_emulator(ledger)
    processor = make_processor(after.url)

    assert processor.lookup(attempt) == ChargeResult(
        ChargeOutcome.CAPTURED, processor_payment_id=payment_id
    )
    assert processor.charge(card(attempt)).processor_payment_id == payment_id
    assert [c["id"] for c in after.charges()] == [payment_id]


def test_the_adapter_can_be_built_from_settings(emulator: Emulator, new_id: NewId) -> None:
    settings = Settings.from_env(
        {"TABLESIDE_PROCESSOR_URL": emulator.url, "TABLESIDE_PROCESSOR_TIMEOUT_S": "2"}
    )
    processor = StripeCardProcessor.from_settings(settings)
    try:
        assert processor.charge(card(new_id())).outcome is ChargeOutcome.CAPTURED
    finally:
        processor.close()


# -- refunds -------------------------------------------------------------------------------


def test_a_partial_refund_then_the_rest_refunds_the_whole_charge(
    processor: StripeCardProcessor, emulator: Emulator, new_id: NewId
) -> None:
    attempt = new_id()
    payment_id = captured(processor, attempt, 5000)

    partial = processor.refund(new_id("ref"), payment_id, 2000)
    rest = processor.refund(new_id("ref"), payment_id, 3000)

    assert partial.outcome is rest.outcome is RefundOutcome.REFUNDED
    assert partial.processor_refund_id != rest.processor_refund_id
    [charge] = emulator.charges_for(attempt)
    assert charge["amount_refunded"] == 5000
    assert charge["status"] == "succeeded"  # money was taken, whatever came back later
    nothing_left = processor.refund(new_id("ref"), payment_id, 1)
    assert nothing_left.outcome is RefundOutcome.FAILED
    assert "already been refunded" in nothing_left.message


def test_asking_for_the_same_refund_again_refunds_nothing_more(
    processor: StripeCardProcessor, emulator: Emulator, new_id: NewId
) -> None:
    attempt = new_id()
    payment_id = captured(processor, attempt, 5000)
    refund_id = new_id("ref")

    first = processor.refund(refund_id, payment_id, 1500)
    again = processor.refund(refund_id, payment_id, 1500)

    assert first.outcome is again.outcome is RefundOutcome.REFUNDED
    assert again.processor_refund_id == first.processor_refund_id
    assert emulator.charges_for(attempt)[0]["amount_refunded"] == 1500


def test_refunding_more_than_is_left_is_refused(
    processor: StripeCardProcessor, emulator: Emulator, new_id: NewId
) -> None:
    attempt = new_id()
    payment_id = captured(processor, attempt, 1000)

    result = processor.refund(new_id("ref"), payment_id, 1500)

    assert result.outcome is RefundOutcome.FAILED
    assert "greater than unrefunded amount" in result.message
    assert emulator.charges_for(attempt)[0]["amount_refunded"] == 0


def test_a_declined_payment_cannot_be_refunded(
    processor: StripeCardProcessor, new_id: NewId
) -> None:
    declined = processor.charge(card(new_id(), pm="pm_card_chargeDeclined"))
    assert declined.processor_payment_id is not None

    result = processor.refund(new_id("ref"), declined.processor_payment_id, 100)

    assert result.outcome is RefundOutcome.FAILED


# -- reconciliation --------------------------------------------------------------------------


def test_the_charge_listing_shows_every_capture_with_its_refunds_across_pages(
    emulator: Emulator, make_processor: MakeProcessor, new_id: NewId
) -> None:
    processor = make_processor(emulator.url, page_size=2)
    attempts = [new_id() for _ in range(3)]
    payment_ids = [captured(processor, a, 1000 + i) for i, a in enumerate(attempts)]
    processor.refund(new_id("ref"), payment_ids[1], 400)
    declined = new_id()
    processor.charge(card(declined, pm="pm_card_chargeDeclined"))

    everything = list(processor.charges())
    listed = {c.attempt_id: c for c in everything}

    assert declined not in listed
    for i, attempt in enumerate(attempts):
        charge = listed[attempt]
        assert charge.processor_payment_id == payment_ids[i]
        assert charge.amount_cents == 1000 + i
        assert charge.currency == "USD"
        assert charge.captured
        assert charge.metadata["check_id"] == "chk-1"
    assert [listed[a].amount_refunded_cents for a in attempts] == [0, 400, 0]
    # Every charge the emulator holds, each once, including ones not made by Tableside.
    assert sorted(c.processor_payment_id for c in everything) == sorted(
        c["id"] for c in emulator.charges()
    )
