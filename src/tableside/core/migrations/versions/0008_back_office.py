"""what an owner sets up: an owner role, named tax rates, restaurant settings, and menu and
floor fields the back office edits

- ``staff.role`` may be ``owner`` (everything a manager may do, plus settings, staff roles
  and the restaurant's data export).
- ``tax_rates``: a restaurant's named rates in basis points (food 10 %, alcohol 20 %); a
  menu item names one (``menu_items.tax_rate_id``; none: the restaurant's default
  ``restaurants.tax_rate_bp``). A rung line keeps the rate it was rung at
  (``check_lines.tax_rate_bp``; existing lines get their restaurant's rate, which is what
  their totals were computed with, so changing a rate later never changes them).
- ``restaurants``: prices with or without tax, tip presets, an automatic service charge for
  large parties, receipt header and footer.
- Menu items: kitchen station, default course, description, allergens. Categories, items,
  modifier groups and options, sections and tables can be archived (``archived_at``): an
  archived row leaves the menu or the floor, and every check, ticket and report that used
  it still shows it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tableside.core.models import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ARCHIVABLE = [
    "menu_categories",
    "menu_items",
    "modifier_groups",
    "modifier_options",
    "sections",
    "tables",
]


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.drop_constraint(op.f("ck_staff_role"), type_="check")
        batch.create_check_constraint(
            op.f("ck_staff_role"), "role IN ('owner', 'manager', 'server', 'kitchen')"
        )

    op.create_table(
        "tax_rates",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("restaurant_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("archived_at", UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("rate_bp >= 0 AND rate_bp <= 10000", name=op.f("ck_tax_rates_rate")),
        sa.ForeignKeyConstraint(
            ["restaurant_id"],
            ["restaurants.id"],
            name=op.f("fk_tax_rates_restaurant_id_restaurants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tax_rates")),
    )
    op.create_index(op.f("ix_tax_rates_restaurant_id"), "tax_rates", ["restaurant_id"])

    with op.batch_alter_table("restaurants") as batch:
        batch.add_column(
            sa.Column("prices_include_tax", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column(
                "tip_presets_bp", sa.JSON(), nullable=False, server_default="[1500, 1800, 2000]"
            )
        )
        batch.add_column(
            sa.Column("service_charge_bp", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("service_charge_min_guests", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("receipt_header", sa.String(length=500), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("receipt_footer", sa.String(length=500), nullable=False, server_default="")
        )
        batch.create_check_constraint(
            op.f("ck_restaurants_service_charge"),
            "service_charge_bp >= 0 AND service_charge_bp <= 10000",
        )

    with op.batch_alter_table("menu_items") as batch:
        batch.add_column(sa.Column("tax_rate_id", sa.String(length=40), nullable=True))
        batch.add_column(
            sa.Column("station", sa.String(length=40), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("course", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(
            sa.Column("description", sa.String(length=500), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("allergens", sa.JSON(), nullable=False, server_default="[]"))
        batch.create_foreign_key(
            op.f("fk_menu_items_tax_rate_id_tax_rates"), "tax_rates", ["tax_rate_id"], ["id"]
        )
        batch.create_check_constraint(op.f("ck_menu_items_course"), "course >= 1 AND course <= 9")

    for table in ARCHIVABLE:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("archived_at", UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table("check_lines") as batch:
        batch.add_column(sa.Column("tax_rate_bp", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE check_lines SET tax_rate_bp = (SELECT r.tax_rate_bp FROM restaurants r"
        " WHERE r.id = check_lines.restaurant_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("check_lines") as batch:
        batch.drop_column("tax_rate_bp")
    for table in ARCHIVABLE:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("archived_at")
    with op.batch_alter_table("menu_items") as batch:
        batch.drop_constraint(op.f("ck_menu_items_course"), type_="check")
        batch.drop_constraint(op.f("fk_menu_items_tax_rate_id_tax_rates"), type_="foreignkey")
        for column in ("allergens", "description", "course", "station", "tax_rate_id"):
            batch.drop_column(column)
    with op.batch_alter_table("restaurants") as batch:
        batch.drop_constraint(op.f("ck_restaurants_service_charge"), type_="check")
        for column in (
            "receipt_footer",
            "receipt_header",
            "service_charge_min_guests",
            "service_charge_bp",
            "tip_presets_bp",
            "prices_include_tax",
        ):
            batch.drop_column(column)
    op.drop_index(op.f("ix_tax_rates_restaurant_id"), table_name="tax_rates")
    op.drop_table("tax_rates")
    with op.batch_alter_table("staff") as batch:
        batch.drop_constraint(op.f("ck_staff_role"), type_="check")
        batch.create_check_constraint(
            op.f("ck_staff_role"), "role IN ('server', 'manager', 'kitchen')"
        )
