"""Tickets as the kitchen sees them, and the requests that move them.

Read models are built from rows and never written back; request bodies are bounded, so bad
input is a 422 before any use case runs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from tableside.core.schemas import Body


class TicketLineView(BaseModel):
    id: str
    seat: int
    name: str
    quantity: int
    modifiers: list[str]
    note: str
    voided: bool


class TicketView(BaseModel):
    id: str
    check_id: str
    check_number: int
    type: str  # its check's: "dine_in", "takeout", "online" or "kiosk"
    table_id: str | None  # None: a check without a table (takeout, online, kiosk)
    table_label: str | None
    guest_name: str | None = Field(
        default=None,
        description="Who a check without a table is for: a takeout's name, the name an "
        "online or kiosk guest gave",
    )
    server_id: str  # who opened the check: the server whose food it is
    server_name: str
    pickup_at: datetime | None = Field(
        default=None, description="Online orders: when the guest collects it"
    )
    status: str
    created_at: datetime
    updated_at: datetime
    lines: list[TicketLineView]


class TicketStatusRequest(Body):
    status: Literal["in_progress", "ready", "served"] | None = Field(
        default=None, description="Omit to bump the ticket one step on"
    )
    from_status: Literal["new", "in_progress", "ready", "served"] | None = Field(
        default=None,
        description=(
            "The status the ticket had where the tap was made. A ticket no longer in it is "
            "not moved: 409 with code ticket_already_moved. Omit to move it from wherever it is"
        ),
    )


class TicketsResponse(BaseModel):
    tickets: list[TicketView]
