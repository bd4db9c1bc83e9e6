"""Every query lives here, and every query is scoped to one restaurant.

A row of another restaurant is indistinguishable from a row that does not exist: both
raise ``NotFound`` (the API answers 404, never data).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import BindParameter, Connection, Row, Select, bindparam, func, select
from sqlalchemy.orm import Session

from tableside.domain.errors import NotFound
from tableside.store import models as m

Model = TypeVar("Model", bound=m.Base)

# The hot queries are built once, with bound parameters, instead of on every call: building
# a select() and computing its cache key cost about 60 µs each, many times per request.
_RESTAURANT: BindParameter[str] = bindparam("restaurant_id")
_LOCKED: dict[type[m.Base], Select[Any]] = {}


def _locked_get(model: type[m.Base]) -> Select[Any]:
    stmt = _LOCKED.get(model)
    if stmt is None:
        # On PostgreSQL a row someone else holds answers 409 at once (NOWAIT);
        # SQLite serializes writers at BEGIN IMMEDIATE instead.
        stmt = (
            select(model)
            .where(
                model.id == bindparam("id"),  # type: ignore[attr-defined]
                model.restaurant_id == _RESTAURANT,  # type: ignore[attr-defined]
            )
            .with_for_update(nowait=True)
        )
        _LOCKED[model] = stmt
    return stmt


_CHECK_LINES = (
    select(m.CheckLine)
    .where(
        m.CheckLine.restaurant_id == _RESTAURANT,
        m.CheckLine.check_id.in_(bindparam("check_ids", expanding=True)),
    )
    .order_by(m.CheckLine.created_at, m.CheckLine.position)
)
_LINE_MODIFIERS = select(m.LineModifier).where(
    m.LineModifier.restaurant_id == _RESTAURANT,
    m.LineModifier.line_id.in_(bindparam("line_ids", expanding=True)),
)
_CHECK_DISCOUNTS = (
    select(m.CheckDiscount)
    .where(
        m.CheckDiscount.restaurant_id == _RESTAURANT,
        m.CheckDiscount.check_id == bindparam("check_id"),
    )
    .order_by(m.CheckDiscount.created_at)
)
_CHECK_PAYMENTS = (
    select(m.Payment)
    .where(m.Payment.restaurant_id == _RESTAURANT, m.Payment.check_id == bindparam("check_id"))
    .order_by(m.Payment.created_at)
)
_OPEN_ON_TABLE = select(m.Check).where(
    m.Check.restaurant_id == _RESTAURANT,
    m.Check.table_id == bindparam("table_id"),
    m.Check.status == "open",
)
_OPEN_ON_TABLE_LOCKED = _OPEN_ON_TABLE.with_for_update(nowait=True)
_NEXT_LINE_POSITION = select(func.max(m.CheckLine.position)).where(
    m.CheckLine.check_id == bindparam("check_id")
)
_ITEM_GROUPS = (
    select(m.ModifierGroup)
    .where(
        m.ModifierGroup.restaurant_id == _RESTAURANT,
        m.ModifierGroup.menu_item_id.in_(bindparam("item_ids", expanding=True)),
    )
    .order_by(m.ModifierGroup.position)
)
_GROUP_OPTIONS = (
    select(m.ModifierOption)
    .where(
        m.ModifierOption.restaurant_id == _RESTAURANT,
        m.ModifierOption.group_id.in_(bindparam("group_ids", expanding=True)),
    )
    .order_by(m.ModifierOption.position)
)
_SECTIONS = (
    select(m.Section).where(m.Section.restaurant_id == _RESTAURANT).order_by(m.Section.position)
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
    )
    .outerjoin(m.Check, (m.Check.table_id == m.DiningTable.id) & (m.Check.status == "open"))
    .where(m.DiningTable.restaurant_id == _RESTAURANT)
    .order_by(m.DiningTable.position, m.DiningTable.label)
)
_TOKEN_HOLDER = (
    select(
        m.StaffSession.revoked_at,
        m.StaffSession.expires_at,
        m.Staff.active,
        m.Staff.restaurant_id,
        m.Staff.id,
        m.Staff.role,
        m.Staff.name,
    )
    .join(m.Staff, m.Staff.id == m.StaffSession.staff_id)
    .where(m.StaffSession.token_hash == bindparam("token_hash"))
)


class Repository:
    def __init__(self, session: Session, restaurant_id: str | None) -> None:
        self.session = session
        self._restaurant_id = restaurant_id

    @property
    def restaurant_id(self) -> str:
        if self._restaurant_id is None:
            raise RuntimeError("repository used without a restaurant")
        return self._restaurant_id

    def _get(self, model: type[Model], id_: str, what: str, *, lock: bool = False) -> Model:
        if not lock:
            # A row this unit already holds costs no query (a check view reads its table
            # right after seat or a move loaded it); another restaurant's row is NotFound.
            found = self.session.get(model, id_)
            if found is None or found.restaurant_id != self.restaurant_id:  # type: ignore[attr-defined]
                raise NotFound(f"No {what} with id {id_!r} in this restaurant.")
            return found
        row: Model | None = self.session.scalar(
            _locked_get(model), {"id": id_, "restaurant_id": self.restaurant_id}
        )
        if row is None:
            raise NotFound(f"No {what} with id {id_!r} in this restaurant.")
        return row


class Restaurants(Repository):
    def __init__(self, session: Session, restaurant_id: str | None) -> None:
        super().__init__(session, restaurant_id)
        self._current: m.Restaurant | None = None

    def by_slug(self, slug: str) -> m.Restaurant | None:
        return self.session.scalar(select(m.Restaurant).where(m.Restaurant.slug == slug))

    def current(self) -> m.Restaurant:
        # Kept for the unit's life: the session's identity map holds rows only weakly, so
        # without this every totals and check view in a unit loaded the restaurant again.
        if self._current is None:
            restaurant = self.session.get(m.Restaurant, self.restaurant_id)
            if restaurant is None:
                raise NotFound("This restaurant no longer exists.")
            self._current = restaurant
        return self._current


class StaffRepository(Repository):
    def get(self, staff_id: str) -> m.Staff:
        return self._get(m.Staff, staff_id, "staff member")

    def by_pin_lookup(self, pin_lookup: str) -> m.Staff | None:
        return self.session.scalar(
            select(m.Staff).where(
                m.Staff.restaurant_id == self.restaurant_id, m.Staff.pin_lookup == pin_lookup
            )
        )

    def all(self) -> Sequence[m.Staff]:
        return self.session.scalars(
            select(m.Staff)
            .where(m.Staff.restaurant_id == self.restaurant_id)
            .order_by(m.Staff.name)
        ).all()

    def session_by_token_hash(self, token_hash: str) -> tuple[m.StaffSession, m.Staff] | None:
        # Not scoped: the token is what tells us the restaurant.
        row = self.session.execute(
            select(m.StaffSession, m.Staff)
            .join(m.Staff, m.Staff.id == m.StaffSession.staff_id)
            .where(m.StaffSession.token_hash == token_hash)
        ).first()
        return None if row is None else (row[0], row[1])

    def token_holder(self, token_hash: str) -> TokenHolder | None:
        return token_holder(self.session.connection(), token_hash)

    def throttle(self, source: str) -> m.LoginThrottle | None:
        return self.session.get(m.LoginThrottle, (self.restaurant_id, source))


class Tables(Repository):
    def get(self, table_id: str) -> m.DiningTable:
        return self._get(m.DiningTable, table_id, "table")

    def by_label(self, label: str) -> m.DiningTable | None:
        return self.session.scalar(
            select(m.DiningTable).where(
                m.DiningTable.restaurant_id == self.restaurant_id, m.DiningTable.label == label
            )
        )

    def floor(self) -> Sequence[tuple[m.DiningTable, str | None, int | None]]:
        """Every table with its open check's id and guests (None when the table is free)."""
        rows = self.session.execute(
            select(m.DiningTable, m.Check.id, m.Check.guests)
            .outerjoin(
                m.Check,
                (m.Check.table_id == m.DiningTable.id) & (m.Check.status == "open"),
            )
            .where(m.DiningTable.restaurant_id == self.restaurant_id)
            .order_by(m.DiningTable.position, m.DiningTable.label)
        ).all()
        return [(row[0], row[1], row[2]) for row in rows]

    def labels(self) -> dict[str, str]:
        """Each table's label by id (two columns, no entities)."""
        rows = self.session.execute(
            select(m.DiningTable.id, m.DiningTable.label).where(
                m.DiningTable.restaurant_id == self.restaurant_id
            )
        )
        return {table_id: label for table_id, label in rows}

    def floor_plan(self) -> Sequence[dict[str, Any]]:
        """``floor()`` as plain columns (no entities): the floor plan is read on every refresh
        of every terminal, and loading 200 tables into the identity map was half its cost."""
        rows = self.session.execute(_FLOOR_PLAN, {"restaurant_id": self.restaurant_id})
        return [dict(row) for row in rows.mappings()]

    def sections(self) -> Sequence[m.Section]:
        return self.session.scalars(_SECTIONS, {"restaurant_id": self.restaurant_id}).all()


class Menu(Repository):
    def item(self, item_id: str) -> m.MenuItem:
        return self._get(m.MenuItem, item_id, "menu item")

    def categories(self) -> Sequence[m.MenuCategory]:
        return self.session.scalars(
            select(m.MenuCategory)
            .where(m.MenuCategory.restaurant_id == self.restaurant_id)
            .order_by(m.MenuCategory.position)
        ).all()

    def items(self) -> Sequence[m.MenuItem]:
        return self.session.scalars(
            select(m.MenuItem)
            .where(m.MenuItem.restaurant_id == self.restaurant_id)
            .order_by(m.MenuItem.position, m.MenuItem.name)
        ).all()

    def groups(self, item_ids: Sequence[str] | None = None) -> Sequence[m.ModifierGroup]:
        if item_ids is not None:
            return self.session.scalars(
                _ITEM_GROUPS, {"restaurant_id": self.restaurant_id, "item_ids": list(item_ids)}
            ).all()
        stmt = select(m.ModifierGroup).where(m.ModifierGroup.restaurant_id == self.restaurant_id)
        return self.session.scalars(stmt.order_by(m.ModifierGroup.position)).all()

    def options(self, group_ids: Sequence[str]) -> Sequence[m.ModifierOption]:
        return self.session.scalars(
            _GROUP_OPTIONS, {"restaurant_id": self.restaurant_id, "group_ids": list(group_ids)}
        ).all()


class Checks(Repository):
    def get(self, check_id: str, *, lock: bool = False) -> m.Check:
        return self._get(m.Check, check_id, "check", lock=lock)

    def open_on_table(self, table_id: str, *, lock: bool = False) -> m.Check | None:
        return self.session.scalar(
            _OPEN_ON_TABLE_LOCKED if lock else _OPEN_ON_TABLE,
            {"restaurant_id": self.restaurant_id, "table_id": table_id},
        )

    def line(self, check_id: str, line_id: str) -> m.CheckLine:
        line = self._get(m.CheckLine, line_id, "line")
        if line.check_id != check_id:
            raise NotFound(f"No line with id {line_id!r} on this check.")
        return line

    def lines(self, check_ids: Sequence[str]) -> Sequence[m.CheckLine]:
        return self.session.scalars(
            _CHECK_LINES, {"restaurant_id": self.restaurant_id, "check_ids": list(check_ids)}
        ).all()

    def modifiers(self, line_ids: Sequence[str]) -> Sequence[m.LineModifier]:
        if not line_ids:
            return []
        return self.session.scalars(
            _LINE_MODIFIERS, {"restaurant_id": self.restaurant_id, "line_ids": list(line_ids)}
        ).all()

    def discounts(self, check_id: str) -> Sequence[m.CheckDiscount]:
        return self.session.scalars(
            _CHECK_DISCOUNTS, {"restaurant_id": self.restaurant_id, "check_id": check_id}
        ).all()

    def payments(self, check_id: str) -> Sequence[m.Payment]:
        return self.session.scalars(
            _CHECK_PAYMENTS, {"restaurant_id": self.restaurant_id, "check_id": check_id}
        ).all()

    def next_line_position(self, check_id: str) -> int:
        current = self.session.scalar(_NEXT_LINE_POSITION, {"check_id": check_id})
        return (current or 0) + 1

    def closed_between(self, start: datetime, end: datetime) -> Sequence[m.Check]:
        return self.session.scalars(
            select(m.Check).where(
                m.Check.restaurant_id == self.restaurant_id,
                m.Check.closed_at >= start,
                m.Check.closed_at < end,
            )
        ).all()


class Tickets(Repository):
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


class Events(Repository):
    def after(self, seq: int, limit: int) -> Sequence[m.OutboxEvent]:
        return self.session.scalars(
            select(m.OutboxEvent)
            .where(m.OutboxEvent.restaurant_id == self.restaurant_id, m.OutboxEvent.seq > seq)
            .order_by(m.OutboxEvent.seq)
            .limit(limit)
        ).all()


class Audit(Repository):
    def recent(self, limit: int, entity_id: str | None = None) -> Sequence[m.AuditEntry]:
        stmt = select(m.AuditEntry).where(m.AuditEntry.restaurant_id == self.restaurant_id)
        if entity_id is not None:
            stmt = stmt.where(m.AuditEntry.entity_id == entity_id)
        return self.session.scalars(stmt.order_by(m.AuditEntry.id.desc()).limit(limit)).all()


def scoped_rows(
    session: Session, model: type[Model], restaurant_id: str, **filters: Any
) -> Sequence[Model]:
    stmt = select(model).where(model.restaurant_id == restaurant_id)  # type: ignore[attr-defined]
    for name, value in filters.items():
        stmt = stmt.where(getattr(model, name) == value)
    return session.scalars(stmt).all()


TokenHolder = Row[datetime | None, datetime, bool, str, str, str, str]


def token_holder(connection: Connection, token_hash: str) -> TokenHolder | None:
    """A token's session and its staff member as plain columns: read on every request.

    Not scoped: the token is what tells us the restaurant."""
    return connection.execute(_TOKEN_HOLDER, {"token_hash": token_hash}).first()
