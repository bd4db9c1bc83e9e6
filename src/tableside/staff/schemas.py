"""Who works here, as screens and API clients see them, and the login and staff requests.

Read models are built from rows and never written back; request bodies are bounded, so bad
input is a 422 before any use case runs.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from tableside.core.schemas import Body, Documented, Id, NotBlank, Text

# What staff/service.py takes as a PIN (shown in the OpenAPI document); anything else is
# 422 invalid_pin_format.
PIN_PATTERN = r"^[0-9]{4,8}$"
Pin = Annotated[Text, Documented(pattern=PIN_PATTERN)]


class StaffView(BaseModel):
    id: str
    name: str
    role: str


class RestaurantView(BaseModel):
    id: str
    slug: str
    name: str
    currency: str
    tax_rate_bp: int
    timezone: str


class LoginRequest(Body):
    restaurant: Text = Field(min_length=1, max_length=60, examples=["demo"])
    pin: Pin = Field(min_length=1, max_length=16, examples=["1234"])
    staff_id: Id | None = Field(
        default=None,
        max_length=40,
        description="The staff tile tapped on the terminal; wrong PINs then count against "
        "this staff member only (five lock them out for five minutes).",
    )


class ManagerApproval(Body):
    """A manager's PIN, typed on the asking terminal: a server's request that only a
    manager may make runs with it, as that server, with the manager recorded as approving."""

    pin: Pin = Field(
        min_length=1,
        max_length=16,
        examples=["9999"],
        description="The PIN of an active manager of this restaurant. A wrong one answers 403 "
        "approval_refused, changes nothing and counts against this terminal as a wrong "
        "login PIN does (ten in five minutes pause the terminal: 429).",
    )


class LoginResponse(BaseModel):
    token: str
    expires_in_s: int
    staff: StaffView
    restaurant: RestaurantView


RoleName = Literal["owner", "manager", "server", "kitchen"]


class StaffMemberView(StaffView):
    """A staff member as the staff screen shows them."""

    active: bool = Field(description="false: deactivated (cannot log in; history stays)")


class AddStaffRequest(Body):
    name: NotBlank = Field(min_length=1, max_length=80)
    role: RoleName = Field(description="owner and manager: the owner only")
    pin: Pin = Field(min_length=4, max_length=8)


class StaffChange(Body):
    """Only what is sent changes."""

    name: Text | None = Field(default=None, min_length=1, max_length=80)
    role: RoleName | None = Field(default=None, description="owner and manager: the owner only")


class RosterResponse(BaseModel):
    staff: list[StaffMemberView]


class ResetPinRequest(Body):
    pin: Pin = Field(min_length=4, max_length=8)


class StaffListResponse(BaseModel):
    staff: list[StaffView]
