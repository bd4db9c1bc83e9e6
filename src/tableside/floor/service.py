"""The floor: seat a party, move a check to another table, merge two tables' checks.

Occupancy is derived, never stored: a table is occupied exactly when it has an open check,
and the database's partial unique index makes "at most one open check per table" true even
for two servers tapping the same table at the same instant.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from tableside.checks import rules
from tableside.checks import service as check_service
from tableside.checks.schemas import CheckView
from tableside.core import models as m
from tableside.core.access import Principal
from tableside.core.errors import Conflict, InvalidRequest
from tableside.core.models import new_id, utcnow
from tableside.core.rows import CheckHead
from tableside.core.unit_of_work import UnitOfWork
from tableside.floor.repository import Tables
from tableside.floor.schemas import FloorView
from tableside.kitchen import service as kitchen
from tableside.restaurants import service as restaurants

AVAILABLE = "available"
OCCUPIED = "occupied"


def plan(uow: UnitOfWork) -> FloorView:
    """Every table with its derived status (occupied exactly when it has an open check) and,
    seated, what its tile shows: whose table, since when, the check's total and balance,
    and where its food stands. The plan, the checks' amounts and the kitchen's tickets are
    read together, in one round trip."""
    plan_reads = Tables.of(uow).plan_reads()
    amounts, found = check_service.open_check_amounts(
        uow, also=[*plan_reads, kitchen.working_read(uow)]
    )
    tables, sections, without_table = Tables.plan(found[: len(plan_reads)])
    food = kitchen.food_by_check(found[len(plan_reads)])
    for table in tables:
        check_id = table["check_id"]
        if check_id is None:
            table["status"] = AVAILABLE
            continue
        table["status"] = OCCUPIED
        _tile(table, check_id, amounts, food)
    for check in without_table:
        _tile(check, check["check_id"], amounts, food)
    # One validation of plain rows (pydantic's core), not 200 model constructions in Python.
    return FloorView.model_validate(
        {
            "sections": [{"id": id_, "name": name} for id_, name in sections],
            "tables": tables,
            "checks_without_table": without_table,
        }
    )


def _tile(
    tile: dict[str, Any],
    check_id: str,
    amounts: dict[str, check_service.CheckAmounts],
    food: dict[str, kitchen.Food],
) -> None:
    """What an open check's tile shows: its total and balance, and where its food stands."""
    money = amounts.get(check_id)
    tile["total_cents"] = money.total_cents if money else 0
    tile["balance_cents"] = money.balance_cents if money else 0
    if check_id in food:
        tile["kitchen_status"] = food[check_id].status.value
        tile["kitchen_since"] = food[check_id].since


def seat(uow: UnitOfWork, who: Principal, table_id: str, guests: int) -> CheckView:
    """Open a check on a free table. Two servers seating one table get one check and one 409."""
    if not 1 <= guests <= 100:
        raise InvalidRequest("Guests must be between 1 and 100.", code="invalid_guests")
    label = Tables.of(uow).hold_for_a_party(table_id)  # not removed until the check is in
    if check_service.has_open_check(uow, table_id):
        raise _occupied(label)
    terms = restaurants.terms(uow)
    today = check_service.business_date(terms.timezone)
    service_charge_bp = rules.service_charge_bp_for(
        guests, terms.service_charge_bp, terms.service_charge_min_guests
    )
    check = CheckHead(
        id=new_id("chk"),
        table_id=table_id,
        number=0,  # taken as late as the unit allows, below
        status=rules.CheckStatus.OPEN.value,
        guests=guests,
        opened_at=utcnow(),
        closed_at=None,
        split_plan=None,
        table_label=label,
        tax_rate_bp=terms.tax_rate_bp,
        currency=terms.currency,
        prices_include_tax=terms.prices_include_tax,
        service_charge_bp=service_charge_bp,
    )
    # The other server's check, when it wins the partial unique index: 409.
    number = check_service.open_numbered_check(
        uow,
        {
            "id": check.id,
            "table_id": table_id,
            "business_date": today,
            "status": check.status,
            "guests": guests,
            "opened_by": who.staff_id,
            "opened_at": check.opened_at,
            "prices_include_tax": check.prices_include_tax,
            "service_charge_bp": check.service_charge_bp,
        },
        _occupied(label),
    )
    uow.audit(
        "table.seated",
        "table",
        table_id,
        check_id=check.id,
        guests=guests,
        **({"service_charge_bp": service_charge_bp} if service_charge_bp else {}),
    )
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
    # A new check has nothing on it yet: its view needs no read, only its number.
    view = check_service.view(uow, check, check_service.CheckRows([], [], [], []))

    def numbered() -> None:
        view.number = number.value

    uow.after_commit(numbered)
    return view


def _table_of(check: m.Check) -> str:
    """The table a party sits at; moving and merging are for parties at tables."""
    if check.table_id is None:
        raise InvalidRequest(
            f"Check #{check.number} is {check.type.replace('_', ' ')} and has no table.",
            code="no_table",
        )
    return check.table_id


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
    check = check_service.locked(uow, check_id)
    rules.require_open(rules.CheckStatus(check.status))
    source_id = _table_of(check)
    label = Tables.of(uow).hold_for_a_party(to_table_id)  # not removed under the party
    if to_table_id == check.table_id:
        raise InvalidRequest("The party is already at that table.", code="same_table")
    if check_service.open_on_table(uow, to_table_id) is not None:
        raise _occupied(label)
    check.table_id = to_table_id
    check.version += 1
    try:
        uow.session.flush()
    except IntegrityError as error:
        raise _occupied(label) from error
    kitchen.follow_party(uow, check.id, to_table_id)
    uow.audit("check.moved", "check", check.id, from_table=source_id, to_table=to_table_id)
    _announce_table(uow, source_id, None)
    _announce_table(uow, to_table_id, check.id)
    return check_service._announce(uow, check)


def merge_checks(
    uow: UnitOfWork, who: Principal, into_check_id: str, from_check_id: str
) -> CheckView:
    """Bring another table's check onto this one; the other table is freed. One transaction.

    The lines, line discounts and tickets move as they are, and check discounts of both
    checks are kept as the amounts they take now (a percentage of one table's check is not
    spread over the other's). Without a change of service charge the merged total differs
    from the two totals' sum by at most the one cent of rounding tax once; the merged
    party's service charge is decided again (``checks.service.absorb``) and may add one. Each
    party keeps seats of its own: the other check's seats are numbered after this one's
    (audited with the merge), and the other check names this one as where it went.
    """
    if into_check_id == from_check_id:
        raise InvalidRequest("A check cannot be merged into itself.", code="same_check")
    into = check_service.locked(uow, into_check_id)
    source = check_service.locked(uow, from_check_id)
    rules.require_open(rules.CheckStatus(into.status))
    rules.require_open(rules.CheckStatus(source.status))
    into_table, source_table = _table_of(into), _table_of(source)
    if check_service.has_payments(uow, source.id):
        raise Conflict(
            "The other check already has payments; settle or refund them before merging.",
            code="check_has_payments",
        )
    seats = check_service.absorb(uow, into, source)
    kitchen.move_tickets(uow, source.id, into.id)
    uow.session.flush()
    kitchen.follow_party(uow, into.id, into_table)
    uow.audit(
        "check.merged",
        "check",
        into.id,
        merged_check=source.id,
        freed_table=source_table,
        seats_renumbered={str(old): new for old, new in seats.items()},
    )
    _announce_table(uow, source_table, None)
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


def table_labels(uow: UnitOfWork) -> dict[str, str]:
    """Each table's label by id."""
    return Tables.of(uow).labels()
