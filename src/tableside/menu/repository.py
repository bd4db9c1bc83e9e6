"""Menu items, their modifier groups and options.

Every query is scoped to the unit's restaurant: a row of another restaurant is
indistinguishable from one that does not exist (``NotFound``, a 404).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, func, select

from tableside.core import batched
from tableside.core import models as m
from tableside.core.errors import NotFound
from tableside.core.repository import RESTAURANT, Repository
from tableside.core.rows import (
    MenuItemRow,
    ModifierChoice,
)

_MENU_ITEM_ROW = (
    select(
        m.MenuItem.id,
        m.MenuItem.name,
        m.MenuItem.price_cents,
        m.MenuItem.available,
        func.coalesce(m.TaxRate.rate_bp, m.Restaurant.tax_rate_bp),
    )
    .join(m.Restaurant, m.Restaurant.id == m.MenuItem.restaurant_id)
    .outerjoin(m.TaxRate, m.TaxRate.id == m.MenuItem.tax_rate_id)
    .where(m.MenuItem.restaurant_id == RESTAURANT, m.MenuItem.id == bindparam("id"))
)


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
        m.ModifierGroup.restaurant_id == RESTAURANT,
        m.ModifierGroup.menu_item_id == bindparam("item_id"),
    )
    .order_by(m.ModifierGroup.position, m.ModifierOption.position)
)


_ITEM_GROUPS = (
    select(m.ModifierGroup)
    .where(
        m.ModifierGroup.restaurant_id == RESTAURANT,
        m.ModifierGroup.menu_item_id.in_(bindparam("item_ids", expanding=True)),
    )
    .order_by(m.ModifierGroup.position)
)


_GROUP_OPTIONS = (
    select(m.ModifierOption)
    .where(
        m.ModifierOption.restaurant_id == RESTAURANT,
        m.ModifierOption.group_id.in_(bindparam("group_ids", expanding=True)),
    )
    .order_by(m.ModifierOption.position)
)


class Menu(Repository):
    def item(self, item_id: str) -> m.MenuItem:
        return self._get(m.MenuItem, item_id, "menu item")

    def item_reads(self, item_id: str) -> list[batched.Read]:
        """The item's row and its modifier groups with their options (in menu order), read
        with others: ringing a line reads them with the check (core/batched.py)."""
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
