"""Request bodies. Bounds here turn bad input into a 422 before any use case runs."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Path
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from tableside.services.views import MenuItemView, RestaurantView, StaffView, TicketView

ID_PATTERN = r"^[A-Za-z0-9_-]+$"
# The most money one request may name ($1,000,000): far above any check, far below int32.
MAX_CENTS = 100_000_000


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


Id = Annotated[str, Field(min_length=1, max_length=40, pattern=ID_PATTERN)]
PathId = Annotated[str, Path(min_length=1, max_length=40, pattern=ID_PATTERN)]
Text = Annotated[str, AfterValidator(_no_nul)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginRequest(Body):
    restaurant: Text = Field(min_length=1, max_length=60, examples=["demo"])
    pin: Text = Field(min_length=1, max_length=16, examples=["1234"])
    staff_id: Id | None = Field(
        default=None,
        max_length=40,
        description="The staff tile tapped on the terminal; wrong PINs then count against "
        "this staff member only (five lock them out for five minutes).",
    )


class LoginResponse(BaseModel):
    token: str
    expires_in_s: int
    staff: StaffView
    restaurant: RestaurantView


class SeatRequest(Body):
    guests: int = Field(ge=1, le=100, examples=[4])


class AddLineRequest(Body):
    menu_item_id: Id
    seat: int = Field(default=1, ge=0, le=99, description="0 is the shared seat")
    quantity: int = Field(default=1, ge=1, le=100)
    modifier_option_ids: list[Id] = Field(default_factory=list, max_length=20)
    note: Text = Field(default="", max_length=500, description="Allergies and requests")


class VoidLineRequest(Body):
    reason: Text = Field(default="", max_length=200)


class DiscountRequest(Body):
    kind: Literal["amount", "percent"]
    value: int = Field(
        gt=0,
        le=MAX_CENTS,
        description="cents for amount; basis points for percent (10000 = comp)",
    )
    reason: Text = Field(min_length=1, max_length=200)
    line_id: Id | None = None


class MoveRequest(Body):
    table_id: Id


class MergeRequest(Body):
    from_check_id: Id


class TicketStatusRequest(Body):
    status: Literal["in_progress", "ready", "served"] | None = Field(
        default=None, description="Omit to bump the ticket one step on"
    )


class AvailabilityRequest(Body):
    available: bool


class AddStaffRequest(Body):
    name: Text = Field(min_length=1, max_length=80)
    role: Literal["server", "manager", "kitchen"]
    pin: Text = Field(min_length=4, max_length=8)


class ResetPinRequest(Body):
    pin: Text = Field(min_length=4, max_length=8)


class TicketsResponse(BaseModel):
    tickets: list[TicketView]


class StaffListResponse(BaseModel):
    staff: list[StaffView]


MenuItemResponse = MenuItemView
