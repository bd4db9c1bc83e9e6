"""The floor: seat a party, move a check to another table, merge two tables' checks.

Occupancy is derived, never stored: a table is occupied exactly when it has an open check,
and the database's partial unique index makes "at most one open check per table" true even
for two servers tapping the same table at the same instant.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError

from tableside.domain import check as rules
from tableside.domain.errors import Conflict, InvalidRequest
from tableside.services import checks as check_service
from tableside.services.principal import Principal
from tableside.services.views import CheckView, FloorView
from tableside.store import models as m
from tableside.store.counters import increment_counter
from tableside.store.models import new_id, utcnow
from tableside.store.rows import CheckHead
from tableside.store.unit_of_work import UnitOfWork

AVAILABLE = "available"
OCCUPIED = "occupied"


def floor(uow: UnitOfWork) -> FloorView:
    """Every table with its derived status: occupied exactly when it has an open check."""
    tables = uow.tables.floor_plan()
    for table in tables:
        table["status"] = OCCUPIED if table["check_id"] else AVAILABLE
    # One validation of plain rows (pydantic's core), not 200 model constructions in Python.
    return FloorView.model_validate(
        {
            "sections": [{"id": id_, "name": name} for id_, name in uow.tables.sections()],
            "tables": tables,
        }
    )


def business_date(timezone: str) -> date:
    """Today in the restaurant's timezone: the day check numbers count in."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return utcnow().astimezone(zone).date()


def seat(uow: UnitOfWork, who: Principal, table_id: str, guests: int) -> CheckView:
    """Open a check on a free table. Two servers seating one table get one check and one 409."""
    if not 1 <= guests <= 100:
        raise InvalidRequest("Guests must be between 1 and 100.", code="invalid_guests")
    label = uow.tables.label_of(table_id)
    if uow.checks.has_open_check(table_id):
        raise _occupied(label)
    terms = uow.restaurants.terms()
    today = business_date(terms.timezone)
    number = increment_counter(
        uow.session,
        m.CheckNumberCounter,
        {"restaurant_id": who.restaurant_id, "business_date": today},
        "last_number",
    )
    check = CheckHead(
        id=new_id("chk"),
        table_id=table_id,
        number=number,
        status=rules.CheckStatus.OPEN.value,
        guests=guests,
        opened_at=utcnow(),
        closed_at=None,
        split_plan=None,
        table_label=label,
        tax_rate_bp=terms.tax_rate_bp,
        currency=terms.currency,
    )
    try:
        uow.checks.insert_check(
            {
                "id": check.id,
                "table_id": table_id,
                "business_date": today,
                "number": number,
                "status": check.status,
                "guests": guests,
                "opened_by": who.staff_id,
                "opened_at": check.opened_at,
            }
        )
    except IntegrityError as error:
        # The other server's check won the partial unique index.
        raise _occupied(label) from error
    uow.audit("table.seated", "table", table_id, check_id=check.id, guests=guests)
    _announce_table(uow, table_id, check.id)
    uow.emit(
        "check.updated",
        {
            "check_id": check.id,
            "table_id": table_id,
            "status": "open",
            "balance_cents": 0,
            "total_cents": 0,
        },
    )
    # A new check has nothing on it yet: its view needs no read.
    return check_service.view(uow, check, check_service.CheckRows([], [], [], []))


def _occupied(label: str) -> Conflict:
    return Conflict(f"Table {label} already has an open check.", code="table_occupied")


def _announce_table(uow: UnitOfWork, table_id: str, check_id: str | None) -> None:
    uow.emit(
        "table.updated",
        {"table_id": table_id, "status": OCCUPIED if check_id else AVAILABLE, "check_id": check_id},
    )


def release_table(uow: UnitOfWork, table_id: str) -> None:
    """Announce a table free again: called in the same transaction that closed its check."""
    _announce_table(uow, table_id, None)


def move_check(uow: UnitOfWork, who: Principal, check_id: str, to_table_id: str) -> CheckView:
    """Move a party to another free table: one transaction, both tables announced.

    The food follows: tickets the kitchen is still working now name the new table.
    """
    check = uow.checks.get(check_id, lock=True)
    rules.require_open(rules.CheckStatus(check.status))
    target = uow.tables.get(to_table_id)
    label = target.label  # a failed flush expires every row; keep what the 409 needs
    if target.id == check.table_id:
        raise InvalidRequest("The party is already at that table.", code="same_table")
    if uow.checks.open_on_table(target.id) is not None:
        raise _occupied(label)
    source_id = check.table_id
    check.table_id = target.id
    check.version += 1
    try:
        uow.session.flush()
    except IntegrityError as error:
        raise _occupied(label) from error
    _tickets_follow(uow, check.id, target.id)
    uow.audit("check.moved", "check", check.id, from_table=source_id, to_table=target.id)
    _announce_table(uow, source_id, None)
    _announce_table(uow, target.id, check.id)
    return check_service._announce(uow, check)


def merge_checks(
    uow: UnitOfWork, who: Principal, into_check_id: str, from_check_id: str
) -> CheckView:
    """Bring another table's check onto this one; the other table is freed. One transaction.

    Nobody's bill changes by merging: the lines, line discounts and tickets move as they
    are, and check discounts of both checks are kept as the amounts they take now (a
    percentage of one table's check is not spread over the other's). The merged total
    differs from the two totals' sum by at most the one cent of rounding tax once.
    """
    if into_check_id == from_check_id:
        raise InvalidRequest("A check cannot be merged into itself.", code="same_check")
    into = uow.checks.get(into_check_id, lock=True)
    source = uow.checks.get(from_check_id, lock=True)
    rules.require_open(rules.CheckStatus(into.status))
    rules.require_open(rules.CheckStatus(source.status))
    if any(p.status in ("captured", "pending") for p in uow.checks.payments(source.id)):
        raise Conflict(
            "The other check already has payments; settle or refund them before merging.",
            code="check_has_payments",
        )
    _freeze_check_discounts(uow, into)
    _freeze_check_discounts(uow, source)
    for line in uow.checks.lines([source.id]):
        line.check_id = into.id
    for discount in uow.checks.discounts(source.id):
        discount.check_id = into.id
    for ticket in uow.tickets.for_check(source.id):
        ticket.check_id = into.id
    uow.session.flush()
    _tickets_follow(uow, into.id, into.table_id)
    into.guests = min(100, into.guests + source.guests)
    into.version += 1
    source.status = rules.CheckStatus.VOID.value
    source.closed_at = utcnow()
    into.split_plan = None
    uow.audit("check.merged", "check", into.id, merged_check=source.id, freed_table=source.table_id)
    _announce_table(uow, source.table_id, None)
    uow.emit(
        "check.updated",
        {
            "check_id": source.id,
            "table_id": source.table_id,
            "status": source.status,
            "balance_cents": 0,
            "total_cents": 0,
            "merged_into": into.id,
        },
    )
    return check_service._announce(uow, into)


def _freeze_check_discounts(uow: UnitOfWork, check: m.Check) -> None:
    """Turn the check's own discounts into the amounts they take off now.

    A discount that takes nothing any more (the check was comped in full before it) is
    dropped; both changes are audited.
    """
    lines, discounts = check_service.line_amounts_of(check_service.check_rows(uow, check))
    taken = rules.check_discount_amounts(lines, discounts)
    for row in uow.checks.discounts(check.id):
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


def _tickets_follow(uow: UnitOfWork, check_id: str, table_id: str) -> None:
    """Tickets still being worked go to the table where the party now sits."""
    for ticket in uow.tickets.for_check(check_id):
        if ticket.status != "served" and ticket.table_id != table_id:
            ticket.table_id = table_id
            ticket.updated_at = utcnow()
            uow.emit(
                "ticket.updated",
                {
                    "ticket_id": ticket.id,
                    "check_id": check_id,
                    "table_id": table_id,
                    "status": ticket.status,
                },
            )
