"""The kitchen display's calls: tickets and their status."""

from __future__ import annotations

from fastapi import APIRouter

from tableside.api.deps import Caller, read, write
from tableside.api.schemas import PathId, TicketsResponse, TicketStatusRequest
from tableside.domain.ticket import TicketStatus
from tableside.services import kitchen
from tableside.services.views import TicketView

router = APIRouter(prefix="/api/v1", tags=["kitchen"])


@router.get("/tickets", response_model=TicketsResponse)
async def tickets(caller: Caller, include_served: bool = False) -> TicketsResponse:
    """Tickets the kitchen is working (new, in progress, ready), oldest first."""
    return TicketsResponse(
        tickets=await read(caller, lambda uow, who: kitchen.tickets(uow, include_served))
    )


@router.post("/tickets/{ticket_id}/status", response_model=TicketView)
async def move_ticket(ticket_id: PathId, body: TicketStatusRequest, caller: Caller) -> TicketView:
    """Bump a ticket one step (no status) or move it to a status the state machine allows."""
    target = TicketStatus(body.status) if body.status else None
    return await write(caller, lambda uow, who: kitchen.move_ticket(uow, who, ticket_id, target))
