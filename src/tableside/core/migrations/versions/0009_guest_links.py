"""pay at the table: guest links

``guest_links``: an unguessable link to one check, for its guests' phones (a QR code on the
check screen). Only the token's SHA-256 is stored (``token_hash``, unique: the token alone
finds its restaurant and check). ``expires_at`` ends the link while its check is open; once
the check closes the link shows it for a day more; ``revoked_at`` ends it at once.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tableside.core.models import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "guest_links",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("restaurant_id", sa.String(length=40), nullable=False),
        sa.Column("check_id", sa.String(length=40), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["restaurant_id"],
            ["restaurants.id"],
            name=op.f("fk_guest_links_restaurant_id_restaurants"),
        ),
        sa.ForeignKeyConstraint(
            ["check_id"], ["checks.id"], name=op.f("fk_guest_links_check_id_checks")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["staff.id"], name=op.f("fk_guest_links_created_by_staff")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by"], ["staff.id"], name=op.f("fk_guest_links_revoked_by_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guest_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_guest_links_token_hash")),
    )
    op.create_index("ix_guest_links_check", "guest_links", ["check_id", "restaurant_id"])


def downgrade() -> None:
    op.drop_index("ix_guest_links_check", table_name="guest_links")
    op.drop_table("guest_links")
