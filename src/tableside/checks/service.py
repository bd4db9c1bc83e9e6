"""Checks: ring lines by seat, void, discount and comp, fire to the kitchen, read totals.

Guarantees: prices come from the menu on the server, snapshotted when a line is rung (menu
changes never touch rung lines); only an open check changes; every change is audited and
announced in the same transaction as the change itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError

from tableside.checks import rules
from tableside.checks import split_plan as split_rules
from tableside.checks.repository import (
    ONE_OPEN_CHECK_PER_TABLE,
    Checks,
    Contents,
    insert_numbered_check,
)
from tableside.checks.schemas import (
    CheckView,
    DiscountView,
    LineModifierView,
    LineView,
    PaymentView,
    SplitPartView,
    SplitView,
)
from tableside.core import batched
from tableside.core import models as m
from tableside.core.access import Principal
from tableside.core.counters import increment_counter
from tableside.core.deferred import Returned
from tableside.core.errors import Conflict, InvalidRequest, NotFound
from tableside.core.models import new_id, utcnow
from tableside.core.rows import (
    CheckHead,
    DiscountRow,
    LineRow,
    MenuItemRow,
    ModifierChoice,
    ModifierRow,
)
from tableside.core.unit_of_work import UnitOfWork
from tableside.menu import service as menu
from tableside.payments.rules import PaymentStatus, payable_cents
from tableside.restaurants import service as restaurants
from tableside.staff import service as staff
from tableside.staff.schemas import StaffView


@dataclass(frozen=True)
class NewLine:
    menu_item_id: str
    seat: int = 1
    quantity: int = 1
    modifier_option_ids: tuple[str, ...] = ()
    note: str = ""


class CheckLike(Protocol):
    """The check whose rows and totals are read: an ORM ``Check`` or a Core ``CheckHead``."""

    @property
    def id(self) -> str: ...


class PaymentLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def tender(self) -> str: ...
    @property
    def amount_cents(self) -> int: ...
    @property
    def tip_cents(self) -> int: ...
    @property
    def change_cents(self) -> int: ...
    @property
    def refunded_cents(self) -> int: ...
    @property
    def split_part(self) -> int | None: ...
    @property
    def failure_code(self) -> str | None: ...
    @property
    def failure_message(self) -> str | None: ...


@dataclass
class CheckRows:
    """A check's lines, modifiers, discounts and payments as read once in a unit (as plain
    Core rows: core/rows.py).

    Only for a caller that holds the check's row lock and changes none of them except its
    own payment in ``payments`` (a settle appends it, or applies its outcome): then nothing
    else can change them either, and the totals and the view need not read them again."""

    lines: Sequence[LineRow]
    modifiers: Sequence[ModifierRow]
    discounts: Sequence[DiscountRow]
    payments: list[PaymentLike]


def check_rows(uow: UnitOfWork, check: CheckLike) -> CheckRows:
    lines, modifiers, discounts, payments = Checks.of(uow).contents(check.id)
    return CheckRows(lines, modifiers, discounts, list(payments))


def read_check(
    uow: UnitOfWork,
    check_id: str,
    *,
    lock: bool = False,
    wait: bool = False,
    also: Sequence[batched.Read] = (),
) -> tuple[CheckHead, CheckRows, list[batched.Rows]]:
    """The check (locked if asked: see ``Checks.head``), its rows and the ``also`` reads,
    all read in one round trip."""
    head, (lines, modifiers, discounts, payments), extra = Checks.of(uow).read(
        check_id, lock=lock, wait=wait, also=also
    )
    return head, CheckRows(lines, modifiers, discounts, list(payments)), extra


def check_totals(
    uow: UnitOfWork, check: CheckLike, rows: CheckRows | None = None
) -> tuple[rules.CheckTotals, int]:
    """The check's totals and what pending payments reserve of its balance."""
    rows = rows or check_rows(uow, check)
    return _totals(rows, _line_amounts(rows.lines, rows.modifiers), pricing_of(uow, check))


def _totals(
    rows: CheckRows, amounts: list[rules.LineAmount], pricing: rules.Pricing
) -> tuple[rules.CheckTotals, int]:
    totals = rules.compute_totals(
        amounts,
        _discounts(rows.discounts),
        pricing,
        [
            (p.amount_cents, p.tip_cents)
            for p in rows.payments
            if p.status == PaymentStatus.CAPTURED
        ],
    )
    reserved = sum(p.amount_cents for p in rows.payments if p.status == PaymentStatus.PENDING)
    return totals, reserved


def pricing_of(uow: UnitOfWork, check: CheckLike) -> rules.Pricing:
    """How the check's prices add up: taken when it was opened (the default tax rate, for
    lines rung without one, is the restaurant's)."""
    if isinstance(check, CheckHead):
        return head_pricing(check)
    assert isinstance(check, m.Check)
    return rules.Pricing(
        restaurants.tax_rate_bp(uow), check.prices_include_tax, check.service_charge_bp
    )


def head_pricing(check: CheckHead) -> rules.Pricing:
    return rules.Pricing(check.tax_rate_bp, check.prices_include_tax, check.service_charge_bp)


def view(uow: UnitOfWork, check: CheckHead, rows: CheckRows | None = None) -> CheckView:
    """The check as terminals see it: totals computed from its rows, never stored."""
    rows = rows or check_rows(uow, check)
    amounts = _line_amounts(rows.lines, rows.modifiers)
    totals, reserved = _totals(rows, amounts, head_pricing(check))
    mods_by_line: dict[str, list[ModifierRow]] = defaultdict(list)
    for modifier in rows.modifiers:
        mods_by_line[modifier.line_id].append(modifier)
    amount_by_id = {amount.id: amount for amount in amounts}
    return CheckView(
        id=check.id,
        number=check.number,
        type=check.type,
        table_id=check.table_id,
        table_label=check.table_label,
        guest_name=check.guest_name,
        guest_phone=check.guest_phone,
        status=check.status,
        guests=check.guests,
        opened_at=check.opened_at,
        closed_at=check.closed_at,
        lines=[
            LineView(
                id=line.id,
                seat=line.seat,
                menu_item_id=line.menu_item_id,
                name=line.name,
                quantity=line.quantity,
                unit_price_cents=line.unit_price_cents,
                modifiers=[
                    LineModifierView(id=mod.option_id, name=mod.name, price_cents=mod.price_cents)
                    for mod in mods_by_line[line.id]
                ],
                note=line.note,
                total_cents=amount_by_id[line.id].total_cents,
                sent=line.sent_at is not None,
                ticket_id=line.ticket_id,
                voided=line.voided_at is not None,
                void_reason=line.void_reason,
            )
            for line in rows.lines
        ],
        discounts=[
            DiscountView(id=d.id, line_id=d.line_id, kind=d.kind, value=d.value, reason=d.reason)
            for d in rows.discounts
        ],
        subtotal_cents=totals.subtotal_cents,
        discount_cents=totals.discount_cents,
        service_charge_cents=totals.service_charge_cents,
        service_charge_bp=check.service_charge_bp,
        tax_cents=totals.tax_cents,
        tax_included=totals.tax_included,
        total_cents=totals.total_cents,
        tip_cents=totals.tip_cents,
        paid_cents=totals.paid_cents,
        balance_cents=totals.balance_cents,
        payable_cents=payable_cents(totals.balance_cents, reserved)
        if check.status == rules.CheckStatus.OPEN
        else 0,
        payments=[payment_view(p) for p in rows.payments],
        split=_split_view(check, rows.payments),
    )


def payment_view(payment: PaymentLike) -> PaymentView:
    """A payment attempt as terminals see it."""
    return PaymentView(
        id=payment.id,
        status=payment.status,
        tender=payment.tender,
        amount_cents=payment.amount_cents,
        tip_cents=payment.tip_cents,
        change_cents=payment.change_cents,
        refunded_cents=payment.refunded_cents,
        split_part=payment.split_part,
        failure_code=payment.failure_code,
        failure_message=payment.failure_message,
    )


def _split_view(check: CheckHead, payments: Sequence[PaymentLike]) -> SplitView | None:
    parts = split_rules.standing(check.split_plan, payments)
    if parts is None:
        return None
    assert check.split_plan is not None
    return SplitView(
        kind=check.split_plan["kind"],
        parts=[
            SplitPartView(
                part=part.part,
                label=part.label,
                amount_cents=part.amount_cents,
                paid_cents=part.paid_cents,
                left_cents=part.payable_cents,
                paid=part.paid,
            )
            for part in parts
        ],
    )


def _line_amounts(
    lines: Sequence[LineRow], modifiers: Sequence[ModifierRow]
) -> list[rules.LineAmount]:
    per_unit: dict[str, int] = defaultdict(int)
    for modifier in modifiers:
        per_unit[modifier.line_id] += modifier.price_cents
    return [
        rules.LineAmount(
            id=line.id,
            seat=line.seat,
            quantity=line.quantity,
            unit_price_cents=line.unit_price_cents,
            modifiers_cents=per_unit[line.id],
            voided=line.voided_at is not None,
            tax_rate_bp=line.tax_rate_bp,
        )
        for line in lines
    ]


def _discounts(rows: Sequence[DiscountRow]) -> list[rules.Discount]:
    return [
        rules.Discount(id=d.id, kind=rules.DiscountKind(d.kind), value=d.value, line_id=d.line_id)
        for d in rows
    ]


def line_amounts_of(rows: CheckRows) -> tuple[list[rules.LineAmount], list[rules.Discount]]:
    """The check's lines and discounts as the domain's totals take them."""
    return _line_amounts(rows.lines, rows.modifiers), _discounts(rows.discounts)


def get_check(uow: UnitOfWork, check_id: str) -> CheckView:
    """One check of the caller's restaurant (404 for any other); a check merged into
    another names it."""
    head, rows, _ = read_check(uow, check_id)
    current = view(uow, head, rows)
    if head.status == rules.CheckStatus.VOID:
        current.merged_into = Checks.of(uow).get(check_id).merged_into
    return current


def add_line(uow: UnitOfWork, who: Principal, check_id: str, new: NewLine) -> CheckView:
    """Ring a menu item onto a seat at the menu's current prices (modifier upcharges included)."""
    return add_lines(uow, who, check_id, [new])


def add_lines(
    uow: UnitOfWork, who: Principal, check_id: str, lines: Sequence[NewLine]
) -> CheckView:
    """Ring several menu items at once (a guest's whole order), each as ``add_line`` rings
    one: one read of the check under its lock with every item and its choices, one view,
    one announcement. Any line refused refuses them all."""
    if not lines:
        raise InvalidRequest("Ring at least one item.", code="no_items")
    for new in lines:
        rules.validate_seat_and_quantity(new.seat, new.quantity)
        if len(new.note) > 500:
            raise InvalidRequest("A note can be at most 500 characters.")
    # Read once under the check's lock, with each item and its choices: the view below is
    # these rows plus the new lines.
    item_ids = list(dict.fromkeys(new.menu_item_id for new in lines))
    per_item = [menu.item_reads(uow, item_id) for item_id in item_ids]
    check, rows, found = read_check(
        uow, check_id, lock=True, also=[read for reads in per_item for read in reads]
    )
    rules.require_open(rules.CheckStatus(check.status))
    answers = iter(found)  # in the order asked: each item's reads, item after item
    menu_rows = {
        item_id: [next(answers) for _ in reads]
        for item_id, reads in zip(item_ids, per_item, strict=True)
    }
    now = utcnow()
    position = max((x.position for x in rows.lines), default=0)
    added: list[LineRow] = []
    chosen: list[ModifierRow] = []
    for new in lines:
        item_rows, choice_rows = menu_rows[new.menu_item_id]
        item = _orderable_item(uow, new.menu_item_id, item_rows)
        options = _chosen_options(item, menu.choices_found(choice_rows), new.modifier_option_ids)
        position += 1
        line = LineRow(
            id=new_id("ln"),
            seat=new.seat,
            menu_item_id=item.id,
            name=item.name,
            quantity=new.quantity,
            unit_price_cents=item.price_cents,
            note=new.note.strip(),
            ticket_id=None,
            sent_at=None,
            voided_at=None,
            void_reason=None,
            position=position,
            tax_rate_bp=item.tax_rate_bp,
        )
        added.append(line)
        chosen.extend(ModifierRow(line.id, o.option_id, o.name, o.price_cents) for o in options)
    for line in added:
        Checks.of(uow).insert_line(line, check_id=check.id, created_by=who.staff_id, at=now)
        uow.audit(
            "line.added",
            "check",
            check.id,
            line_id=line.id,
            item=line.name,
            seat=line.seat,
            quantity=line.quantity,
        )
    Checks.of(uow).insert_modifiers(chosen, [new_id("lm") for _ in chosen])
    Checks.of(uow).set_split_plan(check.id, None)  # the parts no longer add up
    rows = CheckRows(
        [*rows.lines, *added], [*rows.modifiers, *chosen], rows.discounts, rows.payments
    )
    return announce(uow, view(uow, replace(check, split_plan=None), rows))


def _orderable_item(uow: UnitOfWork, item_id: str, rows: batched.Rows) -> MenuItemRow:
    try:
        item = menu.item_found(item_id, rows)
    except NotFound as error:
        raise InvalidRequest(f"There is no menu item {item_id!r}.", code="unknown_item") from error
    if not item.available:
        raise InvalidRequest(f"{item.name} is 86'd (not available right now).", code="item_86d")
    return item


@dataclass(frozen=True)
class _Option:
    option_id: str
    group_id: str
    name: str
    price_cents: int


def _chosen_options(
    item: MenuItemRow, choices: Sequence[ModifierChoice], option_ids: Sequence[str]
) -> list[_Option]:
    if len(set(option_ids)) != len(option_ids):
        raise InvalidRequest("A modifier option was chosen twice.", code="bad_modifiers")
    groups = {c.group_id: c for c in choices}  # in menu order
    by_id = {
        c.option_id: _Option(
            c.option_id, c.group_id, c.option_name or "", c.option_price_cents or 0
        )
        for c in choices
        if c.option_id is not None
    }
    unknown = [oid for oid in option_ids if oid not in by_id]
    if unknown:
        raise InvalidRequest(
            f"{item.name} has no modifier option {unknown[0]!r}.", code="bad_modifiers"
        )
    chosen = [by_id[oid] for oid in option_ids]
    for group in groups.values():
        count = sum(1 for option in chosen if option.group_id == group.group_id)
        if not group.min_choices <= count <= group.max_choices:
            wanted = (
                f"exactly {group.min_choices}"
                if group.min_choices == group.max_choices
                else f"between {group.min_choices} and {group.max_choices}"
            )
            raise InvalidRequest(
                f"{item.name}: choose {wanted} of “{group.group_name}” (you chose {count}).",
                code="bad_modifiers",
            )
    return chosen


def void_line(
    uow: UnitOfWork,
    who: Principal,
    check_id: str,
    line_id: str,
    reason: str,
    approval: staff.Approval | None = None,
) -> CheckView:
    """Take a line off the check. A line already fired needs a reason, and a manager: the
    caller, or one who approves a server's void with their PIN (both are recorded).

    The line stays on the check and on its kitchen ticket, marked voided, and counts zero;
    a void never takes the total below what has been paid (or is being paid).
    """
    approver = staff.approving_manager(uow, who, approval)  # before anything is written
    check = Checks.of(uow).get(check_id, lock=True)
    rules.require_open(rules.CheckStatus(check.status))
    line = Checks.of(uow).line(check.id, line_id)
    if line.voided_at is not None:
        raise InvalidRequest("This line is already voided.", code="already_voided")
    if line.sent_at is not None:
        if not reason.strip():
            raise InvalidRequest("Say why this line is voided.", code="reason_required")
        staff.require_manager(who, approver, "void a line the kitchen already has")
    line.voided_at = utcnow()
    line.voided_by = who.staff_id
    line.void_approved_by = approver.id if approver else None
    line.void_reason = reason.strip() or "removed before sending"
    uow.session.flush()
    after, reserved = check_totals(uow, check)
    if after.balance_cents < reserved:
        raise Conflict(
            "Voiding this line would take the check below what has already been paid;"
            " refund the payment first.",
            code="void_exceeds_balance",
        )
    check.version += 1
    check.split_plan = None  # the parts no longer add up
    uow.audit(
        "line.voided",
        "check",
        check.id,
        line_id=line.id,
        item=line.name,
        reason=line.void_reason,
        sent=line.sent_at is not None,
        **_approved(approver),
    )
    if line.ticket_id is not None:
        uow.emit(
            "ticket.updated",
            {"ticket_id": line.ticket_id, "check_id": check.id, "line_id": line.id, "voided": True},
        )
    return _announce(uow, check)


def add_discount(
    uow: UnitOfWork,
    who: Principal,
    check_id: str,
    kind: rules.DiscountKind,
    value: int,
    reason: str,
    line_id: str | None = None,
    approval: staff.Approval | None = None,
) -> CheckView:
    """A manager's discount or comp (100 % = comp), on a line or on the whole check: the
    caller's, or a server's that a manager approves with their PIN (both are recorded).

    An amount takes exactly its value off and never more than is left of its line or check;
    a percentage applies to what is left. Never below what has been paid. Audited.
    """
    approver = staff.approving_manager(uow, who, approval)  # before anything is written
    rules.validate_discount(kind, value)
    if not reason.strip():
        raise InvalidRequest("Say why this is discounted.", code="reason_required")
    staff.require_manager(who, approver, "give a discount or comp")
    check = Checks.of(uow).get(check_id, lock=True)
    rules.require_open(rules.CheckStatus(check.status))
    if line_id is not None:
        line = Checks.of(uow).line(check.id, line_id)
        if line.voided_at is not None:
            raise InvalidRequest("A voided line cannot be discounted.", code="already_voided")
    rows = check_rows(uow, check)
    lines, discounts = line_amounts_of(rows)
    new = rules.Discount(id=new_id("dc"), kind=kind, value=value, line_id=line_id)
    rules.validate_new_discount(lines, discounts, new)
    totals, reserved = check_totals(uow, check, rows)
    discount = m.CheckDiscount(
        id=new.id,
        restaurant_id=who.restaurant_id,
        check_id=check.id,
        line_id=line_id,
        kind=kind.value,
        value=value,
        reason=reason.strip(),
        created_by=who.staff_id,
        approved_by=approver.id if approver else None,
        created_at=utcnow(),
    )
    uow.session.add(discount)
    uow.session.flush()
    after, _ = check_totals(uow, check)
    if after.balance_cents < reserved:
        raise InvalidRequest(
            "This discount would take the check below what has already been paid.",
            code="discount_exceeds_balance",
        )
    check.version += 1
    check.split_plan = None  # the parts no longer add up
    uow.audit(
        "discount.added",
        "check",
        check.id,
        discount_id=discount.id,
        kind=kind.value,
        value=value,
        reason=discount.reason,
        line_id=line_id,
        total_before=totals.total_cents,
        total_after=after.total_cents,
        **_approved(approver),
    )
    return _announce(uow, check)


def _approved(approver: StaffView | None) -> dict[str, str]:
    """The audit's record of the manager who approved a server's request, if one did."""
    if approver is None:
        return {}
    return {"approved_by": approver.id, "approved_by_name": approver.name}


def _announce(uow: UnitOfWork, check: m.Check) -> CheckView:
    """Emit ``check.updated`` for a check this unit changed as an ORM entity (the head and
    rows are read after its changes are written)."""
    return announce(uow, view(uow, Checks.of(uow).head(check.id)))


def announce(uow: UnitOfWork, current: CheckView) -> CheckView:
    """Emit ``check.updated`` for the check as ``current`` shows it."""
    uow.emit(
        "check.updated",
        {
            "check_id": current.id,
            "table_id": current.table_id,
            "type": current.type,
            "status": current.status,
            "balance_cents": current.balance_cents,
            "total_cents": current.total_cents,
        },
    )
    return current


# --- what the floor and the kitchen ask of checks -------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckAmounts:
    total_cents: int
    paid_cents: int
    balance_cents: int
    items: int  # how many things were ordered (voided lines not counted)


def open_check_amounts(
    uow: UnitOfWork, also: Sequence[batched.Read] = ()
) -> tuple[dict[str, CheckAmounts], list[batched.Rows]]:
    """The total, paid and balance of every open check (at a table or not), computed from
    the same rows by the same code as its view, with the ``also`` reads' rows: one round
    trip."""
    found, extra = Checks.of(uow).open_now(also)
    return {head.id: _amounts(uow, head, contents) for head, contents in found}, extra


def check_amounts(uow: UnitOfWork, check_ids: Sequence[str]) -> dict[str, CheckAmounts]:
    """The amounts of these checks, open or not, computed as their views compute them (a
    check of another restaurant is absent)."""
    return {head.id: _amounts(uow, head, found) for head, found in Checks.of(uow).named(check_ids)}


def _amounts(uow: UnitOfWork, head: CheckHead, contents: Contents) -> CheckAmounts:
    lines, modifiers, discounts, payments = contents
    totals, _ = check_totals(uow, head, CheckRows(lines, modifiers, discounts, list(payments)))
    items = sum(line.quantity for line in lines if line.voided_at is None)
    return CheckAmounts(totals.total_cents, totals.paid_cents, totals.balance_cents, items)


def has_open_check(uow: UnitOfWork, table_id: str) -> bool:
    return Checks.of(uow).has_open_check(table_id)


def open_check(uow: UnitOfWork, values: dict[str, Any]) -> None:
    """Insert a new open check (its number already taken). A second open check on the same
    table breaks the one-open-check-per-table index: ``IntegrityError``."""
    Checks.of(uow).insert_check(values)


def open_numbered_check(uow: UnitOfWork, values: dict[str, Any], occupied: Conflict) -> Returned:
    """Insert a new open check, numbered with the next number of its business date: the
    number is ``.value`` of the answer once the unit has committed. A second open check on
    the table raises ``occupied``.

    On PostgreSQL the check's insert takes the number itself and is sent with the commit
    (``defer_returning``), so the restaurant's counter row is locked only while PostgreSQL
    commits: seatings in one restaurant do not wait for each other's requests to finish. On
    SQLite a unit holds the one write lock from its start, so the number is taken at once.
    """
    values = values | {"restaurant_id": uow.restaurant}
    if not uow.db.is_sqlite:
        return uow.defer_returning(
            insert_numbered_check(tuple(sorted(values))),
            values,
            refused=(ONE_OPEN_CHECK_PER_TABLE, occupied),
        )
    number = increment_counter(
        uow.session,
        m.CheckNumberCounter,
        {"restaurant_id": uow.restaurant, "business_date": values["business_date"]},
        "last_number",
    )
    try:
        Checks.of(uow).insert_check(values | {"number": number})
    except IntegrityError as error:
        raise occupied from error
    return Returned(number)


def locked(uow: UnitOfWork, check_id: str) -> m.Check:
    """The check as an entity, held for this transaction (409 if another terminal holds it)."""
    return Checks.of(uow).get(check_id, lock=True)


def open_on_table(uow: UnitOfWork, table_id: str) -> m.Check | None:
    return Checks.of(uow).open_on_table(table_id)


def has_payments(uow: UnitOfWork, check_id: str) -> bool:
    """Whether money was taken, or is being taken, against the check."""
    return any(
        p.status in (PaymentStatus.CAPTURED, PaymentStatus.PENDING)
        for p in Checks.of(uow).payments(check_id)
    )


def absorb(uow: UnitOfWork, into: m.Check, source: m.Check) -> dict[int, int]:
    """Move ``source``'s lines and discounts onto ``into`` and void ``source``, which then
    names ``into`` as where it went. Returns the seats renumbered (old number → new).

    Prices and discounts move as they are: check discounts of both checks are kept as the
    amounts they take now (a percentage of one table's check is not spread over the other's).
    Each party
    keeps seats of its own: ``source``'s seats are numbered after every seat ``into`` has
    (its guests, or its highest seat rung if higher), in their order; the shared seat (0)
    stays shared. 409 ``too_many_seats`` if that would number a seat past 99.

    A merge changes the party's size, so its service charge is decided again: the larger of
    the two checks' charges and what the restaurant's rule gives the merged party now (a
    merge never takes a charge off). Two checks opened under different prices (tax
    included in one, added in the other) are not merged: 409 ``pricing_differs``.
    """
    if into.prices_include_tax != source.prices_include_tax:
        raise Conflict(
            "These two checks were opened under different prices (tax included in one, added"
            " in the other); settle them separately.",
            code="pricing_differs",
        )
    staying = Checks.of(uow).lines([into.id])
    moving = Checks.of(uow).lines([source.id])
    taken = max([into.guests, *(line.seat for line in staying)])
    seats = sorted({line.seat for line in moving} - {rules.SHARED_SEAT})
    if seats and taken + seats[-1] > rules.MAX_SEAT:
        raise Conflict(
            f"Merging would number the other party's seats past {rules.MAX_SEAT}; "
            "move some lines to lower seats first.",
            code="too_many_seats",
        )
    renumbered = {seat: taken + seat for seat in seats}
    _freeze_check_discounts(uow, into)
    _freeze_check_discounts(uow, source)
    for line in moving:
        line.check_id = into.id
        line.seat = renumbered.get(line.seat, line.seat)
    for discount in Checks.of(uow).discounts(source.id):
        discount.check_id = into.id
    into.guests = min(100, into.guests + source.guests)
    terms = restaurants.terms(uow)
    charge = max(
        into.service_charge_bp,
        source.service_charge_bp,
        rules.service_charge_bp_for(
            into.guests, terms.service_charge_bp, terms.service_charge_min_guests
        ),
    )
    if charge != into.service_charge_bp:
        uow.audit(
            "check.service_charge_set",
            "check",
            into.id,
            before=into.service_charge_bp,
            after=charge,
            guests=into.guests,
        )
        into.service_charge_bp = charge
    into.version += 1
    into.split_plan = None  # the parts no longer add up
    source.status = rules.CheckStatus.VOID.value
    source.closed_at = utcnow()
    source.merged_into = into.id
    return renumbered


def _freeze_check_discounts(uow: UnitOfWork, check: m.Check) -> None:
    """Turn the check's own discounts into the amounts they take off now.

    A discount that takes nothing any more (the check was comped in full before it) is
    dropped; both changes are audited.
    """
    lines, discounts = line_amounts_of(check_rows(uow, check))
    taken = rules.check_discount_amounts(lines, discounts)
    for row in Checks.of(uow).discounts(check.id):
        if row.line_id is not None:
            continue
        amount = taken[row.id]
        if row.kind == rules.DiscountKind.AMOUNT.value and row.value == amount:
            continue
        uow.audit(
            "discount.fixed_for_merge",
            "check",
            check.id,
            discount_id=row.id,
            was_kind=row.kind,
            was_value=row.value,
            amount=amount,
        )
        if amount == 0:
            uow.session.delete(row)
        else:
            row.kind, row.value = rules.DiscountKind.AMOUNT.value, amount
    uow.session.flush()


def mark_sent(
    uow: UnitOfWork, check_id: str, line_ids: Sequence[str], ticket_id: str, at: datetime
) -> None:
    """The lines went to the kitchen on ``ticket_id``: a new version of the check."""
    Checks.of(uow).mark_sent(line_ids, ticket_id, at)
    Checks.of(uow).touch(check_id)


def line_modifiers(uow: UnitOfWork, line_ids: Sequence[str]) -> Sequence[m.LineModifier]:
    return Checks.of(uow).modifiers(line_ids)


def closed_between(uow: UnitOfWork, start: datetime, end: datetime) -> Sequence[m.Check]:
    return Checks.of(uow).closed_between(start, end)


def lines_of(uow: UnitOfWork, check_ids: Sequence[str]) -> Sequence[m.CheckLine]:
    return Checks.of(uow).lines(check_ids)


def entity(uow: UnitOfWork, check_id: str) -> m.Check:
    """The check as an entity (not held)."""
    return Checks.of(uow).get(check_id)


def head(uow: UnitOfWork, check_id: str) -> CheckHead:
    """The check with its table's label and its restaurant's terms, in one statement."""
    return Checks.of(uow).head(check_id)


def close(uow: UnitOfWork, check_id: str, at: datetime) -> None:
    """Close the check (the settlement that paid its balance does this)."""
    Checks.of(uow).close(check_id, at)


def call_off(uow: UnitOfWork, check_id: str, at: datetime) -> None:
    """Make an open check that nobody paid void (a guest's order whose card was declined);
    nothing else of it changes. The caller holds the check's lock and has read its payments
    under it."""
    Checks.of(uow).call_off(check_id, at)


def call_off_if_never_paid(uow: UnitOfWork, check_id: str, at: datetime) -> str | None:
    """Make an open check on which no payment was ever attempted void (a guest's order left
    unpaid); its type, or None when it was paid, is being paid or is no longer open.

    Decided under the check's lock, which every payment takes first: a payment that began
    before is seen here, one that begins after waits and finds the check void."""
    head, (_, _, _, payments), _ = Checks.of(uow).read(check_id, lock=True, wait=True)
    if head.status != rules.CheckStatus.OPEN or payments:
        return None
    Checks.of(uow).call_off(check_id, at)
    return head.type


def business_date(timezone: str) -> date:
    """Today in the restaurant's timezone: the day check numbers count in."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return utcnow().astimezone(zone).date()


def open_without_table(
    uow: UnitOfWork,
    who: Principal,
    check_type: rules.CheckType,
    guests: int = 1,
    *,
    guest_name: str | None = None,
    guest_phone: str | None = None,
) -> CheckView:
    """Open a check that has no table: takeout, online or kiosk, for the guest named (a
    takeout must name one: the kitchen and the floor call it by that name). It settles
    exactly as a dine-in check does; settling it frees no table."""
    if check_type is rules.CheckType.DINE_IN:
        raise InvalidRequest("A dine-in check is opened by seating a table.", code="needs_table")
    if not 1 <= guests <= 100:
        raise InvalidRequest("Guests must be between 1 and 100.", code="invalid_guests")
    name, phone = rules.guest_of(check_type, guest_name, guest_phone)
    terms = restaurants.terms(uow)
    today = business_date(terms.timezone)
    service_charge_bp = rules.service_charge_bp_for(
        guests, terms.service_charge_bp, terms.service_charge_min_guests
    )
    number = increment_counter(
        uow.session,
        m.CheckNumberCounter,
        {"restaurant_id": who.restaurant_id, "business_date": today},
        "last_number",
    )
    check = CheckHead(
        id=new_id("chk"),
        table_id=None,
        number=number,
        status=rules.CheckStatus.OPEN.value,
        guests=guests,
        opened_at=utcnow(),
        closed_at=None,
        split_plan=None,
        table_label=None,
        tax_rate_bp=terms.tax_rate_bp,
        currency=terms.currency,
        type=check_type.value,
        prices_include_tax=terms.prices_include_tax,
        service_charge_bp=service_charge_bp,
        guest_name=name,
        guest_phone=phone,
    )
    Checks.of(uow).insert_check(
        {
            "id": check.id,
            "table_id": None,
            "type": check.type,
            "business_date": today,
            "number": number,
            "status": check.status,
            "guests": guests,
            "opened_by": who.staff_id,
            "opened_at": check.opened_at,
            "prices_include_tax": check.prices_include_tax,
            "service_charge_bp": check.service_charge_bp,
            "guest_name": name,
            "guest_phone": phone,
        }
    )
    uow.audit("check.opened", "check", check.id, type=check.type, guests=guests, guest_name=name)
    return announce(uow, view(uow, check, CheckRows([], [], [], [])))
