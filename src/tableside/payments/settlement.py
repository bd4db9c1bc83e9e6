"""Settling a check: take a payment and, when it brings the balance to zero, close the
check and free the table — in the same database transaction. Read this file top to bottom:
every transaction boundary of the flow is here.

The card flow (DESIGN.md "The payment flow"):

    1. ``_record_attempt``   transaction: lock the check; key lookup; validate against the
                             balance less what pending attempts reserve; insert the payment
                             as ``pending`` (the recovery point) and the key with a lease.
    2. processor.charge      no transaction held; the processor's idempotency key is made
                             from the payment's id, so asking again never charges twice.
    3. ``complete``          transaction: lock the check; record the outcome; if captured,
                             apply it and, at a zero balance, close the check and release the
                             table; audit; outbox events; store the final response.

Cash is steps 1 and 3 in one transaction. A 504 leaves the payment pending with its lease
released: a retry with the same key (``_resume``) or the background recovery (see
``recovery.py``) finishes it, and whichever comes second finds nothing left to do.

Guarantees: exactly-once money per key; never more captured than the balance; no
success answered unless the check and table in the response were committed; a captured
charge is never lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from tableside.checks import rules
from tableside.checks import service as check_service
from tableside.checks import split_plan as split_rules
from tableside.core import idempotency as keys
from tableside.core.access import FLOOR_ROLES, MANAGER_ROLES, Credentials, Principal, act_as
from tableside.core.errors import Conflict, DomainError, InvalidRequest
from tableside.core.models import new_id, utcnow
from tableside.core.rows import CheckHead, PaymentRow
from tableside.core.unit_of_work import BUSY, Database, UnitOfWork
from tableside.floor import service as floor_service
from tableside.kitchen import service as kitchen_service
from tableside.payments.processor import CardProcessor, ChargeOutcome, ChargeRequest, ChargeResult
from tableside.payments.repository import Payments
from tableside.payments.rules import (
    PaymentStatus,
    Tender,
    cash_change,
    payable_cents,
    validate_amounts,
    validate_tip,
)

OPERATION = "payment"


@dataclass(frozen=True)
class PaymentRequest:
    tender: Tender
    amount_cents: int
    tip_cents: int = 0
    payment_method: str | None = None
    cash_tendered_cents: int | None = None
    split_part: int | None = None

    def as_body(self) -> dict[str, Any]:
        body = asdict(self)
        body["tender"] = self.tender.value
        return body


@dataclass(frozen=True)
class Answer:
    """What the client is told: an HTTP status and a JSON body (replayed for final ones)."""

    status_code: int
    body: dict[str, Any]


class Settlement:
    def __init__(self, db: Database, processor: CardProcessor, processor_timeout_s: float):
        self.db = db
        self.processor = processor
        # A request holds its key this long; past it, a retry or recovery may take over.
        self.lease_s = processor_timeout_s + 5.0

    # --- the entry point -------------------------------------------------------------------

    def pay(self, caller: Credentials, check_id: str, key: str, request: PaymentRequest) -> Answer:
        """Take one payment against an open check, idempotently under ``key``. The caller is
        authenticated in the first transaction (a floor role may take payments)."""
        try:
            keys.validate_key(key)
            _validate_shape(request)
        except DomainError:
            # Who may ask is answered before what was asked: 401 or 403 before a 400 or 422.
            with self.db.reader() as uow:
                caller.authenticate(uow)
            raise
        fingerprint = keys.fingerprint(OPERATION, check_id, request.as_body())
        try:
            try:
                who, claim = self._record_attempt(caller, check_id, key, fingerprint, request)
            except IntegrityError:
                # The same key was inserted by a concurrent request that committed first.
                who, claim = self._record_attempt(caller, check_id, key, fingerprint, request)
        except Conflict as busy:
            if busy.code != BUSY:
                raise
            raise Conflict(
                "Another terminal is taking a payment on this check right now. "
                "Try again in a moment.",
                code="payment_in_progress",
            ) from busy
        if isinstance(claim, Answer):
            return claim
        return self._charge_and_complete(who, claim)

    # --- step 1 -----------------------------------------------------------------------------

    def _record_attempt(
        self,
        caller: Credentials,
        check_id: str,
        key: str,
        fingerprint: str,
        request: PaymentRequest,
    ) -> tuple[Principal, Answer | _Pending]:
        """Transaction 1. Returns who asked, and a final Answer or the pending attempt."""
        with self.db.unit() as uow:
            who = act_as(uow, caller)
            who.require(FLOOR_ROLES, "take payments")
            # The check's lock first: every payment on it, and so every request with this
            # key, takes it (NOWAIT); the key and the check's rows are read under it, all
            # in one round trip. With the check locked, only this unit's new payment
            # changes its rows.
            check, rows, (key_rows,) = check_service.read_check(
                uow, check_id, lock=True, also=[keys.find_read(uow, key)]
            )
            used = keys.judge(uow, keys.found(key_rows), OPERATION, fingerprint, self.lease_s)
            if isinstance(used, keys.StoredResponse):
                return who, Answer(used.status_code, used.body)
            if isinstance(used, keys.Resume):
                # The first request gave up (504) or died: this retry finishes it.
                uow.commit()
                return who, _Pending(used.resource_id)
            rules.require_open(rules.CheckStatus(check.status))
            totals, reserved = check_service.check_totals(uow, check, rows)
            payable = payable_cents(totals.balance_cents, reserved)
            validate_amounts(request.amount_cents, request.tip_cents, payable)
            validate_tip(request.amount_cents, request.tip_cents, check.max_tip_bp)
            _validate_split_part(check, request, rows.payments)
            change = 0
            if request.tender is Tender.CASH:
                assert request.cash_tendered_cents is not None
                change = cash_change(
                    request.amount_cents, request.tip_cents, request.cash_tendered_cents
                )
            now = utcnow()
            payment = PaymentRow(
                id=new_id("pay"),
                check_id=check.id,
                tender=request.tender.value,
                status=PaymentStatus.PENDING.value,
                amount_cents=request.amount_cents,
                tip_cents=request.tip_cents,
                change_cents=change,
                refunded_cents=0,
                split_part=request.split_part,
                failure_code=None,
                failure_message=None,
                payment_method=request.payment_method,
                processor_payment_id=None,
                created_by=who.staff_id,
            )
            uow.audit(
                "payment.started",
                "payment",
                payment.id,
                check_id=check.id,
                tender=payment.tender,
                amount_cents=payment.amount_cents,
                tip_cents=payment.tip_cents,
            )
            if request.tender is Tender.CASH:
                # Cash has no processor: record, apply and settle in this one transaction,
                # the payment written once, already captured, and the key already final.
                payment = _outcome(payment, ChargeResult(ChargeOutcome.CAPTURED))
                Payments.of(uow).insert_payment(
                    payment,
                    idempotency_key=key,
                    cash_tendered_cents=request.cash_tendered_cents,
                    at=now,
                    settled_at=now,
                )
                rows.payments.append(payment)
                answer = _apply(uow, check, payment, rows, now)
                keys.create(
                    uow,
                    key,
                    OPERATION,
                    fingerprint,
                    payment.id,
                    self.lease_s,
                    response=keys.StoredResponse(answer.status_code, answer.body),
                )
                uow.commit()
                return who, answer
            Payments.of(uow).insert_payment(
                payment,
                idempotency_key=key,
                cash_tendered_cents=None,
                at=now,
                settled_at=None,
            )
            keys.create(uow, key, OPERATION, fingerprint, payment.id, self.lease_s)
            uow.commit()
            return who, _Pending(
                payment.id, check.id, _charge_of(who.restaurant_id, payment, check)
            )

    # --- steps 2 and 3 ---------------------------------------------------------------------

    def _charge_and_complete(self, who: Principal, pending: _Pending) -> Answer:
        payment_id = pending.payment_id
        # A new attempt is charged as it was just recorded (its key's lease keeps recovery
        # and retries off it); a resumed one is read again, someone may have finished it.
        charge = pending.charge or self._charge_request(who.restaurant_id, payment_id)
        if charge is None:  # someone else completed it meanwhile
            return self.complete(who.restaurant_id, payment_id, None)
        try:
            # Step 2: no transaction is open while the processor works.
            result = self.processor.charge(charge)
            return self.complete(who.restaurant_id, payment_id, result, check_id=pending.check_id)
        except Exception:
            # The attempt stays pending (the money may have moved); free its key so that a
            # retry with it can finish the job at once instead of waiting out the lease.
            self._release_lease(who.restaurant_id, payment_id)
            raise

    def _release_lease(self, restaurant_id: str, payment_id: str) -> None:
        with self.db.unit(restaurant_id) as uow:
            row = keys.find_for_resource(uow, payment_id)
            if row.response_status is None:
                keys.finish(uow, row, None)
                uow.commit()

    def _charge_request(self, restaurant_id: str, payment_id: str) -> ChargeRequest | None:
        with self.db.reader(restaurant_id) as uow:
            payment = Payments.of(uow).payment_row(payment_id)
            if payment.status != PaymentStatus.PENDING:
                return None
            return _charge_of(restaurant_id, payment, check_service.head(uow, payment.check_id))

    def void_pending(self, who: Principal, payment_id: str) -> Answer:
        """Manager: call off a payment stuck pending, freeing what it reserves.

        The processor is asked first: money that moved is recorded as captured (refund it
        instead, 409); only an attempt the processor holds no charge for is voided.
        """
        who.require(MANAGER_ROLES, "void payments")
        with self.db.unit(who.restaurant_id, who.staff_id) as uow:
            payment = Payments.of(uow).payment_row(payment_id)
            if payment.status != PaymentStatus.PENDING:
                raise Conflict(
                    f"This payment is {payment.status}; only a pending one can be voided "
                    "(refund a captured one).",
                    code="payment_not_pending",
                )
            if not keys.take_lease(uow, keys.find_for_resource(uow, payment.id), self.lease_s):
                raise keys.in_progress()
            uow.commit()
        result = self.processor.lookup(payment_id)
        if result is None:
            return self.complete(
                who.restaurant_id,
                payment_id,
                ChargeResult(ChargeOutcome.FAILED, message="Voided by a manager."),
                voided_by=who.staff_id,
            )
        answer = self.complete(who.restaurant_id, payment_id, result)
        if result.outcome is ChargeOutcome.CAPTURED:
            raise Conflict(
                "The card was charged after all, so the payment is now captured. "
                "Refund it if the guest should not pay.",
                code="payment_was_captured",
            )
        return answer

    def complete(
        self,
        restaurant_id: str,
        payment_id: str,
        result: ChargeResult | None,
        *,
        voided_by: str | None = None,
        check_id: str | None = None,
    ) -> Answer:
        """Transaction 3: record what the processor said. Idempotent: a payment already
        final is answered as it stands; ``UNKNOWN`` leaves it pending and frees its lease.
        ``check_id``: the payment's check, when the caller knows it (one read less).
        """
        with self.db.unit(restaurant_id) as uow:
            check_id = check_id or Payments.of(uow).payment_row(payment_id).check_id
            # Wait for the check's lock here (no NOWAIT): the money may have moved, and
            # this outcome must be recorded; every holder of the lock is brief. Then read
            # the payment (whoever held the lock may have completed it), its key and the
            # check's rows, all in the lock's round trip.
            check, rows, (key_rows,) = check_service.read_check(
                uow,
                check_id,
                lock=True,
                wait=True,
                also=[keys.find_for_resource_read(uow, payment_id)],
            )
            payment = next(p for p in rows.payments if p.id == payment_id)
            assert isinstance(payment, PaymentRow)  # read as a plain row
            uow.staff_id = payment.created_by
            row = keys.found_for_resource(key_rows, payment_id)
            if payment.status != PaymentStatus.PENDING or result is None:
                replay = keys.stored(row)
                if replay is None:
                    return _timeout_answer(payment)
                return Answer(replay.status_code, replay.body)
            if result.outcome is ChargeOutcome.UNKNOWN:
                keys.finish(uow, row, None)  # a retry may take over at once
                uow.audit("payment.outcome_unknown", "payment", payment.id)
                uow.commit()
                return _timeout_answer(payment)
            now = utcnow()
            payment = _outcome(payment, result, voided_by=voided_by)
            # The outcome is written, and applied to the rows read under the lock.
            rows.payments = [payment if p.id == payment.id else p for p in rows.payments]
            Payments.of(uow).record_outcome(payment, now)
            answer = _apply(uow, check, payment, rows, now, voided_by=voided_by)
            keys.finish(uow, row, keys.StoredResponse(answer.status_code, answer.body))
            uow.commit()
            return answer


@dataclass(frozen=True)
class _Pending:
    """A card attempt recorded pending, to charge and complete: just recorded (its check
    and charge known), or resumed (both read again)."""

    payment_id: str
    check_id: str | None = None
    charge: ChargeRequest | None = None


def _charge_of(restaurant_id: str, payment: PaymentRow, check: CheckHead) -> ChargeRequest:
    return ChargeRequest(
        attempt_id=payment.id,
        amount_cents=payment.amount_cents + payment.tip_cents,
        currency=check.currency,
        payment_method=payment.payment_method or "",
        metadata={
            "restaurant_id": restaurant_id,
            "check_id": payment.check_id,
            "tableside_payment_id": payment.id,
        },
    )


# --- applying an outcome (inside the caller's transaction) ---------------------------------


def _outcome(
    payment: PaymentRow, result: ChargeResult, *, voided_by: str | None = None
) -> PaymentRow:
    """The pending payment as the processor's answer leaves it (``UNKNOWN`` excluded)."""
    processor_id = result.processor_payment_id
    if result.outcome is ChargeOutcome.CAPTURED:
        return replace(
            payment, status=PaymentStatus.CAPTURED.value, processor_payment_id=processor_id
        )
    if result.outcome is ChargeOutcome.DECLINED:
        return replace(
            payment,
            status=PaymentStatus.DECLINED.value,
            processor_payment_id=processor_id,
            failure_code=result.decline_code or "card_declined",
            failure_message=result.message or "The card was declined.",
        )
    if voided_by is not None:
        return replace(
            payment,
            status=PaymentStatus.VOIDED.value,
            processor_payment_id=processor_id,
            failure_code="voided",
            failure_message=result.message,
        )
    return replace(
        payment,
        status=PaymentStatus.FAILED.value,
        processor_payment_id=processor_id,
        failure_code="processor_error",
        failure_message=result.message or "The card processor failed.",
    )


def _apply(
    uow: UnitOfWork,
    check: CheckHead,
    payment: PaymentRow,
    rows: check_service.CheckRows,
    now: datetime,
    *,
    voided_by: str | None = None,
) -> Answer:
    """Audit, announce and answer a payment's final outcome (already in ``rows.payments``,
    read under the check's lock); a capture that brings the balance to zero closes the
    check and frees its table."""
    if payment.status == PaymentStatus.DECLINED:
        uow.audit(
            "payment.declined",
            "payment",
            payment.id,
            check_id=check.id,
            decline_code=payment.failure_code,
        )
        uow.emit("payment.declined", {"payment_id": payment.id, "check_id": check.id})
        _call_off_unpaid_order(uow, check, rows, now)
        return _error_answer(
            402, "card_declined", f"{payment.failure_message} Nothing was charged.", payment
        )
    if payment.status == PaymentStatus.VOIDED:
        uow.audit("payment.voided", "payment", payment.id, check_id=check.id, by=voided_by)
        uow.emit("payment.voided", {"payment_id": payment.id, "check_id": check.id})
        _call_off_unpaid_order(uow, check, rows, now)
        return _error_answer(
            502,
            "processor_error",
            "This payment was voided by a manager; nothing was charged.",
            payment,
        )
    if payment.status == PaymentStatus.FAILED:
        uow.audit("payment.failed", "payment", payment.id, check_id=check.id)
        uow.emit("payment.failed", {"payment_id": payment.id, "check_id": check.id})
        _call_off_unpaid_order(uow, check, rows, now)
        return _error_answer(
            502,
            "processor_error",
            "The card processor failed and nothing was charged. Try again (a new attempt).",
            payment,
        )

    # One read of the check serves the decision, the audit and the answer: closing it
    # changes only its status, closed_at and what is payable (nothing once closed).
    view = check_service.view(uow, check, rows)
    uow.audit(
        "payment.captured",
        "payment",
        payment.id,
        check_id=check.id,
        tender=payment.tender,
        amount_cents=payment.amount_cents,
        tip_cents=payment.tip_cents,
        balance_after=view.balance_cents,
    )
    uow.emit(
        "payment.captured",
        {
            "payment_id": payment.id,
            "check_id": check.id,
            "tender": payment.tender,
            "amount_cents": payment.amount_cents,
            "tip_cents": payment.tip_cents,
        },
    )
    closed = view.balance_cents <= 0 and check.status == rules.CheckStatus.OPEN
    if closed:
        # Settled: the check closes and the table is free, in this same transaction.
        check_service.close(uow, check.id, now)
        uow.audit(
            "check.closed",
            "check",
            check.id,
            total_cents=view.total_cents,
            paid_cents=view.paid_cents,
            tip_cents=view.tip_cents,
        )
        if check.table_id is not None:
            floor_service.release_table(uow, check.table_id)
        if rules.CheckType(check.type) in rules.HELD_UNTIL_PAID:
            # A guest's own order reaches the kitchen now that it is paid, in this
            # same transaction: a declined or unknown outcome never fires it.
            ticket_id = kitchen_service.fire_paid_order(
                uow, check, rows.lines, payment.created_by, now
            )
            if ticket_id is not None:
                rows.lines = [
                    replace(line, sent_at=now, ticket_id=ticket_id)
                    if line.sent_at is None and line.voided_at is None
                    else line
                    for line in rows.lines
                ]
                view = check_service.view(uow, check, rows)
        view = view.model_copy(
            update={"status": rules.CheckStatus.CLOSED.value, "closed_at": now, "payable_cents": 0}
        )
    view = check_service.announce(uow, view)
    table_status = (
        floor_service.OCCUPIED if view.status == rules.CheckStatus.OPEN else floor_service.AVAILABLE
    )
    body = {
        "payment": _payment_body(payment),
        "check": view.model_dump(mode="json"),
        "table": None if check.table_id is None else {"id": check.table_id, "status": table_status},
    }
    return Answer(201, body)


def _call_off_unpaid_order(
    uow: UnitOfWork, check: CheckHead, rows: check_service.CheckRows, now: datetime
) -> None:
    """A guest's own order whose only payment did not go through is called off in the
    transaction that records that outcome: its check is void, nothing reached the kitchen,
    and its pickup slot's place is free again."""
    if rules.CheckType(check.type) not in rules.HELD_UNTIL_PAID:
        return
    if check.status != rules.CheckStatus.OPEN or any(
        p.status in (PaymentStatus.CAPTURED, PaymentStatus.PENDING) for p in rows.payments
    ):
        return
    check_service.call_off(uow, check.id, now)
    uow.audit("order.called_off", "check", check.id, reason="payment_not_taken")
    uow.emit("check.updated", {"check_id": check.id, "table_id": None, "status": "void"})
    uow.emit(
        "order.updated",
        {"check_id": check.id, "type": check.type, "status": "cancelled", "paid": False},
    )


def _payment_body(payment: PaymentRow) -> dict[str, Any]:
    return check_service.payment_view(payment).model_dump(mode="json") | {
        "check_id": payment.check_id,
    }


def _error_answer(status: int, code: str, message: str, payment: PaymentRow) -> Answer:
    return Answer(
        status,
        {
            "error": {"code": code, "message": message, "payment_id": payment.id},
            "payment": _payment_body(payment),
        },
    )


def _timeout_answer(payment: PaymentRow) -> Answer:
    return Answer(
        504,
        {
            "error": {
                "code": "processor_timeout",
                "message": "The card processor did not answer in time, so we don't know yet "
                "whether the card was charged. Nothing is shown as paid. Retry with the same "
                "key (it will never charge twice), or wait a few seconds for it to settle.",
                "payment_id": payment.id,
            },
            "payment": _payment_body(payment),
        },
    )


def _validate_shape(request: PaymentRequest) -> None:
    if request.tender is Tender.CARD:
        if not request.payment_method:
            raise InvalidRequest(
                "A card payment needs a payment_method (e.g. pm_card_visa).",
                code="payment_method_required",
            )
        if request.cash_tendered_cents is not None:
            raise InvalidRequest("cash_tendered_cents is only for cash.", code="invalid_request")
    else:
        if request.cash_tendered_cents is None:
            raise InvalidRequest(
                "A cash payment needs cash_tendered_cents.", code="cash_tendered_required"
            )
        if request.payment_method is not None:
            raise InvalidRequest("payment_method is only for cards.", code="invalid_request")


def _validate_split_part(
    check: CheckHead, request: PaymentRequest, payments: Sequence[check_service.PaymentLike]
) -> None:
    if request.split_part is None:
        return
    parts = split_rules.standing(check.split_plan, payments)
    if parts is None:
        raise InvalidRequest(
            "This check has no split (a payment outside it ended it); pay without split_part"
            " or split again.",
            code="no_split",
        )
    if not 1 <= request.split_part <= len(parts):
        raise InvalidRequest(f"This split has parts 1 to {len(parts)}.", code="bad_split_part")
    left = parts[request.split_part - 1].payable_cents
    if request.amount_cents > left:
        raise InvalidRequest(
            f"Part {request.split_part} has {left} cents left to pay.",
            code="amount_exceeds_split_part",
        )
