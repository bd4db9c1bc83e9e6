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
- Refunds: refunds that succeeded during the day; ``net_cents`` is the total less them.
- Open checks and pending payments: what this day, or an earlier one, left unsettled and
  is still unsettled now — for today, everything a manager must chase before closing.
- Voids and discounts (comps are discounts of 100 %), listed one by one with who did them,
  who approved them and why: those on the checks closed during the day (where their sales
  count) and on the checks still open.
- Per server: the checks closed during the day by whoever opened them (seated the table),
  and the tips of the day's captured payments by the server of their check.
- Per order type (dine in, takeout, online, kiosk): the same figures as the day's totals,
  each check, payment and refund counted under its check's type, so the types add up to
  the totals. Asked for one type, the whole report is that type's: every figure and list
  counts only checks of that type (and payments and refunds on them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
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
    check_type: str
    table_label: str | None  # None: a check without a table
    tender: str
    amount_cents: int
    tip_cents: int
    refunded_cents: int
    settled_at: datetime


class ReportVoid(BaseModel):
    """A line taken off a check: who voided it, the manager who approved it (a server's
    void of a sent line), and why."""

    check_id: str
    check_number: int
    check_type: str
    table_label: str | None
    line_id: str
    item: str
    quantity: int
    amount_cents: int  # what the line would have cost
    sent: bool  # the kitchen had it
    reason: str
    voided_at: datetime
    voided_by: str | None  # the staff member's name
    approved_by: str | None  # the approving manager's name, when a server voided it


class ReportDiscount(BaseModel):
    """A discount or comp (``comp``: 100 % off), on one line (``item``) or the whole check."""

    check_id: str
    check_number: int
    check_type: str
    table_label: str | None
    line_id: str | None
    item: str | None  # None: on the whole check
    kind: str  # "amount" or "percent"
    value: int  # cents, or basis points
    comp: bool
    amount_cents: int  # what it takes off
    reason: str
    given_by: str | None
    approved_by: str | None


class ReportRefund(BaseModel):
    """A refund that succeeded during the day."""

    id: str
    payment_id: str
    check_id: str
    check_number: int
    check_type: str
    table_label: str | None
    tender: str
    amount_cents: int
    reason: str  # "" when none was given
    refunded_by: str | None
    approved_by: str | None
    at: datetime


class ServerFigures(BaseModel):
    """One staff member's tables of the day: the checks they opened that closed during it,
    and the tips paid on their checks during it."""

    staff_id: str
    name: str
    checks_closed: int
    covers: int
    sales_cents: int
    discounts_cents: int
    total_cents: int
    tips_cents: int


class TypeFigures(BaseModel):
    """One order type's share of the day: its checks closed during the day, the tips and
    refunds on its checks during it. The types' figures add up to the day's."""

    type: str  # "dine_in", "takeout", "online" or "kiosk"
    checks_closed: int
    covers: int
    sales_cents: int
    discounts_cents: int
    tax_cents: int
    total_cents: int
    tips_cents: int
    refunds_cents: int
    net_cents: int  # total − refunds


class DayReport(BaseModel):
    date: date
    type: str | None  # the one order type the report counts; None: every type
    timezone: str
    currency: str
    starts_at: datetime  # local midnight, in UTC
    ends_at: datetime  # the next local midnight, in UTC
    checks_closed: int
    covers: int  # guests on the checks closed
    sales_cents: int  # subtotal of the checks closed, before discounts
    discounts_cents: int  # discounts and comps on them
    service_charge_cents: int  # the parties' service charges (never taxed)
    tax_cents: int  # all the tax, added or included
    tax_included_cents: int  # the part of tax_cents held in prices that include tax
    total_cents: int  # sales − discounts + service charge + (tax − tax included)
    tips_cents: int  # on payments captured during the day
    by_tender: ByTender
    refunds: RefundTotals
    net_cents: int  # total − refunds
    open_checks: OpenChecks
    pending_payments: PendingPayments
    payments: list[ReportPayment]  # captured during the day, oldest first
    voids: list[ReportVoid]  # oldest first
    discounts: list[ReportDiscount]  # by check, in the order they were given
    refunds_given: list[ReportRefund]  # oldest first
    servers: list[ServerFigures]  # by name
    by_type: list[TypeFigures]  # every type the report counts, dine in first


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


def parse_type(raw: str | None) -> rules.CheckType | None:
    """One order type to report on (``dine_in``, ``takeout``, ``online``, ``kiosk``), or
    None for every type; anything else is a 422."""
    if raw is None or raw == "":
        return None
    try:
        return rules.CheckType(raw)
    except ValueError:
        choices = ", ".join(t.value for t in rules.CheckType)
        raise InvalidRequest(
            f"{raw[:40]!r} is not an order type: ask for one of {choices}.",
            code="invalid_type",
        ) from None


def day_report(uow: UnitOfWork, day: date, check_type: rules.CheckType | None = None) -> DayReport:
    """The numbers of ``day`` (the restaurant's local calendar day), of every order type or
    of ``check_type``'s checks only. Read-only."""
    restaurant = restaurants.current(uow)
    zone = restaurant_zone(restaurant)
    start = datetime.combine(day, time(0), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    counted = [check_type] if check_type else list(rules.CheckType)
    kinds = {t.value for t in counted}

    closed = [
        c
        for c in check_service.closed_between(uow, start, end)
        if c.status == "closed" and c.type in kinds
    ]
    open_checks = [c for c in _open_checks_opened_before(uow, end) if c.type in kinds]
    contents = _contents(uow, [*closed, *open_checks])
    closed_totals = _totals(contents, closed, restaurant.tax_rate_bp)
    open_totals = _totals(contents, open_checks, restaurant.tax_rate_bp)
    tax_cents = sum(t.tax_cents for t in closed_totals.values())

    captured = _captured_between(uow, start, end)
    refunds = _refunds_between(uow, start, end)
    pending = _pending_created_before(uow, end)
    refunded_payments = _payments_by_id(uow, [r.payment_id for r in refunds])
    checks_by_id = {
        c.id: c
        for c in _checks_by_id(
            uow, [p.check_id for p in [*captured, *pending, *refunded_payments.values()]]
        )
    }
    checks_by_id.update({c.id: c for c in [*closed, *open_checks]})
    # Payments and refunds count under their check's type.
    captured = [p for p in captured if checks_by_id[p.check_id].type in kinds]
    pending = [p for p in pending if checks_by_id[p.check_id].type in kinds]
    refunds = [
        r for r in refunds if checks_by_id[refunded_payments[r.payment_id].check_id].type in kinds
    ]

    by_tender = {tender: TenderTotals(count=0, amount_cents=0, tip_cents=0) for tender in Tender}
    for payment in captured:
        totals = by_tender[Tender(payment.tender)]
        totals.count += 1
        totals.amount_cents += payment.amount_cents
        totals.tip_cents += payment.tip_cents
    names = _staff_names(uow)
    labels = floor.table_labels(uow)
    total_cents = sum(t.total_cents for t in closed_totals.values())
    refunded_cents = sum(r.amount_cents for r in refunds)

    return DayReport(
        date=day,
        type=check_type.value if check_type else None,
        timezone=zone.key,
        currency=restaurant.currency,
        starts_at=start,
        ends_at=end,
        checks_closed=len(closed),
        covers=sum(c.guests for c in closed),
        sales_cents=sum(t.subtotal_cents for t in closed_totals.values()),
        discounts_cents=sum(t.discount_cents for t in closed_totals.values()),
        service_charge_cents=sum(t.service_charge_cents for t in closed_totals.values()),
        tax_cents=tax_cents,
        tax_included_cents=sum(t.tax_cents for t in closed_totals.values() if t.tax_included),
        total_cents=total_cents,
        tips_cents=sum(p.tip_cents for p in captured),
        by_tender=ByTender(card=by_tender[Tender.CARD], cash=by_tender[Tender.CASH]),
        refunds=RefundTotals(count=len(refunds), amount_cents=refunded_cents),
        net_cents=total_cents - refunded_cents,
        open_checks=OpenChecks(
            count=len(open_checks),
            balance_cents=sum(t.balance_cents for t in open_totals.values()),
        ),
        pending_payments=PendingPayments(
            count=len(pending), amount_cents=sum(p.amount_cents for p in pending)
        ),
        payments=_payment_rows(checks_by_id, labels, captured),
        voids=_voids(contents, [*closed, *open_checks], labels, names),
        discounts=_discounts(contents, [*closed, *open_checks], labels, names),
        refunds_given=_refund_rows(refunds, refunded_payments, checks_by_id, labels, names),
        servers=_servers(closed, closed_totals, captured, checks_by_id, names),
        by_type=_by_type(
            counted, closed, closed_totals, captured, refunds, refunded_payments, checks_by_id
        ),
    )


def _by_type(
    counted: Sequence[rules.CheckType],
    closed: Sequence[m.Check],
    totals: dict[str, rules.CheckTotals],
    captured: Sequence[m.Payment],
    refunds: Sequence[m.Refund],
    refunded_payments: dict[str, m.Payment],
    checks: dict[str, m.Check],
) -> list[TypeFigures]:
    figures = {
        t.value: TypeFigures(
            type=t.value,
            checks_closed=0,
            covers=0,
            sales_cents=0,
            discounts_cents=0,
            tax_cents=0,
            total_cents=0,
            tips_cents=0,
            refunds_cents=0,
            net_cents=0,
        )
        for t in counted
    }
    for check in closed:
        of, check_totals = figures[check.type], totals[check.id]
        of.checks_closed += 1
        of.covers += check.guests
        of.sales_cents += check_totals.subtotal_cents
        of.discounts_cents += check_totals.discount_cents
        of.tax_cents += check_totals.tax_cents
        of.total_cents += check_totals.total_cents
    for payment in captured:
        figures[checks[payment.check_id].type].tips_cents += payment.tip_cents
    for refund in refunds:
        paid = refunded_payments[refund.payment_id]
        figures[checks[paid.check_id].type].refunds_cents += refund.amount_cents
    for of in figures.values():
        of.net_cents = of.total_cents - of.refunds_cents
    return list(figures.values())


# --- reading (every query scoped to the unit's restaurant) ----------------------------------


@dataclass
class _Contents:
    """The lines, discounts and captured payments of a set of checks, read together."""

    lines: dict[str, list[m.CheckLine]]  # by check, in order
    amounts: dict[str, list[rules.LineAmount]]  # by check, as the totals take them
    discounts: dict[str, list[m.CheckDiscount]]  # by check, in the order given
    captured: dict[str, list[tuple[int, int]]]  # (amount, tip) by check


def _contents(uow: UnitOfWork, checks: Sequence[m.Check]) -> _Contents:
    """Read in a handful of queries however many checks there are."""
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
    contents = _Contents(defaultdict(list), defaultdict(list), defaultdict(list), defaultdict(list))
    for line in sorted(lines, key=lambda line: (line.check_id, line.position, line.id)):
        contents.lines[line.check_id].append(line)
        contents.amounts[line.check_id].append(
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
    for d in discounts:
        contents.discounts[d.check_id].append(d)
    for p in payments:
        contents.captured[p.check_id].append((p.amount_cents, p.tip_cents))
    return contents


def _domain_discounts(rows: Sequence[m.CheckDiscount]) -> list[rules.Discount]:
    return [
        rules.Discount(id=d.id, kind=rules.DiscountKind(d.kind), value=d.value, line_id=d.line_id)
        for d in rows
    ]


def _totals(
    contents: _Contents, checks: Sequence[m.Check], tax_rate_bp: int
) -> dict[str, rules.CheckTotals]:
    """Each check's totals, by the rule every check and receipt uses, with the pricing each
    check was opened with."""
    return {
        c.id: rules.compute_totals(
            contents.amounts[c.id],
            _domain_discounts(contents.discounts[c.id]),
            rules.Pricing(tax_rate_bp, c.prices_include_tax, c.service_charge_bp),
            contents.captured[c.id],
        )
        for c in checks
    }


def _discount_amounts(
    lines: Sequence[rules.LineAmount], discounts: Sequence[rules.Discount]
) -> dict[str, int]:
    """What each discount takes off, as ``compute_totals`` applies them: line discounts in
    order to what is left of their line, then check discounts to what is left of the check."""
    taken = dict(rules.check_discount_amounts(lines, discounts))
    by_id = {line.id: line for line in lines}
    applied: dict[str, list[rules.Discount]] = defaultdict(list)
    for discount in discounts:
        line = by_id.get(discount.line_id or "")
        if line is None:
            continue
        before = rules.line_net_amounts([line], applied[line.id])[line.id]
        applied[line.id].append(discount)
        taken[discount.id] = before - rules.line_net_amounts([line], applied[line.id])[line.id]
    return taken


def _label(check: m.Check, labels: dict[str, str]) -> str | None:
    return labels.get(check.table_id, "?") if check.table_id else None


def _voids(
    contents: _Contents,
    checks: Sequence[m.Check],
    labels: dict[str, str],
    names: dict[str, str],
) -> list[ReportVoid]:
    found = []
    for check in checks:
        amounts = {a.id: a for a in contents.amounts[check.id]}
        for line in contents.lines[check.id]:
            if line.voided_at is None:
                continue
            worth = replace(amounts[line.id], voided=False).total_cents
            found.append(
                ReportVoid(
                    check_id=check.id,
                    check_number=check.number,
                    check_type=check.type,
                    table_label=_label(check, labels),
                    line_id=line.id,
                    item=line.name,
                    quantity=line.quantity,
                    amount_cents=worth,
                    sent=line.sent_at is not None,
                    reason=line.void_reason or "",
                    voided_at=line.voided_at,
                    voided_by=names.get(line.voided_by or ""),
                    approved_by=names.get(line.void_approved_by or ""),
                )
            )
    return sorted(found, key=lambda v: (v.voided_at, v.line_id))


def _discounts(
    contents: _Contents,
    checks: Sequence[m.Check],
    labels: dict[str, str],
    names: dict[str, str],
) -> list[ReportDiscount]:
    found = []
    for check in checks:
        rows = contents.discounts[check.id]
        if not rows:
            continue
        taken = _discount_amounts(contents.amounts[check.id], _domain_discounts(rows))
        items = {line.id: line.name for line in contents.lines[check.id]}
        for d in rows:
            found.append(
                ReportDiscount(
                    check_id=check.id,
                    check_number=check.number,
                    check_type=check.type,
                    table_label=_label(check, labels),
                    line_id=d.line_id,
                    item=items.get(d.line_id) if d.line_id else None,
                    kind=d.kind,
                    value=d.value,
                    comp=d.kind == rules.DiscountKind.PERCENT and d.value == 10_000,
                    amount_cents=taken.get(d.id, 0),
                    reason=d.reason,
                    given_by=names.get(d.created_by),
                    approved_by=names.get(d.approved_by or ""),
                )
            )
    return found


def _refund_rows(
    refunds: Sequence[m.Refund],
    payments: dict[str, m.Payment],
    checks: dict[str, m.Check],
    labels: dict[str, str],
    names: dict[str, str],
) -> list[ReportRefund]:
    rows = []
    for r in sorted(refunds, key=lambda r: (r.created_at, r.id)):
        payment = payments[r.payment_id]
        check = checks[payment.check_id]
        rows.append(
            ReportRefund(
                id=r.id,
                payment_id=payment.id,
                check_id=check.id,
                check_number=check.number,
                check_type=check.type,
                table_label=_label(check, labels),
                tender=payment.tender,
                amount_cents=r.amount_cents,
                reason=r.reason,
                refunded_by=names.get(r.created_by),
                approved_by=names.get(r.approved_by or ""),
                at=r.created_at,
            )
        )
    return rows


def _servers(
    closed: Sequence[m.Check],
    totals: dict[str, rules.CheckTotals],
    captured: Sequence[m.Payment],
    checks: dict[str, m.Check],
    names: dict[str, str],
) -> list[ServerFigures]:
    figures: dict[str, ServerFigures] = {}

    def of(staff_id: str) -> ServerFigures:
        if staff_id not in figures:
            figures[staff_id] = ServerFigures(
                staff_id=staff_id,
                name=names.get(staff_id, "?"),
                checks_closed=0,
                covers=0,
                sales_cents=0,
                discounts_cents=0,
                total_cents=0,
                tips_cents=0,
            )
        return figures[staff_id]

    for check in closed:
        server, check_totals = of(check.opened_by), totals[check.id]
        server.checks_closed += 1
        server.covers += check.guests
        server.sales_cents += check_totals.subtotal_cents
        server.discounts_cents += check_totals.discount_cents
        server.total_cents += check_totals.total_cents
    for payment in captured:
        of(checks[payment.check_id].opened_by).tips_cents += payment.tip_cents
    return sorted(figures.values(), key=lambda f: (f.name, f.staff_id))


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


def _payment_rows(
    checks: dict[str, m.Check], labels: dict[str, str], payments: Sequence[m.Payment]
) -> list[ReportPayment]:
    rows = []
    for p in payments:
        check = checks[p.check_id]
        assert p.settled_at is not None  # captured payments are settled
        rows.append(
            ReportPayment(
                id=p.id,
                check_id=p.check_id,
                check_number=check.number,
                check_type=check.type,
                table_label=_label(check, labels),
                tender=p.tender,
                amount_cents=p.amount_cents,
                tip_cents=p.tip_cents,
                refunded_cents=p.refunded_cents,
                settled_at=p.settled_at,
            )
        )
    return rows


def _checks_by_id(uow: UnitOfWork, ids: Iterable[str]) -> list[m.Check]:
    return _chunked(
        lambda chunk: uow.session.scalars(
            select(m.Check).where(m.Check.restaurant_id == uow.restaurant, m.Check.id.in_(chunk))
        ).all(),
        sorted(set(ids)),
    )


def _payments_by_id(uow: UnitOfWork, ids: Iterable[str]) -> dict[str, m.Payment]:
    found = _chunked(
        lambda chunk: uow.session.scalars(
            select(m.Payment).where(
                m.Payment.restaurant_id == uow.restaurant, m.Payment.id.in_(chunk)
            )
        ).all(),
        sorted(set(ids)),
    )
    return {p.id: p for p in found}


def _staff_names(uow: UnitOfWork) -> dict[str, str]:
    """Everyone who ever worked here, by id (those no longer active too: history keeps them)."""
    rows = uow.session.execute(
        select(m.Staff.id, m.Staff.name).where(m.Staff.restaurant_id == uow.restaurant)
    ).all()
    return {staff_id: name for staff_id, name in rows}


Row = TypeVar("Row")


def _chunked(query: Callable[[list[str]], Iterable[Row]], ids: Sequence[str]) -> list[Row]:
    found: list[Row] = []
    for i in range(0, len(ids), CHUNK):
        found.extend(query(list(ids[i : i + CHUNK])))
    return found
