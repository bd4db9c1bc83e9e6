"""Table mappings. The schema carries the invariants itself: one open check per table
(partial unique index), foreign keys, NOT NULLs, CHECKs on money and on status values.
Every row belongs to one restaurant.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:24]}"


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every database (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


def _restaurant_fk(*, index: bool = True) -> Mapped[str]:
    """``index=False`` on tables that grow with a restaurant's history (migration 0004):
    there, an index led by the restaurant is a trap. When the planner's statistics make
    the restaurant look small (a new restaurant in a shared database, until the next
    ANALYZE), it reads a check's rows through that index and walks the restaurant's whole
    history. Those tables are indexed by the row's parent (check, line, payment), with
    the restaurant second."""
    return mapped_column(String(40), ForeignKey("restaurants.id"), index=index)


class Installation(Base):
    """Secrets of this installation, kept in the database so every process shares them."""

    __tablename__ = "installation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pin_lookup_key: Mapped[str] = mapped_column(String(64))


class Restaurant(Base):
    __tablename__ = "restaurants"
    __table_args__ = (
        CheckConstraint("tax_rate_bp >= 0 AND tax_rate_bp <= 10000", name="tax_rate"),
        CheckConstraint("length(currency) = 3", name="currency"),
        CheckConstraint(
            "service_charge_bp >= 0 AND service_charge_bp <= 10000", name="service_charge"
        ),
        CheckConstraint("max_tip_bp >= 0 AND max_tip_bp <= 100000", name="max_tip"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    currency: Mapped[str] = mapped_column(String(3))
    tax_rate_bp: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(60))
    # The largest tip without a manager's approval, in basis points of the amount it tips on.
    max_tip_bp: Mapped[int] = mapped_column(Integer, default=10000, server_default="10000")
    # Settings an owner keeps (migration 0008).
    prices_include_tax: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    tip_presets_bp: Mapped[list[int]] = mapped_column(
        JSON, default=lambda: [1500, 1800, 2000], server_default="[1500, 1800, 2000]"
    )
    service_charge_bp: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    service_charge_min_guests: Mapped[int | None] = mapped_column(Integer, default=None)
    receipt_header: Mapped[str] = mapped_column(String(500), default="", server_default="")
    receipt_footer: Mapped[str] = mapped_column(String(500), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TaxRate(Base):
    """A named tax rate of a restaurant (food 10 %, alcohol 20 %), in basis points."""

    __tablename__ = "tax_rates"
    __table_args__ = (CheckConstraint("rate_bp >= 0 AND rate_bp <= 10000", name="rate"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    restaurant_id: Mapped[str] = _restaurant_fk()
    name: Mapped[str] = mapped_column(String(60))
    rate_bp: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    archived_at: Mapped[datetime | None] = mapped_column(default=None)


class Staff(Base):
    __tablename__ = "staff"
    __table_args__ = (
        UniqueConstraint("restaurant_id", "pin_lookup", name="uq_staff_pin_per_restaurant"),
        CheckConstraint("role IN ('owner', 'manager', 'server', 'kitchen')", name="role"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    restaurant_id: Mapped[str] = _restaurant_fk()
    name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(16))
    # HMAC of the PIN under the installation key: finds the staff member for a PIN-only login.
    pin_lookup: Mapped[str] = mapped_column(String(64))
    pin_hash: Mapped[str] = mapped_column(String(200))  # argon2: verifies the PIN
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StaffSession(Base):
    """A bearer token (stored as its SHA-256 only) valid until it expires or is revoked."""

    __tablename__ = "staff_sessions"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    restaurant_id: Mapped[str] = _restaurant_fk()
    staff_id: Mapped[str] = mapped_column(String(40), ForeignKey("staff.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class LoginThrottle(Base):
    """One budget of wrong PINs: an address's (``scope`` "source", across every restaurant)
    or a restaurant's (``scope`` "restaurant", across every address). ``failures`` counts
    the current window's; ``paused_until`` refuses every login it covers; ``pauses`` is how
    many it has had lately (staff/rules.py)."""

    __tablename__ = "login_throttle"
    __table_args__ = (CheckConstraint("scope IN ('source', 'restaurant')", name="scope"),)
    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    subject: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(default=utcnow)
    paused_until: Mapped[datetime | None] = mapped_column(default=None)
    pauses: Mapped[int] = mapped_column(Integer, default=0)


class Section(Base):
    __tablename__ = "sections"
    __table_args__ = (
        # Names are unique among the floor's live sections; a removed one keeps its name for
        # history and frees it for a new section (migration 0014).
        Index(
            "uq_sections_live_name",
            "restaurant_id",
            "name",
            unique=True,
            sqlite_where=text("archived_at IS NULL"),
            postgresql_where=text("archived_at IS NULL"),
        ),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    restaurant_id: Mapped[str] = _restaurant_fk()
    name: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(Integer, default=0)
    archived_at: Mapped[datetime | None] = mapped_column(default=None)


class DiningTable(Base):
    """A table on the floor. Whether it is occupied is derived from open checks, never stored."""

    __tablename__ = "tables"
    __table_args__ = (
        # Labels are unique among the floor's live tables; a removed (archived) table keeps
        # its label, which history still shows, and frees it for a new table (0014).
        Index(
            "uq_tables_live_label",
            "restaurant_id",
            "label",
            unique=True,
            sqlite_where=text("archived_at IS NULL"),
            postgresql_where=text("archived_at IS NULL"),
        ),
        CheckConstraint("capacity >= 1 AND capacity <= 100", name="capacity"),
        CheckConstraint("shape IN ('square', 'round', 'rect', 'booth')", name="shape"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    restaurant_id: Mapped[str] = _restaurant_fk()
    section_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("sections.id"))
    label: Mapped[str] = mapped_column(String(20))
    capacity: Mapped[int] = mapped_column(Integer)
    shape: Mapped[str] = mapped_column(String(10), default="square")
    x: Mapped[int] = mapped_column(Integer, default=0)
    y: Mapped[int] = mapped_column(Integer, default=0)
    width: Mapped[int] = mapped_column(Integer, default=2)
    height: Mapped[int] = mapped_column(Integer, default=2)
    position: Mapped[int] = mapped_column(Integer, default=0)
    archived_at: Mapped[datetime | None] = mapped_column(default=None)


class MenuCategory(Base):
    __tablename__ = "menu_categories"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    restaurant_id: Mapped[str] = _restaurant_fk()
    name: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(Integer, default=0)
    archived_at: Mapped[datetime | None] = mapped_column(default=None)


class MenuItem(Base):
    __tablename__ = "menu_items"
    __table_args__ = (
        CheckConstraint("price_cents >= 0", name="price"),
        CheckConstraint("course >= 1 AND course <= 9", name="course"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    restaurant_id: Mapped[str] = _restaurant_fk()
    category_id: Mapped[str] = mapped_column(String(40), ForeignKey("menu_categories.id"))
    name: Mapped[str] = mapped_column(String(80))
    price_cents: Mapped[int] = mapped_column(Integer)
    available: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # None: the restaurant's default rate (restaurants.tax_rate_bp).
    tax_rate_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("tax_rates.id"), default=None
    )
    station: Mapped[str] = mapped_column(String(40), default="", server_default="")  # kitchen
    course: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    description: Mapped[str] = mapped_column(String(500), default="", server_default="")
    allergens: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    archived_at: Mapped[datetime | None] = mapped_column(default=None)


class ModifierGroup(Base):
    __tablename__ = "modifier_groups"
    __table_args__ = (
        CheckConstraint("min_choices >= 0 AND max_choices >= min_choices", name="choices"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    restaurant_id: Mapped[str] = _restaurant_fk()
    menu_item_id: Mapped[str] = mapped_column(String(40), ForeignKey("menu_items.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    min_choices: Mapped[int] = mapped_column(Integer, default=0)
    max_choices: Mapped[int] = mapped_column(Integer, default=1)
    position: Mapped[int] = mapped_column(Integer, default=0)
    archived_at: Mapped[datetime | None] = mapped_column(default=None)


class ModifierOption(Base):
    __tablename__ = "modifier_options"
    __table_args__ = (CheckConstraint("price_cents >= 0", name="price"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    restaurant_id: Mapped[str] = _restaurant_fk()
    group_id: Mapped[str] = mapped_column(String(40), ForeignKey("modifier_groups.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    price_cents: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)
    archived_at: Mapped[datetime | None] = mapped_column(default=None)


class CheckNumberCounter(Base):
    """Check numbers per restaurant and business day, handed out under the row's lock."""

    __tablename__ = "check_number_counters"
    restaurant_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("restaurants.id"), primary_key=True
    )
    business_date: Mapped[date] = mapped_column(Date, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class Check(Base):
    __tablename__ = "checks"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'closed', 'void')", name="status"),
        CheckConstraint("guests >= 1 AND guests <= 100", name="guests"),
        CheckConstraint("type IN ('dine_in', 'takeout', 'online', 'kiosk')", name="type"),
        CheckConstraint("type <> 'dine_in' OR table_id IS NOT NULL", name="dine_in_has_a_table"),
        CheckConstraint(
            "service_charge_bp >= 0 AND service_charge_bp <= 10000", name="service_charge"
        ),
        # The day first: led by the restaurant, PostgreSQL took this index for checks
        # looked up by id (migration 0004).
        UniqueConstraint(
            "business_date", "restaurant_id", "number", name="uq_checks_number_per_day"
        ),
        # Invariant 1: at most one open check per table, enforced by the database.
        Index(
            "uq_checks_one_open_per_table",
            "table_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        # The floor's join: one restaurant's open checks, not its history (migration 0003).
        Index(
            "ix_checks_open_by_restaurant",
            "restaurant_id",
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        # The day report's checks closed in a day (migration 0004).
        Index("ix_checks_closed_at", "closed_at"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    restaurant_id: Mapped[str] = _restaurant_fk(index=False)
    # Takeout, online and kiosk checks have no table (migration 0005).
    table_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("tables.id"), index=True, default=None
    )
    type: Mapped[str] = mapped_column(String(10), default="dine_in", server_default="dine_in")
    business_date: Mapped[date] = mapped_column(Date)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="open")
    guests: Mapped[int] = mapped_column(Integer)
    opened_by: Mapped[str] = mapped_column(String(40), ForeignKey("staff.id"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    split_plan: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # A check merged into another is void; this names the check its lines joined (0006).
    merged_into: Mapped[str | None] = mapped_column(String(40), ForeignKey("checks.id"))
    # The restaurant's pricing when the check was opened (migration 0010): whether prices
    # include tax, and the party's service charge (0: none). Settings changed later never
    # change an open check.
    prices_include_tax: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    service_charge_bp: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Who a check without a table is for: the name a takeout is called by, and a phone
    # (migration 0012). None on a dine-in check.
    guest_name: Mapped[str | None] = mapped_column(String(80), default=None)
    guest_phone: Mapped[str | None] = mapped_column(String(32), default=None)


class CheckLine(Base):
    __tablename__ = "check_lines"
    __table_args__ = (
        CheckConstraint("seat >= 0 AND seat <= 99", name="seat"),
        CheckConstraint("quantity >= 1 AND quantity <= 100", name="quantity"),
        CheckConstraint("unit_price_cents >= 0", name="unit_price"),
        # A check's lines, and a kitchen ticket's: by the parent, the restaurant second
        # (migrations 0002 and 0004, bench/, docs/benchmarks.md).
        Index("ix_check_lines_check", "check_id", "restaurant_id"),
        Index("ix_check_lines_ticket", "ticket_id", "restaurant_id"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    restaurant_id: Mapped[str] = _restaurant_fk(index=False)
    check_id: Mapped[str] = mapped_column(String(40), ForeignKey("checks.id"))
    seat: Mapped[int] = mapped_column(Integer)
    menu_item_id: Mapped[str] = mapped_column(String(40), ForeignKey("menu_items.id"))
    name: Mapped[str] = mapped_column(String(80))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    # The tax rate it was rung at (migration 0008); written for every line rung. None only
    # on a line written without it (tests, benchmarks): the check's restaurant rate.
    tax_rate_bp: Mapped[int | None] = mapped_column(Integer, default=None)
    note: Mapped[str] = mapped_column(String(500), default="")
    ticket_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("tickets.id"))
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    voided_at: Mapped[datetime | None] = mapped_column(default=None)
    void_reason: Mapped[str | None] = mapped_column(String(200), default=None)
    voided_by: Mapped[str | None] = mapped_column(String(40), ForeignKey("staff.id"))
    # The manager whose PIN let a server void a sent line (migration 0006).
    void_approved_by: Mapped[str | None] = mapped_column(String(40), ForeignKey("staff.id"))
    created_by: Mapped[str] = mapped_column(String(40), ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    position: Mapped[int] = mapped_column(Integer, default=0)


class LineModifier(Base):
    __tablename__ = "line_modifiers"
    __table_args__ = (
        CheckConstraint("price_cents >= 0", name="price"),
        Index("ix_line_modifiers_line", "line_id", "restaurant_id"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    restaurant_id: Mapped[str] = _restaurant_fk(index=False)
    line_id: Mapped[str] = mapped_column(String(40), ForeignKey("check_lines.id"))
    option_id: Mapped[str] = mapped_column(String(40), ForeignKey("modifier_options.id"))
    name: Mapped[str] = mapped_column(String(60))
    price_cents: Mapped[int] = mapped_column(Integer)


class CheckDiscount(Base):
    __tablename__ = "check_discounts"
    __table_args__ = (
        CheckConstraint("kind IN ('amount', 'percent')", name="kind"),
        CheckConstraint("value > 0", name="value"),
        CheckConstraint("kind <> 'percent' OR value <= 10000", name="percent"),
        Index("ix_check_discounts_check", "check_id", "restaurant_id"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    restaurant_id: Mapped[str] = _restaurant_fk(index=False)
    check_id: Mapped[str] = mapped_column(String(40), ForeignKey("checks.id"))
    line_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("check_lines.id"))
    kind: Mapped[str] = mapped_column(String(10))
    value: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(40), ForeignKey("staff.id"))
    # The manager whose PIN let a server give it (migration 0006).
    approved_by: Mapped[str | None] = mapped_column(String(40), ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint("status IN ('new', 'in_progress', 'ready', 'served')", name="status"),
        Index("ix_tickets_check", "check_id", "restaurant_id"),
        # The kitchen screen's tickets still in work, not the served history.
        Index("ix_tickets_status", "status", "restaurant_id"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    restaurant_id: Mapped[str] = _restaurant_fk(index=False)
    check_id: Mapped[str] = mapped_column(String(40), ForeignKey("checks.id"))
    table_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("tables.id"))
    status: Mapped[str] = mapped_column(String(12), default="new")
    created_by: Mapped[str] = mapped_column(String(40), ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Payment(Base):
    """A payment attempt. Inserted as ``pending`` before the processor is called."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("tender IN ('card', 'cash')", name="tender"),
        CheckConstraint(
            "status IN ('pending', 'captured', 'declined', 'failed', 'voided')", name="status"
        ),
        CheckConstraint("amount_cents > 0", name="amount"),
        CheckConstraint("tip_cents >= 0", name="tip"),
        CheckConstraint("change_cents >= 0", name="change"),
        CheckConstraint(
            "refunded_cents >= 0 AND refunded_cents <= amount_cents + tip_cents", name="refunded"
        ),
        UniqueConstraint("idempotency_key", "restaurant_id", name="uq_payments_key_per_restaurant"),
        Index("ix_payments_pending", "status", "created_at"),
        Index("ix_payments_check", "check_id", "restaurant_id"),
        # The day report's captures in a day.
        Index("ix_payments_settled_at", "settled_at"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    restaurant_id: Mapped[str] = _restaurant_fk(index=False)
    check_id: Mapped[str] = mapped_column(String(40), ForeignKey("checks.id"))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    tender: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(10))
    amount_cents: Mapped[int] = mapped_column(Integer)
    tip_cents: Mapped[int] = mapped_column(Integer, default=0)
    cash_tendered_cents: Mapped[int | None] = mapped_column(Integer, default=None)
    change_cents: Mapped[int] = mapped_column(Integer, default=0)
    payment_method: Mapped[str | None] = mapped_column(String(100), default=None)
    split_part: Mapped[int | None] = mapped_column(Integer, default=None)
    processor_payment_id: Mapped[str | None] = mapped_column(String(100), default=None)
    failure_code: Mapped[str | None] = mapped_column(String(60), default=None)
    failure_message: Mapped[str | None] = mapped_column(String(300), default=None)
    refunded_cents: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(40), ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(default=None)


class Refund(Base):
    __tablename__ = "refunds"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'succeeded', 'failed')", name="status"),
        CheckConstraint("amount_cents > 0", name="amount"),
        UniqueConstraint("idempotency_key", "restaurant_id", name="uq_refunds_key_per_restaurant"),
        # The day report's refunds in a day.
        Index("ix_refunds_created_at", "created_at"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    restaurant_id: Mapped[str] = _restaurant_fk(index=False)
    payment_id: Mapped[str] = mapped_column(String(40), ForeignKey("payments.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(255))
    amount_cents: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(200), default="")
    processor_refund_id: Mapped[str | None] = mapped_column(String(100), default=None)
    failure_message: Mapped[str | None] = mapped_column(String(300), default=None)
    created_by: Mapped[str] = mapped_column(String(40), ForeignKey("staff.id"))
    # The manager whose PIN let a server make it (migration 0006).
    approved_by: Mapped[str | None] = mapped_column(String(40), ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GuestLink(Base):
    """Pay at the table: an unguessable link to one check, for its guests' phones. Only the
    token's SHA-256 is stored. The link works until ``expires_at`` while the check is open,
    and shows the closed check for a day after it closed (guests/rules.py), unless staff
    revoke it (migration 0009)."""

    __tablename__ = "guest_links"
    __table_args__ = (Index("ix_guest_links_check", "check_id", "restaurant_id"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    restaurant_id: Mapped[str] = _restaurant_fk(index=False)
    check_id: Mapped[str] = mapped_column(String(40), ForeignKey("checks.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(40), ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_by: Mapped[str | None] = mapped_column(String(40), ForeignKey("staff.id"))


class OnlineOrdering(Base):
    """A restaurant's order ahead: whether it takes orders now, and how many orders one
    15-minute pickup slot takes (migration 0013). Placing an order locks this row while
    it counts a slot's places, so a slot's last place is taken once."""

    __tablename__ = "online_ordering"
    __table_args__ = (
        CheckConstraint("slot_capacity >= 1 AND slot_capacity <= 1000", name="slot_capacity"),
    )
    restaurant_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("restaurants.id"), primary_key=True
    )
    accepting: Mapped[bool] = mapped_column(Boolean, default=True)
    slot_capacity: Mapped[int] = mapped_column(Integer, default=10)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class GuestOrder(Base):
    """An order a guest placed themselves, online or at a kiosk: who collects it, when,
    and the capability (only its SHA-256 stored) that shows them its status. Its check
    (type ``online`` or ``kiosk``, no table) holds the lines and the money; the order is
    paid when that check is closed and called off when it is void (migration 0013)."""

    __tablename__ = "guest_orders"
    __table_args__ = (
        CheckConstraint("kind IN ('online', 'kiosk')", name="kind"),
        UniqueConstraint("idempotency_key", "restaurant_id", name="uq_guest_orders_key"),
        # A slot's places: the orders that hold it.
        Index("ix_guest_orders_slot", "slot_at", "restaurant_id"),
        Index("ix_guest_orders_created_at", "created_at", "restaurant_id"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    restaurant_id: Mapped[str] = _restaurant_fk(index=False)
    check_id: Mapped[str] = mapped_column(String(40), ForeignKey("checks.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str] = mapped_column(String(40), default="")
    # When the guest collects it; for an online order also the slot it holds a place in.
    pickup_at: Mapped[datetime | None] = mapped_column(default=None)
    slot_at: Mapped[datetime | None] = mapped_column(default=None)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    kiosk_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("kiosks.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    picked_up_at: Mapped[datetime | None] = mapped_column(default=None)
    picked_up_by: Mapped[str | None] = mapped_column(String(40), ForeignKey("staff.id"))


class Kiosk(Base):
    """A restaurant tablet a manager turned into a self-order kiosk: its token (only the
    SHA-256 stored) lets it show the menu and place kiosk orders, until revoked."""

    __tablename__ = "kiosks"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    restaurant_id: Mapped[str] = _restaurant_fk()
    label: Mapped[str] = mapped_column(String(60))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(40), ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_by: Mapped[str | None] = mapped_column(String(40), ForeignKey("staff.id"))


class IdempotencyKey(Base):
    """A client's Idempotency-Key: the request's fingerprint and, once final, its response.

    ``locked_until`` is the lease of the request working on it: while it runs, a replay
    answers 409; once it lapses (the worker died or answered 504), a replay takes over.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("key", "restaurant_id", name="uq_idempotency_keys_key_per_restaurant"),
        Index("ix_idempotency_keys_created_at", "created_at"),
        # Finishing a card payment finds its key by the payment (``resource_id``).
        Index("ix_idempotency_keys_resource", "resource_id", "restaurant_id"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    restaurant_id: Mapped[str] = _restaurant_fk(index=False)
    key: Mapped[str] = mapped_column(String(255))
    operation: Mapped[str] = mapped_column(String(40))
    fingerprint: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[str | None] = mapped_column(String(40), default=None)
    response_status: Mapped[int | None] = mapped_column(Integer, default=None)
    response_body: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """Who changed what and when, written in the same transaction as the change."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    restaurant_id: Mapped[str] = _restaurant_fk()
    staff_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("staff.id"))
    action: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[str] = mapped_column(String(40))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxCounter(Base):
    """The last event sequence number handed out per restaurant.

    Taken as the transaction's last write, so its row lock is held only for the commit:
    sequence order is commit order and a rolled-back change leaves no gap.
    """

    __tablename__ = "outbox_counters"
    restaurant_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("restaurants.id"), primary_key=True
    )
    last_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)


class OutboxEvent(Base):
    __tablename__ = "outbox"
    restaurant_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("restaurants.id"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    type: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column()
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
