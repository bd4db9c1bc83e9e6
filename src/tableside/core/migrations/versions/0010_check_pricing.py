"""a check keeps the pricing it was opened with

``checks.prices_include_tax`` and ``checks.service_charge_bp``: whether the restaurant's
prices included tax when the check was opened, and the service charge its party carries
(0: none). Settings an owner changes later never change a check already open, and history
never changes. Existing checks were all rung with tax added and no service charge (the
settings had no effect before this), which is what the defaults say.

SQLite adds each column in place (``ADD COLUMN … DEFAULT … CHECK``), without rebuilding
the checks table (which would lose its partial indexes), and drops them in place on the way
down; PostgreSQL adds the columns and a named check constraint.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RANGE = "service_charge_bp >= 0 AND service_charge_bp <= 10000"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE checks ADD COLUMN prices_include_tax BOOLEAN NOT NULL DEFAULT 0")
        op.execute(
            "ALTER TABLE checks ADD COLUMN service_charge_bp INTEGER NOT NULL DEFAULT 0"
            f" CONSTRAINT ck_checks_service_charge CHECK ({RANGE})"
        )
        return
    op.add_column(
        "checks",
        sa.Column("prices_include_tax", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "checks", sa.Column("service_charge_bp", sa.Integer(), nullable=False, server_default="0")
    )
    op.create_check_constraint(op.f("ck_checks_service_charge"), "checks", RANGE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # In place (SQLite 3.35+): the range check belongs to its column and goes with it.
        op.execute("ALTER TABLE checks DROP COLUMN service_charge_bp")
        op.execute("ALTER TABLE checks DROP COLUMN prices_include_tax")
        return
    op.drop_constraint(op.f("ck_checks_service_charge"), "checks", type_="check")
    op.drop_column("checks", "service_charge_bp")
    op.drop_column("checks", "prices_include_tax")
