"""The floor: the plan, seating a party, moving it, merging two tables' checks; the floor
editor."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from tableside.checks.schemas import CheckView
from tableside.core.http import read, write
from tableside.core.schemas import PathId
from tableside.floor import editor
from tableside.floor import service as floor
from tableside.floor.schemas import (
    FloorEditorView,
    FloorView,
    MergeRequest,
    MoveRequest,
    NewSection,
    NewTable,
    SeatRequest,
    SectionChange,
    SectionEditView,
    SectionOrder,
    SectionOrderView,
    TableChange,
    TableView,
)
from tableside.staff.dependencies import AnyStaff, FloorStaff, Manager

router = APIRouter(prefix="/api/v1", tags=["floor"])


@router.get("/floor", response_model=FloorView)
async def get_floor(caller: AnyStaff) -> FloorView:
    """Every table, occupied exactly when it has an open check."""
    return await read(caller, lambda uow, who: floor.plan(uow))


@router.post(
    "/tables/{table_id}/seat",
    response_model=CheckView,
    status_code=201,
    responses={409: {"description": "The table already has an open check"}},
)
async def seat(table_id: PathId, body: SeatRequest, caller: FloorStaff) -> CheckView:
    return await write(caller, lambda uow, who: floor.seat(uow, who, table_id, body.guests))


@router.post("/checks/{check_id}/move", response_model=CheckView)
async def move(check_id: PathId, body: MoveRequest, caller: FloorStaff) -> CheckView:
    """Move the party to another free table."""
    return await write(caller, lambda uow, who: floor.move_check(uow, who, check_id, body.table_id))


@router.post("/checks/{check_id}/merge", response_model=CheckView)
async def merge(check_id: PathId, body: MergeRequest, caller: FloorStaff) -> CheckView:
    """Bring another table's check onto this one; that table is freed."""
    return await write(
        caller, lambda uow, who: floor.merge_checks(uow, who, check_id, body.from_check_id)
    )


# --- the floor editor (managers and owners) -------------------------------------------------

EDIT_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such table or section on this floor (another restaurant's too)"},
    409: {
        "description": "label_taken / name_taken: a live table has that label (a section that "
        "name); spot_taken: another table stands on those cells; table_occupied: the table "
        "has an open check; section_not_empty; busy: another change to the plan is being "
        "saved this instant (try again)"
    },
    422: {"description": "The request can never succeed as sent (the message says why)"},
}
# What every change of the editor shares in the OpenAPI document: its tag and those answers.
EDITOR: dict[str, Any] = {"tags": ["floor editor"], "responses": EDIT_RESPONSES}


@router.get("/floor/editor", response_model=FloorEditorView, tags=["floor editor"])
async def get_editor(caller: Manager) -> FloorEditorView:
    """The plan to edit: its grid, the table shapes, the sections with their number of
    tables, and every table as the floor shows it."""
    return await read(caller, lambda uow, who: editor.editor(uow, who))


@router.post("/floor/sections", response_model=SectionEditView, status_code=201, **EDITOR)
async def add_section(body: NewSection, caller: Manager) -> SectionEditView:
    """A new, empty section, last on the floor."""
    return await write(caller, lambda uow, who: editor.add_section(uow, who, body))


@router.patch("/floor/sections/{section_id}", response_model=SectionEditView, **EDITOR)
async def rename_section(
    section_id: PathId, body: SectionChange, caller: Manager
) -> SectionEditView:
    """Rename a section."""
    return await write(caller, lambda uow, who: editor.rename_section(uow, who, section_id, body))


@router.put("/floor/sections/order", response_model=SectionOrderView, **EDITOR)
async def order_sections(body: SectionOrder, caller: Manager) -> SectionOrderView:
    """The sections' new order (the floor screen's tabs): every live section's id, once."""
    return await write(caller, lambda uow, who: editor.order_sections(uow, who, body.ids))


@router.delete("/floor/sections/{section_id}", status_code=204, response_class=Response, **EDITOR)
async def remove_section(section_id: PathId, caller: Manager) -> Response:
    """Take an empty section off the floor (409 ``section_not_empty`` while it has tables)."""
    await write(caller, lambda uow, who: editor.remove_section(uow, who, section_id))
    return Response(status_code=204)


@router.post("/floor/tables", response_model=TableView, status_code=201, **EDITOR)
async def add_table(body: NewTable, caller: Manager) -> TableView:
    """A new table on free cells of the plan; its label unique among the floor's tables."""
    return await write(caller, lambda uow, who: editor.add_table(uow, who, body))


@router.patch("/floor/tables/{table_id}", response_model=TableView, **EDITOR)
async def change_table(table_id: PathId, body: TableChange, caller: Manager) -> TableView:
    """Relabel, reseat, reshape, move (on the plan, or to another section) or resize a
    table; only what is sent changes. A table with an open check may move on the plan but
    not to another section (409 ``table_occupied``)."""
    return await write(caller, lambda uow, who: editor.change_table(uow, who, table_id, body))


@router.delete("/floor/tables/{table_id}", status_code=204, response_class=Response, **EDITOR)
async def remove_table(table_id: PathId, caller: Manager) -> Response:
    """Take a table off the floor (409 ``table_occupied`` while it has an open check).
    Nothing is deleted: checks, tickets and reports still name it, and its label is free."""
    await write(caller, lambda uow, who: editor.remove_table(uow, who, table_id))
    return Response(status_code=204)
