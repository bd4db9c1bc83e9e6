"""The menu: reading it, 86'ing an item (or bringing it back), the menu editor, and the menu
file (import and export, docs/menu.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from tableside.core.http import read, write
from tableside.core.schemas import PathId
from tableside.menu import menu_file
from tableside.menu import service as menu
from tableside.menu.schemas import (
    AvailabilityRequest,
    CategoryChange,
    CategoryEditView,
    FileFormat,
    GroupChange,
    GroupEditView,
    ImportMode,
    ImportResult,
    ItemChange,
    ItemEditView,
    MenuEditorView,
    MenuItemView,
    MenuView,
    NewCategory,
    NewGroup,
    NewItem,
    NewOption,
    NewOrder,
    OptionChange,
    OptionEditView,
    OrderView,
)
from tableside.staff.dependencies import AnyStaff, KitchenStaff, Manager

router = APIRouter(prefix="/api/v1", tags=["menu"])

# What the editor's changes answer besides their own outcome.
EDIT_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such row in this restaurant (another restaurant's ids too)"},
    409: {
        "description": "name_taken: a live sibling has that name; busy: another change to "
        "the menu is being saved this instant (try again)"
    },
    422: {"description": "The request can never succeed as sent (the message says why)"},
}
# What every change of the editor shares in the OpenAPI document: its tag and those answers.
EDITOR: dict[str, Any] = {"tags": ["menu editor"], "responses": EDIT_RESPONSES}


@router.get("/menu", response_model=MenuView)
async def get_menu(caller: AnyStaff) -> MenuView:
    """The live menu: categories, items and their modifier groups and options in menu order
    (archived ones left out), with availability (86)."""
    return await read(caller, lambda uow, who: menu.menu(uow))


@router.put("/menu/items/{item_id}/availability", response_model=MenuItemView)
async def set_availability(
    item_id: PathId, body: AvailabilityRequest, caller: KitchenStaff
) -> MenuItemView:
    """86 an item (``available: false``) or bring it back. Kitchen or manager."""
    return await write(
        caller, lambda uow, who: menu.set_availability(uow, who, item_id, body.available)
    )


# --- the menu editor (managers and owners) --------------------------------------------------


@router.get("/menu/editor", response_model=MenuEditorView, tags=["menu editor"])
async def get_editor(caller: Manager) -> MenuEditorView:
    """Every category, item, modifier group and option, archived ones too (``archived``),
    with their order (``position``), and the tax rates an item may name."""
    return await read(caller, lambda uow, who: menu.editor(uow, who))


@router.post("/menu/categories", response_model=CategoryEditView, status_code=201, **EDITOR)
async def add_category(body: NewCategory, caller: Manager) -> CategoryEditView:
    """A new category, last on the menu."""
    return await write(caller, lambda uow, who: menu.add_category(uow, who, body.name))


@router.patch("/menu/categories/{category_id}", response_model=CategoryEditView, **EDITOR)
async def change_category(
    category_id: PathId, body: CategoryChange, caller: Manager
) -> CategoryEditView:
    """Rename a category."""
    return await write(caller, lambda uow, who: menu.change_category(uow, who, category_id, body))


@router.post("/menu/categories/{category_id}/archive", response_model=CategoryEditView, **EDITOR)
async def archive_category(category_id: PathId, caller: Manager) -> CategoryEditView:
    """Take a category and its items off the menu. Nothing is deleted: checks, tickets and
    reports that have its items still show them."""
    return await write(caller, lambda uow, who: menu.archive_category(uow, who, category_id))


@router.post("/menu/categories/{category_id}/restore", response_model=CategoryEditView, **EDITOR)
async def restore_category(category_id: PathId, caller: Manager) -> CategoryEditView:
    """Put an archived category back on the menu (last), with its live items."""
    return await write(caller, lambda uow, who: menu.restore_category(uow, who, category_id))


@router.put("/menu/categories/order", response_model=OrderView, **EDITOR)
async def order_categories(body: NewOrder, caller: Manager) -> OrderView:
    """The categories' new order: every live category's id, once each."""
    return await write(caller, lambda uow, who: menu.order_categories(uow, who, body.ids))


@router.post("/menu/items", response_model=ItemEditView, status_code=201, **EDITOR)
async def add_item(body: NewItem, caller: Manager) -> ItemEditView:
    """A new item, last in its category and available."""
    return await write(caller, lambda uow, who: menu.add_item(uow, who, body))


@router.patch("/menu/items/{item_id}", response_model=ItemEditView, **EDITOR)
async def change_item(item_id: PathId, body: ItemChange, caller: Manager) -> ItemEditView:
    """Change what is sent: name, price, category, tax rate, station, course, description,
    allergens. Lines already rung keep the name and price they were rung with."""
    return await write(caller, lambda uow, who: menu.change_item(uow, who, item_id, body))


@router.post("/menu/items/{item_id}/archive", response_model=ItemEditView, **EDITOR)
async def archive_item(item_id: PathId, caller: Manager) -> ItemEditView:
    """Take an item off the menu. Nothing is deleted: checks, tickets and reports that have
    it still show it."""
    return await write(caller, lambda uow, who: menu.archive_item(uow, who, item_id))


@router.post("/menu/items/{item_id}/restore", response_model=ItemEditView, **EDITOR)
async def restore_item(item_id: PathId, caller: Manager) -> ItemEditView:
    """Put an archived item back, last in its category."""
    return await write(caller, lambda uow, who: menu.restore_item(uow, who, item_id))


@router.put("/menu/categories/{category_id}/items/order", response_model=OrderView, **EDITOR)
async def order_items(category_id: PathId, body: NewOrder, caller: Manager) -> OrderView:
    """The new order of a category's items: every live item's id, once each."""
    return await write(caller, lambda uow, who: menu.order_items(uow, who, category_id, body.ids))


@router.post(
    "/menu/items/{item_id}/groups", response_model=GroupEditView, status_code=201, **EDITOR
)
async def add_group(item_id: PathId, body: NewGroup, caller: Manager) -> GroupEditView:
    """A new modifier group of an item (choose ``min`` to ``max`` of its options)."""
    return await write(caller, lambda uow, who: menu.add_group(uow, who, item_id, body))


@router.patch("/menu/groups/{group_id}", response_model=GroupEditView, **EDITOR)
async def change_group(group_id: PathId, body: GroupChange, caller: Manager) -> GroupEditView:
    """Rename a group, change its min and max, or move it to another item."""
    return await write(caller, lambda uow, who: menu.change_group(uow, who, group_id, body))


@router.post("/menu/groups/{group_id}/archive", response_model=GroupEditView, **EDITOR)
async def archive_group(group_id: PathId, caller: Manager) -> GroupEditView:
    return await write(caller, lambda uow, who: menu.archive_group(uow, who, group_id))


@router.post("/menu/groups/{group_id}/restore", response_model=GroupEditView, **EDITOR)
async def restore_group(group_id: PathId, caller: Manager) -> GroupEditView:
    return await write(caller, lambda uow, who: menu.restore_group(uow, who, group_id))


@router.put("/menu/items/{item_id}/groups/order", response_model=OrderView, **EDITOR)
async def order_groups(item_id: PathId, body: NewOrder, caller: Manager) -> OrderView:
    """The new order of an item's modifier groups: every live group's id, once each."""
    return await write(caller, lambda uow, who: menu.order_groups(uow, who, item_id, body.ids))


@router.post(
    "/menu/groups/{group_id}/options", response_model=OptionEditView, status_code=201, **EDITOR
)
async def add_option(group_id: PathId, body: NewOption, caller: Manager) -> OptionEditView:
    """A new option of a modifier group, last in it (``price_cents``: its upcharge)."""
    return await write(caller, lambda uow, who: menu.add_option(uow, who, group_id, body))


@router.patch("/menu/options/{option_id}", response_model=OptionEditView, **EDITOR)
async def change_option(option_id: PathId, body: OptionChange, caller: Manager) -> OptionEditView:
    return await write(caller, lambda uow, who: menu.change_option(uow, who, option_id, body))


@router.post("/menu/options/{option_id}/archive", response_model=OptionEditView, **EDITOR)
async def archive_option(option_id: PathId, caller: Manager) -> OptionEditView:
    return await write(caller, lambda uow, who: menu.archive_option(uow, who, option_id))


@router.post("/menu/options/{option_id}/restore", response_model=OptionEditView, **EDITOR)
async def restore_option(option_id: PathId, caller: Manager) -> OptionEditView:
    return await write(caller, lambda uow, who: menu.restore_option(uow, who, option_id))


@router.put("/menu/groups/{group_id}/options/order", response_model=OrderView, **EDITOR)
async def order_options(group_id: PathId, body: NewOrder, caller: Manager) -> OrderView:
    """The new order of a group's options: every live option's id, once each."""
    return await write(caller, lambda uow, who: menu.order_options(uow, who, group_id, body.ids))


# --- the menu file ----------------------------------------------------------------------------

Format = Annotated[
    FileFormat | None,
    Query(alias="format", description="csv or json (default: from the Content-Type)"),
]


@router.get(
    "/menu/export",
    response_class=Response,
    responses={
        200: {
            "description": "The live menu as a menu file (docs/menu.md), as an attachment",
            "content": {"text/csv": {}, "application/json": {}},
        }
    },
    tags=["menu editor"],
)
async def export_menu(
    caller: Manager,
    fmt: Annotated[FileFormat, Query(alias="format", description="csv or json")] = "csv",
) -> Response:
    """The menu as a file to keep, edit in a spreadsheet and import again (here or in
    another restaurant)."""
    text, filename = await read(caller, lambda uow, who: menu.export_menu(uow, who, fmt))
    return Response(
        text,
        media_type="text/csv; charset=utf-8" if fmt == "csv" else "application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post(
    "/menu/import",
    response_model=ImportResult,
    responses={
        413: {"description": "The file is over 2 MB"},
        422: {
            "description": "invalid_menu_file: nothing was imported; the message names each "
            "bad row's line and what is wrong with it"
        },
        409: {"description": "busy: another change to the menu is being saved (try again)"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The menu file itself (docs/menu.md): CSV with a header row, "
            'or JSON {"format": "tableside-menu", "version": 1, "rows": [...]}',
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
            },
        }
    },
    tags=["menu editor"],
)
async def import_menu(
    request: Request,
    caller: Manager,
    fmt: Format = None,
    mode: Annotated[
        ImportMode,
        Query(description="merge: keep what the file leaves out; replace: archive it"),
    ] = "merge",
) -> ImportResult:
    """Import a menu file in one transaction: all of it, or nothing. Rows match the menu by
    name; what matches is updated, the rest created."""
    raw = await request.body()
    given = fmt or menu_file.format_of(request.headers.get("content-type", ""))
    return await write(caller, lambda uow, who: menu.import_menu(uow, who, raw, given, mode))
