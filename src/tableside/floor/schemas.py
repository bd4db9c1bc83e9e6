"""The floor plan as terminals see it, the seat, move and merge requests, and the floor
editor's views and requests.

Read models are built from rows and never written back; request bodies are bounded, so bad
input is a 422 before any use case runs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from tableside.core.schemas import Body, Documented, Id, NotBlank
from tableside.floor.rules import (
    COLUMNS,
    LARGEST,
    MAX_LABEL,
    MAX_SECTION_NAME,
    ROWS,
    SMALLEST,
)

# Bounds the floor's own rules check (with their own messages), written into the document.
SectionName = Annotated[NotBlank, Documented(maxLength=MAX_SECTION_NAME)]
Label = Annotated[NotBlank, Documented(maxLength=MAX_LABEL)]
Column = Annotated[int, Field(ge=0, le=1000), Documented(maximum=COLUMNS - 1)]
Row = Annotated[int, Field(ge=0, le=1000), Documented(maximum=ROWS - 1)]
Cells = Annotated[int, Field(ge=1, le=100), Documented(minimum=SMALLEST, maximum=LARGEST)]


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


# --- the floor editor ---------------------------------------------------------------------

ShapeName = Literal["round", "square", "rect", "booth"]


class GridView(BaseModel):
    columns: int = Field(description="The plan's width in cells (x from 0 to columns - 1)")
    rows: int = Field(description="The plan's height in cells (y from 0 to rows - 1)")
    smallest: int = Field(description="A table is at least this many cells wide and high")
    largest: int = Field(description="A table is at most this many cells wide and high")


class SectionEditView(BaseModel):
    id: str
    name: str
    position: int
    tables: int = Field(description="How many tables the section has on the floor")


class FloorEditorView(BaseModel):
    grid: GridView
    shapes: list[str]
    sections: list[SectionEditView]
    tables: list[TableView]


class NewSection(Body):
    name: SectionName = Field(min_length=1, max_length=200, examples=["Terrace"])


class SectionChange(Body):
    name: SectionName = Field(min_length=1, max_length=200, examples=["Garden"])


class SectionOrder(Body):
    ids: list[Id] = Field(min_length=1, max_length=200)


class SectionOrderView(BaseModel):
    ids: list[str]


class NewTable(Body):
    label: Label = Field(min_length=1, max_length=200, examples=["T20"])
    capacity: int = Field(ge=1, le=100, examples=[4], description="Seats")
    shape: ShapeName = "square"
    section_id: Id | None = None
    x: Column = Field(description="Left cell on the plan's grid (from 0)")
    y: Row = Field(description="Top cell on the plan's grid (from 0)")
    width: Cells = Field(default=2, description="Cells wide (2 to 8)")
    height: Cells = Field(default=2, description="Cells high (2 to 8)")


class TableChange(Body):
    """Only what is sent changes; ``section_id: null`` takes the table out of its section."""

    label: Label | None = Field(default=None, min_length=1, max_length=200)
    capacity: int | None = Field(default=None, ge=1, le=100, description="Seats")
    shape: ShapeName | None = None
    section_id: Id | None = None
    x: Column | None = None
    y: Row | None = None
    width: Cells | None = None
    height: Cells | None = None
