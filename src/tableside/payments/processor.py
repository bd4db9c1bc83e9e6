"""The card processor port: what settlement needs from whoever moves the money.

Adapters never raise for a processor's trouble; they answer with an outcome the
settlement flow can act on. ``UNKNOWN`` is the only outcome that is not final: the
money may or may not have moved, and only asking again (``lookup``) can tell.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol


class ChargeOutcome(enum.StrEnum):
    CAPTURED = "captured"
    DECLINED = "declined"
    # The processor failed and we confirmed nothing was charged: final.
    FAILED = "failed"
    # Timed out or the answer was lost: the charge may exist. Not final.
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ChargeRequest:
    attempt_id: str  # our payment attempt's id; the processor idempotency key derives from it
    amount_cents: int  # what the card is charged: amount + tip
    currency: str  # ISO 4217, e.g. "USD"
    payment_method: str  # e.g. "pm_card_visa"
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ChargeResult:
    outcome: ChargeOutcome
    processor_payment_id: str | None = None  # e.g. the PaymentIntent id "pi_..."
    decline_code: str | None = None
    message: str = ""


class RefundOutcome(enum.StrEnum):
    REFUNDED = "refunded"
    FAILED = "failed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class RefundResult:
    outcome: RefundOutcome
    processor_refund_id: str | None = None
    message: str = ""


@dataclass(frozen=True)
class ProcessorCharge:
    """A charge as the processor holds it, for reconciliation (`tableside check`)."""

    processor_payment_id: str
    attempt_id: str | None  # from metadata; None for charges not made by Tableside
    amount_cents: int
    currency: str
    captured: bool
    amount_refunded_cents: int
    metadata: dict[str, str]


class CardProcessor(Protocol):
    def charge(self, request: ChargeRequest) -> ChargeResult:
        """Charge once per attempt: repeating a request for the same attempt never charges twice."""

    def lookup(self, attempt_id: str) -> ChargeResult | None:
        """What became of an attempt; None when the processor holds no charge for it."""

    def refund(self, refund_id: str, processor_payment_id: str, amount_cents: int) -> RefundResult:
        """Refund once per ``refund_id``, however often it is asked."""

    def charges(self) -> Iterator[ProcessorCharge]:
        """Every charge the processor holds for this account (paged underneath)."""
