"""The menu as the floor sees it, and 86-ing an item (and bringing it back)."""

from __future__ import annotations

from collections import defaultdict

from tableside.core import batched
from tableside.core import models as m
from tableside.core.access import KITCHEN_ROLES, Principal
from tableside.core.rows import MenuItemRow, ModifierChoice
from tableside.core.unit_of_work import UnitOfWork
from tableside.menu.repository import Menu
from tableside.menu.schemas import (
    MenuCategoryView,
    MenuItemView,
    MenuView,
    ModifierGroupView,
    ModifierOptionView,
)


def menu(uow: UnitOfWork) -> MenuView:
    """The whole menu with availability, modifier groups and their prices."""
    items = Menu.of(uow).items()
    groups = Menu.of(uow).groups()
    options = Menu.of(uow).options([g.id for g in groups])
    options_by_group: dict[str, list[m.ModifierOption]] = defaultdict(list)
    for option in options:
        options_by_group[option.group_id].append(option)
    groups_by_item: dict[str, list[m.ModifierGroup]] = defaultdict(list)
    for group in groups:
        groups_by_item[group.menu_item_id].append(group)
    return MenuView(
        categories=[MenuCategoryView(id=c.id, name=c.name) for c in Menu.of(uow).categories()],
        items=[_item_view(item, groups_by_item, options_by_group) for item in items],
    )


def _item_view(
    item: m.MenuItem,
    groups_by_item: dict[str, list[m.ModifierGroup]],
    options_by_group: dict[str, list[m.ModifierOption]],
) -> MenuItemView:
    return MenuItemView(
        id=item.id,
        name=item.name,
        category_id=item.category_id,
        price_cents=item.price_cents,
        available=item.available,
        modifier_groups=[
            ModifierGroupView(
                id=g.id,
                name=g.name,
                min=g.min_choices,
                max=g.max_choices,
                options=[
                    ModifierOptionView(id=o.id, name=o.name, price_cents=o.price_cents)
                    for o in options_by_group[g.id]
                ],
            )
            for g in groups_by_item[item.id]
        ],
    )


def set_availability(
    uow: UnitOfWork, who: Principal, item_id: str, available: bool
) -> MenuItemView:
    """86 an item (or bring it back). Lines already rung are untouched."""
    who.require(KITCHEN_ROLES, "86 menu items")
    item = Menu.of(uow).item(item_id)
    if item.available != available:
        item.available = available
        uow.audit("menu.availability", "menu_item", item.id, name=item.name, available=available)
        uow.emit("menu.updated", {"menu_item_id": item.id, "available": available})
    groups = Menu.of(uow).groups([item.id])
    options = Menu.of(uow).options([g.id for g in groups])
    by_group: dict[str, list[m.ModifierOption]] = defaultdict(list)
    for option in options:
        by_group[option.group_id].append(option)
    return _item_view(item, {item.id: list(groups)}, by_group)


def item_reads(uow: UnitOfWork, item_id: str) -> list[batched.Read]:
    """The reads that find an item and its modifier choices, to batch with others."""
    return Menu.of(uow).item_reads(item_id)


def item_found(item_id: str, rows: batched.Rows) -> MenuItemRow:
    return Menu.item_found(item_id, rows)


def choices_found(rows: batched.Rows) -> list[ModifierChoice]:
    return Menu.choices_found(rows)
