"""Checks and their contents: lines, modifiers, discounts and payments, read together.

Every query is scoped to the unit's restaurant: a row of another restaurant is
indistinguishable from one that does not exist (``NotFound``, a 404).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    Insert,
    Select,
    Table,
    bindparam,
    insert,
    literal_column,
    select,
    update,
)

from tableside.core import batched
from tableside.core import models as m
from tableside.core.counters import insert_numbered
from tableside.core.errors import NotFound
from tableside.core.repository import RESTAURANT, Repository
from tableside.core.rows import (
    PAYMENT_COLUMNS,
    CheckHead,
    DiscountRow,
    LineRow,
    ModifierRow,
    PaymentRow,
)

_CHECK_LINES = (
    select(m.CheckLine)
    .where(
        m.CheckLine.restaurant_id == RESTAURANT,
        m.CheckLine.check_id.in_(bindparam("check_ids", expanding=True)),
    )
    .order_by(m.CheckLine.created_at, m.CheckLine.position)
)
_LINE_MODIFIERS = select(m.LineModifier).where(
    m.LineModifier.restaurant_id == RESTAURANT,
    m.LineModifier.line_id.in_(bindparam("line_ids", expanding=True)),
)
_CHECK_DISCOUNTS = (
    select(m.CheckDiscount)
    .where(
        m.CheckDiscount.restaurant_id == RESTAURANT,
        m.CheckDiscount.check_id == bindparam("check_id"),
    )
    .order_by(m.CheckDiscount.created_at)
)
_CHECK_PAYMENTS = (
    select(m.Payment)
    .where(m.Payment.restaurant_id == RESTAURANT, m.Payment.check_id == bindparam("check_id"))
    .order_by(m.Payment.created_at)
)
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
        m.Check.type,
        m.Restaurant.max_tip_bp,
        m.Check.prices_include_tax,
        m.Check.service_charge_bp,
        m.Check.guest_name,
        m.Check.guest_phone,
    )
    .outerjoin(m.DiningTable, m.DiningTable.id == m.Check.table_id)
    .join(m.Restaurant, m.Restaurant.id == m.Check.restaurant_id)
    .where(m.Check.id == bindparam("id"), m.Check.restaurant_id == RESTAURANT)
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
        m.CheckLine.tax_rate_bp,
    )
    .where(m.CheckLine.restaurant_id == RESTAURANT, m.CheckLine.check_id == bindparam("check_id"))
    .order_by(m.CheckLine.created_at, m.CheckLine.position)
)
_MODIFIER_ROWS = select(
    m.LineModifier.line_id,
    m.LineModifier.option_id,
    m.LineModifier.name,
    m.LineModifier.price_cents,
).where(
    m.LineModifier.restaurant_id == RESTAURANT,
    # By the check, not by its lines' ids: read in the same round trip as the lines.
    m.LineModifier.line_id.in_(
        select(m.CheckLine.id).where(
            m.CheckLine.restaurant_id == RESTAURANT,
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
        m.CheckDiscount.restaurant_id == RESTAURANT,
        m.CheckDiscount.check_id == bindparam("check_id"),
    )
    .order_by(m.CheckDiscount.created_at)
)
_PAYMENT_ROWS = PAYMENT_COLUMNS.where(
    m.Payment.restaurant_id == RESTAURANT, m.Payment.check_id == bindparam("check_id")
).order_by(m.Payment.created_at)
_HAS_OPEN_CHECK = select(m.Check.id).where(
    m.Check.restaurant_id == RESTAURANT,
    m.Check.table_id == bindparam("table_id"),
    m.Check.status == literal_column("'open'"),  # the partial index's own predicate
)
_CHECKS = cast(Table, m.Check.__table__)
_LINES = cast(Table, m.CheckLine.__table__)
_INSERT_LINE = insert(_LINES)
_INSERT_MODIFIER = insert(cast(Table, m.LineModifier.__table__))
_INSERT_CHECK = insert(_CHECKS)
# The index a second open check on a table breaks (invariant 1).
ONE_OPEN_CHECK_PER_TABLE = "uq_checks_one_open_per_table"


@cache
def insert_numbered_check(columns: tuple[str, ...]) -> Insert:
    """PostgreSQL: insert a check with ``columns``' values, numbered with the next number of
    its restaurant's business date, in one statement that returns the number."""
    return insert_numbered(
        _CHECKS,
        columns,
        "number",
        m.CheckNumberCounter,
        ("restaurant_id", "business_date"),
        "last_number",
    )


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
_CALL_OFF_CHECK = (
    update(_CHECKS)
    .where(
        _CHECKS.c.id == bindparam("check_id"),
        _CHECKS.c.restaurant_id == bindparam("scope_restaurant_id"),
        _CHECKS.c.status == "open",
    )
    .values(
        status="void",
        closed_at=bindparam("at", type_=_CHECKS.c.closed_at.type),
        version=_CHECKS.c.version + 1,
    )
)
_OPEN_ON_TABLE = select(m.Check).where(
    m.Check.restaurant_id == RESTAURANT,
    m.Check.table_id == bindparam("table_id"),
    m.Check.status == literal_column("'open'"),  # the partial indexes' own predicate
)
_OPEN_ON_TABLE_LOCKED = _OPEN_ON_TABLE.with_for_update(nowait=True)

# Every open check (at a table or not) with the rows its totals are computed from, for the
# floor's tiles and its list of checks without a table: the columns of a check's own reads
# (so the same rows, computed by the same code), each row led by its check, in one round
# trip; through the partial index of the restaurant's open checks (migration 0003), then
# each table's index by the check.
_OPEN_NOW = select(m.Check.id).where(
    m.Check.restaurant_id == RESTAURANT,
    m.Check.status == literal_column("'open'"),
)
_OPEN_HEADS = (
    select(*_CHECK_HEAD.selected_columns)
    .select_from(*_CHECK_HEAD.get_final_froms())
    .where(
        m.Check.restaurant_id == RESTAURANT,
        m.Check.status == literal_column("'open'"),
    )
)
_OPEN_LINES = (
    select(m.CheckLine.check_id, *_LINE_ROWS.selected_columns)
    .where(m.CheckLine.restaurant_id == RESTAURANT, m.CheckLine.check_id.in_(_OPEN_NOW))
    .order_by(m.CheckLine.created_at, m.CheckLine.position)
)
_OPEN_MODIFIERS = select(*_MODIFIER_ROWS.selected_columns).where(
    m.LineModifier.restaurant_id == RESTAURANT,
    m.LineModifier.line_id.in_(
        select(m.CheckLine.id).where(
            m.CheckLine.restaurant_id == RESTAURANT, m.CheckLine.check_id.in_(_OPEN_NOW)
        )
    ),
)
_OPEN_DISCOUNTS = (
    select(m.CheckDiscount.check_id, *_DISCOUNT_ROWS.selected_columns)
    .where(
        m.CheckDiscount.restaurant_id == RESTAURANT,
        m.CheckDiscount.check_id.in_(_OPEN_NOW),
    )
    .order_by(m.CheckDiscount.created_at)
)
_OPEN_PAYMENTS = PAYMENT_COLUMNS.where(
    m.Payment.restaurant_id == RESTAURANT, m.Payment.check_id.in_(_OPEN_NOW)
).order_by(m.Payment.created_at)
_OPEN_CHECKS = (_OPEN_HEADS, _OPEN_LINES, _OPEN_MODIFIERS, _OPEN_DISCOUNTS, _OPEN_PAYMENTS)

# The same reads for the checks named (open or not): a list of guests' orders.
_NAMED: BindParameter[list[str]] = bindparam("check_ids", expanding=True)
_NAMED_CHECKS = (
    select(*_CHECK_HEAD.selected_columns)
    .select_from(*_CHECK_HEAD.get_final_froms())
    .where(m.Check.restaurant_id == RESTAURANT, m.Check.id.in_(_NAMED)),
    select(m.CheckLine.check_id, *_LINE_ROWS.selected_columns)
    .where(m.CheckLine.restaurant_id == RESTAURANT, m.CheckLine.check_id.in_(_NAMED))
    .order_by(m.CheckLine.created_at, m.CheckLine.position),
    select(*_MODIFIER_ROWS.selected_columns).where(
        m.LineModifier.restaurant_id == RESTAURANT,
        m.LineModifier.line_id.in_(
            select(m.CheckLine.id).where(
                m.CheckLine.restaurant_id == RESTAURANT, m.CheckLine.check_id.in_(_NAMED)
            )
        ),
    ),
    select(m.CheckDiscount.check_id, *_DISCOUNT_ROWS.selected_columns)
    .where(m.CheckDiscount.restaurant_id == RESTAURANT, m.CheckDiscount.check_id.in_(_NAMED))
    .order_by(m.CheckDiscount.created_at),
    PAYMENT_COLUMNS.where(
        m.Payment.restaurant_id == RESTAURANT, m.Payment.check_id.in_(_NAMED)
    ).order_by(m.Payment.created_at),
)


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
        (core/batched.py). With ``lock``, every read after it sees the check as its lock's
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

    def open_now(
        self, also: Sequence[batched.Read] = ()
    ) -> tuple[list[tuple[CheckHead, Contents]], list[batched.Rows]]:
        """Every open check with its contents, as ``read`` gives one check's,
        then the ``also`` reads: all in one round trip (core/batched.py)."""
        scope = {"restaurant_id": self.restaurant_id}
        found = batched.read_together(
            self._core(), [*((statement, scope) for statement in _OPEN_CHECKS), *also]
        )
        return _assembled(found[: len(_OPEN_CHECKS)]), found[len(_OPEN_CHECKS) :]

    def named(self, check_ids: Sequence[str]) -> list[tuple[CheckHead, Contents]]:
        """These checks with their contents, as ``open_now`` gives the open ones (five
        statements: a list of names cannot be sent in one pipelined round trip)."""
        if not check_ids:
            return []
        scope = {"restaurant_id": self.restaurant_id, "check_ids": list(check_ids)}
        connection = self._core()
        return _assembled([connection.execute(s, scope).all() for s in _NAMED_CHECKS])

    def contents(self, check_id: str) -> Contents:
        """The check's lines, their modifiers, its discounts and its payments as plain rows."""
        scope = {"restaurant_id": self.restaurant_id, "check_id": check_id}
        return _contents(
            batched.read_together(self._core(), [(statement, scope) for statement in _CONTENTS])
        )

    def _head_params(self, check_id: str) -> dict[str, str]:
        return {"restaurant_id": self.restaurant_id, "id": check_id}

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
                "tax_rate_bp": line.tax_rate_bp,
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

    def close(self, check_id: str, at: datetime) -> None:
        self._write(
            _CLOSE_CHECK,
            {"scope_restaurant_id": self.restaurant_id, "check_id": check_id, "at": at},
        )

    def call_off(self, check_id: str, at: datetime) -> None:
        self._write(
            _CALL_OFF_CHECK,
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


def _payment(row: Any) -> PaymentRow:
    return PaymentRow(*row)


def _line(row: Any) -> LineRow:
    return LineRow(*row)


Contents = tuple[list[LineRow], list[ModifierRow], list[DiscountRow], list[PaymentRow]]
_CONTENTS = (_LINE_ROWS, _MODIFIER_ROWS, _DISCOUNT_ROWS, _PAYMENT_ROWS)


def _assembled(found: Sequence[batched.Rows]) -> list[tuple[CheckHead, Contents]]:
    """Checks' heads, lines, modifiers, discounts and payments (each row led by its check)
    as each check's head and contents."""
    heads, lines, modifiers, discounts, payments = found
    contents: dict[str, Contents] = {}
    for row in heads:
        contents[row[0]] = ([], [], [], [])
    line_check: dict[str, str] = {}
    for row in lines:
        if row[0] in contents:
            line = _line(row[1:])
            line_check[line.id] = row[0]
            contents[row[0]][0].append(line)
    for row in modifiers:
        if row[0] in line_check:
            contents[line_check[row[0]]][1].append(ModifierRow(*row))
    for row in discounts:
        if row[0] in contents:
            contents[row[0]][2].append(DiscountRow(*row[1:]))
    for row in payments:
        payment = _payment(row)
        if payment.check_id in contents:
            contents[payment.check_id][3].append(payment)
    return [(_found_head(row[0], row), contents[row[0]]) for row in heads]


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
