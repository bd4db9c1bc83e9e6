"""a check need not have a table: takeout, online and kiosk checks have none

``checks.table_id`` and ``tickets.table_id`` become nullable, and a check gets a ``type``
(``dine_in``, ``takeout``, ``online``, ``kiosk``; existing checks are ``dine_in``). A dine-in
check always has a table. At most one open check per table still holds: the partial unique
index on ``table_id`` ignores checks without one (NULLs are distinct).

On SQLite, changing a column's nullability rebuilds the table; the partial indexes are
created again afterwards with their predicates.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TYPES = "type IN ('dine_in', 'takeout', 'online', 'kiosk')"
DINE_IN_HAS_A_TABLE = "type <> 'dine_in' OR table_id IS NOT NULL"
OPEN = "status = 'open'"
PARTIAL = [
    ("uq_checks_one_open_per_table", ["table_id"], True),
    ("ix_checks_open_by_restaurant", ["restaurant_id"], False),
]


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for name, _, _ in PARTIAL:
            op.drop_index(name, table_name="checks")
    with op.batch_alter_table("checks") as batch:
        batch.add_column(
            sa.Column("type", sa.String(length=10), nullable=False, server_default="dine_in")
        )
        batch.alter_column("table_id", existing_type=sa.String(length=40), nullable=True)
        batch.create_check_constraint(op.f("ck_checks_type"), TYPES)
        batch.create_check_constraint(op.f("ck_checks_dine_in_has_a_table"), DINE_IN_HAS_A_TABLE)
    if sqlite:
        _create_partial_indexes()
    with op.batch_alter_table("tickets") as batch:
        batch.alter_column("table_id", existing_type=sa.String(length=40), nullable=True)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("tickets") as batch:
        batch.alter_column("table_id", existing_type=sa.String(length=40), nullable=False)
    if sqlite:
        for name, _, _ in PARTIAL:
            op.drop_index(name, table_name="checks")
    with op.batch_alter_table("checks") as batch:
        batch.drop_constraint(op.f("ck_checks_dine_in_has_a_table"), type_="check")
        batch.drop_constraint(op.f("ck_checks_type"), type_="check")
        batch.alter_column("table_id", existing_type=sa.String(length=40), nullable=False)
        batch.drop_column("type")
    if sqlite:
        _create_partial_indexes()


def _create_partial_indexes() -> None:
    for name, columns, unique in PARTIAL:
        op.create_index(
            name,
            "checks",
            columns,
            unique=unique,
            sqlite_where=sa.text(OPEN),
            postgresql_where=sa.text(OPEN),
        )
