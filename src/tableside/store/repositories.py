"""Every query lives here, and every query is scoped to one restaurant.

A row of another restaurant is indistinguishable from a row that does not exist: both
raise ``NotFound`` (the API answers 404, never data).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import (
    BindParameter,
    Connection,
    Executable,
    Select,
    Table,
    bindparam,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy.orm import Session

from tableside.domain.errors import NotFound
from tableside.store import batched, deferred
from tableside.store import models as m
from tableside.store.rows import (
    CheckHead,
    DiscountRow,
    LineRow,
    MenuItemRow,
    ModifierChoice,
    ModifierRow,
    PaymentRow,
    RestaurantTerms,
)

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
# Core reads for the check view and the settle (store/rows.py says why): the columns, in
# the order of the row's fields.
_CHECK_HEAD = (
    select(
        m.Check.id,
        m.Check.table_id,
        m.Check.number,
        m.Check.status,
        m.Check.guests,
        m.Check.opened_at,
        m.Check.closed_at,
        m.Check.split_plan,
        m.DiningTable.label,
        m.Restaurant.tax_rate_bp,
        m.Restaurant.currency,
    )
    .join(m.DiningTable, m.DiningTable.id == m.Check.table_id)
    .join(m.Restaurant, m.Restaurant.id == m.Check.restaurant_id)
    .where(m.Check.id == bindparam("id"), m.Check.restaurant_id == _RESTAURANT)
)
_CHECK_HEAD_NOWAIT = _CHECK_HEAD.with_for_update(nowait=True, of=m.Check.__table__)
_CHECK_HEAD_WAIT = _CHECK_HEAD.with_for_update(of=m.Check.__table__)
_LINE_ROWS = (
    select(
        m.CheckLine.id,
        m.CheckLine.seat,
        m.CheckLine.menu_item_id,
        m.CheckLine.name,
        m.CheckLine.quantity,
        m.CheckLine.unit_price_cents,
        m.CheckLine.note,
        m.CheckLine.ticket_id,
        m.CheckLine.sent_at,
        m.CheckLine.voided_at,
        m.CheckLine.void_reason,
        m.CheckLine.position,
    )
    .where(m.CheckLine.restaurant_id == _RESTAURANT, m.CheckLine.check_id == bindparam("check_id"))
    .order_by(m.CheckLine.created_at, m.CheckLine.position)
)
_MODIFIER_ROWS = select(
    m.LineModifier.line_id,
    m.LineModifier.option_id,
    m.LineModifier.name,
    m.LineModifier.price_cents,
).where(
    m.LineModifier.restaurant_id == _RESTAURANT,
    # By the check, not by its lines' ids: read in the same round trip as the lines.
    m.LineModifier.line_id.in_(
        select(m.CheckLine.id).where(
            m.CheckLine.restaurant_id == _RESTAURANT,
            m.CheckLine.check_id == bindparam("check_id"),
        )
    ),
)
_DISCOUNT_ROWS = (
    select(
        m.CheckDiscount.id,
        m.CheckDiscount.line_id,
        m.CheckDiscount.kind,
        m.CheckDiscount.value,
        m.CheckDiscount.reason,
    )
    .where(
        m.CheckDiscount.restaurant_id == _RESTAURANT,
        m.CheckDiscount.check_id == bindparam("check_id"),
    )
    .order_by(m.CheckDiscount.created_at)
)
_PAYMENT_COLUMNS = select(
    m.Payment.id,
    m.Payment.check_id,
    m.Payment.tender,
    m.Payment.status,
    m.Payment.amount_cents,
    m.Payment.tip_cents,
    m.Payment.change_cents,
    m.Payment.refunded_cents,
    m.Payment.split_part,
    m.Payment.failure_code,
    m.Payment.failure_message,
    m.Payment.payment_method,
    m.Payment.processor_payment_id,
    m.Payment.created_by,
)
_PAYMENT_ROWS = _PAYMENT_COLUMNS.where(
    m.Payment.restaurant_id == _RESTAURANT, m.Payment.check_id == bindparam("check_id")
).order_by(m.Payment.created_at)
_PAYMENT_ROW = _PAYMENT_COLUMNS.where(
    m.Payment.restaurant_id == _RESTAURANT, m.Payment.id == bindparam("id")
)
_TABLE_LABEL = select(m.DiningTable.label).where(
    m.DiningTable.restaurant_id == _RESTAURANT, m.DiningTable.id == bindparam("id")
)
_TAX_RATE = select(m.Restaurant.tax_rate_bp).where(m.Restaurant.id == _RESTAURANT)
_TERMS = select(m.Restaurant.tax_rate_bp, m.Restaurant.currency, m.Restaurant.timezone).where(
    m.Restaurant.id == _RESTAURANT
)
_HAS_OPEN_CHECK = select(m.Check.id).where(
    m.Check.restaurant_id == _RESTAURANT,
    m.Check.table_id == bindparam("table_id"),
    m.Check.status == literal_column("'open'"),  # the partial index's own predicate
)
_MENU_ITEM_ROW = select(
    m.MenuItem.id, m.MenuItem.name, m.MenuItem.price_cents, m.MenuItem.available
).where(m.MenuItem.restaurant_id == _RESTAURANT, m.MenuItem.id == bindparam("id"))
_CHOICES = (
    select(
        m.ModifierGroup.id,
        m.ModifierGroup.name,
        m.ModifierGroup.min_choices,
        m.ModifierGroup.max_choices,
        m.ModifierOption.id,
        m.ModifierOption.name,
        m.ModifierOption.price_cents,
    )
    .outerjoin(
        m.ModifierOption,
        (m.ModifierOption.group_id == m.ModifierGroup.id)
        & (m.ModifierOption.restaurant_id == m.ModifierGroup.restaurant_id),
    )
    .where(
        m.ModifierGroup.restaurant_id == _RESTAURANT,
        m.ModifierGroup.menu_item_id == bindparam("item_id"),
    )
    .order_by(m.ModifierGroup.position, m.ModifierOption.position)
)
_PAYMENTS = cast(Table, m.Payment.__table__)
_CHECKS = cast(Table, m.Check.__table__)
_INSERT_PAYMENT = insert(_PAYMENTS)
_PAYMENT_OUTCOME = (
    update(_PAYMENTS)
    .where(
        _PAYMENTS.c.id == bindparam("payment_id"),
        _PAYMENTS.c.restaurant_id == bindparam("scope_restaurant_id"),
    )
    .values(
        status=bindparam("new_status", type_=_PAYMENTS.c.status.type),
        processor_payment_id=bindparam("processor_id", type_=_PAYMENTS.c.processor_payment_id.type),
        failure_code=bindparam("code", type_=_PAYMENTS.c.failure_code.type),
        failure_message=bindparam("message", type_=_PAYMENTS.c.failure_message.type),
        settled_at=bindparam("at", type_=_PAYMENTS.c.settled_at.type),
    )
)
_LINES = cast(Table, m.CheckLine.__table__)
_INSERT_LINE = insert(_LINES)
_INSERT_MODIFIER = insert(cast(Table, m.LineModifier.__table__))
_INSERT_CHECK = insert(_CHECKS)
_INSERT_TICKET = insert(cast(Table, m.Ticket.__table__))
_MARK_SENT = (
    update(_LINES)
    .where(
        _LINES.c.restaurant_id == bindparam("scope_restaurant_id"),
        _LINES.c.id.in_(bindparam("line_ids", expanding=True)),
    )
    .values(
        sent_at=bindparam("at", type_=_LINES.c.sent_at.type),
        ticket_id=bindparam("ticket", type_=_LINES.c.ticket_id.type),
    )
)
_TOUCH_CHECK = (
    update(_CHECKS)
    .where(
        _CHECKS.c.id == bindparam("check_id"),
        _CHECKS.c.restaurant_id == bindparam("scope_restaurant_id"),
    )
    .values(version=_CHECKS.c.version + 1)
)
_SET_SPLIT = _TOUCH_CHECK.values(split_plan=bindparam("plan", type_=_CHECKS.c.split_plan.type))
_CLOSE_CHECK = (
    update(_CHECKS)
    .where(
        _CHECKS.c.id == bindparam("check_id"),
        _CHECKS.c.restaurant_id == bindparam("scope_restaurant_id"),
    )
    .values(
        status="closed",
        closed_at=bindparam("at", type_=_CHECKS.c.closed_at.type),
        version=_CHECKS.c.version + 1,
    )
)
_OPEN_ON_TABLE = select(m.Check).where(
    m.Check.restaurant_id == _RESTAURANT,
    m.Check.table_id == bindparam("table_id"),
    m.Check.status == literal_column("'open'"),  # the partial indexes' own predicate
)
_OPEN_ON_TABLE_LOCKED = _OPEN_ON_TABLE.with_for_update(nowait=True)
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
_SECTION_NAMES = (
    select(m.Section.id, m.Section.name)
    .where(m.Section.restaurant_id == _RESTAURANT)
    .order_by(m.Section.position)
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
    .outerjoin(
        m.Check,
        # The restaurant on the checks' side too, and 'open' written into the statement
        # (not bound), so that the planner can use the partial index of the restaurant's
        # open checks (migration 0003) even in a prepared statement's generic plan.
        (m.Check.table_id == m.DiningTable.id)
        & (m.Check.restaurant_id == _RESTAURANT)
        & (m.Check.status == literal_column("'open'")),
    )
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

    def _core(self) -> Connection:
        """The unit's connection for a Core statement, after writing this unit's pending ORM
        changes and deferred writes (a Core read must see them, as an ORM query would)."""
        return deferred.connection(self.session)

    def _write(self, statement: Executable, params: deferred.Params) -> None:
        """A write whose failure may wait for the commit: sent with it where the database
        allows (store/deferred.py)."""
        deferred.defer(self.session, statement, params)

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

    def terms(self) -> RestaurantTerms:
        found = self._core().execute(_TERMS, {"restaurant_id": self.restaurant_id}).first()
        if found is None:
            raise NotFound("This restaurant no longer exists.")
        return RestaurantTerms(*found)

    def tax_rate_bp(self) -> int:
        """The restaurant's tax rate, without loading the restaurant as an entity."""
        if self._current is not None:
            return self._current.tax_rate_bp
        rate = self._core().scalar(_TAX_RATE, {"restaurant_id": self.restaurant_id})
        if rate is None:
            raise NotFound("This restaurant no longer exists.")
        return int(rate)


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
        """A token's session and its staff member as plain columns: read on every request.

        Not scoped: the token is what tells us the restaurant."""
        found = batched.read_first(self._core(), _TOKEN_HOLDER, {"token_hash": token_hash})
        return None if found is None else cast(TokenHolder, tuple(found))

    def throttle(self, source: str) -> m.LoginThrottle | None:
        return self.session.get(m.LoginThrottle, (self.restaurant_id, source))


class Tables(Repository):
    def get(self, table_id: str) -> m.DiningTable:
        return self._get(m.DiningTable, table_id, "table")

    def label_of(self, table_id: str) -> str:
        label = self._core().scalar(
            _TABLE_LABEL, {"restaurant_id": self.restaurant_id, "id": table_id}
        )
        if label is None:
            raise NotFound(f"No table with id {table_id!r} in this restaurant.")
        return str(label)

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
        rows = self._core().execute(_FLOOR_PLAN, {"restaurant_id": self.restaurant_id})
        names = list(rows.keys())
        # zip with the column names: a third of the cost of a RowMapping per row.
        return [dict(zip(names, row, strict=True)) for row in rows]

    def sections(self) -> Sequence[tuple[str, str]]:
        """Each section's (id, name), in floor order."""
        rows = self._core().execute(_SECTION_NAMES, {"restaurant_id": self.restaurant_id})
        return [(id_, name) for id_, name in rows]


class Menu(Repository):
    def item(self, item_id: str) -> m.MenuItem:
        return self._get(m.MenuItem, item_id, "menu item")

    def item_reads(self, item_id: str) -> list[batched.Read]:
        """The item's row and its modifier groups with their options (in menu order), read
        with others: ringing a line reads them with the check (store/batched.py)."""
        scope = {"restaurant_id": self.restaurant_id, "id": item_id, "item_id": item_id}
        return [(_MENU_ITEM_ROW, scope), (_CHOICES, scope)]

    @staticmethod
    def item_found(item_id: str, rows: batched.Rows) -> MenuItemRow:
        if not rows:
            raise NotFound(f"No menu item with id {item_id!r} in this restaurant.")
        return MenuItemRow(*rows[0])

    @staticmethod
    def choices_found(rows: batched.Rows) -> list[ModifierChoice]:
        return [ModifierChoice(*row) for row in rows]

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

    def head(self, check_id: str, *, lock: bool = False, wait: bool = False) -> CheckHead:
        """The check with its table's label and its restaurant's tax rate, in one statement.

        ``lock``: hold the check's row for this transaction; someone else holding it is a
        409 at once, unless ``wait`` (recording a processor's answer must not give up)."""
        row = self._core().execute(_head_statement(lock, wait), self._head_params(check_id))
        return _found_head(check_id, row.first())

    def read(
        self,
        check_id: str,
        *,
        lock: bool = False,
        wait: bool = False,
        also: Sequence[batched.Read] = (),
    ) -> tuple[CheckHead, Contents, list[batched.Rows]]:
        """``head`` and ``contents``, then the ``also`` reads, in one round trip
        (store/batched.py). With ``lock``, every read after it sees the check as its lock's
        previous holder committed it."""
        scope = {"restaurant_id": self.restaurant_id, "check_id": check_id}
        found = batched.read_together(
            self._core(),
            [
                (_head_statement(lock, wait), self._head_params(check_id)),
                *((statement, scope) for statement in _CONTENTS),
                *also,
            ],
        )
        head, contents, extra = found[0], found[1 : 1 + len(_CONTENTS)], found[1 + len(_CONTENTS) :]
        return _found_head(check_id, head[0] if head else None), _contents(contents), extra

    def contents(self, check_id: str) -> Contents:
        """The check's lines, their modifiers, its discounts and its payments as plain rows."""
        scope = {"restaurant_id": self.restaurant_id, "check_id": check_id}
        return _contents(
            batched.read_together(self._core(), [(statement, scope) for statement in _CONTENTS])
        )

    def _head_params(self, check_id: str) -> dict[str, str]:
        return {"restaurant_id": self.restaurant_id, "id": check_id}

    def payment_row(self, payment_id: str) -> PaymentRow:
        found = (
            self._core()
            .execute(_PAYMENT_ROW, {"restaurant_id": self.restaurant_id, "id": payment_id})
            .first()
        )
        if found is None:
            raise NotFound(f"No payment with id {payment_id!r} in this restaurant.")
        return _payment(found)

    def insert_payment(
        self,
        payment: PaymentRow,
        *,
        idempotency_key: str,
        cash_tendered_cents: int | None,
        at: datetime,
        settled_at: datetime | None,
    ) -> None:
        self._write(
            _INSERT_PAYMENT,
            {
                "id": payment.id,
                "restaurant_id": self.restaurant_id,
                "check_id": payment.check_id,
                "idempotency_key": idempotency_key,
                "tender": payment.tender,
                "status": payment.status,
                "amount_cents": payment.amount_cents,
                "tip_cents": payment.tip_cents,
                "cash_tendered_cents": cash_tendered_cents,
                "change_cents": payment.change_cents,
                "payment_method": payment.payment_method,
                "split_part": payment.split_part,
                "processor_payment_id": payment.processor_payment_id,
                "failure_code": payment.failure_code,
                "failure_message": payment.failure_message,
                "refunded_cents": payment.refunded_cents,
                "created_by": payment.created_by,
                "created_at": at,
                "settled_at": settled_at,
            },
        )

    def has_open_check(self, table_id: str) -> bool:
        found = self._core().scalar(
            _HAS_OPEN_CHECK, {"restaurant_id": self.restaurant_id, "table_id": table_id}
        )
        return found is not None

    def insert_check(self, values: dict[str, Any]) -> None:
        self._core().execute(_INSERT_CHECK, values | {"restaurant_id": self.restaurant_id})

    def insert_line(self, line: LineRow, *, check_id: str, created_by: str, at: datetime) -> None:
        self._write(
            _INSERT_LINE,
            {
                "id": line.id,
                "restaurant_id": self.restaurant_id,
                "check_id": check_id,
                "seat": line.seat,
                "menu_item_id": line.menu_item_id,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price_cents": line.unit_price_cents,
                "note": line.note,
                "created_by": created_by,
                "created_at": at,
                "position": line.position,
            },
        )

    def insert_modifiers(self, modifiers: Sequence[ModifierRow], ids: Sequence[str]) -> None:
        if not modifiers:
            return
        self._write(
            _INSERT_MODIFIER,
            [
                {
                    "id": id_,
                    "restaurant_id": self.restaurant_id,
                    "line_id": modifier.line_id,
                    "option_id": modifier.option_id,
                    "name": modifier.name,
                    "price_cents": modifier.price_cents,
                }
                for modifier, id_ in zip(modifiers, ids, strict=True)
            ],
        )

    def insert_ticket(self, values: dict[str, Any]) -> None:
        self._write(_INSERT_TICKET, values | {"restaurant_id": self.restaurant_id})

    def mark_sent(self, line_ids: Sequence[str], ticket_id: str, at: datetime) -> None:
        self._write(
            _MARK_SENT,
            {
                "scope_restaurant_id": self.restaurant_id,
                "line_ids": list(line_ids),
                "ticket": ticket_id,
                "at": at,
            },
        )

    def touch(self, check_id: str) -> None:
        """A new version of the check (its lines, discounts or plan changed)."""
        self._write(_TOUCH_CHECK, {"scope_restaurant_id": self.restaurant_id, "check_id": check_id})

    def set_split_plan(self, check_id: str, plan: dict[str, Any] | None) -> None:
        """Replace the check's split plan (None: no split), as a new version of it."""
        self._write(
            _SET_SPLIT,
            {"scope_restaurant_id": self.restaurant_id, "check_id": check_id, "plan": plan},
        )

    def record_outcome(self, payment: PaymentRow, settled_at: datetime) -> None:
        """Write a pending payment's final status (and what the processor said)."""
        self._write(
            _PAYMENT_OUTCOME,
            {
                "scope_restaurant_id": self.restaurant_id,
                "payment_id": payment.id,
                "new_status": payment.status,
                "processor_id": payment.processor_payment_id,
                "code": payment.failure_code,
                "message": payment.failure_message,
                "at": settled_at,
            },
        )

    def close(self, check_id: str, at: datetime) -> None:
        self._write(
            _CLOSE_CHECK,
            {"scope_restaurant_id": self.restaurant_id, "check_id": check_id, "at": at},
        )

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


def _payment(row: Any) -> PaymentRow:
    return PaymentRow(*row)


def _line(row: Any) -> LineRow:
    return LineRow(*row)


Contents = tuple[list[LineRow], list[ModifierRow], list[DiscountRow], list[PaymentRow]]
_CONTENTS = (_LINE_ROWS, _MODIFIER_ROWS, _DISCOUNT_ROWS, _PAYMENT_ROWS)


def _contents(found: Sequence[batched.Rows]) -> Contents:
    lines, modifiers, discounts, payments = found
    return (
        [_line(row) for row in lines],
        [ModifierRow(*row) for row in modifiers],
        [DiscountRow(*row) for row in discounts],
        [_payment(row) for row in payments],
    )


def _head_statement(lock: bool, wait: bool) -> Select[Any]:
    return _CHECK_HEAD_WAIT if wait else _CHECK_HEAD_NOWAIT if lock else _CHECK_HEAD


def _found_head(check_id: str, row: Sequence[Any] | None) -> CheckHead:
    if row is None:
        raise NotFound(f"No check with id {check_id!r} in this restaurant.")
    return CheckHead(*row)


def scoped_rows(
    session: Session, model: type[Model], restaurant_id: str, **filters: Any
) -> Sequence[Model]:
    stmt = select(model).where(model.restaurant_id == restaurant_id)  # type: ignore[attr-defined]
    for name, value in filters.items():
        stmt = stmt.where(getattr(model, name) == value)
    return session.scalars(stmt).all()


TokenHolder = tuple[datetime | None, datetime, bool, str, str, str, str]
