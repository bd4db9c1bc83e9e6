"""The menu as the floor sees it, 86-ing an item (and bringing it back), and the menu
editor: categories, items, modifier groups and options created, edited, reordered,
archived and restored.

Every change of the editor is audited (who, what, before → after) and announced
(``menu.updated``) in its own unit of work, so every check screen's menu follows at once.
Archiving never deletes: an archived row leaves the menu, and every check, ticket and
report that used it still shows it (a line keeps its name, price and modifiers).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, TypeVar

from tableside.core import batched
from tableside.core import models as m
from tableside.core.access import KITCHEN_ROLES, MANAGER_ROLES, Principal
from tableside.core.errors import InvalidRequest, NotFound
from tableside.core.models import new_id, utcnow
from tableside.core.rows import MenuItemRow, ModifierChoice
from tableside.core.unit_of_work import UnitOfWork
from tableside.menu import menu_file, rules
from tableside.menu.repository import Menu
from tableside.menu.rules import Kind
from tableside.menu.schemas import (
    CategoryChange,
    CategoryEditView,
    FileFormat,
    GroupChange,
    GroupEditView,
    ImportMode,
    ImportResult,
    ItemChange,
    ItemEditView,
    KindCounts,
    MenuCategoryView,
    MenuEditorView,
    MenuItemView,
    MenuView,
    ModifierGroupView,
    ModifierOptionView,
    NewGroup,
    NewItem,
    NewOption,
    OptionChange,
    OptionEditView,
    OrderView,
    TaxRateChoice,
)
from tableside.restaurants import service as restaurants


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
        description=item.description,
        allergens=list(item.allergens),
        station=item.station,
        course=item.course,
        tax_rate_id=item.tax_rate_id,
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


# --- the menu editor ----------------------------------------------------------------------

_ENTITY = {
    Kind.CATEGORY: "menu_category",
    Kind.ITEM: "menu_item",
    Kind.GROUP: "modifier_group",
    Kind.OPTION: "modifier_option",
}
Row = m.MenuCategory | m.MenuItem | m.ModifierGroup | m.ModifierOption


_ON_MENU, _OFF_MENU = {"archived": False}, {"archived": True}


def _may_edit(who: Principal) -> None:
    who.require(MANAGER_ROLES, "edit the menu")


def _recorded(uow: UnitOfWork, kind: Kind, change: str, row: Row, **details: Any) -> None:
    """Audit one change of one row and tell every terminal the menu changed."""
    uow.audit(f"menu.{kind.value}.{change}", _ENTITY[kind], row.id, name=row.name, **details)
    uow.emit("menu.updated", {"kind": kind.value, "id": row.id, "change": change})


def _changed(row: Row, wanted: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Set ``wanted`` on ``row``; what each changed field was and is now."""
    before = {k: getattr(row, k) for k, v in wanted.items() if getattr(row, k) != v}
    after = {k: wanted[k] for k in before}
    for field, value in after.items():
        setattr(row, field, value)
    return before, after


def _updated(uow: UnitOfWork, kind: Kind, row: Row, wanted: dict[str, Any]) -> None:
    before, after = _changed(row, wanted)
    if after:
        _recorded(uow, kind, "updated", row, before=before, after=after)


def _next_position(rows: Sequence[Row]) -> int:
    return max((r.position for r in rows), default=-1) + 1


def _live(rows: Sequence[Row]) -> list[Row]:
    return [r for r in rows if r.archived_at is None]


def _names(rows: Sequence[Row], leaving_out: Row | None = None) -> list[str]:
    return [r.name for r in rows if r.archived_at is None and r is not leaving_out]


def _archive(uow: UnitOfWork, kind: Kind, row: Row) -> None:
    if row.archived_at is None:
        row.archived_at = utcnow()
        _recorded(uow, kind, "archived", row, before=_ON_MENU, after=_OFF_MENU)


def _restore(uow: UnitOfWork, kind: Kind, row: Row, siblings: Sequence[Row], where: str) -> None:
    """Back on the menu, last among its live siblings, if no live one has its name."""
    if row.archived_at is None:
        return
    rules.require_unique(row.name, _names(siblings, row), kind, where)
    row.archived_at = None
    row.position = _next_position([s for s in siblings if s is not row])
    _recorded(uow, kind, "restored", row, before=_OFF_MENU, after=_ON_MENU)


def _not_archived(row: Row, kind: Kind) -> None:
    if row.archived_at is not None:
        raise InvalidRequest(
            f"The {kind.words} {row.name!r} is archived: restore it first, or choose another.",
            code="archived",
        )


def editor(uow: UnitOfWork, who: Principal) -> MenuEditorView:
    """The whole menu with its archived rows, and the tax rates an item may name."""
    _may_edit(who)
    return editor_view(uow)


def editor_view(uow: UnitOfWork) -> MenuEditorView:
    """What ``editor`` shows, for a screen that has checked who is asking itself."""
    menu = Menu.of(uow)
    groups = menu.every_group()
    options = menu.every_option()
    settings = restaurants.settings(uow)
    return MenuEditorView(
        categories=[_category_view(c) for c in menu.every_category()],
        items=[_item_edit_view(i, groups, options) for i in menu.every_item()],
        tax_rates=[
            TaxRateChoice(id=r.id, name=r.name, rate_bp=r.rate_bp) for r in settings.tax_rates
        ],
        default_tax_rate_bp=settings.tax_rate_bp,
    )


def _category_view(category: m.MenuCategory) -> CategoryEditView:
    return CategoryEditView(
        id=category.id,
        name=category.name,
        position=category.position,
        archived=category.archived_at is not None,
    )


def _option_view(option: m.ModifierOption) -> OptionEditView:
    return OptionEditView(
        id=option.id,
        group_id=option.group_id,
        name=option.name,
        price_cents=option.price_cents,
        position=option.position,
        archived=option.archived_at is not None,
    )


def _group_view(group: m.ModifierGroup, options: Sequence[m.ModifierOption]) -> GroupEditView:
    return GroupEditView(
        id=group.id,
        menu_item_id=group.menu_item_id,
        name=group.name,
        min=group.min_choices,
        max=group.max_choices,
        position=group.position,
        archived=group.archived_at is not None,
        options=[_option_view(o) for o in options if o.group_id == group.id],
    )


def _item_edit_view(
    item: m.MenuItem, groups: Sequence[m.ModifierGroup], options: Sequence[m.ModifierOption]
) -> ItemEditView:
    return ItemEditView(
        id=item.id,
        category_id=item.category_id,
        name=item.name,
        price_cents=item.price_cents,
        available=item.available,
        tax_rate_id=item.tax_rate_id,
        station=item.station,
        course=item.course,
        description=item.description,
        allergens=list(item.allergens),
        position=item.position,
        archived=item.archived_at is not None,
        modifier_groups=[_group_view(g, options) for g in groups if g.menu_item_id == item.id],
    )


def _item_view_of(uow: UnitOfWork, item: m.MenuItem) -> ItemEditView:
    groups = Menu.of(uow).every_group(item.id)
    options = Menu.of(uow).every_option([g.id for g in groups]) if groups else []
    return _item_edit_view(item, groups, options)


def _group_view_of(uow: UnitOfWork, group: m.ModifierGroup) -> GroupEditView:
    return _group_view(group, Menu.of(uow).every_option([group.id]))


def _tax_rate_id(uow: UnitOfWork, tax_rate_id: str | None) -> str | None:
    """``tax_rate_id`` if it names one of the restaurant's rates still offered (None: the
    restaurant's default rate); another restaurant's is not found."""
    if tax_rate_id is None:
        return None
    rate = restaurants.tax_rate(uow, tax_rate_id)
    if rate.archived:
        raise InvalidRequest(
            f"The tax rate {rate.name!r} is archived; choose another.", code="archived"
        )
    return rate.id


def _ordered(
    uow: UnitOfWork, kind: Kind, live: Sequence[Row], ids: Sequence[str], parent: tuple[str, str]
) -> OrderView:
    """Put ``live`` (every live child of one parent) in the order of ``ids``."""
    unknown = rules.unknown_in_order([r.id for r in live], ids)
    if unknown:
        raise NotFound(
            f"No {kind.words} with id {unknown[0]!r} here (archived ones are not ordered)."
        )
    wanted = rules.check_order([r.id for r in live], ids, kind)
    before = [r.id for r in live]
    by_id = {r.id: r for r in live}
    if wanted != before:
        for position, row_id in enumerate(wanted):
            by_id[row_id].position = position
        entity, entity_id = parent
        uow.audit(f"menu.{kind.value}.reordered", entity, entity_id, before=before, after=wanted)
        uow.emit("menu.updated", {"kind": kind.value, "id": entity_id, "change": "reordered"})
    return OrderView(ids=wanted)


# Categories


def add_category(uow: UnitOfWork, who: Principal, name: str) -> CategoryEditView:
    """A new category, last on the menu; no two live categories share a name."""
    _may_edit(who)
    menu = Menu.of(uow)
    menu.lock()
    name = rules.clean_name(name, Kind.CATEGORY)
    every = menu.every_category()
    rules.require_unique(name, _names(every), Kind.CATEGORY, "on the menu")
    category = m.MenuCategory(
        id=new_id("cat"), restaurant_id=who.restaurant_id, name=name, position=_next_position(every)
    )
    menu.add(category)
    _recorded(uow, Kind.CATEGORY, "created", category)
    return _category_view(category)


def change_category(
    uow: UnitOfWork, who: Principal, category_id: str, change: CategoryChange
) -> CategoryEditView:
    _may_edit(who)
    menu = Menu.of(uow)
    menu.lock()
    category = menu.category(category_id)
    if change.name is not None:
        name = rules.clean_name(change.name, Kind.CATEGORY)
        if category.archived_at is None:
            rules.require_unique(
                name, _names(menu.every_category(), category), Kind.CATEGORY, "on the menu"
            )
        _updated(uow, Kind.CATEGORY, category, {"name": name})
    return _category_view(category)


def archive_category(uow: UnitOfWork, who: Principal, category_id: str) -> CategoryEditView:
    """The category and its items leave the menu (restoring it brings them back)."""
    _may_edit(who)
    category = Menu.of(uow).category(category_id)
    _archive(uow, Kind.CATEGORY, category)
    return _category_view(category)


def restore_category(uow: UnitOfWork, who: Principal, category_id: str) -> CategoryEditView:
    _may_edit(who)
    menu = Menu.of(uow)
    menu.lock()
    category = menu.category(category_id)
    _restore(uow, Kind.CATEGORY, category, menu.every_category(), "on the menu")
    return _category_view(category)


def order_categories(uow: UnitOfWork, who: Principal, ids: Sequence[str]) -> OrderView:
    _may_edit(who)
    menu = Menu.of(uow)
    menu.lock()
    live = menu.categories()
    return _ordered(uow, Kind.CATEGORY, live, ids, ("restaurant", who.restaurant_id))


# Items


def add_item(uow: UnitOfWork, who: Principal, new: NewItem) -> ItemEditView:
    """A new item, last in its category, available; its name unique in its category."""
    _may_edit(who)
    menu = Menu.of(uow)
    menu.lock()
    category = menu.category(new.category_id)
    _not_archived(category, Kind.CATEGORY)
    name = rules.clean_name(new.name, Kind.ITEM)
    siblings = menu.every_item(category.id)
    rules.require_unique(name, _names(siblings), Kind.ITEM, f"in {category.name}")
    item = m.MenuItem(
        id=new_id("itm"),
        restaurant_id=who.restaurant_id,
        category_id=category.id,
        name=name,
        price_cents=rules.check_price(new.price_cents),
        available=True,
        position=_next_position(siblings),
        tax_rate_id=_tax_rate_id(uow, new.tax_rate_id),
        station=rules.clean_station(new.station),
        course=rules.check_course(new.course),
        description=rules.clean_description(new.description),
        allergens=rules.clean_allergens(new.allergens),
    )
    menu.add(item)
    _recorded(uow, Kind.ITEM, "created", item, after=_item_fields(item))
    return _item_edit_view(item, [], [])


def _item_fields(item: m.MenuItem) -> dict[str, Any]:
    return {
        "category_id": item.category_id,
        "price_cents": item.price_cents,
        "tax_rate_id": item.tax_rate_id,
        "station": item.station,
        "course": item.course,
        "description": item.description,
        "allergens": list(item.allergens),
    }


def change_item(uow: UnitOfWork, who: Principal, item_id: str, change: ItemChange) -> ItemEditView:
    """Only what is sent changes. A line already rung keeps its name and price."""
    _may_edit(who)
    menu = Menu.of(uow)
    menu.lock()
    item = menu.item(item_id)
    wanted: dict[str, Any] = {}
    category = menu.category(item.category_id)
    if change.category_id is not None and change.category_id != item.category_id:
        category = menu.category(change.category_id)
        _not_archived(category, Kind.CATEGORY)
        wanted["category_id"] = category.id
        wanted["position"] = _next_position(menu.every_item(category.id))
    if change.name is not None:
        wanted["name"] = rules.clean_name(change.name, Kind.ITEM)
    if item.archived_at is None and ("name" in wanted or "category_id" in wanted):
        siblings = menu.every_item(category.id)
        name = wanted.get("name", item.name)
        rules.require_unique(name, _names(siblings, item), Kind.ITEM, f"in {category.name}")
    if change.price_cents is not None:
        wanted["price_cents"] = rules.check_price(change.price_cents)
    if "tax_rate_id" in change.model_fields_set and change.tax_rate_id != item.tax_rate_id:
        wanted["tax_rate_id"] = _tax_rate_id(uow, change.tax_rate_id)
    if change.station is not None:
        wanted["station"] = rules.clean_station(change.station)
    if change.course is not None:
        wanted["course"] = rules.check_course(change.course)
    if change.description is not None:
        wanted["description"] = rules.clean_description(change.description)
    if change.allergens is not None:
        wanted["allergens"] = rules.clean_allergens(change.allergens)
    _updated(uow, Kind.ITEM, item, wanted)
    return _item_view_of(uow, item)


def archive_item(uow: UnitOfWork, who: Principal, item_id: str) -> ItemEditView:
    """Off the menu; every check, ticket and report that has it still shows it."""
    _may_edit(who)
    item = Menu.of(uow).item(item_id)
    _archive(uow, Kind.ITEM, item)
    return _item_view_of(uow, item)


def restore_item(uow: UnitOfWork, who: Principal, item_id: str) -> ItemEditView:
    _may_edit(who)
    menu = Menu.of(uow)
    menu.lock()
    item = menu.item(item_id)
    category = menu.category(item.category_id)
    _restore(uow, Kind.ITEM, item, menu.every_item(category.id), f"in {category.name}")
    return _item_view_of(uow, item)


def order_items(uow: UnitOfWork, who: Principal, category_id: str, ids: Sequence[str]) -> OrderView:
    _may_edit(who)
    menu = Menu.of(uow)
    menu.lock()
    category = menu.category(category_id)
    live = _live(menu.every_item(category.id))
    return _ordered(uow, Kind.ITEM, live, ids, ("menu_category", category.id))


# Modifier groups


def add_group(uow: UnitOfWork, who: Principal, item_id: str, new: NewGroup) -> GroupEditView:
    """A new modifier group of an item, last among its groups, with no options yet."""
    _may_edit(who)
    menu = Menu.of(uow)
    menu.lock()
    item = menu.item(item_id)
    _not_archived(item, Kind.ITEM)
    name = rules.clean_name(new.name, Kind.GROUP)
    siblings = menu.every_group(item.id)
    rules.require_unique(name, _names(siblings), Kind.GROUP, f"on {item.name}")
    low, high = rules.check_choices(new.min, new.max)
    group = m.ModifierGroup(
        id=new_id("mg"),
        restaurant_id=who.restaurant_id,
        menu_item_id=item.id,
        name=name,
        min_choices=low,
        max_choices=high,
        position=_next_position(siblings),
    )
    menu.add(group)
    _recorded(
        uow, Kind.GROUP, "created", group, after={"menu_item_id": item.id, "min": low, "max": high}
    )
    return _group_view(group, [])


def change_group(
    uow: UnitOfWork, who: Principal, group_id: str, change: GroupChange
) -> GroupEditView:
    _may_edit(who)
    menu = Menu.of(uow)
    menu.lock()
    group = menu.group(group_id)
    wanted: dict[str, Any] = {}
    item = menu.item(group.menu_item_id)
    if change.menu_item_id is not None and change.menu_item_id != group.menu_item_id:
        item = menu.item(change.menu_item_id)
        _not_archived(item, Kind.ITEM)
        wanted["menu_item_id"] = item.id
        wanted["position"] = _next_position(menu.every_group(item.id))
    if change.name is not None:
        wanted["name"] = rules.clean_name(change.name, Kind.GROUP)
    if group.archived_at is None and ("name" in wanted or "menu_item_id" in wanted):
        name = wanted.get("name", group.name)
        siblings = menu.every_group(item.id)
        rules.require_unique(name, _names(siblings, group), Kind.GROUP, f"on {item.name}")
    low, high = rules.check_choices(
        group.min_choices if change.min is None else change.min,
        group.max_choices if change.max is None else change.max,
    )
    wanted["min_choices"], wanted["max_choices"] = low, high
    _updated(uow, Kind.GROUP, group, wanted)
    return _group_view_of(uow, group)


def archive_group(uow: UnitOfWork, who: Principal, group_id: str) -> GroupEditView:
    _may_edit(who)
    group = Menu.of(uow).group(group_id)
    _archive(uow, Kind.GROUP, group)
    return _group_view_of(uow, group)


def restore_group(uow: UnitOfWork, who: Principal, group_id: str) -> GroupEditView:
    _may_edit(who)
    menu = Menu.of(uow)
    menu.lock()
    group = menu.group(group_id)
    item = menu.item(group.menu_item_id)
    _restore(uow, Kind.GROUP, group, menu.every_group(item.id), f"on {item.name}")
    return _group_view_of(uow, group)


def order_groups(uow: UnitOfWork, who: Principal, item_id: str, ids: Sequence[str]) -> OrderView:
    _may_edit(who)
    menu = Menu.of(uow)
    menu.lock()
    item = menu.item(item_id)
    live = _live(menu.every_group(item.id))
    return _ordered(uow, Kind.GROUP, live, ids, ("menu_item", item.id))


# Options


def add_option(uow: UnitOfWork, who: Principal, group_id: str, new: NewOption) -> OptionEditView:
    """A new option, last in its group; its name unique in the group."""
    _may_edit(who)
    menu = Menu.of(uow)
    menu.lock()
    group = menu.group(group_id)
    _not_archived(group, Kind.GROUP)
    name = rules.clean_name(new.name, Kind.OPTION)
    siblings = menu.every_option([group.id])
    rules.require_unique(name, _names(siblings), Kind.OPTION, f"in {group.name}")
    option = m.ModifierOption(
        id=new_id("mo"),
        restaurant_id=who.restaurant_id,
        group_id=group.id,
        name=name,
        price_cents=rules.check_price(new.price_cents, "option's price"),
        position=_next_position(siblings),
    )
    menu.add(option)
    _recorded(
        uow,
        Kind.OPTION,
        "created",
        option,
        after={"group_id": group.id, "price_cents": option.price_cents},
    )
    return _option_view(option)


def change_option(
    uow: UnitOfWork, who: Principal, option_id: str, change: OptionChange
) -> OptionEditView:
    _may_edit(who)
    menu = Menu.of(uow)
    menu.lock()
    option = menu.option(option_id)
    wanted: dict[str, Any] = {}
    if change.name is not None:
        wanted["name"] = rules.clean_name(change.name, Kind.OPTION)
        if option.archived_at is None:
            group = menu.group(option.group_id)
            siblings = menu.every_option([group.id])
            where = f"in {group.name}"
            rules.require_unique(wanted["name"], _names(siblings, option), Kind.OPTION, where)
    if change.price_cents is not None:
        wanted["price_cents"] = rules.check_price(change.price_cents, "option's price")
    _updated(uow, Kind.OPTION, option, wanted)
    return _option_view(option)


def archive_option(uow: UnitOfWork, who: Principal, option_id: str) -> OptionEditView:
    _may_edit(who)
    option = Menu.of(uow).option(option_id)
    _archive(uow, Kind.OPTION, option)
    return _option_view(option)


def restore_option(uow: UnitOfWork, who: Principal, option_id: str) -> OptionEditView:
    _may_edit(who)
    menu = Menu.of(uow)
    menu.lock()
    option = menu.option(option_id)
    group = menu.group(option.group_id)
    _restore(uow, Kind.OPTION, option, menu.every_option([group.id]), f"in {group.name}")
    return _option_view(option)


def order_options(uow: UnitOfWork, who: Principal, group_id: str, ids: Sequence[str]) -> OrderView:
    _may_edit(who)
    menu = Menu.of(uow)
    menu.lock()
    group = menu.group(group_id)
    live = _live(menu.every_option([group.id]))
    return _ordered(uow, Kind.OPTION, live, ids, ("modifier_group", group.id))


# --- import and export (docs/menu.md) -----------------------------------------------------


def export_menu(uow: UnitOfWork, who: Principal, fmt: FileFormat) -> tuple[str, str]:
    """The live menu as a menu file (the text, and a file name for it)."""
    who.require(MANAGER_ROLES, "export the menu")
    menu = Menu.of(uow)
    items = menu.items()
    groups = menu.groups([i.id for i in items]) if items else []
    options = menu.options([g.id for g in groups]) if groups else []
    rate_names = {r.id: r.name for r in restaurants.settings(uow).tax_rates}
    for rate_id in {i.tax_rate_id for i in items} - set(rate_names) - {None}:
        assert rate_id is not None
        rate_names[rate_id] = restaurants.tax_rate(uow, rate_id).name  # archived since
    options_of: dict[str, list[menu_file.OptionSpec]] = defaultdict(list)
    for option in options:
        options_of[option.group_id].append(menu_file.OptionSpec(option.name, option.price_cents))
    groups_of: dict[str, list[menu_file.GroupSpec]] = defaultdict(list)
    for group in groups:
        groups_of[group.menu_item_id].append(
            menu_file.GroupSpec(
                group.name, group.min_choices, group.max_choices, options_of[group.id]
            )
        )
    items_of: dict[str, list[menu_file.ItemSpec]] = defaultdict(list)
    for item in items:
        items_of[item.category_id].append(
            menu_file.ItemSpec(
                item.name,
                item.price_cents,
                tax_rate=rate_names[item.tax_rate_id] if item.tax_rate_id else "",
                station=item.station,
                course=item.course,
                description=item.description,
                allergens=list(item.allergens),
                available=item.available,
                groups=groups_of[item.id],
            )
        )
    spec = menu_file.MenuFile(
        [menu_file.CategorySpec(c.name, items_of[c.id]) for c in menu.categories()]
    )
    return menu_file.write(spec, fmt), f"{restaurants.current(uow).slug}-menu.{fmt}"


def import_menu(
    uow: UnitOfWork, who: Principal, raw: bytes, fmt: FileFormat | None, mode: ImportMode
) -> ImportResult:
    """Every row of the file, or nothing: a file with a bad row changes nothing and the
    answer names each bad row's line. Rows match the menu by name (category, item in its
    category, group of its item, option of its group): a match is updated, anything else
    is created; ``replace`` also archives what the file leaves out, ``merge`` keeps it."""
    who.require(MANAGER_ROLES, "import a menu")
    parsed = menu_file.read(raw, fmt)
    assert fmt is not None  # read refuses a file in no format of ours
    rates = _rates_named(uow, parsed)
    menu = Menu.of(uow)
    menu.lock()
    counts = _Import(uow, menu, rates, mode).apply(parsed)
    result = ImportResult(mode=mode, format=fmt, rows=parsed.rows, **counts)
    uow.audit("menu.imported", "restaurant", who.restaurant_id, **result.model_dump())
    uow.emit("menu.updated", {"kind": "menu", "id": who.restaurant_id, "change": "imported"})
    return result


def _rates_named(uow: UnitOfWork, parsed: menu_file.MenuFile) -> dict[str, str | None]:
    """Each tax rate name the file uses → the rate's id ("" → None, the default rate)."""
    rates = restaurants.settings(uow).tax_rates
    offered = {rules.name_key(r.name): r.id for r in rates}
    names = ", ".join(sorted(r.name for r in rates))
    found: dict[str, str | None] = {"": None}
    problems = menu_file.Problems()
    for category in parsed.categories:
        for item in category.items:
            if item.tax_rate is None or item.tax_rate == "":
                continue
            key = rules.name_key(item.tax_rate)
            if key in offered:
                found[key] = offered[key]
            else:
                problems.add(
                    item.line,
                    f"no tax rate is named {item.tax_rate!r} "
                    f"({'the rates are ' + names if names else 'the restaurant has none yet'}"
                    "; leave tax_rate empty for the default rate).",
                )
    problems.refuse_if_any()
    return found


class _Import:
    """One import, applied to the menu as it is: every row read once, the new ones added
    in one batch per table."""

    def __init__(
        self, uow: UnitOfWork, menu: Menu, rates: dict[str, str | None], mode: ImportMode
    ) -> None:
        self.uow, self.menu, self.rates, self.mode = uow, menu, rates, mode
        self.restaurant_id = uow.restaurant
        self.categories = list(menu.every_category())
        self.items: dict[str, list[m.MenuItem]] = defaultdict(list)
        for item in menu.every_item():
            self.items[item.category_id].append(item)
        self.groups: dict[str, list[m.ModifierGroup]] = defaultdict(list)
        for group in menu.every_group():
            self.groups[group.menu_item_id].append(group)
        self.options: dict[str, list[m.ModifierOption]] = defaultdict(list)
        for option in menu.every_option():
            self.options[option.group_id].append(option)
        self.new: dict[Kind, list[Row]] = defaultdict(list)
        self.new_ids: set[str] = set()
        self.by_name: dict[int, dict[str, Any]] = {}
        self.counts: dict[str, dict[Kind, int]] = {
            change: defaultdict(int) for change in ("created", "updated", "archived")
        }

    def apply(self, parsed: menu_file.MenuFile) -> dict[str, KindCounts]:
        """Created, updated and archived rows of each kind."""
        named: list[Row] = []
        for spec in parsed.categories:
            category = self._category(spec)
            named.append(category)
            items = [self._item(category, item) for item in spec.items]
            self._arrange(Kind.ITEM, self.items[category.id], items, category)
        self._arrange(Kind.CATEGORY, self.categories, named, None)
        for kind in (Kind.CATEGORY, Kind.ITEM, Kind.GROUP, Kind.OPTION):
            if self.new[kind]:
                self.menu.add_all(self.new[kind])
        return {
            change: KindCounts(
                categories=counts[Kind.CATEGORY],
                items=counts[Kind.ITEM],
                groups=counts[Kind.GROUP],
                options=counts[Kind.OPTION],
            )
            for change, counts in self.counts.items()
        }

    def _record(self, kind: Kind, change: str, row: Row, **details: Any) -> None:
        self.counts[change][kind] += 1
        self.uow.audit(
            f"menu.{kind.value}.{change}", _ENTITY[kind], row.id, name=row.name, **details
        )

    def _update(self, kind: Kind, row: Row, wanted: dict[str, Any]) -> None:
        before, after = _changed(row, wanted)
        if after:
            self._record(kind, "updated", row, before=before, after=after)

    def _create(self, kind: Kind, row: Row, siblings: list[Any], **after: Any) -> None:
        self.new[kind].append(row)
        self.new_ids.add(row.id)
        siblings.append(row)
        self._live_by_name(siblings)[rules.name_key(row.name)] = row
        self._record(kind, "created", row, after=after)

    def _live_by_name(self, siblings: list[Any]) -> dict[str, Any]:
        """The live rows of one parent by name (made once per list, kept as rows are added)."""
        found = self.by_name.get(id(siblings))
        if found is None:
            found = {rules.name_key(r.name): r for r in siblings if r.archived_at is None}
            self.by_name[id(siblings)] = found
        return found

    def _named(self, siblings: list[Named], name: str) -> Named | None:
        """The live row of ``siblings`` with this name (compared without case or spacing)."""
        found: Named | None = self._live_by_name(siblings).get(rules.name_key(name))
        return found

    def _category(self, spec: menu_file.CategorySpec) -> m.MenuCategory:
        found = self._named(self.categories, spec.name)
        if found is not None:
            self._update(Kind.CATEGORY, found, {"name": spec.name})
            return found
        category = m.MenuCategory(
            id=new_id("cat"),
            restaurant_id=self.restaurant_id,
            name=spec.name,
            position=_next_position(self.categories),
        )
        self._create(Kind.CATEGORY, category, self.categories)
        return category

    def _item(self, category: m.MenuCategory, spec: menu_file.ItemSpec) -> m.MenuItem:
        siblings = self.items[category.id]
        item = self._named(siblings, spec.name)
        given: dict[str, Any] = {"name": spec.name, "price_cents": spec.price_cents}
        if spec.tax_rate is not None:
            given["tax_rate_id"] = self.rates[rules.name_key(spec.tax_rate)]
        for field in ("station", "course", "description", "allergens", "available"):
            value = getattr(spec, field)
            if value is not None:
                given[field] = value
        if item is not None:
            self._update(Kind.ITEM, item, given)
        else:
            item = m.MenuItem(
                id=new_id("itm"),
                restaurant_id=self.restaurant_id,
                category_id=category.id,
                position=_next_position(siblings),
                **{**_NEW_ITEM, **given},
            )
            self._create(Kind.ITEM, item, siblings, **_item_fields(item))
        groups = [self._group(item, group, spec.line) for group in spec.groups]
        self._arrange(Kind.GROUP, self.groups[item.id], groups, item)
        return item

    def _group(self, item: m.MenuItem, spec: menu_file.GroupSpec, line: int) -> m.ModifierGroup:
        siblings = self.groups[item.id]
        group = self._named(siblings, spec.name)
        low = spec.min if spec.min is not None else (group.min_choices if group else 0)
        high = spec.max if spec.max is not None else (group.max_choices if group else 1)
        try:
            rules.check_choices(low, high)
        except InvalidRequest as error:
            problems = menu_file.Problems()
            problems.add(spec.line or line, error.message)
            problems.refuse_if_any()
        wanted = {"name": spec.name, "min_choices": low, "max_choices": high}
        if group is not None:
            self._update(Kind.GROUP, group, wanted)
        else:
            group = m.ModifierGroup(
                id=new_id("mg"),
                restaurant_id=self.restaurant_id,
                menu_item_id=item.id,
                position=_next_position(siblings),
                **wanted,
            )
            self._create(Kind.GROUP, group, siblings, menu_item_id=item.id, min=low, max=high)
        options = [self._option(group, option) for option in spec.options]
        self._arrange(Kind.OPTION, self.options[group.id], options, group)
        return group

    def _option(self, group: m.ModifierGroup, spec: menu_file.OptionSpec) -> m.ModifierOption:
        siblings = self.options[group.id]
        option = self._named(siblings, spec.name)
        wanted: dict[str, Any] = {"name": spec.name}
        if spec.price_cents is not None:
            wanted["price_cents"] = spec.price_cents
        if option is not None:
            self._update(Kind.OPTION, option, wanted)
            return option
        option = m.ModifierOption(
            id=new_id("mo"),
            restaurant_id=self.restaurant_id,
            group_id=group.id,
            position=_next_position(siblings),
            **{"price_cents": 0, **wanted},
        )
        self._create(
            Kind.OPTION, option, siblings, group_id=group.id, price_cents=option.price_cents
        )
        return option

    def _arrange(
        self, kind: Kind, siblings: list[Any], named: Sequence[Row], parent: Row | None
    ) -> None:
        """``merge``: what was there keeps its order, new rows come last (as they were
        numbered). ``replace``: the live siblings the file leaves out are archived and the
        rest take the file's order; positions are rewritten only if the order changed."""
        if self.mode == "merge":
            return
        in_file = {r.id for r in named}
        for row in _live(siblings):
            if row.id not in in_file:
                row.archived_at = utcnow()
                self._record(kind, "archived", row, before=_ON_MENU, after=_OFF_MENU)
        live = sorted(_live(siblings), key=lambda r: r.position)
        wanted = [r.id for r in named]
        if [r.id for r in live] == wanted:
            return
        for position, row in enumerate(named):
            row.position = position
        before = [r.id for r in live if r.id not in self.new_ids]
        after = [i for i in wanted if i not in self.new_ids]
        if after != before:
            entity, entity_id = (
                ("restaurant", self.restaurant_id)
                if parent is None
                else (_ENTITY[_KIND_OF[type(parent)]], parent.id)
            )
            action = f"menu.{kind.value}.reordered"
            self.uow.audit(action, entity, entity_id, before=before, after=after)


_NEW_ITEM: dict[str, Any] = {
    "tax_rate_id": None,
    "station": "",
    "course": 1,
    "description": "",
    "allergens": [],
    "available": True,
}
_KIND_OF: dict[type, Kind] = {
    m.MenuCategory: Kind.CATEGORY,
    m.MenuItem: Kind.ITEM,
    m.ModifierGroup: Kind.GROUP,
    m.ModifierOption: Kind.OPTION,
}


Named = TypeVar("Named", m.MenuCategory, m.MenuItem, m.ModifierGroup, m.ModifierOption)
