"""`tableside check`: verify against a live database (and the processor) that money and
tables agree. Reports every violation; the command exits non-zero if there is any.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from tableside.checks import rules
from tableside.checks import service as check_service
from tableside.core import models as m
from tableside.core.unit_of_work import Database
from tableside.payments.processor import CardProcessor
from tableside.payments.rules import PaymentStatus, Tender
from tableside.payments.stripe_card import ProcessorUnavailableError


@dataclass
class InvariantReport:
    checked: dict[str, int] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations


def verify(db: Database, processor: CardProcessor | None) -> InvariantReport:
    report = InvariantReport()
    with db.reader() as uow:
        restaurants = uow.session.scalars(select(m.Restaurant)).all()
        # 1. At most one open check per table (the index guarantees it; we verify).
        doubles = uow.session.execute(
            select(m.Check.table_id, func.count())
            .where(m.Check.status == "open", m.Check.table_id.is_not(None))
            .group_by(m.Check.table_id)
            .having(func.count() > 1)
        ).all()
        for table_id, count in doubles:
            report.violations.append(f"table {table_id} has {count} open checks")
        captured_card: dict[str, int] = {}  # payment id → cents charged
        for restaurant in restaurants:
            uow.scope_to(restaurant.id)
            checks = uow.session.scalars(
                select(m.Check).where(m.Check.restaurant_id == restaurant.id)
            ).all()
            report.checked["checks"] = report.checked.get("checks", 0) + len(checks)
            for check in checks:
                totals, reserved = check_service.check_totals(uow, check)
                label = f"{restaurant.slug} check #{check.number} ({check.id})"
                if check.status == rules.CheckStatus.CLOSED:
                    # 2. Every closed check's captured payments equal its total.
                    if totals.paid_cents != totals.total_cents:
                        report.violations.append(
                            f"{label} is closed but captured {totals.paid_cents} of "
                            f"{totals.total_cents} cents"
                        )
                elif (
                    check.status == rules.CheckStatus.OPEN
                    and totals.paid_cents > 0
                    and totals.balance_cents <= 0
                    and not reserved
                ):
                    # 3. No ghost: a fully paid check cannot still hold its table.
                    report.violations.append(f"{label} is fully paid but still open (table held)")
                if totals.paid_cents > totals.total_cents:
                    report.violations.append(
                        f"{label} captured {totals.paid_cents}, more than its total "
                        f"{totals.total_cents}"
                    )
            payments = uow.session.scalars(
                select(m.Payment).where(m.Payment.restaurant_id == restaurant.id)
            ).all()
            report.checked["payments"] = report.checked.get("payments", 0) + len(payments)
            for payment in payments:
                if payment.status == PaymentStatus.PENDING:
                    report.warnings.append(
                        f"payment {payment.id} is pending since {payment.created_at:%H:%M:%S} "
                        "(recovery settles it)"
                    )
                if payment.tender == Tender.CARD and payment.status == PaymentStatus.CAPTURED:
                    captured_card[payment.id] = payment.amount_cents + payment.tip_cents
    if processor is not None:
        _reconcile(processor, captured_card, report)
    return report


def _reconcile(processor: CardProcessor, captured: dict[str, int], report: InvariantReport) -> None:
    """4. Every captured card payment has its charge, and every charge has its payment."""
    seen: dict[str, int] = defaultdict(int)
    charges = 0
    try:
        listed = list(processor.charges())
    except ProcessorUnavailableError as error:
        report.violations.append(
            f"could not reconcile: the card processor is unreachable ({error})"
        )
        return
    for charge in listed:
        if not charge.captured:
            continue
        charges += 1
        if charge.attempt_id is None:
            continue  # not made by Tableside
        seen[charge.attempt_id] += 1
        expected = captured.get(charge.attempt_id)
        if expected is None:
            report.violations.append(
                f"processor charge {charge.processor_payment_id} ({charge.amount_cents} cents) "
                f"has no captured payment {charge.attempt_id} in Tableside"
            )
        elif charge.amount_cents != expected:
            report.violations.append(
                f"payment {charge.attempt_id} took {expected} cents but its charge is "
                f"{charge.amount_cents}"
            )
    report.checked["processor_charges"] = charges
    for payment_id in captured:
        if seen[payment_id] == 0:
            report.violations.append(f"captured card payment {payment_id} has no processor charge")
        elif seen[payment_id] > 1:
            report.violations.append(
                f"payment {payment_id} has {seen[payment_id]} processor charges"
            )
