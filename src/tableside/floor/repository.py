"""Tables and sections, and which table has an open check.

Every query is scoped to the unit's restaurant: a row of another restaurant is
indistinguishable from one that does not exist (``NotFound``, a 404).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    bindparam,
    func,
    literal_column,
    select,
)

from tableside.core import batched
from tableside.core import models as m
from tableside.core.errors import Conflict, NotFound
from tableside.core.repository import RESTAURANT, Repository

# A removed (archived) table is not on the floor: nobody seats it or moves a party to it.
# Read under a shared row lock, so that the answer holds until the party's check is
# written: the floor editor removes (or moves) a table under FOR UPDATE NOWAIT, so a
# removal cannot commit between this read and the check. FOR SHARE: servers seating one
# table at once do not wait on each other (the partial unique index of open checks picks
# one); NOWAIT: a table the editor holds is a 409 at once, never a queue. The lock is taken
# before ``archived_at`` is looked at, so a removal that committed first is seen.
_TABLE_FOR_A_PARTY = (
    select(m.DiningTable.label, m.DiningTable.archived_at)
    .where(m.DiningTable.restaurant_id == RESTAURANT, m.DiningTable.id == bindparam("id"))
    .with_for_update(read=True, nowait=True)
)


_SECTION_NAMES = (
    select(m.Section.id, m.Section.name)
    .where(m.Section.restaurant_id == RESTAURANT, m.Section.archived_at.is_(None))
    .order_by(m.Section.position, m.Section.name)
)


_FLOOR_PLAN = (
    select(
        m.DiningTable.id,
        m.DiningTable.label,
        m.DiningTable.capacity,
        m.Check.id.label("check_id"),
        m.Check.guests,
        m.DiningTable.section_id,
        m.DiningTable.shape,
        m.DiningTable.x,
        m.DiningTable.y,
        m.DiningTable.width,
        m.DiningTable.height,
        m.Check.opened_at.label("seated_at"),
        m.Check.opened_by.label("server_id"),
        m.Staff.name.label("server_name"),
    )
    .select_from(m.DiningTable)
    .outerjoin(
        m.Check,
        # The restaurant on the checks' side too, and 'open' written into the statement
        # (not bound), so that the planner can use the partial index of the restaurant's
        # open checks (migration 0003) even in a prepared statement's generic plan.
        (m.Check.table_id == m.DiningTable.id)
        & (m.Check.restaurant_id == RESTAURANT)
        & (m.Check.status == literal_column("'open'")),
    )
    # Whose table it is: the server who seated it (by the staff's primary key).
    .outerjoin(m.Staff, m.Staff.id == m.Check.opened_by)
    .where(m.DiningTable.restaurant_id == RESTAURANT, m.DiningTable.archived_at.is_(None))
    .order_by(m.DiningTable.position, m.DiningTable.label)
)
_PLAN_COLUMNS = tuple(str(column.key) for column in _FLOOR_PLAN.selected_columns)

# The open checks without a table (takeout, online, kiosk), oldest first, with whose they
# are: through the partial index of the restaurant's open checks (migration 0003).
_WITHOUT_TABLE = (
    select(
        m.Check.id.label("check_id"),
        m.Check.number,
        m.Check.type,
        m.Check.guest_name,
        m.Check.guests,
        m.Check.opened_at,
        m.Check.opened_by.label("server_id"),
        m.Staff.name.label("server_name"),
    )
    .join(m.Staff, m.Staff.id == m.Check.opened_by)
    .where(
        m.Check.restaurant_id == RESTAURANT,
        m.Check.status == literal_column("'open'"),
        m.Check.table_id.is_(None),
    )
    .order_by(m.Check.opened_at, m.Check.number)
)
_WITHOUT_TABLE_COLUMNS = tuple(str(column.key) for column in _WITHOUT_TABLE.selected_columns)


class Tables(Repository):
    def get(self, table_id: str, *, lock: bool = False) -> m.DiningTable:
        """A table, removed ones too (history names them)."""
        return self._get(m.DiningTable, table_id, "table", lock=lock)

    def live(self, table_id: str, *, lock: bool = False) -> m.DiningTable:
        """A table on the floor; a removed one is not found, as another restaurant's."""
        table = self.get(table_id, lock=lock)
        if table.archived_at is not None:
            raise NotFound(f"Table {table.label} was removed from the floor plan.")
        return table

    def section(self, section_id: str) -> m.Section:
        """A section on the floor; a removed one is not found, as another restaurant's."""
        section = self._get(m.Section, section_id, "section")
        if section.archived_at is not None:
            raise NotFound(f"The section {section.name!r} was removed from the floor plan.")
        return section

    def every_live_table(self) -> Sequence[m.DiningTable]:
        """The tables on the floor, in floor order."""
        return self.session.scalars(
            select(m.DiningTable)
            .where(
                m.DiningTable.restaurant_id == self.restaurant_id,
                m.DiningTable.archived_at.is_(None),
            )
            .order_by(m.DiningTable.position, m.DiningTable.label)
        ).all()

    def every_live_section(self) -> Sequence[m.Section]:
        """The sections on the floor, in floor order."""
        return self.session.scalars(
            select(m.Section)
            .where(m.Section.restaurant_id == self.restaurant_id, m.Section.archived_at.is_(None))
            .order_by(m.Section.position, m.Section.name)
        ).all()

    def add(self, row: m.DiningTable | m.Section) -> None:
        self.session.add(row)

    def lock(self) -> None:
        """Hold the restaurant's floor plan for this unit: one change of it at a time, so two
        managers cannot both put a table on the same cells or both label one "T20". SQLite's
        writers are one at a time already; on PostgreSQL a transaction-scoped advisory
        lock, and a 409 at once (never a queue) when another unit holds it."""
        if self.session.get_bind().dialect.name == "sqlite":
            return
        digest = hashlib.sha256(f"tableside.floor:{self.restaurant_id}".encode()).digest()
        key = int.from_bytes(digest[:8], "big", signed=True)
        if not self.session.scalar(select(func.pg_try_advisory_xact_lock(key))):
            raise Conflict(
                "Another change to the floor plan is being saved right now. Try again in a moment.",
                code="busy",
            )

    def hold_for_a_party(self, table_id: str) -> str:
        """The label of a table on the floor, held (a shared row lock) until the unit ends, so
        that it is not removed while a party is seated at it or moved to it. A removed table
        is not found (404, saying so); one the floor editor is changing right now is a 409
        ``busy`` at once (PostgreSQL; SQLite's writers are one at a time already)."""
        row = (
            self._core()
            .execute(_TABLE_FOR_A_PARTY, {"restaurant_id": self.restaurant_id, "id": table_id})
            .one_or_none()
        )
        if row is None:
            raise NotFound(f"No table with id {table_id!r} in this restaurant.")
        label, archived_at = row
        if archived_at is not None:
            raise NotFound(
                f"Table {label} was removed from the floor plan; pick a table on the floor.",
                code="table_removed",
            )
        return str(label)

    def labels(self) -> dict[str, str]:
        """Each table's label by id (two columns, no entities)."""
        rows = self.session.execute(
            select(m.DiningTable.id, m.DiningTable.label).where(
                m.DiningTable.restaurant_id == self.restaurant_id
            )
        )
        return {table_id: label for table_id, label in rows}

    def plan_reads(self) -> list[batched.Read]:
        """Every table with its open check (as plain columns, no entities: the plan is read
        on every refresh of every terminal, and loading 200 tables into the identity map was
        half its cost), each section's (id, name), and the open checks without a table:
        three reads to be sent with others in one round trip (core/batched.py). ``plan``
        gives their rows as dicts and pairs."""
        scope = {"restaurant_id": self.restaurant_id}
        return [(_FLOOR_PLAN, scope), (_SECTION_NAMES, scope), (_WITHOUT_TABLE, scope)]

    @staticmethod
    def plan(
        found: Sequence[batched.Rows],
    ) -> tuple[list[dict[str, Any]], list[tuple[str, str]], list[dict[str, Any]]]:
        """The tables (a dict of columns each), the sections and the open checks without a
        table (a dict each) from ``plan_reads``' rows."""
        tables, sections, without_table = found
        return (
            [dict(zip(_PLAN_COLUMNS, row, strict=True)) for row in tables],
            [(id_, name) for id_, name in sections],
            [dict(zip(_WITHOUT_TABLE_COLUMNS, row, strict=True)) for row in without_table],
        )

    def sections(self) -> Sequence[tuple[str, str]]:
        """Each section's (id, name), in floor order."""
        rows = self._core().execute(_SECTION_NAMES, {"restaurant_id": self.restaurant_id})
        return [(id_, name) for id_, name in rows]
