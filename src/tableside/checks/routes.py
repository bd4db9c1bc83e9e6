"""A check: reading it, ringing lines, voids, discounts and comps, and splitting it."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Request
from pydantic import Field

from tableside.checks import service as checks
from tableside.checks import splits
from tableside.checks.rules import CheckType, DiscountKind
from tableside.checks.schemas import (
    AddLineRequest,
    CheckView,
    DiscountRequest,
    OpenCheckRequest,
    VoidLineRequest,
)
from tableside.core.http import read, write
from tableside.core.schemas import MAX_CENTS, Body, PathId
from tableside.staff.dependencies import APPROVAL_RESPONSES, AnyStaff, FloorStaff, approval_of

router = APIRouter(prefix="/api/v1", tags=["checks"])

Cents = Annotated[int, Field(strict=True, le=MAX_CENTS)]


class SplitBody(Body):
    kind: Literal["by_seat", "evenly", "custom", "none"]
    ways: int | None = Field(default=None, ge=2, le=50)
    amounts: list[Annotated[int, Field(strict=True, le=MAX_CENTS)]] | None = Field(
        default=None, max_length=50
    )


@router.post(
    "/checks",
    response_model=CheckView,
    status_code=201,
    responses={422: {"description": "Not takeout, no guest name, or a phone that is not one"}},
)
async def open_check(body: OpenCheckRequest, caller: FloorStaff) -> CheckView:
    """Open a takeout check, with no table, for the guest named: it is rung, sent and paid
    like any check (its payment answers ``"table": null``), and its tickets and the floor's
    list of checks without a table show the guest's name."""
    return await write(
        caller,
        lambda uow, who: checks.open_without_table(
            uow,
            who,
            CheckType(body.type),
            body.guests,
            guest_name=body.guest_name,
            guest_phone=body.guest_phone,
        ),
    )


@router.get("/checks/{check_id}", response_model=CheckView)
async def get_check(check_id: PathId, caller: AnyStaff) -> CheckView:
    return await read(caller, lambda uow, who: checks.get_check(uow, check_id))


@router.post("/checks/{check_id}/lines", response_model=CheckView, status_code=201)
async def add_line(check_id: PathId, body: AddLineRequest, caller: FloorStaff) -> CheckView:
    new = checks.NewLine(
        menu_item_id=body.menu_item_id,
        seat=body.seat,
        quantity=body.quantity,
        modifier_option_ids=tuple(body.modifier_option_ids),
        note=body.note,
    )
    return await write(caller, lambda uow, who: checks.add_line(uow, who, check_id, new))


@router.post(
    "/checks/{check_id}/lines/{line_id}/void",
    response_model=CheckView,
    responses=APPROVAL_RESPONSES,
)
async def void_line(
    check_id: PathId, line_id: PathId, body: VoidLineRequest, caller: FloorStaff, request: Request
) -> CheckView:
    """Void a line. Before it was sent: any server. After: a manager, with a reason — or a
    server with a manager's PIN in `approval` (the server voids it, the manager approves)."""
    approval = approval_of(body.approval, request)
    return await write(
        caller,
        lambda uow, who: checks.void_line(uow, who, check_id, line_id, body.reason, approval),
    )


@router.post(
    "/checks/{check_id}/discounts",
    response_model=CheckView,
    status_code=201,
    responses=APPROVAL_RESPONSES,
)
async def add_discount(
    check_id: PathId, body: DiscountRequest, caller: FloorStaff, request: Request
) -> CheckView:
    """A discount or comp, on the check or on one line: a manager's, or a server's with a
    manager's PIN in `approval`."""
    approval = approval_of(body.approval, request)
    return await write(
        caller,
        lambda uow, who: checks.add_discount(
            uow,
            who,
            check_id,
            DiscountKind(body.kind),
            body.value,
            body.reason,
            body.line_id,
            approval,
        ),
    )


@router.put("/checks/{check_id}/split", response_model=CheckView)
async def split(check_id: PathId, body: SplitBody, caller: FloorStaff) -> CheckView:
    """Split what is left to pay: by seat, evenly N ways, or custom amounts (``none`` clears)."""
    return await write(
        caller,
        lambda uow, who: splits.split(uow, who, check_id, body.kind, body.ways, body.amounts),
    )
