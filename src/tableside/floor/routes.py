"""The floor: the plan, seating a party, moving it, merging two tables' checks."""

from __future__ import annotations

from fastapi import APIRouter

from tableside.checks.schemas import CheckView
from tableside.core.http import read, write
from tableside.core.schemas import PathId
from tableside.floor import service as floor
from tableside.floor.schemas import FloorView, MergeRequest, MoveRequest, SeatRequest
from tableside.staff.dependencies import AnyStaff, FloorStaff

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
