"""the tables that grow with a restaurant's history are indexed by parent, not restaurant

Every query is scoped to the restaurant, so its id is in every WHERE clause. On the
tables that grow with each check (checks, lines, modifiers, discounts, tickets,
payments, idempotency keys), an index led by ``restaurant_id`` gave the planner a wrong
road: when its statistics made a restaurant look small (a restaurant that is new in a
shared database, until the next ANALYZE), PostgreSQL read a check's lines, modifiers or
payments, and locked a check, through that index, and walked every row the restaurant
ever had. In the bench, a restaurant that grew after its ANALYZE spent 10-50 ms of
PostgreSQL's CPU on one check's modifiers. These tables are now indexed by the row's
parent first (check, line, ticket, payment) and the restaurant second: a check's rows
are found by the check whatever the statistics say, and still scoped by the restaurant.
The unique constraints that began with the restaurant (a check's number in its day,
idempotency keys) put it second for the same reason; PostgreSQL took
``uq_checks_number_per_day`` over the primary key to lock a check. SQLite keeps their
column order: changing a constraint there rebuilds the table, and its planner takes a
unique lookup by id first anyway. The day report's scans by time get indexes of their
own. Found by bench/ (docs/benchmarks.md).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 18:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (name, table, columns)
NEW = [
    ("ix_checks_closed_at", "checks", ["closed_at"]),
    ("ix_check_lines_check", "check_lines", ["check_id", "restaurant_id"]),
    ("ix_check_lines_ticket", "check_lines", ["ticket_id", "restaurant_id"]),
    ("ix_line_modifiers_line", "line_modifiers", ["line_id", "restaurant_id"]),
    ("ix_check_discounts_check", "check_discounts", ["check_id", "restaurant_id"]),
    ("ix_tickets_check", "tickets", ["check_id", "restaurant_id"]),
    ("ix_tickets_status", "tickets", ["status", "restaurant_id"]),
    ("ix_payments_check", "payments", ["check_id", "restaurant_id"]),
    ("ix_payments_settled_at", "payments", ["settled_at"]),
    ("ix_refunds_created_at", "refunds", ["created_at"]),
    ("ix_idempotency_keys_resource", "idempotency_keys", ["resource_id", "restaurant_id"]),
]
OLD = [
    ("ix_checks_restaurant_id", "checks", ["restaurant_id"]),
    ("ix_check_lines_restaurant_id", "check_lines", ["restaurant_id"]),
    ("ix_check_lines_check_id", "check_lines", ["check_id"]),
    ("ix_check_lines_restaurant_check", "check_lines", ["restaurant_id", "check_id"]),
    ("ix_line_modifiers_restaurant_id", "line_modifiers", ["restaurant_id"]),
    ("ix_line_modifiers_line_id", "line_modifiers", ["line_id"]),
    ("ix_line_modifiers_restaurant_line", "line_modifiers", ["restaurant_id", "line_id"]),
    ("ix_check_discounts_restaurant_id", "check_discounts", ["restaurant_id"]),
    ("ix_check_discounts_check_id", "check_discounts", ["check_id"]),
    ("ix_check_discounts_restaurant_check", "check_discounts", ["restaurant_id", "check_id"]),
    ("ix_tickets_restaurant_id", "tickets", ["restaurant_id"]),
    ("ix_tickets_check_id", "tickets", ["check_id"]),
    ("ix_payments_restaurant_id", "payments", ["restaurant_id"]),
    ("ix_payments_check_id", "payments", ["check_id"]),
    ("ix_payments_restaurant_check", "payments", ["restaurant_id", "check_id"]),
    ("ix_refunds_restaurant_id", "refunds", ["restaurant_id"]),
    ("ix_idempotency_keys_restaurant_id", "idempotency_keys", ["restaurant_id"]),
    (
        "ix_idempotency_keys_restaurant_resource",
        "idempotency_keys",
        ["restaurant_id", "resource_id"],
    ),
]

# (name, table, columns before, columns after): PostgreSQL only, see above.
UNIQUE = [
    (
        "uq_checks_number_per_day",
        "checks",
        ["restaurant_id", "business_date", "number"],
        ["business_date", "restaurant_id", "number"],
    ),
    (
        "uq_payments_key_per_restaurant",
        "payments",
        ["restaurant_id", "idempotency_key"],
        ["idempotency_key", "restaurant_id"],
    ),
    (
        "uq_refunds_key_per_restaurant",
        "refunds",
        ["restaurant_id", "idempotency_key"],
        ["idempotency_key", "restaurant_id"],
    ),
    (
        "uq_idempotency_keys_key_per_restaurant",
        "idempotency_keys",
        ["restaurant_id", "key"],
        ["key", "restaurant_id"],
    ),
]


def _reorder_unique(after: bool) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, before_columns, after_columns in UNIQUE:
        op.drop_constraint(name, table, type_="unique")
        op.create_unique_constraint(name, table, after_columns if after else before_columns)


def _swap(create: list[tuple[str, str, list[str]]], drop: list[tuple[str, str, list[str]]]) -> None:
    for name, table, columns in create:
        op.create_index(name, table, columns, unique=False)
    for name, table, _ in drop:
        op.drop_index(name, table_name=table)


def upgrade() -> None:
    _swap(NEW, OLD)
    _reorder_unique(after=True)


def downgrade() -> None:
    _reorder_unique(after=False)
    _swap(OLD, NEW)
