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

from tableside.checks.rules import GUEST_NAME_PATTERN
from tableside.core.schemas import MAX_CENTS, Body, Documented, Id, Text
from tableside.menu.schemas import MenuView

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


# --- order ahead and kiosks ---------------------------------------------------------------------


class PickupSlot(BaseModel):
    at: datetime = Field(description="The slot's start: send it as `pickup` to take a place")
    places_left: int = Field(description="Orders it still takes (a full slot is not listed)")


class PublicRestaurant(BaseModel):
    name: str
    slug: str
    currency: str
    tip_presets_bp: list[int]
    max_tip_bp: int


class PublicMenu(MenuView):
    """The menu as terminals see it (86'd items ``available: false``), the restaurant's
    name and tip choices, whether it takes orders now, and the pickup slots still open."""

    restaurant: PublicRestaurant
    accepting_orders: bool
    paused_message: str | None = Field(description="Why no order is taken now (None: taken)")
    slots: list[PickupSlot] = Field(description="Open pickup slots, earliest first")
    asap_at: datetime | None = Field(description="When an ASAP order would be ready (None: full)")


class OrderItem(Body):
    menu_item_id: Id
    quantity: int = Field(default=1, strict=True, ge=1, le=100)
    modifier_option_ids: list[Id] = Field(default_factory=list, max_length=20)
    note: Text = Field(default="", max_length=200)


class OrderBody(Body):
    """An online order: what, for whom, when, and the card that pays it up front."""

    items: list[OrderItem] = Field(min_length=1, max_length=50)
    name: Annotated[Text, Documented(pattern=GUEST_NAME_PATTERN)] = Field(
        min_length=1, max_length=80, description="Who collects it"
    )
    phone: Text = Field(
        min_length=5,
        max_length=30,
        pattern=r"^(?:[ +().-]*[0-9]){3}[0-9 +().-]*$",
        description="To reach them: digits, spaces and + - ( ) ., at least 3 digits",
    )
    pickup: Text = Field(
        default="asap", max_length=40, description='"asap" or the `at` of an open slot'
    )
    payment_method: Text = Field(min_length=1, max_length=100, description="e.g. pm_card_visa")
    tip_cents: StrictCents = Field(default=0, ge=0)
    expected_total_cents: StrictCents | None = Field(
        default=None,
        ge=0,
        description="The total the guest was shown (POST …/quote): if the menu changed "
        "meanwhile the order is refused (409 price_changed) rather than charged differently",
    )


class KioskOrderBody(Body):
    """An order at a kiosk: what, a name to call (optional), and the card."""

    items: list[OrderItem] = Field(min_length=1, max_length=50)
    name: Annotated[Text, Documented(pattern=GUEST_NAME_PATTERN)] = Field(
        default="", max_length=80, description="A name to call, if given"
    )
    payment_method: Text = Field(min_length=1, max_length=100, description="e.g. pm_card_visa")
    tip_cents: StrictCents = Field(default=0, ge=0)
    expected_total_cents: StrictCents | None = Field(default=None, ge=0)


class QuoteBody(Body):
    items: list[OrderItem] = Field(min_length=1, max_length=50)


class QuoteLine(BaseModel):
    name: str
    quantity: int
    unit_price_cents: int
    modifiers: list[GuestModifier]
    note: str
    total_cents: int


class OrderQuote(BaseModel):
    """What the order costs, computed on the server from the menu (tip not included)."""

    lines: list[QuoteLine]
    subtotal_cents: int
    tax_cents: int
    total_cents: int


class OrderView(BaseModel):
    """A guest's own order as its status page shows it (no staff names, ids or notes)."""

    id: str
    kind: str = Field(description="online or kiosk")
    number: int = Field(description="The order's number today (called at the counter)")
    status: str = Field(description="received, in_kitchen, ready, picked_up or cancelled")
    paid: bool = Field(
        description="Whether its card payment is captured: false while the payment is being "
        "confirmed (status received, nothing in the kitchen yet) and once cancelled"
    )
    name: str
    pickup_at: datetime | None
    placed_at: datetime
    lines: list[QuoteLine]
    subtotal_cents: int
    tax_cents: int
    total_cents: int
    tip_cents: int
    paid_cents: int
    restaurant: str


class OrderPlaced(BaseModel):
    """201: paid, and in the kitchen."""

    order: OrderView
    token: str = Field(description="The capability to this order's status page")
    status_url: str


class StaffOrderView(BaseModel):
    id: str
    check_id: str
    kind: str
    number: int
    status: str
    paid: bool = Field(description="false while its card payment is being confirmed")
    name: str
    phone: str
    pickup_at: datetime | None
    placed_at: datetime
    total_cents: int
    items: int = Field(description="How many things were ordered")


class StaffOrders(BaseModel):
    orders: list[StaffOrderView]
    accepting_orders: bool


class OnlineOrderingView(BaseModel):
    accepting_orders: bool
    slot_capacity: int = Field(description="Online orders one 15-minute pickup slot takes")
    public_url: str = Field(description="The restaurant's order-ahead page, for guests")


class OnlineOrderingChange(Body):
    """Only the fields given change. Pausing and resuming: a manager; the slot size: the
    owner."""

    accepting_orders: bool | None = None
    slot_capacity: int | None = Field(default=None, strict=True, ge=1, le=1000)


class KioskRequest(Body):
    label: Text = Field(default="Kiosk", min_length=1, max_length=60)


class KioskView(BaseModel):
    id: str
    label: str
    created_at: datetime
    revoked: bool


class KioskCreated(KioskView):
    token: str = Field(description="Shown once: the kiosk tablet keeps it (kiosk mode)")
    url: str = Field(description="The kiosk screen")


class Kiosks(BaseModel):
    kiosks: list[KioskView]
