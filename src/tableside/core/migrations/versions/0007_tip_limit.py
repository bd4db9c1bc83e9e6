"""a restaurant's tip limit: the most a tip may be, as a share of the amount it tips on

A server took a $998,990 tip on a $1 payment, and the card processor charged it. A tip
above ``max_tip_bp`` (basis points of the payment's amount; 10000 = 100 %, the default) is
refused unless a manager approves it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("restaurants") as batch:
        batch.add_column(
            sa.Column("max_tip_bp", sa.Integer(), nullable=False, server_default="10000")
        )
        batch.create_check_constraint(
            op.f("ck_restaurants_max_tip"), "max_tip_bp >= 0 AND max_tip_bp <= 100000"
        )


def downgrade() -> None:
    with op.batch_alter_table("restaurants") as batch:
        batch.drop_constraint(op.f("ck_restaurants_max_tip"), type_="check")
        batch.drop_column("max_tip_bp")
