"""The kitchen: firing lines as tickets, and working tickets through their state machine."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from tableside.checks import rules
from tableside.checks import service as check_service
from tableside.checks.schemas import CheckView
from tableside.core import batched
from tableside.core import models as m
from tableside.core.access import KITCHEN_ROLES, Principal, Role
from tableside.core.errors import Conflict, InvalidRequest
from tableside.core.models import new_id, utcnow
from tableside.core.rows import CheckHead, LineRow
from tableside.core.unit_of_work import UnitOfWork
from tableside.kitchen.repository import Tickets, Working
from tableside.kitchen.rules import (
    KitchenStatus,
    OrderStatus,
    TicketStatus,
    bump,
    expect,
    kitchen_status,
    order_status,
    transition,
)
from tableside.kitchen.schemas import TicketLineView, TicketView

ACTIVE = (TicketStatus.NEW, TicketStatus.IN_PROGRESS, TicketStatus.READY)
SERVED_SHOWN = timedelta(hours=12)  # served tickets listed beside the working ones


def send(uow: UnitOfWork, who: Principal, check_id: str) -> CheckView:
    """Fire every unsent line of the check to the kitchen as one ticket. A guest's own
    order (online, kiosk) goes to the kitchen when it is paid, not before (409)."""
    check, rows, _ = check_service.read_check(uow, check_id, lock=True)
    rules.require_open(rules.CheckStatus(check.status))
    if rules.CheckType(check.type) in rules.HELD_UNTIL_PAID:
        raise Conflict(
            "This is a guest's own order: it goes to the kitchen when it is paid.",
            code="order_not_paid",
        )
    unsent = {line.id for line in rows.lines if line.sent_at is None and line.voided_at is None}
    if not unsent:
        raise InvalidRequest("Nothing new to send to the kitchen.", code="nothing_to_send")
    now = utcnow()
    ticket_id = _fire(uow, check, sorted(unsent), who.staff_id, now)
    # The view is the rows read under the lock, with what this unit just wrote.
    rows.lines = [
        replace(line, sent_at=now, ticket_id=ticket_id) if line.id in unsent else line
        for line in rows.lines
    ]
    return check_service.announce(uow, check_service.view(uow, check, rows))


def fire_paid_order(
    uow: UnitOfWork, check: CheckHead, lines: Sequence[LineRow], staff_id: str, now: datetime
) -> str | None:
    """The settlement that paid a guest's own order fires its lines, in its transaction
    (the check is locked by it); the ticket's id (None: nothing to fire)."""
    unsent = sorted(line.id for line in lines if line.sent_at is None and line.voided_at is None)
    if not unsent:
        return None
    ticket_id = _fire(uow, check, unsent, staff_id, now)
    uow.emit(
        "order.updated",
        {
            "check_id": check.id,
            "type": check.type,
            "status": OrderStatus.RECEIVED.value,
            "paid": True,
        },
    )
    return ticket_id


def _fire(
    uow: UnitOfWork, check: CheckHead, line_ids: Sequence[str], staff_id: str, now: datetime
) -> str:
    ticket_id = new_id("tk")
    Tickets.of(uow).insert(
        {
            "id": ticket_id,
            "check_id": check.id,
            "table_id": check.table_id,
            "status": TicketStatus.NEW.value,
            "created_by": staff_id,
            "created_at": now,
            "updated_at": now,
        }
    )
    check_service.mark_sent(uow, check.id, line_ids, ticket_id, now)
    uow.audit("check.sent", "check", check.id, ticket_id=ticket_id, lines=len(line_ids))
    uow.emit(
        "ticket.created",
        {
            "ticket_id": ticket_id,
            "check_id": check.id,
            "type": check.type,
            "table_id": check.table_id,
            "lines": len(line_ids),
        },
    )
    return ticket_id


def tickets(
    uow: UnitOfWork,
    include_served: bool = False,
    check_id: str | None = None,
    types: Sequence[rules.CheckType] = (),
) -> list[TicketView]:
    """The tickets the kitchen is working (new, in progress, ready), oldest first; with
    ``check_id``, only that check's; with ``types``, only those of checks of those types.
    ``include_served``: the served ones too — a check's all, otherwise those served in the
    last ``SERVED_SHOWN`` (the service's, not the restaurant's whole history)."""
    statuses = [s.value for s in (*ACTIVE, *((TicketStatus.SERVED,) if include_served else ()))]
    since = utcnow() - SERVED_SHOWN if include_served and check_id is None else None
    rows = Tickets.of(uow).active(statuses, check_id, sorted({t.value for t in types}), since)
    return _views(uow, rows)


def ticket_statuses(uow: UnitOfWork, check_ids: Sequence[str]) -> dict[str, list[TicketStatus]]:
    """Each of these checks' tickets' statuses (a check with none is absent): where a guest's
    order stands, without reading the tickets themselves."""
    found: dict[str, list[TicketStatus]] = defaultdict(list)
    for check_id, status in Tickets.of(uow).statuses_of_checks(check_ids):
        found[check_id].append(TicketStatus(status))
    return dict(found)


def ticket(uow: UnitOfWork, ticket_id: str) -> TicketView:
    """One ticket with its lines by seat, voided ones marked (404 for another restaurant's)."""
    return _views(uow, [Tickets.of(uow).get(ticket_id)])[0]


def _views(uow: UnitOfWork, rows: Sequence[m.Ticket]) -> list[TicketView]:
    tickets_ = list(rows)
    lines = Tickets.of(uow).lines([t.id for t in tickets_])
    modifiers = check_service.line_modifiers(uow, [line.id for line in lines])
    mods: dict[str, list[str]] = defaultdict(list)
    for modifier in modifiers:
        mods[modifier.line_id].append(modifier.name)
    by_ticket: dict[str, list[m.CheckLine]] = defaultdict(list)
    for line in lines:
        if line.ticket_id is not None:
            by_ticket[line.ticket_id].append(line)
    labels = Tickets.of(uow).table_labels(sorted({t.table_id for t in tickets_ if t.table_id}))
    heads = Tickets.of(uow).check_heads(sorted({t.check_id for t in tickets_}))
    return [
        TicketView(
            id=t.id,
            check_id=t.check_id,
            check_number=heads[t.check_id].number,
            type=heads[t.check_id].type,
            table_id=t.table_id,
            table_label=labels.get(t.table_id, "?") if t.table_id else None,
            guest_name=heads[t.check_id].guest_name,
            server_id=heads[t.check_id].server_id,
            server_name=heads[t.check_id].server_name,
            pickup_at=heads[t.check_id].pickup_at,
            status=t.status,
            created_at=t.created_at,
            updated_at=t.updated_at,
            lines=[
                TicketLineView(
                    id=line.id,
                    seat=line.seat,
                    name=line.name,
                    quantity=line.quantity,
                    modifiers=mods[line.id],
                    note=line.note,
                    voided=line.voided_at is not None,
                )
                for line in by_ticket[t.id]
            ],
        )
        for t in tickets_
    ]


def move_ticket(
    uow: UnitOfWork,
    who: Principal,
    ticket_id: str,
    target: TicketStatus | None,
    expected: TicketStatus | None = None,
) -> TicketView:
    """Move a ticket to ``target`` (or one step on: a bump) under the kitchen's state machine.

    With ``expected`` (the status the screen showed where it was tapped), a ticket that is
    no longer in it is not moved: 409 ``ticket_already_moved``. The kitchen and managers
    work every step; servers may only mark a ready ticket served. ``ticket.updated`` says
    where the whole check's food now stands (``kitchen_status``), for the floor.
    """
    row = Tickets.of(uow).get(ticket_id)
    # Two kitchen screens bumping one ticket take turns; the second sees the first's step.
    uow.session.refresh(row, with_for_update=True)
    current = TicketStatus(row.status)
    expect(current, expected)
    new = bump(current) if target is None else transition(current, target)
    if who.role not in KITCHEN_ROLES and not (
        who.role is Role.SERVER and new is TicketStatus.SERVED
    ):
        who.require(KITCHEN_ROLES, "move tickets through the kitchen")
    row.status = new.value
    row.updated_at = utcnow()
    uow.audit("ticket.status", "ticket", row.id, from_status=current.value, to_status=new.value)
    uow.session.flush()
    moved = ticket(uow, row.id)
    food = check_kitchen_status(uow, moved.check_id)
    uow.emit(
        "ticket.updated",
        {
            "ticket_id": moved.id,
            "check_id": moved.check_id,
            "check_number": moved.check_number,
            "type": moved.type,
            "table_id": moved.table_id,
            "table_label": moved.table_label,
            "guest_name": moved.guest_name,
            "server_id": moved.server_id,
            "status": new.value,
            "kitchen_status": food.value if food else None,
        },
    )
    if rules.CheckType(moved.type) in rules.HELD_UNTIL_PAID:
        head = Tickets.of(uow).check_heads([moved.check_id])[moved.check_id]
        status = order_status(
            rules.CheckStatus.CLOSED.value,
            (TicketStatus(s) for s in Tickets.of(uow).statuses_of_check(moved.check_id)),
            head.picked_up,
        )
        uow.emit(
            "order.updated",
            {"check_id": moved.check_id, "type": moved.type, "status": status.value, "paid": True},
        )
    return moved


def check_kitchen_status(uow: UnitOfWork, check_id: str) -> KitchenStatus | None:
    """Where the check's food stands: ready, waiting, or nothing in the kitchen."""
    return kitchen_status(TicketStatus(s) for s in Tickets.of(uow).statuses_of_check(check_id))


def working_read(uow: UnitOfWork) -> batched.Read:
    """The read behind ``food_by_check``: the floor sends it with its own in one round trip."""
    return Tickets.of(uow).working_read()


@dataclass(frozen=True, slots=True)
class Food:
    """A check's food as its floor tile shows it: ready (since when the first plate is up)
    or waiting (since when the oldest working ticket was fired)."""

    status: KitchenStatus
    since: datetime


def food_by_check(rows: batched.Rows) -> dict[str, Food]:
    """Each check with tickets in the kitchen, from ``working_read``'s rows."""
    by_check: dict[str, list[Working]] = defaultdict(list)
    for working in Tickets.working(rows):
        by_check[working.check_id].append(working)
    food: dict[str, Food] = {}
    for check_id, groups in by_check.items():
        status = kitchen_status(TicketStatus(g.status) for g in groups)
        if status is KitchenStatus.READY:
            since = min(g.moved_at for g in groups if g.status == TicketStatus.READY)
            food[check_id] = Food(status, since)
        elif status is KitchenStatus.WAITING:
            food[check_id] = Food(status, min(g.fired_at for g in groups))
    return food


def follow_party(uow: UnitOfWork, check_id: str, table_id: str) -> None:
    """Tickets still being worked go to the table where the party now sits."""
    for ticket in Tickets.of(uow).for_check(check_id):
        if ticket.status != TicketStatus.SERVED and ticket.table_id != table_id:
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


def move_tickets(uow: UnitOfWork, from_check_id: str, to_check_id: str) -> None:
    """A merged check's tickets belong to the check it was merged into."""
    for ticket in Tickets.of(uow).for_check(from_check_id):
        ticket.check_id = to_check_id
