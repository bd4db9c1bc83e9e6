"""The menu: reading it, and 86'ing an item (or bringing it back)."""

from __future__ import annotations

from fastapi import APIRouter

from tableside.core.http import read, write
from tableside.core.schemas import PathId
from tableside.menu import service as menu
from tableside.menu.schemas import AvailabilityRequest, MenuItemView, MenuView
from tableside.staff.dependencies import AnyStaff, KitchenStaff

router = APIRouter(prefix="/api/v1", tags=["menu"])


@router.get("/menu", response_model=MenuView)
async def get_menu(caller: AnyStaff) -> MenuView:
    return await read(caller, lambda uow, who: menu.menu(uow))


@router.put("/menu/items/{item_id}/availability", response_model=MenuItemView)
async def set_availability(
    item_id: PathId, body: AvailabilityRequest, caller: KitchenStaff
) -> MenuItemView:
    """86 an item (``available: false``) or bring it back. Kitchen or manager."""
    return await write(
        caller, lambda uow, who: menu.set_availability(uow, who, item_id, body.available)
    )
