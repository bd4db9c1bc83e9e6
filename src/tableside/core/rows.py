"""Plain rows for the hot paths: read and written with SQLAlchemy Core, no identity map.

A check view and a settle read the same few rows on every request. As ORM entities each
statement cost about 270–370 µs of CPU (identity map, flush bookkeeping, instance state);
as Core rows about 110 µs (measured in docs/benchmarks.md). These frozen rows carry the
columns those paths use, and the services read them through small protocols that the ORM
entities satisfy too, so either can be shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from tableside.core import models as m


@dataclass(frozen=True, slots=True)
class CheckHead:
    """A check with what its view needs from its restaurant and its table (if it has one)."""

    id: str
    table_id: str | None
    number: int
    status: str
    guests: int
    opened_at: datetime
    closed_at: datetime | None
    split_plan: dict[str, Any] | None
    table_label: str | None
    tax_rate_bp: int
    currency: str
    type: str = "dine_in"
    max_tip_bp: int = 10000  # the restaurant's tip limit (basis points of the amount)
    # Taken from the restaurant's settings when the check was opened (migration 0010).
    prices_include_tax: bool = False
    service_charge_bp: int = 0
    guest_name: str | None = None  # who a check without a table is for
    guest_phone: str | None = None


@dataclass(frozen=True, slots=True)
class LineRow:
    id: str
    seat: int
    menu_item_id: str
    name: str
    quantity: int
    unit_price_cents: int
    note: str
    ticket_id: str | None
    sent_at: datetime | None
    voided_at: datetime | None
    void_reason: str | None
    position: int
    tax_rate_bp: int | None = None  # the rate it was rung at (None: the restaurant's rate)


@dataclass(frozen=True, slots=True)
class MenuItemRow:
    id: str
    name: str
    price_cents: int
    available: bool
    tax_rate_bp: int  # the item's own rate, or the restaurant's default


@dataclass(frozen=True, slots=True)
class ModifierChoice:
    """One modifier group of a menu item with one of its options (None: it has none)."""

    group_id: str
    group_name: str
    min_choices: int
    max_choices: int
    option_id: str | None
    option_name: str | None
    option_price_cents: int | None


@dataclass(frozen=True, slots=True)
class RestaurantTerms:
    """What every check of a restaurant is computed and numbered with."""

    tax_rate_bp: int
    currency: str
    timezone: str
    prices_include_tax: bool = False
    service_charge_bp: int = 0  # for parties of service_charge_min_guests or more
    service_charge_min_guests: int | None = None


@dataclass(frozen=True, slots=True)
class ModifierRow:
    line_id: str
    option_id: str
    name: str
    price_cents: int


@dataclass(frozen=True, slots=True)
class DiscountRow:
    id: str
    line_id: str | None
    kind: str
    value: int
    reason: str


@dataclass(frozen=True, slots=True)
class PaymentRow:
    id: str
    check_id: str
    tender: str
    status: str
    amount_cents: int
    tip_cents: int
    change_cents: int
    refunded_cents: int
    split_part: int | None
    failure_code: str | None
    failure_message: str | None
    payment_method: str | None
    processor_payment_id: str | None
    created_by: str


# The columns of a ``PaymentRow``, in its order.
PAYMENT_COLUMNS = select(
    m.Payment.id,
    m.Payment.check_id,
    m.Payment.tender,
    m.Payment.status,
    m.Payment.amount_cents,
    m.Payment.tip_cents,
    m.Payment.change_cents,
    m.Payment.refunded_cents,
    m.Payment.split_part,
    m.Payment.failure_code,
    m.Payment.failure_message,
    m.Payment.payment_method,
    m.Payment.processor_payment_id,
    m.Payment.created_by,
)


@dataclass(frozen=True, slots=True)
class KeyRow:
    """An idempotency key: what it was used for, and its final answer once there is one."""

    id: str
    operation: str
    fingerprint: str
    resource_id: str | None
    response_status: int | None
    response_body: dict[str, Any] | None
    locked_until: datetime | None
