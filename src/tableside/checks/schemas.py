"""A check as terminals see it (lines, discounts, payments, totals, split) and its requests.

Read models are built from rows and never written back; request bodies are bounded, so bad
input is a 422 before any use case runs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from tableside.checks import rules
from tableside.core.schemas import MAX_CENTS, Body, Documented, Id, Text
from tableside.staff.schemas import ManagerApproval


class LineModifierView(BaseModel):
    id: str
    name: str
    price_cents: int


class LineView(BaseModel):
    id: str
    seat: int
    menu_item_id: str
    name: str
    quantity: int
    unit_price_cents: int
    modifiers: list[LineModifierView]
    note: str
    total_cents: int
    sent: bool
    ticket_id: str | None
    voided: bool
    void_reason: str | None


class DiscountView(BaseModel):
    id: str
    line_id: str | None
    kind: str
    value: int
    reason: str


class PaymentView(BaseModel):
    id: str
    status: str
    tender: str
    amount_cents: int
    tip_cents: int
    change_cents: int
    refunded_cents: int
    split_part: int | None
    failure_code: str | None = None
    failure_message: str | None = None


class SplitPartView(BaseModel):
    part: int
    label: str
    amount_cents: int
    paid_cents: int  # captured against this part of this plan
    left_cents: int  # what may still be charged to it (unpaid, less payments in progress)
    paid: bool


class SplitView(BaseModel):
    kind: str  # "by_seat", "evenly", "custom"
    parts: list[SplitPartView]


class CheckView(BaseModel):
    id: str
    number: int
    type: str  # "dine_in", "takeout", "online" or "kiosk"
    table_id: str | None  # None: a check without a table (takeout, online, kiosk)
    table_label: str | None
    guest_name: str | None = Field(
        default=None, description="Who a check without a table is for (a takeout's name)"
    )
    guest_phone: str | None = None
    status: str
    guests: int
    opened_at: datetime
    closed_at: datetime | None
    lines: list[LineView]
    discounts: list[DiscountView]
    subtotal_cents: int
    discount_cents: int
    service_charge_cents: int = Field(
        description="The party's service charge: service_charge_bp of what is left after"
        " discounts, not taxed"
    )
    service_charge_bp: int = Field(description="0: this check carries no service charge")
    tax_cents: int
    tax_included: bool = Field(
        description="true: the prices include tax_cents (shown, not added); false: tax is"
        " added. total = subtotal − discount + service charge (+ tax when not included)"
    )
    total_cents: int
    tip_cents: int
    paid_cents: int
    balance_cents: int
    payable_cents: int  # the balance less what pending payments reserve
    payments: list[PaymentView]
    split: SplitView | None
    merged_into: str | None = Field(
        default=None, description="A void check merged into another: that check's id"
    )


class OpenCheckRequest(Body):
    type: Literal["takeout"] = Field(
        description=(
            "takeout: rung by staff for a guest who takes the food away. A dine-in check is "
            "opened by seating a table; online and kiosk checks come from the guests' own pages"
        )
    )
    guest_name: Annotated[Text, Documented(pattern=rules.GUEST_NAME_REQUIRED_PATTERN)] = Field(
        min_length=1,
        max_length=80,
        description="The name the order is called by (its blanks read as one space)",
        examples=["Maria"],
    )
    guest_phone: Annotated[Text, Documented(pattern=rules.GUEST_PHONE_PATTERN)] | None = Field(
        default=None,
        max_length=32,
        description="Digits, blanks and + - ( ) . — at least 3 digits, or blank for none",
        examples=["555-0142"],
    )
    guests: int = Field(default=1, ge=1, le=100)


class AddLineRequest(Body):
    menu_item_id: Id
    seat: int = Field(default=1, ge=0, le=99, description="0 is the shared seat")
    quantity: int = Field(default=1, ge=1, le=100)
    modifier_option_ids: list[Id] = Field(default_factory=list, max_length=20)
    note: Text = Field(default="", max_length=500, description="Allergies and requests")


APPROVAL = (
    "A manager's PIN, when a server asks for what only a manager may do (without it: 403 "
    "manager_approval_required). The server is recorded as asking, the manager as approving."
)


class VoidLineRequest(Body):
    reason: Text = Field(default="", max_length=200, description="Required once it was sent")
    approval: ManagerApproval | None = Field(default=None, description=APPROVAL)


class DiscountRequest(Body):
    kind: Literal["amount", "percent"]
    value: int = Field(
        gt=0,
        le=MAX_CENTS,
        description="cents for amount; basis points for percent (10000 = comp)",
    )
    reason: Text = Field(min_length=1, max_length=200)
    line_id: Id | None = None
    approval: ManagerApproval | None = Field(default=None, description=APPROVAL)
