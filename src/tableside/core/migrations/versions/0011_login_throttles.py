"""login throttles that charge the guesser, never the person guessed

A wrong PIN no longer counts against the staff member whose tile was tapped (anyone who
knew a staff id could lock a manager out at will): it counts against the address it came
from (across every restaurant of the installation; an unknown restaurant code counts the
same) and against the restaurant's budget of wrong PINs (across every address). Each row of
``login_throttle`` is one budget: ``scope`` ``source`` (``subject``: an address) or
``restaurant`` (``subject``: a restaurant id), the wrong PINs of its current window, the
pause it is in, and how many pauses it has had lately (each one twice as long as the last).
The rows are transient (only the last hour matters), so the old table is replaced, not
converted; the staff columns of the per-person lockout go.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-10 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tableside.core.models import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table("login_throttle")
    op.create_table(
        "login_throttle",
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("paused_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("pauses", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "scope IN ('source', 'restaurant')", name=op.f("ck_login_throttle_scope")
        ),
        sa.PrimaryKeyConstraint("scope", "subject", name=op.f("pk_login_throttle")),
    )
    with op.batch_alter_table("staff") as batch:
        batch.drop_constraint(op.f("ck_staff_failed_attempts"), type_="check")
        batch.drop_column("failed_pin_attempts")
        batch.drop_column("locked_until")


def downgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(
            sa.Column("failed_pin_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("locked_until", UTCDateTime(timezone=True), nullable=True))
        batch.create_check_constraint(op.f("ck_staff_failed_attempts"), "failed_pin_attempts >= 0")
    op.drop_table("login_throttle")
    op.create_table(
        "login_throttle",
        sa.Column("restaurant_id", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["restaurant_id"],
            ["restaurants.id"],
            name=op.f("fk_login_throttle_restaurant_id_restaurants"),
        ),
        sa.PrimaryKeyConstraint("restaurant_id", "source", name=op.f("pk_login_throttle")),
    )
