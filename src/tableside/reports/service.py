"""The day's numbers for a manager: what was sold, taken and given back on one business day.

Guarantees:
- Every figure is integer cents (or a count) of the caller's restaurant only.
- The day is the restaurant's local calendar day, midnight to midnight in its timezone
  (a day with a clock change is 23 or 25 hours long).
- Check figures come from the same totals rule every check uses
  (``domain.check.compute_totals``), so the report agrees with every receipt.

What counts where:
- Sales, discounts, tax, total and covers: the checks *closed* during the day (a check
  merged into another is void and counts nowhere; its lines count on the check they joined).
- Tips and the split by tender: payments *captured* during the day, whichever day their
  check closes (a partial payment on a check still open counts the day it was taken).
- Refunds: refunds that succeeded during the day.
- Open checks and pending payments: what this day, or an earlier one, left unsettled and
  is still unsettled now — for today, everything a manager must chase before closing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel
from sqlalchemy import select

from tableside.checks import rules
from tableside.checks import service as check_service
from tableside.core import models as m
from tableside.core.errors import InvalidRequest
from tableside.core.models import utcnow
from tableside.core.unit_of_work import UnitOfWork
from tableside.floor import service as floor
from tableside.payments.rules import PaymentStatus, RefundStatus, Tender
from tableside.restaurants import service as restaurants

# The oldest and newest days a report can be asked for; outside them the arithmetic on
# local midnights would overflow (and no restaurant traded in the year 1).
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(9998, 12, 31)
# Ids per IN (...) list: well below SQLite's and PostgreSQL's limits on bound parameters.
CHUNK = 500


class TenderTotals(BaseModel):
    count: int
    amount_cents: int  # taken off checks' balances
    tip_cents: int  # on top of the amounts


class ByTender(BaseModel):
    card: TenderTotals
    cash: TenderTotals


class RefundTotals(BaseModel):
    count: int
    amount_cents: int


class OpenChecks(BaseModel):
    count: int
    balance_cents: int  # what is still owed on them


class PendingPayments(BaseModel):
    count: int
    amount_cents: int  # reserved against their checks until the processor answers


class ReportPayment(BaseModel):
    """A payment captured during the day: what a manager refunds from."""

    id: str
    check_id: str
    check_number: int
    table_label: str | None  # None: a check without a table
    tender: str
    amount_cents: int
    tip_cents: int
    refunded_cents: int
    settled_at: datetime


class DayReport(BaseModel):
    date: date
    timezone: str
    currency: str
    starts_at: datetime  # local midnight, in UTC
    ends_at: datetime  # the next local midnight, in UTC
    checks_closed: int
    covers: int  # guests on the checks closed
    sales_cents: int  # subtotal of the checks closed, before discounts
    discounts_cents: int  # discounts and comps on them
    tax_cents: int
    total_cents: int  # sales − discounts + tax
    tips_cents: int  # on payments captured during the day
    by_tender: ByTender
    refunds: RefundTotals
    open_checks: OpenChecks
    pending_payments: PendingPayments
    payments: list[ReportPayment]  # captured during the day, oldest first


def parse_day(raw: str | None, today: date) -> date:
    """``YYYY-MM-DD``, or ``today`` when no date is given; anything else is a 422."""
    if raw is None or raw == "":
        return today
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        day = date.fromisoformat(raw)
    except ValueError:
        raise InvalidRequest(
            f"{raw[:40]!r} is not a day: write it as YYYY-MM-DD, e.g. {today.isoformat()}.",
            code="invalid_date",
        ) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidRequest(
            f"Ask for a day between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}.",
            code="invalid_date",
        )
    return day


def restaurant_zone(restaurant: m.Restaurant) -> ZoneInfo:
    try:
        return ZoneInfo(restaurant.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def today_in(restaurant: m.Restaurant) -> date:
    return utcnow().astimezone(restaurant_zone(restaurant)).date()


def day_report(uow: UnitOfWork, day: date) -> DayReport:
    """The numbers of ``day`` (the restaurant's local calendar day). Read-only."""
    restaurant = restaurants.current(uow)
    zone = restaurant_zone(restaurant)
    start = datetime.combine(day, time(0), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)

    closed = [c for c in check_service.closed_between(uow, start, end) if c.status == "closed"]
    closed_totals = _totals(uow, closed, restaurant.tax_rate_bp)
    open_checks = _open_checks_opened_before(uow, end)
    open_totals = _totals(uow, open_checks, restaurant.tax_rate_bp)

    captured = _captured_between(uow, start, end)
    by_tender = {tender: TenderTotals(count=0, amount_cents=0, tip_cents=0) for tender in Tender}
    for payment in captured:
        totals = by_tender[Tender(payment.tender)]
        totals.count += 1
        totals.amount_cents += payment.amount_cents
        totals.tip_cents += payment.tip_cents
    refunds = _refunds_between(uow, start, end)
    pending = _pending_created_before(uow, end)

    return DayReport(
        date=day,
        timezone=zone.key,
        currency=restaurant.currency,
        starts_at=start,
        ends_at=end,
        checks_closed=len(closed),
        covers=sum(c.guests for c in closed),
        sales_cents=sum(t.subtotal_cents for t in closed_totals.values()),
        discounts_cents=sum(t.discount_cents for t in closed_totals.values()),
        tax_cents=sum(t.tax_cents for t in closed_totals.values()),
        total_cents=sum(t.total_cents for t in closed_totals.values()),
        tips_cents=sum(p.tip_cents for p in captured),
        by_tender=ByTender(card=by_tender[Tender.CARD], cash=by_tender[Tender.CASH]),
        refunds=RefundTotals(count=len(refunds), amount_cents=sum(r.amount_cents for r in refunds)),
        open_checks=OpenChecks(
            count=len(open_checks),
            balance_cents=sum(t.balance_cents for t in open_totals.values()),
        ),
        pending_payments=PendingPayments(
            count=len(pending), amount_cents=sum(p.amount_cents for p in pending)
        ),
        payments=_payment_rows(uow, captured),
    )


# --- reading (every query scoped to the unit's restaurant) ----------------------------------


def _totals(
    uow: UnitOfWork, checks: Sequence[m.Check], tax_rate_bp: int
) -> dict[str, rules.CheckTotals]:
    """Each check's totals, read in a handful of queries however many checks there are."""
    ids = [c.id for c in checks]
    lines = _chunked(partial(check_service.lines_of, uow), ids)
    modifiers = _chunked(partial(check_service.line_modifiers, uow), [line.id for line in lines])
    discounts = _chunked(
        lambda chunk: uow.session.scalars(
            select(m.CheckDiscount)
            .where(
                m.CheckDiscount.restaurant_id == uow.restaurant,
                m.CheckDiscount.check_id.in_(chunk),
            )
            .order_by(m.CheckDiscount.created_at)
        ).all(),
        ids,
    )
    payments = _chunked(
        lambda chunk: uow.session.scalars(
            select(m.Payment).where(
                m.Payment.restaurant_id == uow.restaurant,
                m.Payment.check_id.in_(chunk),
                m.Payment.status == PaymentStatus.CAPTURED.value,
            )
        ).all(),
        ids,
    )
    modifiers_per_unit: dict[str, int] = defaultdict(int)
    for modifier in modifiers:
        modifiers_per_unit[modifier.line_id] += modifier.price_cents
    lines_of: dict[str, list[rules.LineAmount]] = defaultdict(list)
    for line in lines:
        lines_of[line.check_id].append(
            rules.LineAmount(
                id=line.id,
                seat=line.seat,
                quantity=line.quantity,
                unit_price_cents=line.unit_price_cents,
                modifiers_cents=modifiers_per_unit[line.id],
                voided=line.voided_at is not None,
                tax_rate_bp=line.tax_rate_bp,
            )
        )
    discounts_of: dict[str, list[rules.Discount]] = defaultdict(list)
    for d in discounts:
        discounts_of[d.check_id].append(
            rules.Discount(
                id=d.id, kind=rules.DiscountKind(d.kind), value=d.value, line_id=d.line_id
            )
        )
    captured_of: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for p in payments:
        captured_of[p.check_id].append((p.amount_cents, p.tip_cents))
    return {
        check_id: rules.compute_totals(
            lines_of[check_id], discounts_of[check_id], tax_rate_bp, captured_of[check_id]
        )
        for check_id in ids
    }


def _open_checks_opened_before(uow: UnitOfWork, end: datetime) -> Sequence[m.Check]:
    return uow.session.scalars(
        select(m.Check).where(
            m.Check.restaurant_id == uow.restaurant,
            m.Check.status == rules.CheckStatus.OPEN.value,
            m.Check.opened_at < end,
        )
    ).all()


def _captured_between(uow: UnitOfWork, start: datetime, end: datetime) -> Sequence[m.Payment]:
    return uow.session.scalars(
        select(m.Payment)
        .where(
            m.Payment.restaurant_id == uow.restaurant,
            m.Payment.status == PaymentStatus.CAPTURED.value,
            m.Payment.settled_at >= start,
            m.Payment.settled_at < end,
        )
        .order_by(m.Payment.settled_at, m.Payment.id)
    ).all()


def _refunds_between(uow: UnitOfWork, start: datetime, end: datetime) -> Sequence[m.Refund]:
    return uow.session.scalars(
        select(m.Refund).where(
            m.Refund.restaurant_id == uow.restaurant,
            m.Refund.status == RefundStatus.SUCCEEDED.value,
            m.Refund.created_at >= start,
            m.Refund.created_at < end,
        )
    ).all()


def _pending_created_before(uow: UnitOfWork, end: datetime) -> Sequence[m.Payment]:
    return uow.session.scalars(
        select(m.Payment).where(
            m.Payment.restaurant_id == uow.restaurant,
            m.Payment.status == PaymentStatus.PENDING.value,
            m.Payment.created_at < end,
        )
    ).all()


def _payment_rows(uow: UnitOfWork, payments: Sequence[m.Payment]) -> list[ReportPayment]:
    check_ids = sorted({p.check_id for p in payments})
    checks = {
        c.id: c
        for c in _chunked(
            lambda chunk: uow.session.scalars(
                select(m.Check).where(
                    m.Check.restaurant_id == uow.restaurant, m.Check.id.in_(chunk)
                )
            ).all(),
            check_ids,
        )
    }
    labels = floor.table_labels(uow)
    rows = []
    for p in payments:
        check = checks[p.check_id]
        assert p.settled_at is not None  # captured payments are settled
        rows.append(
            ReportPayment(
                id=p.id,
                check_id=p.check_id,
                check_number=check.number,
                table_label=labels.get(check.table_id, "?") if check.table_id else None,
                tender=p.tender,
                amount_cents=p.amount_cents,
                tip_cents=p.tip_cents,
                refunded_cents=p.refunded_cents,
                settled_at=p.settled_at,
            )
        )
    return rows


Row = TypeVar("Row")


def _chunked(query: Callable[[list[str]], Iterable[Row]], ids: Sequence[str]) -> list[Row]:
    found: list[Row] = []
    for i in range(0, len(ids), CHUNK):
        found.extend(query(list(ids[i : i + CHUNK])))
    return found
