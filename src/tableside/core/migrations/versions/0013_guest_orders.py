"""order ahead and kiosks: guest orders, kiosks, the restaurant's online ordering

``online_ordering``: per restaurant, whether it takes online orders now and how many orders
one 15-minute pickup slot takes (its row is the lock a slot's places are counted under).
``guest_orders``: an order a guest placed online or at a kiosk, one per check of type
``online``/``kiosk``; the token that shows its status is stored only as its SHA-256.
``kiosks``: tablets a manager enabled as self-order kiosks (token stored as its SHA-256).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-09 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tableside.core.models import UTCDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "online_ordering",
        sa.Column("restaurant_id", sa.String(length=40), nullable=False),
        sa.Column("accepting", sa.Boolean(), nullable=False),
        sa.Column("slot_capacity", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "slot_capacity >= 1 AND slot_capacity <= 1000",
            name=op.f("ck_online_ordering_slot_capacity"),
        ),
        sa.ForeignKeyConstraint(
            ["restaurant_id"],
            ["restaurants.id"],
            name=op.f("fk_online_ordering_restaurant_id_restaurants"),
        ),
        sa.PrimaryKeyConstraint("restaurant_id", name=op.f("pk_online_ordering")),
    )
    op.create_table(
        "kiosks",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("restaurant_id", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=60), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["restaurant_id"], ["restaurants.id"], name=op.f("fk_kiosks_restaurant_id_restaurants")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["staff.id"], name=op.f("fk_kiosks_created_by_staff")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by"], ["staff.id"], name=op.f("fk_kiosks_revoked_by_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiosks")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_kiosks_token_hash")),
    )
    op.create_index(op.f("ix_kiosks_restaurant_id"), "kiosks", ["restaurant_id"])
    op.create_table(
        "guest_orders",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("restaurant_id", sa.String(length=40), nullable=False),
        sa.Column("check_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("pickup_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("slot_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("kiosk_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("picked_up_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("picked_up_by", sa.String(length=40), nullable=True),
        sa.CheckConstraint("kind IN ('online', 'kiosk')", name=op.f("ck_guest_orders_kind")),
        sa.ForeignKeyConstraint(
            ["restaurant_id"],
            ["restaurants.id"],
            name=op.f("fk_guest_orders_restaurant_id_restaurants"),
        ),
        sa.ForeignKeyConstraint(
            ["check_id"], ["checks.id"], name=op.f("fk_guest_orders_check_id_checks")
        ),
        sa.ForeignKeyConstraint(
            ["kiosk_id"], ["kiosks.id"], name=op.f("fk_guest_orders_kiosk_id_kiosks")
        ),
        sa.ForeignKeyConstraint(
            ["picked_up_by"], ["staff.id"], name=op.f("fk_guest_orders_picked_up_by_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guest_orders")),
        sa.UniqueConstraint("check_id", name=op.f("uq_guest_orders_check_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_guest_orders_token_hash")),
        sa.UniqueConstraint("idempotency_key", "restaurant_id", name="uq_guest_orders_key"),
    )
    op.create_index("ix_guest_orders_slot", "guest_orders", ["slot_at", "restaurant_id"])
    op.create_index("ix_guest_orders_created_at", "guest_orders", ["created_at", "restaurant_id"])


def downgrade() -> None:
    op.drop_index("ix_guest_orders_created_at", table_name="guest_orders")
    op.drop_index("ix_guest_orders_slot", table_name="guest_orders")
    op.drop_table("guest_orders")
    op.drop_index(op.f("ix_kiosks_restaurant_id"), table_name="kiosks")
    op.drop_table("kiosks")
    op.drop_table("online_ordering")
