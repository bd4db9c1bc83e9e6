"""Read models: what screens and API clients see. Built from rows; never written back."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


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


class TableStatusView(BaseModel):
    id: str
    status: str


class FloorView(BaseModel):
    sections: list[SectionView]
    tables: list[TableView]


class ModifierOptionView(BaseModel):
    id: str
    name: str
    price_cents: int


class ModifierGroupView(BaseModel):
    id: str
    name: str
    min: int
    max: int
    options: list[ModifierOptionView]


class MenuItemView(BaseModel):
    id: str
    name: str
    category_id: str
    price_cents: int
    available: bool
    modifier_groups: list[ModifierGroupView]


class MenuCategoryView(BaseModel):
    id: str
    name: str


class MenuView(BaseModel):
    categories: list[MenuCategoryView]
    items: list[MenuItemView]


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
    table_id: str
    table_label: str
    status: str
    guests: int
    opened_at: datetime
    closed_at: datetime | None
    lines: list[LineView]
    discounts: list[DiscountView]
    subtotal_cents: int
    discount_cents: int
    tax_cents: int
    total_cents: int
    tip_cents: int
    paid_cents: int
    balance_cents: int
    payable_cents: int  # the balance less what pending payments reserve
    payments: list[PaymentView]
    split: SplitView | None


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
    table_id: str
    table_label: str
    status: str
    created_at: datetime
    updated_at: datetime
    lines: list[TicketLineView]
