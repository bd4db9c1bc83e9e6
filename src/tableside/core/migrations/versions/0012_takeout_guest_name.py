"""a check's guest: the name (and phone) a takeout, online or kiosk order goes by

``checks.guest_name`` is what the kitchen's ticket and the floor's list of checks without a
table show instead of a table (the name staff typed for a takeout); ``checks.guest_phone``
is how to reach that guest. Both are empty for a dine-in check. Plain added columns: no
table is rebuilt, on SQLite either.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("checks", sa.Column("guest_name", sa.String(length=80), nullable=True))
    op.add_column("checks", sa.Column("guest_phone", sa.String(length=32), nullable=True))


def downgrade() -> None:
    op.drop_column("checks", "guest_phone")
    op.drop_column("checks", "guest_name")
