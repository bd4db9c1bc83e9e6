"""Payment attempts and the rules of taking money against a check."""

from __future__ import annotations

import enum

from tableside.core.errors import InvalidRequest
from tableside.core.money import format_cents


class Tender(enum.StrEnum):
    CARD = "card"
    CASH = "cash"


class PaymentStatus(enum.StrEnum):
    PENDING = "pending"  # recorded before the processor was called: the recovery point
    CAPTURED = "captured"
    DECLINED = "declined"
    FAILED = "failed"  # the processor failed and nothing was charged
    VOIDED = "voided"  # a pending attempt a manager called off after confirming no charge


class RefundStatus(enum.StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


def payable_cents(balance_cents: int, reserved_by_pending_cents: int) -> int:
    """What may still be paid: the balance less what pending attempts already reserve."""
    return max(0, balance_cents - reserved_by_pending_cents)


def validate_amounts(amount_cents: int, tip_cents: int, payable: int) -> None:
    if amount_cents <= 0:
        raise InvalidRequest("The amount must be more than zero.", code="invalid_amount")
    if tip_cents < 0:
        raise InvalidRequest("A tip cannot be negative.", code="invalid_amount")
    if amount_cents > payable:
        raise InvalidRequest(
            f"The amount is more than what is still payable on this check ({payable} cents"
            " after payments already in progress).",
            code="amount_exceeds_balance",
        )


def validate_tip(amount_cents: int, tip_cents: int, max_tip_bp: int) -> None:
    """A tip above the restaurant's limit (a share of the amount it tips on) needs a manager."""
    if tip_cents * 10_000 > amount_cents * max_tip_bp:
        raise InvalidRequest(
            f"A tip of {format_cents(tip_cents)} on {format_cents(amount_cents)} is more than"
            f" this restaurant allows without a manager ({max_tip_bp / 100:g} % of the amount)."
            " Check the tip with the guest.",
            code="tip_too_large",
        )


def cash_change(amount_cents: int, tip_cents: int, tendered_cents: int) -> int:
    due = amount_cents + tip_cents
    if tendered_cents < due:
        raise InvalidRequest(
            f"Cash tendered ({tendered_cents} cents) does not cover the amount plus tip"
            f" ({due} cents).",
            code="insufficient_cash",
        )
    return tendered_cents - due
