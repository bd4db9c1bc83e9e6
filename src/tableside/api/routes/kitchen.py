"""The kitchen display's calls: tickets and their status."""

from __future__ import annotations

from fastapi import APIRouter

from tableside.api.deps import DB, Who, read, write
from tableside.api.schemas import PathId, TicketsResponse, TicketStatusRequest
from tableside.domain.ticket import TicketStatus
from tableside.services import kitchen
from tableside.services.views import TicketView

router = APIRouter(prefix="/api/v1", tags=["kitchen"])


@router.get("/tickets", response_model=TicketsResponse)
def tickets(who: Who, db: DB, include_served: bool = False) -> TicketsResponse:
    """Tickets the kitchen is working (new, in progress, ready), oldest first."""
    return TicketsResponse(tickets=read(db, who, lambda uow: kitchen.tickets(uow, include_served)))


@router.post("/tickets/{ticket_id}/status", response_model=TicketView)
def move_ticket(ticket_id: PathId, body: TicketStatusRequest, who: Who, db: DB) -> TicketView:
    """Bump a ticket one step (no status) or move it to a status the state machine allows."""
    target = TicketStatus(body.status) if body.status else None
    return write(db, who, lambda uow: kitchen.move_ticket(uow, who, ticket_id, target))
