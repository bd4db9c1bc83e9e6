"""Floor, menu and checks: GET /floor, /menu; seat, lines, send, void, discount, move, merge."""

from __future__ import annotations

from fastapi import APIRouter

from tableside.api.deps import Caller, read, write
from tableside.api.schemas import (
    AddLineRequest,
    AvailabilityRequest,
    DiscountRequest,
    MergeRequest,
    MoveRequest,
    PathId,
    SeatRequest,
    VoidLineRequest,
)
from tableside.domain.check import DiscountKind
from tableside.domain.staff import FLOOR_ROLES
from tableside.services import checks, floor, kitchen, menu
from tableside.services.views import CheckView, FloorView, MenuItemView, MenuView

router = APIRouter(prefix="/api/v1", tags=["floor"])


@router.get("/floor", response_model=FloorView)
async def get_floor(caller: Caller) -> FloorView:
    """Every table, occupied exactly when it has an open check."""
    return await read(caller, lambda uow, who: floor.floor(uow))


@router.get("/menu", response_model=MenuView)
async def get_menu(caller: Caller) -> MenuView:
    return await read(caller, lambda uow, who: menu.menu(uow))


@router.put("/menu/items/{item_id}/availability", response_model=MenuItemView)
async def set_availability(
    item_id: PathId, body: AvailabilityRequest, caller: Caller
) -> MenuItemView:
    """86 an item (``available: false``) or bring it back. Kitchen or manager."""
    return await write(
        caller, lambda uow, who: menu.set_availability(uow, who, item_id, body.available)
    )


@router.post(
    "/tables/{table_id}/seat",
    response_model=CheckView,
    status_code=201,
    responses={409: {"description": "The table already has an open check"}},
)
async def seat(table_id: PathId, body: SeatRequest, caller: Caller) -> CheckView:
    return await write(
        caller,
        lambda uow, who: floor.seat(uow, who, table_id, body.guests),
        allowed=FLOOR_ROLES,
        doing="seat guests",
    )


@router.get("/checks/{check_id}", response_model=CheckView)
async def get_check(check_id: PathId, caller: Caller) -> CheckView:
    return await read(caller, lambda uow, who: checks.get_check(uow, check_id))


@router.post("/checks/{check_id}/lines", response_model=CheckView, status_code=201)
async def add_line(check_id: PathId, body: AddLineRequest, caller: Caller) -> CheckView:
    new = checks.NewLine(
        menu_item_id=body.menu_item_id,
        seat=body.seat,
        quantity=body.quantity,
        modifier_option_ids=tuple(body.modifier_option_ids),
        note=body.note,
    )
    return await write(
        caller,
        lambda uow, who: checks.add_line(uow, who, check_id, new),
        allowed=FLOOR_ROLES,
        doing="ring items",
    )


@router.post("/checks/{check_id}/lines/{line_id}/void", response_model=CheckView)
async def void_line(
    check_id: PathId, line_id: PathId, body: VoidLineRequest, caller: Caller
) -> CheckView:
    """Void a line. Before it was sent: any server. After: a manager, with a reason."""
    return await write(
        caller,
        lambda uow, who: checks.void_line(uow, who, check_id, line_id, body.reason),
        allowed=FLOOR_ROLES,
        doing="void lines",
    )


@router.post("/checks/{check_id}/discounts", response_model=CheckView, status_code=201)
async def add_discount(check_id: PathId, body: DiscountRequest, caller: Caller) -> CheckView:
    """A manager's discount or comp, on the check or on one line."""
    return await write(
        caller,
        lambda uow, who: checks.add_discount(
            uow, who, check_id, DiscountKind(body.kind), body.value, body.reason, body.line_id
        ),
    )


@router.post("/checks/{check_id}/send", response_model=CheckView)
async def send(check_id: PathId, caller: Caller) -> CheckView:
    """Fire every unsent line to the kitchen as one ticket."""
    return await write(
        caller,
        lambda uow, who: kitchen.send(uow, who, check_id),
        allowed=FLOOR_ROLES,
        doing="send to the kitchen",
    )


@router.post("/checks/{check_id}/move", response_model=CheckView)
async def move(check_id: PathId, body: MoveRequest, caller: Caller) -> CheckView:
    """Move the party to another free table."""
    return await write(
        caller,
        lambda uow, who: floor.move_check(uow, who, check_id, body.table_id),
        allowed=FLOOR_ROLES,
        doing="move tables",
    )


@router.post("/checks/{check_id}/merge", response_model=CheckView)
async def merge(check_id: PathId, body: MergeRequest, caller: Caller) -> CheckView:
    """Bring another table's check onto this one; that table is freed."""
    return await write(
        caller,
        lambda uow, who: floor.merge_checks(uow, who, check_id, body.from_check_id),
        allowed=FLOOR_ROLES,
        doing="merge checks",
    )
