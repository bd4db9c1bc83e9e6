"""What staff get when they make a guest link, what a guest's phone sees of the check, and
the guest's payment request.

The guest's view holds the check's lines, totals, split parts and payments, and the
restaurant's name and tip presets: no staff names or ids, no notes or void reasons, no
other guest's tip.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from tableside.core.schemas import MAX_CENTS, Body, Text

StrictCents = Annotated[int, Field(strict=True, le=MAX_CENTS)]


class GuestLinkCreated(BaseModel):
    id: str = Field(description="The link's id (the token itself is never stored)")
    token: str = Field(description="The capability: shown once, at least 128 random bits")
    url: str = Field(description="The guest's page for this check: what the QR code opens")
    expires_at: datetime = Field(
        description="While the check is open, the link works until then; once the check "
        "is closed it shows the receipt for 24 hours"
    )
    qr_svg: str = Field(description="The URL as a QR code, an SVG document")


class GuestLinksRevoked(BaseModel):
    check_id: str
    revoked: int = Field(description="How many links stopped working (0: none was live)")


class GuestRestaurant(BaseModel):
    name: str
    currency: str
    tip_presets_bp: list[int] = Field(description="Tip choices, in basis points of the amount")
    max_tip_bp: int = Field(description="The largest tip the restaurant takes, same unit")
    receipt_header: str
    receipt_footer: str


class GuestModifier(BaseModel):
    name: str
    price_cents: int


class GuestLine(BaseModel):
    seat: int
    name: str
    quantity: int
    unit_price_cents: int
    modifiers: list[GuestModifier]
    total_cents: int


class GuestPart(BaseModel):
    part: int
    label: str
    amount_cents: int
    left_cents: int = Field(description="What may still be paid on this part")
    paid: bool


class GuestSplit(BaseModel):
    kind: str
    parts: list[GuestPart]


class GuestPayment(BaseModel):
    id: str
    status: str = Field(description="captured, or pending while the processor is asked")
    tender: str
    amount_cents: int
    split_part: int | None


class GuestCheckView(BaseModel):
    """One check as its guests see it through their link."""

    status: str = Field(description="open or closed")
    number: int
    table_label: str | None
    guests: int
    opened_at: datetime
    closed_at: datetime | None
    lines: list[GuestLine]
    subtotal_cents: int
    discount_cents: int
    service_charge_cents: int = Field(description="The party's service charge, if any")
    tax_cents: int
    tax_included: bool = Field(description="true: the prices include the tax (not added)")
    total_cents: int
    paid_cents: int
    balance_cents: int
    payable_cents: int = Field(description="The balance less payments being confirmed")
    split: GuestSplit | None
    payments: list[GuestPayment] = Field(description="Captured and pending payments")
    restaurant: GuestRestaurant
    link_ends_at: datetime = Field(description="When this link stops working")


class GuestPaymentBody(Body):
    tender: Literal["card"] = Field(default="card", description="Guests pay by card only")
    amount_cents: StrictCents = Field(description="What this payment takes off the balance")
    tip_cents: StrictCents = Field(default=0, ge=0, description="On top; never part of the balance")
    payment_method: Text = Field(min_length=1, max_length=100, description="e.g. pm_card_visa")
    split_part: StrictCents | None = Field(
        default=None, ge=1, description="The part of the check's split plan this pays"
    )
