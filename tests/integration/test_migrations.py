"""Upgrading keeps what a restaurant already has: checks rung before an upgrade stay as they
were, on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import MetaData, create_engine, insert, select
from sqlalchemy.exc import IntegrityError

from tableside.core import migrate
from tableside.core.database import make_engine


def test_checks_rung_before_checks_could_lack_a_table_are_dine_in_at_their_table(
    empty_database_url: str,
) -> None:
    engine = create_engine(empty_database_url)
    migrate.upgrade(engine, "0004")
    now = datetime(2026, 12, 5, 19, 30, tzinfo=UTC)
    schema = MetaData()
    schema.reflect(engine)
    t = schema.tables
    with engine.begin() as connection:
        connection.execute(
            insert(t["restaurants"]),
            {
                "id": "rst_1",
                "slug": "lou",
                "name": "Chez Lou",
                "currency": "EUR",
                "tax_rate_bp": 1000,
                "timezone": "Europe/Paris",
                "created_at": now,
            },
        )
        connection.execute(
            insert(t["staff"]),
            {
                "id": "stf_1",
                "restaurant_id": "rst_1",
                "name": "Lou",
                "role": "manager",
                "pin_lookup": "x",
                "pin_hash": "x",
                "failed_pin_attempts": 0,
                "active": True,
                "created_at": now,
            },
        )
        connection.execute(
            insert(t["tables"]),
            {
                "id": "tbl_1",
                "restaurant_id": "rst_1",
                "label": "T1",
                "capacity": 4,
                "shape": "square",
                "x": 0,
                "y": 0,
                "width": 1,
                "height": 1,
                "position": 1,
            },
        )
        for number, status in [(1, "closed"), (2, "open")]:
            connection.execute(
                insert(t["checks"]),
                {
                    "id": f"chk_{number}",
                    "restaurant_id": "rst_1",
                    "table_id": "tbl_1",
                    "business_date": date(2026, 12, 5),
                    "number": number,
                    "status": status,
                    "guests": 2,
                    "opened_by": "stf_1",
                    "opened_at": now,
                    "version": 1,
                },
            )

    migrate.upgrade(engine)

    schema = MetaData()
    schema.reflect(engine)
    checks = schema.tables["checks"]
    with engine.begin() as connection:
        rows = connection.execute(
            select(checks.c.id, checks.c.table_id, checks.c.type, checks.c.status).order_by(
                checks.c.id
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("chk_1", "tbl_1", "dine_in", "closed"),
        ("chk_2", "tbl_1", "dine_in", "open"),
    ]
    takeout = {
        "restaurant_id": "rst_1",
        "table_id": None,
        "business_date": date(2026, 12, 5),
        "status": "open",
        "guests": 1,
        "opened_by": "stf_1",
        "opened_at": now,
        "version": 1,
    }
    with engine.begin() as connection:
        # Any number of open checks without a table; still one open check per table.
        for number in (3, 4):
            connection.execute(
                insert(checks),
                takeout | {"id": f"chk_{number}", "number": number, "type": "takeout"},
            )
    for clash in (
        {"id": "chk_5", "number": 5, "type": "dine_in", "table_id": "tbl_1"},  # T1 is taken
        {"id": "chk_6", "number": 6, "type": "dine_in"},  # dine in, but no table
    ):
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(insert(checks), takeout | clash)
    engine.dispose()


def test_tables_made_before_the_floor_editor_get_a_place_of_their_own_on_the_grid(
    empty_database_url: str,
) -> None:
    """0014 on a floor whose tables all sat at 0, 0 (and a seated one): each gets free cells,
    in floor order; labels stay unique among live tables only; the product's own engine
    (foreign keys enforced on SQLite) upgrades a database with rows in it."""
    engine = make_engine(empty_database_url)
    migrate.upgrade(engine, "0009")
    now = datetime(2026, 12, 8, 19, 30, tzinfo=UTC)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO restaurants (id, slug, name, currency, tax_rate_bp, timezone,"
            " created_at) VALUES ('rst_1', 'lou', 'Chez Lou', 'EUR', 1000, 'Europe/Paris',"
            f" '{now.isoformat()}')"
        )
        connection.exec_driver_sql(
            "INSERT INTO sections (id, restaurant_id, name, position) VALUES"
            " ('sec_a', 'rst_1', 'Room', 0), ('sec_b', 'rst_1', 'Bar', 0)"
        )
        for i in range(4):
            connection.exec_driver_sql(
                "INSERT INTO tables (id, restaurant_id, section_id, label, capacity, shape, x, y,"
                f" width, height, position) VALUES ('tbl_{i}', 'rst_1',"
                f" '{'sec_a' if i % 2 else 'sec_b'}', 'T{i}', 4, 'square', 0, 0, 2, 2, {i})"
            )
    migrate.upgrade(engine)
    with engine.connect() as connection:
        placed = connection.exec_driver_sql("SELECT label, x, y FROM tables ORDER BY label").all()
        sections = connection.exec_driver_sql(
            "SELECT name, position FROM sections ORDER BY position"
        ).all()
    # Bar (T0, T2) before Room (T1, T3): sections in (position, name) order.
    assert [tuple(row) for row in placed] == [
        ("T0", 0, 0),
        ("T1", 4, 0),
        ("T2", 2, 0),
        ("T3", 6, 0),
    ]
    assert [tuple(row) for row in sections] == [("Bar", 0), ("Room", 1)]
    with engine.begin() as connection:
        connection.exec_driver_sql(
            f"UPDATE tables SET archived_at = '{now.isoformat()}' WHERE id = 'tbl_0'"
        )
        connection.exec_driver_sql(
            "INSERT INTO tables (id, restaurant_id, label, capacity, shape, x, y, width, height,"
            " position) VALUES ('tbl_new', 'rst_1', 'T0', 2, 'round', 10, 10, 1, 1, 9)"
        )
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO tables (id, restaurant_id, label, capacity, shape, x, y, width, height,"
            " position) VALUES ('tbl_dup', 'rst_1', 'T1', 2, 'round', 12, 12, 1, 1, 9)"
        )
    engine.dispose()
