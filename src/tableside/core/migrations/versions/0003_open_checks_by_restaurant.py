"""the open checks of one restaurant, found without its history or other restaurants'

The floor joins every table of a restaurant to its open check. Without a restaurant on
the checks' side, PostgreSQL hashed every open check of every restaurant in the database
(28 000 in the bench, 14 ms a floor); scoped to the restaurant, an index on all of its
checks would still walk its closed history. This partial index holds only open checks.
Found by bench/ (docs/benchmarks.md).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 13:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_checks_open_by_restaurant",
        "checks",
        ["restaurant_id"],
        unique=False,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )


def downgrade() -> None:
    op.drop_index("ix_checks_open_by_restaurant", table_name="checks")
