"""Split plans: by seat, evenly N ways, or custom amounts — parts that always add up.

A plan splits what is left to pay when it is made; payments name the part they pay
(``split_part``), and only payments made against the plan count towards its parts (see
``domain.split``). Changing the check's lines or discounts drops the plan (it no longer adds
up), and the screen makes a new one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Literal

from tableside.checks import rules
from tableside.checks import service as check_service
from tableside.checks.repository import Checks
from tableside.checks.schemas import CheckView
from tableside.checks.split_plan import new_plan
from tableside.core.access import Principal
from tableside.core.errors import Conflict, InvalidRequest
from tableside.core.money import split_evenly
from tableside.core.unit_of_work import UnitOfWork
from tableside.payments.rules import PaymentStatus, payable_cents

SplitKind = Literal["by_seat", "evenly", "custom", "none"]
MAX_PARTS = 50


def split(
    uow: UnitOfWork,
    who: Principal,
    check_id: str,
    kind: SplitKind,
    ways: int | None = None,
    amounts: Sequence[int] | None = None,
) -> CheckView:
    # Read once under the check's lock: the view below is these rows with the new plan.
    check, rows, _ = check_service.read_check(uow, check_id, lock=True)
    rules.require_open(rules.CheckStatus(check.status))
    payments = rows.payments
    if any(p.status == PaymentStatus.PENDING for p in payments):
        raise Conflict(
            "A payment is in progress on this check; split when it has finished.",
            code="payment_in_progress",
        )
    totals, reserved = check_service.check_totals(uow, check, rows)
    left = payable_cents(totals.balance_cents, reserved)
    plan: dict[str, Any] | None
    if kind == "none":
        plan = None
    elif left <= 0:
        raise InvalidRequest("Nothing is left to pay on this check.", code="nothing_to_split")
    elif kind == "evenly":
        if ways is None or not 2 <= ways <= MAX_PARTS:
            raise InvalidRequest(f"Split evenly 2 to {MAX_PARTS} ways.", code="bad_split")
        parts = split_evenly(left, ways)
        plan = new_plan(kind, parts, [f"Guest {i + 1}" for i in range(ways)], payments)
    elif kind == "custom":
        if not amounts or len(amounts) > MAX_PARTS or any(a <= 0 for a in amounts):
            raise InvalidRequest("Give 1 to 50 amounts, each more than zero.", code="bad_split")
        if sum(amounts) != left:
            raise InvalidRequest(
                f"The parts add up to {sum(amounts)} cents but {left} cents are left to pay.",
                code="split_does_not_add_up",
            )
        plan = new_plan(kind, amounts, [f"Part {i + 1}" for i in range(len(amounts))], payments)
    else:  # by seat
        if any(p.status == PaymentStatus.CAPTURED for p in payments):
            raise Conflict(
                "Split by seat before taking payments (or split evenly / custom).",
                code="already_paid_in_part",
            )
        lines, discounts = check_service.line_amounts_of(rows)
        shares = rules.seat_shares(lines, discounts, check_service.head_pricing(check))
        plan = new_plan(
            kind,
            list(shares.values()),
            [f"Seat {s}" if s else "Shared" for s in shares],
            payments,
        )
    Checks.of(uow).set_split_plan(check.id, plan)
    uow.audit("check.split", "check", check.id, kind=kind, plan=plan)
    return check_service.announce(
        uow, check_service.view(uow, replace(check, split_plan=plan), rows)
    )
