"""Request bodies. Bounds here turn bad input into a 422 before any use case runs."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tableside.services.views import MenuItemView, RestaurantView, StaffView, TicketView


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginRequest(Body):
    restaurant: str = Field(min_length=1, max_length=60, examples=["demo"])
    pin: str = Field(min_length=1, max_length=16, examples=["1234"])
    staff_id: str | None = Field(
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
    menu_item_id: str = Field(min_length=1, max_length=40)
    seat: int = Field(default=1, ge=0, le=99, description="0 is the shared seat")
    quantity: int = Field(default=1, ge=1, le=100)
    modifier_option_ids: list[str] = Field(default_factory=list, max_length=20)
    note: str = Field(default="", max_length=500, description="Allergies and requests")


class VoidLineRequest(Body):
    reason: str = Field(default="", max_length=200)


class DiscountRequest(Body):
    kind: Literal["amount", "percent"]
    value: int = Field(
        gt=0, description="cents for amount; basis points for percent (10000 = comp)"
    )
    reason: str = Field(min_length=1, max_length=200)
    line_id: str | None = Field(default=None, max_length=40)


class MoveRequest(Body):
    table_id: str = Field(min_length=1, max_length=40)


class MergeRequest(Body):
    from_check_id: str = Field(min_length=1, max_length=40)


class TicketStatusRequest(Body):
    status: Literal["in_progress", "ready", "served"] | None = Field(
        default=None, description="Omit to bump the ticket one step on"
    )


class AvailabilityRequest(Body):
    available: bool


class AddStaffRequest(Body):
    name: str = Field(min_length=1, max_length=80)
    role: Literal["server", "manager", "kitchen"]
    pin: str = Field(min_length=4, max_length=8)


class ResetPinRequest(Body):
    pin: str = Field(min_length=4, max_length=8)


class TicketsResponse(BaseModel):
    tickets: list[TicketView]


class StaffListResponse(BaseModel):
    staff: list[StaffView]


MenuItemResponse = MenuItemView
