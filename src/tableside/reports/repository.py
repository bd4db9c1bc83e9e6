"""The restaurant's own data, read table by table for its export.

Every statement names the unit's restaurant: another restaurant's rows are never read. The
history (checks and the audit) is read a page at a time by key, so an export of years of
service holds one page in memory, not the years.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, cast

from sqlalchemy import Column, Select, Table, bindparam, select

from tableside.core import models as m
from tableside.core.repository import RESTAURANT, Repository

Row = dict[str, Any]

# Columns never exported: how a PIN is checked and found, and a login's lock-out state.
SECRET = {"pin_lookup", "pin_hash"}
PAGE = 200  # checks (or audit entries) per read


def _columns(model: type[m.Base], *, without: Sequence[str] = ()) -> list[Column[Any]]:
    table = cast(Table, model.__table__)
    left_out = {*SECRET, "restaurant_id", *without}
    return [c for c in table.columns if c.name not in left_out]


def _all(model: type[m.Base], *order: str) -> Select[Any]:
    table = cast(Table, model.__table__)
    return (
        select(*_columns(model))
        .where(table.c.restaurant_id == RESTAURANT)
        .order_by(*(table.c[name] for name in order))
    )


def _children(model: type[m.Base], parent: str, *order: str) -> Select[Any]:
    table = cast(Table, model.__table__)
    return (
        select(*_columns(model))
        .where(
            table.c[parent].in_(bindparam("parents", expanding=True)),
            table.c.restaurant_id == RESTAURANT,
        )
        .order_by(*(table.c[name] for name in order))
    )


_TAX_RATES = _all(m.TaxRate, "position", "name")
_CATEGORIES = _all(m.MenuCategory, "position", "id")
_ITEMS = _all(m.MenuItem, "category_id", "position", "id")
_GROUPS = _all(m.ModifierGroup, "menu_item_id", "position", "id")
_OPTIONS = _all(m.ModifierOption, "group_id", "position", "id")
_SECTIONS = _all(m.Section, "position", "id")
_TABLES = _all(m.DiningTable, "position", "label")
_STAFF = _all(m.Staff, "created_at", "id")
_CHECKS_PAGE = (
    select(*_columns(m.Check))
    .where(m.Check.restaurant_id == RESTAURANT, m.Check.id > bindparam("after"))
    .order_by(m.Check.id)
    .limit(PAGE)
)
_LINES = _children(m.CheckLine, "check_id", "check_id", "created_at", "position")
# A page's modifiers and refunds by its checks (not by their lines' or payments' ids: a
# page of checks may have more of those than a statement may bind).
_MODIFIERS = (
    select(*_columns(m.LineModifier))
    .where(
        m.LineModifier.restaurant_id == RESTAURANT,
        m.LineModifier.line_id.in_(
            select(m.CheckLine.id).where(
                m.CheckLine.restaurant_id == RESTAURANT,
                m.CheckLine.check_id.in_(bindparam("parents", expanding=True)),
            )
        ),
    )
    .order_by(m.LineModifier.line_id, m.LineModifier.id)
)
_DISCOUNTS = _children(m.CheckDiscount, "check_id", "check_id", "created_at")
_PAYMENTS = _children(m.Payment, "check_id", "check_id", "created_at")
_REFUNDS = (
    select(*_columns(m.Refund))
    .where(
        m.Refund.restaurant_id == RESTAURANT,
        m.Refund.payment_id.in_(
            select(m.Payment.id).where(
                m.Payment.restaurant_id == RESTAURANT,
                m.Payment.check_id.in_(bindparam("parents", expanding=True)),
            )
        ),
    )
    .order_by(m.Refund.payment_id, m.Refund.created_at)
)
_AUDIT_PAGE = (
    select(*_columns(m.AuditEntry))
    .where(m.AuditEntry.restaurant_id == RESTAURANT, m.AuditEntry.id > bindparam("after"))
    .order_by(m.AuditEntry.id)
    .limit(PAGE)
)
_RESTAURANT = select(*_columns(m.Restaurant)).where(m.Restaurant.id == RESTAURANT)


class RestaurantData(Repository):
    def _rows(self, statement: Select[Any], **params: Any) -> list[Row]:
        found = self._core().execute(statement, {"restaurant_id": self.restaurant_id, **params})
        return [dict(row._mapping) for row in found]

    def restaurant(self) -> Row:
        return self._rows(_RESTAURANT)[0]

    def tax_rates(self) -> list[Row]:
        return self._rows(_TAX_RATES)

    def menu(self) -> dict[str, list[Row]]:
        """Every category, item, modifier group and option, archived ones too."""
        return {
            "categories": self._rows(_CATEGORIES),
            "items": self._rows(_ITEMS),
            "modifier_groups": self._rows(_GROUPS),
            "modifier_options": self._rows(_OPTIONS),
        }

    def floor(self) -> dict[str, list[Row]]:
        return {"sections": self._rows(_SECTIONS), "tables": self._rows(_TABLES)}

    def staff(self) -> list[Row]:
        """Everyone who ever worked here, without anything that checks or finds a PIN."""
        return self._rows(_STAFF)

    def check_pages(self) -> Iterator[list[Row]]:
        """Every check with its lines (and their modifiers), discounts, payments (and their
        refunds), a page of checks at a time, by id."""
        after = ""
        while True:
            checks = self._rows(_CHECKS_PAGE, after=after)
            if not checks:
                return
            after = checks[-1]["id"]
            ids = [c["id"] for c in checks]
            lines = self._rows(_LINES, parents=ids)
            modifiers = self._by(self._rows(_MODIFIERS, parents=ids), "line_id")
            payments = self._rows(_PAYMENTS, parents=ids)
            refunds = self._by(self._rows(_REFUNDS, parents=ids), "payment_id")
            for line in lines:
                line["modifiers"] = modifiers.get(line["id"], [])
            for payment in payments:
                payment["refunds"] = refunds.get(payment["id"], [])
            by_check = {
                "lines": self._by(lines, "check_id"),
                "discounts": self._by(self._rows(_DISCOUNTS, parents=ids), "check_id"),
                "payments": self._by(payments, "check_id"),
            }
            for check in checks:
                for key, rows in by_check.items():
                    check[key] = rows.get(check["id"], [])
            yield checks

    def audit_pages(self) -> Iterator[list[Row]]:
        """The audit log, oldest first, a page at a time."""
        after = 0
        while True:
            entries = self._rows(_AUDIT_PAGE, after=after)
            if not entries:
                return
            after = entries[-1]["id"]
            yield entries

    @staticmethod
    def _by(rows: list[Row], key: str) -> dict[str, list[Row]]:
        grouped: dict[str, list[Row]] = {}
        for row in rows:
            grouped.setdefault(row.pop(key), []).append(row)
        return grouped
