"""Menu categories, items, their modifier groups and options.

Every query is scoped to the unit's restaurant: a row of another restaurant is
indistinguishable from one that does not exist (``NotFound``, a 404). The menu as the
floor sees it is its live rows: an archived category hides its items, an archived item its
groups, an archived group its options; the editor sees every row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy import bindparam, func, select

from tableside.core import batched
from tableside.core import models as m
from tableside.core.errors import Conflict, NotFound
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
    # An item can be rung while it and its category are live.
    .join(m.MenuCategory, m.MenuCategory.id == m.MenuItem.category_id)
    .where(
        m.MenuItem.restaurant_id == RESTAURANT,
        m.MenuItem.id == bindparam("id"),
        m.MenuItem.archived_at.is_(None),
        m.MenuCategory.archived_at.is_(None),
    )
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
        & (m.ModifierOption.restaurant_id == m.ModifierGroup.restaurant_id)
        & m.ModifierOption.archived_at.is_(None),
    )
    .where(
        m.ModifierGroup.restaurant_id == RESTAURANT,
        m.ModifierGroup.menu_item_id == bindparam("item_id"),
        m.ModifierGroup.archived_at.is_(None),
    )
    .order_by(m.ModifierGroup.position, m.ModifierOption.position)
)


_ITEM_GROUPS = (
    select(m.ModifierGroup)
    .where(
        m.ModifierGroup.restaurant_id == RESTAURANT,
        m.ModifierGroup.menu_item_id.in_(bindparam("item_ids", expanding=True)),
        m.ModifierGroup.archived_at.is_(None),
    )
    .order_by(m.ModifierGroup.position)
)


_GROUP_OPTIONS = (
    select(m.ModifierOption)
    .where(
        m.ModifierOption.restaurant_id == RESTAURANT,
        m.ModifierOption.group_id.in_(bindparam("group_ids", expanding=True)),
        m.ModifierOption.archived_at.is_(None),
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
        """The live categories, in menu order."""
        return self.session.scalars(
            select(m.MenuCategory)
            .where(
                m.MenuCategory.restaurant_id == self.restaurant_id,
                m.MenuCategory.archived_at.is_(None),
            )
            .order_by(m.MenuCategory.position, m.MenuCategory.name)
        ).all()

    def items(self) -> Sequence[m.MenuItem]:
        """The live items of live categories, in menu order (by category)."""
        return self.session.scalars(
            select(m.MenuItem)
            .join(m.MenuCategory, m.MenuCategory.id == m.MenuItem.category_id)
            .where(
                m.MenuItem.restaurant_id == self.restaurant_id,
                m.MenuItem.archived_at.is_(None),
                m.MenuCategory.archived_at.is_(None),
            )
            .order_by(m.MenuCategory.position, m.MenuItem.position, m.MenuItem.name)
        ).all()

    def groups(self, item_ids: Sequence[str] | None = None) -> Sequence[m.ModifierGroup]:
        """The live modifier groups (of ``item_ids``), in menu order."""
        if item_ids is not None:
            return self.session.scalars(
                _ITEM_GROUPS, {"restaurant_id": self.restaurant_id, "item_ids": list(item_ids)}
            ).all()
        stmt = select(m.ModifierGroup).where(
            m.ModifierGroup.restaurant_id == self.restaurant_id,
            m.ModifierGroup.archived_at.is_(None),
        )
        return self.session.scalars(stmt.order_by(m.ModifierGroup.position)).all()

    def options(self, group_ids: Sequence[str]) -> Sequence[m.ModifierOption]:
        """The live options of ``group_ids``, in menu order."""
        return self.session.scalars(
            _GROUP_OPTIONS, {"restaurant_id": self.restaurant_id, "group_ids": list(group_ids)}
        ).all()

    # --- the editor: every row, archived ones too ----------------------------------------

    def category(self, category_id: str) -> m.MenuCategory:
        return self._get(m.MenuCategory, category_id, "category")

    def group(self, group_id: str) -> m.ModifierGroup:
        return self._get(m.ModifierGroup, group_id, "modifier group")

    def option(self, option_id: str) -> m.ModifierOption:
        return self._get(m.ModifierOption, option_id, "option")

    def every_category(self) -> Sequence[m.MenuCategory]:
        return self.session.scalars(
            select(m.MenuCategory)
            .where(m.MenuCategory.restaurant_id == self.restaurant_id)
            .order_by(m.MenuCategory.position, m.MenuCategory.name)
        ).all()

    def every_item(self, category_id: str | None = None) -> Sequence[m.MenuItem]:
        stmt = select(m.MenuItem).where(m.MenuItem.restaurant_id == self.restaurant_id)
        if category_id is not None:
            stmt = stmt.where(m.MenuItem.category_id == category_id)
        return self.session.scalars(stmt.order_by(m.MenuItem.position, m.MenuItem.name)).all()

    def every_group(self, item_id: str | None = None) -> Sequence[m.ModifierGroup]:
        stmt = select(m.ModifierGroup).where(m.ModifierGroup.restaurant_id == self.restaurant_id)
        if item_id is not None:
            stmt = stmt.where(m.ModifierGroup.menu_item_id == item_id)
        return self.session.scalars(
            stmt.order_by(m.ModifierGroup.position, m.ModifierGroup.name)
        ).all()

    def every_option(self, group_ids: Sequence[str] | None = None) -> Sequence[m.ModifierOption]:
        stmt = select(m.ModifierOption).where(m.ModifierOption.restaurant_id == self.restaurant_id)
        if group_ids is not None:
            stmt = stmt.where(m.ModifierOption.group_id.in_(list(group_ids)))
        return self.session.scalars(
            stmt.order_by(m.ModifierOption.position, m.ModifierOption.name)
        ).all()

    def add(self, row: m.MenuCategory | m.MenuItem | m.ModifierGroup | m.ModifierOption) -> None:
        self.session.add(row)

    def add_all(
        self, rows: Sequence[m.MenuCategory | m.MenuItem | m.ModifierGroup | m.ModifierOption]
    ) -> None:
        """Inserted together (one batch per table at the next flush)."""
        self.session.add_all(rows)
        self.session.flush()

    def lock(self) -> None:
        """Hold the restaurant's menu for this unit: one change of its structure at a time,
        so two managers cannot both add "Fries" to Sides. SQLite's writers are one at a time
        already; on PostgreSQL a transaction-scoped advisory lock, and a 409 at once (never a
        queue) when another unit holds it."""
        if self.session.get_bind().dialect.name == "sqlite":
            return
        digest = hashlib.sha256(f"tableside.menu:{self.restaurant_id}".encode()).digest()
        key = int.from_bytes(digest[:8], "big", signed=True)
        if not self.session.scalar(select(func.pg_try_advisory_xact_lock(key))):
            raise Conflict(
                "Another change to the menu is being saved right now. Try again in a moment.",
                code="busy",
            )
