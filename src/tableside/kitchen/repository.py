"""Kitchen tickets and the lines fired on them.

Every query is scoped to the unit's restaurant: a row of another restaurant is
indistinguishable from one that does not exist (``NotFound``, a 404).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, insert, select

from tableside.core import models as m
from tableside.core.repository import Repository

_INSERT_TICKET = insert(cast(Table, m.Ticket.__table__))


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

    def check_numbers(self, check_ids: Sequence[str]) -> dict[str, int]:
        """The day's number of each check a ticket belongs to, in one query."""
        if not check_ids:
            return {}
        rows = self.session.execute(
            select(m.Check.id, m.Check.number).where(
                m.Check.restaurant_id == self.restaurant_id, m.Check.id.in_(check_ids)
            )
        )
        return {check_id: number for check_id, number in rows}

    def get(self, ticket_id: str) -> m.Ticket:
        return self._get(m.Ticket, ticket_id, "ticket")

    def for_check(self, check_id: str) -> Sequence[m.Ticket]:
        return self.session.scalars(
            select(m.Ticket).where(
                m.Ticket.restaurant_id == self.restaurant_id, m.Ticket.check_id == check_id
            )
        ).all()

    def active(self, statuses: Sequence[str]) -> Sequence[m.Ticket]:
        return self.session.scalars(
            select(m.Ticket)
            .where(m.Ticket.restaurant_id == self.restaurant_id, m.Ticket.status.in_(statuses))
            .order_by(m.Ticket.created_at)
        ).all()

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
