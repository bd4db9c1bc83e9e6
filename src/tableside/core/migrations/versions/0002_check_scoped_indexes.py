"""indexes on (restaurant, check) for the reads every check view makes

Every query is scoped to a restaurant, so the lookups of a check's lines, modifiers,
discounts and payments filter on ``restaurant_id`` and the check (or line). With only
single-column indexes SQLite chose the restaurant's index and walked every row the
restaurant ever had; the idempotency key of a payment was found the same way on both
databases. Found by bench/ (docs/benchmarks.md).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 10:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = [
    ("ix_check_lines_restaurant_check", "check_lines", ["restaurant_id", "check_id"]),
    ("ix_line_modifiers_restaurant_line", "line_modifiers", ["restaurant_id", "line_id"]),
    ("ix_check_discounts_restaurant_check", "check_discounts", ["restaurant_id", "check_id"]),
    ("ix_payments_restaurant_check", "payments", ["restaurant_id", "check_id"]),
    (
        "ix_idempotency_keys_restaurant_resource",
        "idempotency_keys",
        ["restaurant_id", "resource_id"],
    ),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
