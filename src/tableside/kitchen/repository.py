"""Kitchen tickets and the lines fired on them.

Every query is scoped to the unit's restaurant: a row of another restaurant is
indistinguishable from one that does not exist (``NotFound``, a 404).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, func, insert, literal_column, select

from tableside.core import batched
from tableside.core import models as m
from tableside.core.repository import RESTAURANT, Repository

_INSERT_TICKET = insert(cast(Table, m.Ticket.__table__))

# The tickets the kitchen still works, by check and status, for the floor's tiles: through
# the tickets' status index, the restaurant's few, never its served history.
_WORKING_BY_CHECK = (
    select(
        m.Ticket.check_id,
        m.Ticket.status,
        func.min(m.Ticket.created_at),
        func.min(m.Ticket.updated_at),
    )
    .where(
        m.Ticket.restaurant_id == RESTAURANT,
        m.Ticket.status.in_(
            [literal_column("'new'"), literal_column("'in_progress'"), literal_column("'ready'")]
        ),
    )
    .group_by(m.Ticket.check_id, m.Ticket.status)
)


class CheckHead(NamedTuple):
    """What a ticket shows of its check: its number, whose it is, its type and, without a
    table, the guest it is for (and for a guest's own order, when they collect it)."""

    number: int
    server_id: str
    server_name: str
    type: str
    guest_name: str | None
    pickup_at: datetime | None
    picked_up: bool


class Working(NamedTuple):
    """A check's tickets in one status: since when the first was fired, and moved there."""

    check_id: str
    status: str
    fired_at: datetime
    moved_at: datetime


class Tickets(Repository):
    def insert(self, values: dict[str, Any]) -> None:
        self._write(_INSERT_TICKET, values | {"restaurant_id": self.restaurant_id})

    def table_labels(self, table_ids: Sequence[str]) -> dict[str, str]:
        """The label of each table the tickets name, in one query."""
        if not table_ids:
            return {}
        rows = self.session.execute(
            select(m.DiningTable.id, m.DiningTable.label).where(
                m.DiningTable.restaurant_id == self.restaurant_id,
                m.DiningTable.id.in_(table_ids),
            )
        )
        return {table_id: label for table_id, label in rows}

    def check_heads(self, check_ids: Sequence[str]) -> dict[str, CheckHead]:
        """The day's number and the server of each check a ticket belongs to, in one query."""
        if not check_ids:
            return {}
        rows = self.session.execute(
            select(
                m.Check.id,
                m.Check.number,
                m.Check.opened_by,
                m.Staff.name,
                m.Check.type,
                func.coalesce(m.Check.guest_name, m.GuestOrder.name),
                m.GuestOrder.pickup_at,
                m.GuestOrder.picked_up_at.is_not(None),
            )
            .join(m.Staff, m.Staff.id == m.Check.opened_by)
            .outerjoin(
                m.GuestOrder,
                (m.GuestOrder.check_id == m.Check.id)
                & (m.GuestOrder.restaurant_id == m.Check.restaurant_id),
            )
            .where(m.Check.restaurant_id == self.restaurant_id, m.Check.id.in_(check_ids))
        )
        return {
            check_id: CheckHead(number, by, name, type_, guest, pickup, bool(picked))
            for check_id, number, by, name, type_, guest, pickup, picked in rows
        }

    def statuses_of_check(self, check_id: str) -> list[str]:
        """The status of each of the check's tickets (this unit's changes included)."""
        return [status for _, status in self.statuses_of_checks([check_id])]

    def statuses_of_checks(self, check_ids: Sequence[str]) -> list[tuple[str, str]]:
        """(check, status) of each ticket of these checks (this unit's changes included)."""
        if not check_ids:
            return []
        return [
            (row[0], row[1])
            for row in self._core().execute(
                select(m.Ticket.check_id, m.Ticket.status).where(
                    m.Ticket.restaurant_id == self.restaurant_id,
                    m.Ticket.check_id.in_(list(check_ids)),
                )
            )
        ]

    def working_read(self) -> batched.Read:
        """The read behind ``working``, to be sent with others (core/batched.py)."""
        return _WORKING_BY_CHECK, {"restaurant_id": self.restaurant_id}

    @staticmethod
    def working(rows: batched.Rows) -> list[Working]:
        return [Working(*row) for row in rows]

    def get(self, ticket_id: str) -> m.Ticket:
        return self._get(m.Ticket, ticket_id, "ticket")

    def for_check(self, check_id: str) -> Sequence[m.Ticket]:
        return self.session.scalars(
            select(m.Ticket).where(
                m.Ticket.restaurant_id == self.restaurant_id, m.Ticket.check_id == check_id
            )
        ).all()

    def active(
        self,
        statuses: Sequence[str],
        check_id: str | None = None,
        types: Sequence[str] = (),
        served_since: datetime | None = None,
    ) -> Sequence[m.Ticket]:
        """The tickets in ``statuses``, oldest first; with ``types``, only those whose check
        is of one of them (a ticket's type is its check's); with ``served_since``, served
        tickets only if they were served since then."""
        query = select(m.Ticket).where(
            m.Ticket.restaurant_id == self.restaurant_id, m.Ticket.status.in_(statuses)
        )
        if served_since is not None:
            query = query.where(
                (m.Ticket.status != "served") | (m.Ticket.updated_at >= served_since)
            )
        if check_id is not None:
            query = query.where(m.Ticket.check_id == check_id)
        if types:
            query = query.join(
                m.Check,
                (m.Check.id == m.Ticket.check_id) & (m.Check.restaurant_id == self.restaurant_id),
            ).where(m.Check.type.in_(list(types)))
        return self.session.scalars(query.order_by(m.Ticket.created_at)).all()

    def lines(self, ticket_ids: Sequence[str]) -> Sequence[m.CheckLine]:
        if not ticket_ids:
            return []
        return self.session.scalars(
            select(m.CheckLine)
            .where(
                m.CheckLine.restaurant_id == self.restaurant_id,
                m.CheckLine.ticket_id.in_(ticket_ids),
            )
            .order_by(m.CheckLine.seat, m.CheckLine.position)
        ).all()
