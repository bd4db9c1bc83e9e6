"""Floor, menu and checks: GET /floor, /menu; seat, lines, send, void, discount, move, merge."""

from __future__ import annotations

from fastapi import APIRouter

from tableside.api.deps import DB, Who, read, write
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
def get_floor(who: Who, db: DB) -> FloorView:
    """Every table, occupied exactly when it has an open check."""
    return read(db, who, floor.floor)


@router.get("/menu", response_model=MenuView)
def get_menu(who: Who, db: DB) -> MenuView:
    return read(db, who, menu.menu)


@router.put("/menu/items/{item_id}/availability", response_model=MenuItemView)
def set_availability(item_id: PathId, body: AvailabilityRequest, who: Who, db: DB) -> MenuItemView:
    """86 an item (``available: false``) or bring it back. Kitchen or manager."""
    return write(db, who, lambda uow: menu.set_availability(uow, who, item_id, body.available))


@router.post(
    "/tables/{table_id}/seat",
    response_model=CheckView,
    status_code=201,
    responses={409: {"description": "The table already has an open check"}},
)
def seat(table_id: PathId, body: SeatRequest, who: Who, db: DB) -> CheckView:
    who.require(FLOOR_ROLES, "seat guests")
    return write(db, who, lambda uow: floor.seat(uow, who, table_id, body.guests))


@router.get("/checks/{check_id}", response_model=CheckView)
def get_check(check_id: PathId, who: Who, db: DB) -> CheckView:
    return read(db, who, lambda uow: checks.get_check(uow, check_id))


@router.post("/checks/{check_id}/lines", response_model=CheckView, status_code=201)
def add_line(check_id: PathId, body: AddLineRequest, who: Who, db: DB) -> CheckView:
    who.require(FLOOR_ROLES, "ring items")
    new = checks.NewLine(
        menu_item_id=body.menu_item_id,
        seat=body.seat,
        quantity=body.quantity,
        modifier_option_ids=tuple(body.modifier_option_ids),
        note=body.note,
    )
    return write(db, who, lambda uow: checks.add_line(uow, who, check_id, new))


@router.post("/checks/{check_id}/lines/{line_id}/void", response_model=CheckView)
def void_line(
    check_id: PathId, line_id: PathId, body: VoidLineRequest, who: Who, db: DB
) -> CheckView:
    """Void a line. Before it was sent: any server. After: a manager, with a reason."""
    who.require(FLOOR_ROLES, "void lines")
    return write(db, who, lambda uow: checks.void_line(uow, who, check_id, line_id, body.reason))


@router.post("/checks/{check_id}/discounts", response_model=CheckView, status_code=201)
def add_discount(check_id: PathId, body: DiscountRequest, who: Who, db: DB) -> CheckView:
    """A manager's discount or comp, on the check or on one line."""
    return write(
        db,
        who,
        lambda uow: checks.add_discount(
            uow, who, check_id, DiscountKind(body.kind), body.value, body.reason, body.line_id
        ),
    )


@router.post("/checks/{check_id}/send", response_model=CheckView)
def send(check_id: PathId, who: Who, db: DB) -> CheckView:
    """Fire every unsent line to the kitchen as one ticket."""
    who.require(FLOOR_ROLES, "send to the kitchen")
    return write(db, who, lambda uow: kitchen.send(uow, who, check_id))


@router.post("/checks/{check_id}/move", response_model=CheckView)
def move(check_id: PathId, body: MoveRequest, who: Who, db: DB) -> CheckView:
    """Move the party to another free table."""
    who.require(FLOOR_ROLES, "move tables")
    return write(db, who, lambda uow: floor.move_check(uow, who, check_id, body.table_id))


@router.post("/checks/{check_id}/merge", response_model=CheckView)
def merge(check_id: PathId, body: MergeRequest, who: Who, db: DB) -> CheckView:
    """Bring another table's check onto this one; that table is freed."""
    who.require(FLOOR_ROLES, "merge checks")
    return write(db, who, lambda uow: floor.merge_checks(uow, who, check_id, body.from_check_id))
