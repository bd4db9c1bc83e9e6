"""who approved a server's void, discount or refund; where a merged check went

A server may void a sent line, give a discount or comp, or refund a payment when a manager
approves on the spot with their PIN; the manager is recorded on the row next to the
server who asked (``check_lines.void_approved_by``, ``check_discounts.approved_by``,
``refunds.approved_by``). A check merged into another names it (``checks.merged_into``),
so the merged-away check's screen can say where the party's check went.

Every new column is nullable and empty for existing rows. SQLite adds a column with its
reference in place (``ADD COLUMN … REFERENCES``), without rebuilding the table;
PostgreSQL adds the column and its named foreign key.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, referred table)
NEW = [
    ("check_lines", "void_approved_by", "staff"),
    ("check_discounts", "approved_by", "staff"),
    ("refunds", "approved_by", "staff"),
    ("checks", "merged_into", "checks"),
]
# The checks' partial indexes, which a rebuild of the table on SQLite would lose (0005).
OPEN = "status = 'open'"
PARTIAL = [
    ("uq_checks_one_open_per_table", ["table_id"], True),
    ("ix_checks_open_by_restaurant", ["restaurant_id"], False),
]


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column, referred in NEW:
        if sqlite:
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN {column} VARCHAR(40) REFERENCES {referred} (id)"
            )
            continue
        op.add_column(table, sa.Column(column, sa.String(length=40), nullable=True))
        op.create_foreign_key(
            op.f(f"fk_{table}_{column}_{referred}"), table, referred, [column], ["id"]
        )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column, referred in reversed(NEW):
        if sqlite:
            # SQLite drops a column that a reference constrains only by a rebuild.
            partial = PARTIAL if table == "checks" else []
            for name, _, _ in partial:
                op.drop_index(name, table_name=table)
            with op.batch_alter_table(table) as batch:
                batch.drop_column(column)
            for name, columns, unique in partial:
                op.create_index(name, table, columns, unique=unique, sqlite_where=sa.text(OPEN))
            continue
        op.drop_constraint(op.f(f"fk_{table}_{column}_{referred}"), table, type_="foreignkey")
        op.drop_column(table, column)
