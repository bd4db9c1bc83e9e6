"""Split plans: what each part of a split check still owes.

A plan divides what was left to pay when it was made. It remembers the payments that
existed then (``paid_before``): they belong to the check, not to this plan, so a part is
paid only by payments made against *this* plan and naming that part. A payment taken
outside the plan (no part) means the plan no longer describes what is left, and it lapses.

So, while a plan holds, the parts' unpaid amounts add up to the check's balance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from tableside.payments.rules import PaymentStatus

_COUNTED = (PaymentStatus.CAPTURED, PaymentStatus.PENDING)


class PartPayment(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def amount_cents(self) -> int: ...
    @property
    def split_part(self) -> int | None: ...


@dataclass(frozen=True)
class PartStanding:
    part: int  # 1-based
    label: str
    amount_cents: int
    paid_cents: int  # captured against this part of this plan
    reserved_cents: int  # pending against this part of this plan

    @property
    def unpaid_cents(self) -> int:
        return self.amount_cents - self.paid_cents

    @property
    def payable_cents(self) -> int:
        """What may still be charged to this part: unpaid less what is in progress."""
        return max(0, self.unpaid_cents - self.reserved_cents)

    @property
    def paid(self) -> bool:
        return self.unpaid_cents <= 0


def new_plan(
    kind: str, amounts: Sequence[int], labels: Sequence[str], payments: Iterable[PartPayment]
) -> dict[str, Any]:
    """A plan over what is left now; the payments already made are not this plan's."""
    return {
        "kind": kind,
        "amounts": list(amounts),
        "labels": list(labels),
        "paid_before": [p.id for p in payments],
    }


def standing(
    plan: Mapping[str, Any] | None, payments: Sequence[PartPayment]
) -> list[PartStanding] | None:
    """Each part's standing, or None when there is no plan or it has lapsed."""
    if not plan:
        return None
    before = set(plan.get("paid_before", ()))
    paid: dict[int, int] = defaultdict(int)
    reserved: dict[int, int] = defaultdict(int)
    for payment in payments:
        if payment.id in before or payment.status not in _COUNTED:
            continue
        if payment.split_part is None:
            return None  # paid outside the plan: it no longer describes what is left
        into = paid if payment.status == PaymentStatus.CAPTURED else reserved
        into[payment.split_part] += payment.amount_cents
    return [
        PartStanding(
            part=i + 1,
            label=label,
            amount_cents=amount,
            paid_cents=paid[i + 1],
            reserved_cents=reserved[i + 1],
        )
        for i, (label, amount) in enumerate(zip(plan["labels"], plan["amounts"], strict=True))
    ]
