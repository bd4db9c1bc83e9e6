"""The floor plan as terminals see it, and the seat, move and merge requests.

Read models are built from rows and never written back; request bodies are bounded, so bad
input is a 422 before any use case runs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from tableside.core.schemas import Body, Id


class SectionView(BaseModel):
    id: str
    name: str


class TableView(BaseModel):
    id: str
    label: str
    capacity: int
    status: str  # "available" or "occupied" — derived from open checks
    check_id: str | None
    guests: int | None
    section_id: str | None
    shape: str
    x: int
    y: int
    width: int
    height: int
    # What a seated table's tile shows (all None for a free table):
    server_id: str | None = Field(default=None, description="Who seated the party")
    server_name: str | None = None
    seated_at: datetime | None = Field(default=None, description="When the check was opened")
    total_cents: int | None = None
    balance_cents: int | None = Field(default=None, description="What is still to pay")
    kitchen_status: Literal["waiting", "ready"] | None = Field(
        default=None,
        description=(
            "ready: a ticket of the check is up in the window; waiting: the kitchen is "
            "still working its tickets; null: nothing fired, or everything served"
        ),
    )
    kitchen_since: datetime | None = Field(
        default=None,
        description="ready: since the first plate was up; waiting: since the oldest fired",
    )


class CheckWithoutTableView(BaseModel):
    """An open check with no table (takeout, online, kiosk), as the floor lists it."""

    check_id: str
    number: int
    type: Literal["takeout", "online", "kiosk"]
    guest_name: str | None = Field(description="The name the order is called by")
    guests: int
    opened_at: datetime
    server_id: str = Field(description="Who opened the check")
    server_name: str
    total_cents: int
    balance_cents: int = Field(description="What is still to pay")
    kitchen_status: Literal["waiting", "ready"] | None = None
    kitchen_since: datetime | None = None


class FloorView(BaseModel):
    sections: list[SectionView]
    tables: list[TableView]
    checks_without_table: list[CheckWithoutTableView] = Field(
        default_factory=list,
        description="Open checks with no table (takeout, online, kiosk), oldest first",
    )


class SeatRequest(Body):
    guests: int = Field(ge=1, le=100, examples=[4])


class MoveRequest(Body):
    table_id: Id


class MergeRequest(Body):
    from_check_id: Id
