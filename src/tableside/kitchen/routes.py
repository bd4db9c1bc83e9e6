"""Firing a check's lines to the kitchen, and the kitchen display's tickets and their status."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from tableside.checks.rules import CheckType
from tableside.checks.schemas import CheckView
from tableside.core.http import read, write
from tableside.core.schemas import ID_PATTERN, PathId
from tableside.kitchen import service as kitchen
from tableside.kitchen.rules import TicketStatus
from tableside.kitchen.schemas import TicketsResponse, TicketStatusRequest, TicketView
from tableside.staff.dependencies import AnyStaff, FloorStaff

router = APIRouter(prefix="/api/v1", tags=["kitchen"])


@router.get("/tickets", response_model=TicketsResponse)
async def tickets(
    caller: AnyStaff,
    include_served: bool = False,
    check_id: Annotated[
        str | None,
        Query(max_length=40, pattern=ID_PATTERN, description="Only this check's tickets"),
    ] = None,
    type: Annotated[
        list[Literal["dine_in", "takeout", "online", "kiosk"]] | None,
        Query(
            max_length=4,
            description="Only tickets of checks of these types (repeat for several: "
            "?type=takeout&type=online); none: every type",
        ),
    ] = None,
) -> TicketsResponse:
    """Tickets the kitchen is working (new, in progress, ready), oldest first, each with
    its check's type and, without a table, the guest's name. `include_served`: the served
    ones too — all of `check_id`'s, otherwise those served in the last 12 hours."""
    types = [CheckType(t) for t in type or []]
    return TicketsResponse(
        tickets=await read(
            caller, lambda uow, who: kitchen.tickets(uow, include_served, check_id, types)
        )
    )


@router.post(
    "/tickets/{ticket_id}/status",
    response_model=TicketView,
    responses={
        409: {
            "description": "The state machine forbids the move "
            "(ticket_transition_not_allowed), or the ticket is no longer in from_status "
            "(ticket_already_moved: it was moved by another tap or screen; nothing changed)"
        }
    },
)
async def move_ticket(ticket_id: PathId, body: TicketStatusRequest, caller: AnyStaff) -> TicketView:
    """Bump a ticket one step (no status) or move it to a status the state machine allows.
    The kitchen moves tickets up to ready; a server may only mark a ready ticket served.
    A screen names the status it saw (from_status), so a double tap moves a ticket once."""
    target = TicketStatus(body.status) if body.status else None
    expected = TicketStatus(body.from_status) if body.from_status else None
    return await write(
        caller, lambda uow, who: kitchen.move_ticket(uow, who, ticket_id, target, expected)
    )


@router.post("/checks/{check_id}/send", response_model=CheckView)
async def send(check_id: PathId, caller: FloorStaff) -> CheckView:
    """Fire every unsent line to the kitchen as one ticket."""
    return await write(caller, lambda uow, who: kitchen.send(uow, who, check_id))
