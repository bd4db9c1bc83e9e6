"""Refunds: all or part of a captured payment, idempotently under a key; a manager's, or a
server's that a manager approves on the spot with their PIN (both are recorded).

The same three steps as a card payment: record the refund as pending (reserving what it
takes back), ask the processor with the refund's own idempotency key, record the outcome.
A refund never reopens the check; it is money back, audited and announced.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tableside.checks import service as check_service
from tableside.core import idempotency as keys
from tableside.core import models as m
from tableside.core.access import Principal
from tableside.core.errors import Conflict, InvalidRequest
from tableside.core.models import new_id, utcnow
from tableside.core.unit_of_work import Database, UnitOfWork
from tableside.payments.processor import CardProcessor, RefundOutcome, RefundResult
from tableside.payments.rules import PaymentStatus, RefundStatus, Tender
from tableside.payments.settlement import Answer
from tableside.staff import service as staff

OPERATION = "refund"


class Refunds:
    def __init__(self, db: Database, processor: CardProcessor, processor_timeout_s: float):
        self.db = db
        self.processor = processor
        self.lease_s = processor_timeout_s + 5.0

    def refund(
        self,
        who: Principal,
        payment_id: str,
        key: str,
        amount_cents: int,
        reason: str | None,
        approval: staff.Approval | None = None,
    ) -> Answer:
        """Refund ``amount_cents`` of a captured payment, once however often ``key`` is sent.

        ``reason``: why, as the day report shows it; one that is sent must say something
        (``None``, not sent at all, is kept as no reason given).
        """
        if approval is None:  # a server without a manager's PIN: refused before anything
            staff.require_manager(who, None, "refund a payment")
        keys.validate_key(key)
        if reason is not None and not reason.strip():
            raise InvalidRequest("Say why this payment is refunded.", code="reason_required")
        reason = (reason or "").strip()
        fingerprint = keys.fingerprint(
            OPERATION, payment_id, {"amount_cents": amount_cents, "reason": reason}
        )
        try:
            claim = self._record(who, payment_id, key, fingerprint, amount_cents, reason, approval)
        except IntegrityError:
            claim = self._record(who, payment_id, key, fingerprint, amount_cents, reason, approval)
        if isinstance(claim, Answer):
            return claim
        refund_id, processor_payment_id, amount = claim
        result = self.processor.refund(refund_id, processor_payment_id, amount)
        return self.complete(who.restaurant_id, refund_id, result)

    def _record(
        self,
        who: Principal,
        payment_id: str,
        key: str,
        fingerprint: str,
        amount: int,
        reason: str,
        approval: staff.Approval | None,
    ) -> Answer | tuple[str, str, int]:
        with self.db.unit(who.restaurant_id, who.staff_id) as uow:
            approver = staff.approving_manager(uow, who, approval)  # before anything is written
            staff.require_manager(who, approver, "refund a payment")
            used = keys.judge(uow, keys.find(uow, key), OPERATION, fingerprint, self.lease_s)
            if isinstance(used, keys.StoredResponse):
                return Answer(used.status_code, used.body)
            if isinstance(used, keys.Resume):
                refund = uow.session.get(m.Refund, used.resource_id)
                payment = uow.session.get(m.Payment, refund.payment_id) if refund else None
                assert refund is not None and payment is not None
                uow.commit()
                return refund.id, payment.processor_payment_id or "", refund.amount_cents

            payment = _payment(uow, payment_id)
            check_service.locked(uow, payment.check_id)
            if payment.status != PaymentStatus.CAPTURED:
                raise Conflict(
                    f"Only a captured payment can be refunded (this one is {payment.status}).",
                    code="payment_not_captured",
                )
            refundable = (
                payment.amount_cents
                + payment.tip_cents
                - payment.refunded_cents
                - sum(
                    r.amount_cents
                    for r in _refunds(uow, payment.id)
                    if r.status == RefundStatus.PENDING
                )
            )
            if amount <= 0:
                raise InvalidRequest("A refund must be more than zero.", code="invalid_amount")
            if amount > refundable:
                raise InvalidRequest(
                    f"At most {refundable} cents of this payment can still be refunded.",
                    code="amount_exceeds_refundable",
                )
            refund = m.Refund(
                id=new_id("ref"),
                restaurant_id=who.restaurant_id,
                payment_id=payment.id,
                idempotency_key=key,
                amount_cents=amount,
                status=RefundStatus.PENDING.value,
                reason=reason,
                created_by=who.staff_id,
                approved_by=approver.id if approver else None,
                created_at=utcnow(),
            )
            uow.session.add(refund)
            uow.session.flush()
            row = keys.create(uow, key, OPERATION, fingerprint, refund.id, self.lease_s)
            uow.audit(
                "refund.started",
                "payment",
                payment.id,
                refund_id=refund.id,
                amount_cents=amount,
                reason=refund.reason,
                **(
                    {"approved_by": approver.id, "approved_by_name": approver.name}
                    if approver
                    else {}
                ),
            )
            if payment.tender == Tender.CASH:
                # Cash back from the drawer: one transaction.
                answer = _apply(uow, payment, refund, RefundResult(RefundOutcome.REFUNDED))
                keys.finish(uow, row, keys.StoredResponse(answer.status_code, answer.body))
                uow.commit()
                return answer
            uow.commit()
            return refund.id, payment.processor_payment_id or "", amount

    def complete(self, restaurant_id: str, refund_id: str, result: RefundResult) -> Answer:
        """Record the processor's answer for a pending refund (a live request or recovery)."""
        with self.db.unit(restaurant_id) as uow:
            refund = uow.session.get(m.Refund, refund_id)
            assert refund is not None
            uow.staff_id = refund.created_by
            payment = _payment(uow, refund.payment_id)
            check = check_service.entity(uow, payment.check_id)
            uow.session.refresh(check, with_for_update=True)
            uow.session.refresh(refund)
            row = keys.find_for_resource(uow, refund.id)
            if refund.status != RefundStatus.PENDING:
                stored = keys.stored(row)
                assert stored is not None
                return Answer(stored.status_code, stored.body)
            if result.outcome is RefundOutcome.UNKNOWN:
                keys.finish(uow, row, None)
                uow.commit()
                return Answer(
                    504,
                    {
                        "error": {
                            "code": "processor_timeout",
                            "message": "The processor did not confirm the refund in time. "
                            "Retry with the same key; it will never refund twice.",
                            "refund_id": refund.id,
                        }
                    },
                )
            answer = _apply(uow, payment, refund, result)
            keys.finish(uow, row, keys.StoredResponse(answer.status_code, answer.body))
            uow.commit()
            return answer


def _payment(uow: UnitOfWork, payment_id: str) -> m.Payment:
    payment = uow.session.scalar(
        select(m.Payment).where(
            m.Payment.id == payment_id, m.Payment.restaurant_id == uow.restaurant
        )
    )
    if payment is None:
        from tableside.core.errors import NotFound

        raise NotFound(f"No payment with id {payment_id!r} in this restaurant.")
    return payment


def _refunds(uow: UnitOfWork, payment_id: str) -> list[m.Refund]:
    return list(
        uow.session.scalars(
            select(m.Refund).where(
                m.Refund.restaurant_id == uow.restaurant, m.Refund.payment_id == payment_id
            )
        )
    )


def _apply(uow: UnitOfWork, payment: m.Payment, refund: m.Refund, result: RefundResult) -> Answer:
    refund.processor_refund_id = result.processor_refund_id
    if result.outcome is RefundOutcome.FAILED:
        refund.status = RefundStatus.FAILED.value
        refund.failure_message = result.message or "The processor refused the refund."
        uow.audit("refund.failed", "payment", payment.id, refund_id=refund.id)
        return Answer(
            502,
            {
                "error": {
                    "code": "processor_error",
                    "message": f"{refund.failure_message} Nothing was refunded.",
                    "refund_id": refund.id,
                }
            },
        )
    refund.status = RefundStatus.SUCCEEDED.value
    payment.refunded_cents += refund.amount_cents
    uow.audit(
        "refund.succeeded",
        "payment",
        payment.id,
        refund_id=refund.id,
        amount_cents=refund.amount_cents,
        refunded_total=payment.refunded_cents,
    )
    uow.emit(
        "payment.refunded",
        {
            "payment_id": payment.id,
            "check_id": payment.check_id,
            "refund_id": refund.id,
            "amount_cents": refund.amount_cents,
        },
    )
    body: dict[str, Any] = {
        "refund": {
            "id": refund.id,
            "payment_id": payment.id,
            "amount_cents": refund.amount_cents,
            "status": refund.status,
            "reason": refund.reason,
        },
        "payment": {"id": payment.id, "refunded_cents": payment.refunded_cents},
    }
    return Answer(201, body)
