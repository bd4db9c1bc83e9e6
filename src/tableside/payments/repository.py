"""Payment attempts: recorded pending before the processor is asked, then their outcome.

Every query is scoped to the unit's restaurant: a payment of another restaurant is
indistinguishable from one that does not exist (``NotFound``, a 404).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, update

from tableside.core import models as m
from tableside.core.errors import NotFound
from tableside.core.repository import RESTAURANT, Repository
from tableside.core.rows import PAYMENT_COLUMNS, PaymentRow

_PAYMENT_ROW = PAYMENT_COLUMNS.where(
    m.Payment.restaurant_id == RESTAURANT, m.Payment.id == bindparam("id")
)
_PAYMENTS = cast(Table, m.Payment.__table__)
_INSERT_PAYMENT = insert(_PAYMENTS)
_PAYMENT_OUTCOME = (
    update(_PAYMENTS)
    .where(
        _PAYMENTS.c.id == bindparam("payment_id"),
        _PAYMENTS.c.restaurant_id == bindparam("scope_restaurant_id"),
    )
    .values(
        status=bindparam("new_status", type_=_PAYMENTS.c.status.type),
        processor_payment_id=bindparam("processor_id", type_=_PAYMENTS.c.processor_payment_id.type),
        failure_code=bindparam("code", type_=_PAYMENTS.c.failure_code.type),
        failure_message=bindparam("message", type_=_PAYMENTS.c.failure_message.type),
        settled_at=bindparam("at", type_=_PAYMENTS.c.settled_at.type),
    )
)


class Payments(Repository):
    def payment_row(self, payment_id: str) -> PaymentRow:
        found: Any = (
            self._core()
            .execute(_PAYMENT_ROW, {"restaurant_id": self.restaurant_id, "id": payment_id})
            .first()
        )
        if found is None:
            raise NotFound(f"No payment with id {payment_id!r} in this restaurant.")
        return PaymentRow(*found)

    def insert_payment(
        self,
        payment: PaymentRow,
        *,
        idempotency_key: str,
        cash_tendered_cents: int | None,
        at: datetime,
        settled_at: datetime | None,
    ) -> None:
        self._write(
            _INSERT_PAYMENT,
            {
                "id": payment.id,
                "restaurant_id": self.restaurant_id,
                "check_id": payment.check_id,
                "idempotency_key": idempotency_key,
                "tender": payment.tender,
                "status": payment.status,
                "amount_cents": payment.amount_cents,
                "tip_cents": payment.tip_cents,
                "cash_tendered_cents": cash_tendered_cents,
                "change_cents": payment.change_cents,
                "payment_method": payment.payment_method,
                "split_part": payment.split_part,
                "processor_payment_id": payment.processor_payment_id,
                "failure_code": payment.failure_code,
                "failure_message": payment.failure_message,
                "refunded_cents": payment.refunded_cents,
                "created_by": payment.created_by,
                "created_at": at,
                "settled_at": settled_at,
            },
        )

    def record_outcome(self, payment: PaymentRow, settled_at: datetime) -> None:
        """Write a pending payment's final status (and what the processor said)."""
        self._write(
            _PAYMENT_OUTCOME,
            {
                "scope_restaurant_id": self.restaurant_id,
                "payment_id": payment.id,
                "new_status": payment.status,
                "processor_id": payment.processor_payment_id,
                "code": payment.failure_code,
                "message": payment.failure_message,
                "at": settled_at,
            },
        )
