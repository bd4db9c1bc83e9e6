"""the floor editor and staff management: live labels, and a plan every table has a place on

- ``tables``: a label is unique among the restaurant's live tables (a partial unique index
  on ``archived_at IS NULL`` replaces the constraint over every table): a removed table
  keeps its label, which its checks and reports still show, and the label is free for a new
  table. ``sections``: the same for section names.
- Every live table gets a place of its own on the plan's grid (floor/rules.py: 40 columns
  by 30 rows, a table 1 to 8 cells each way): a table that lies off the grid or on top of
  an earlier one (tables made before the floor editor all sat at 0, 0) is put on the first
  free place, reading the grid row by row, in floor order (section, then table). Sections
  are numbered 0, 1, 2… in their floor order.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# floor/rules.py's grid, as it was when this migration was written.
COLUMNS, ROWS, SMALLEST, LARGEST = 40, 30, 2, 8

LIVE = sa.text("archived_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("tables") as batch:
        batch.drop_constraint("uq_tables_label_per_restaurant", type_="unique")
    op.create_index(
        "uq_tables_live_label",
        "tables",
        ["restaurant_id", "label"],
        unique=True,
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )
    with op.batch_alter_table("sections") as batch:
        batch.drop_constraint("uq_sections_name_per_restaurant", type_="unique")
    op.create_index(
        "uq_sections_live_name",
        "sections",
        ["restaurant_id", "name"],
        unique=True,
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )
    _number_sections()
    _place_tables()


def _number_sections() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, restaurant_id FROM sections ORDER BY restaurant_id, position, name")
    ).all()
    numbered: dict[str, int] = {}
    for section_id, restaurant_id in rows:
        position = numbered.get(restaurant_id, 0)
        numbered[restaurant_id] = position + 1
        bind.execute(
            sa.text("UPDATE sections SET position = :p WHERE id = :id"),
            {"p": position, "id": section_id},
        )


def _overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def _place_tables() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT t.id, t.restaurant_id, t.x, t.y, t.width, t.height FROM tables t"
            " LEFT JOIN sections s ON s.id = t.section_id"
            " WHERE t.archived_at IS NULL"
            " ORDER BY t.restaurant_id, s.position, t.position, t.label"
        )
    ).all()
    placed: dict[str, list[tuple[int, int, int, int]]] = {}
    for table_id, restaurant_id, x, y, width, height in rows:
        taken = placed.setdefault(restaurant_id, [])
        w, h = min(max(width, SMALLEST), LARGEST), min(max(height, SMALLEST), LARGEST)
        spot = (x, y, w, h)
        fits = 0 <= x <= COLUMNS - w and 0 <= y <= ROWS - h
        if not fits or any(_overlaps(spot, other) for other in taken):
            free = (
                (fx, fy, w, h)
                for fy in range(ROWS - h + 1)
                for fx in range(COLUMNS - w + 1)
                if not any(_overlaps((fx, fy, w, h), other) for other in taken)
            )
            spot = next(free, (0, 0, w, h))  # a full grid: left where it was
        taken.append(spot)
        if spot != (x, y, width, height):
            bind.execute(
                sa.text("UPDATE tables SET x = :x, y = :y, width = :w, height = :h WHERE id = :id"),
                {"x": spot[0], "y": spot[1], "w": spot[2], "h": spot[3], "id": table_id},
            )


def downgrade() -> None:
    op.drop_index("uq_sections_live_name", table_name="sections")
    with op.batch_alter_table("sections") as batch:
        batch.create_unique_constraint("uq_sections_name_per_restaurant", ["restaurant_id", "name"])
    op.drop_index("uq_tables_live_label", table_name="tables")
    with op.batch_alter_table("tables") as batch:
        batch.create_unique_constraint("uq_tables_label_per_restaurant", ["restaurant_id", "label"])
