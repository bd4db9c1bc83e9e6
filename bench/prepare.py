"""The benchmark's data: a fresh database, migrated and seeded, plus the rows the runs need.

Everything is made through the store's own models (so it satisfies every constraint the
product relies on), in bulk where the counts are large:

- restaurant ``demo`` (the seeded one) topped up to a 200-table floor, so ``GET /floor``
  is measured on 200 tables and every terminal of the cycle run owns tables of its own;
- restaurant ``bench`` with open checks ready to be paid: one pool for the API settle run,
  one for the raw-SQL baseline (each on its own table: one open check per table).
"""

from __future__ import annotations

import os
import secrets
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from tableside.checks import rules
from tableside.core import migrate
from tableside.core import models as m
from tableside.core.database import make_engine
from tableside.core.models import new_id, utcnow
from tableside.core.unit_of_work import Database
from tableside.demo import seed_demo
from tableside.floor import service as floor_service
from tableside.floor.repository import Tables
from tableside.restaurants.repository import Restaurants
from tableside.staff.service import hash_pin, installation_key, pin_lookup

PG_ADMIN_URL = os.environ.get(
    "TABLESIDE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BENCH_SLUG = "bench"
BENCH_PIN = "1234"
BENCH_TAX_BP = 825
# What every prepared check holds: (price cents, quantity) per line.
PREPARED_LINES = [(1795, 1), (1200, 2), (850, 1)]
# Prepared checks belong to a business day of their own, so their numbers never meet a
# check opened by the API.
PREPARED_DAY = date(2000, 1, 1)
_BATCH = 2000


@dataclass
class BenchDatabase:
    kind: str  # "postgresql" or "sqlite"
    url: str  # SQLAlchemy URL
    name: str | None = None  # PostgreSQL database name
    directory: Path | None = None  # scratch space: SQLite file, emulator ledger, logs

    @property
    def conninfo(self) -> str:
        """The psycopg connection string (PostgreSQL only)."""
        return make_url(self.url).set(drivername="postgresql").render_as_string(False)

    @property
    def sqlite_path(self) -> str:
        database = make_url(self.url).database
        assert database is not None
        return database


@contextmanager
def fresh_database(kind: str) -> Iterator[BenchDatabase]:
    """A new, empty database (PostgreSQL: ``tableside_bench_<random>``), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="tableside-bench-") as scratch:
        directory = Path(scratch)
        if kind == "sqlite":
            yield BenchDatabase(kind, f"sqlite:///{directory / 'tableside.db'}", None, directory)
            return
        name = f"tableside_bench_{uuid.uuid4().hex[:8]}"
        admin = make_url(PG_ADMIN_URL)
        admin_conninfo = admin.set(drivername="postgresql").render_as_string(False)
        with psycopg.connect(admin_conninfo, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            url = admin.set(database=name).render_as_string(False)
            yield BenchDatabase(kind, url, name, directory)
        finally:
            with psycopg.connect(admin_conninfo, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class PreparedCheck:
    id: str
    amount_cents: int  # its balance: what one cash payment must bring


@dataclass
class Prepared:
    demo_restaurant_id: str
    demo_table_ids: list[str]  # the whole 200-table floor
    terminal_tables: list[list[str]]  # per terminal: the tables it alone seats
    bench_restaurant_id: str
    bench_staff_id: str
    api_checks: list[PreparedCheck] = field(default_factory=list)
    raw_checks: list[PreparedCheck] = field(default_factory=list)


def prepare(
    bench_db: BenchDatabase,
    *,
    terminals: int,
    floor_tables: int,
    api_checks: int,
    raw_checks: int,
) -> Prepared:
    engine = make_engine(bench_db.url)
    try:
        migrate.upgrade(engine)
        db = Database(engine)
        seed_demo(db)
        demo_id, table_ids = _floor(db, floor_tables)
        seeded = 16  # the demo floor's own tables stay free for people trying things
        own = table_ids[seeded:] if len(table_ids) - seeded >= terminals else table_ids
        if len(own) < terminals:
            raise SystemExit(f"{floor_tables} tables cannot give {terminals} terminals one each")
        terminal_tables = [own[i::terminals] for i in range(terminals)]
        bench_id, staff_id, item_id = _bench_restaurant(db)
        amount = _prepared_total()
        prepared = Prepared(demo_id, table_ids, terminal_tables, bench_id, staff_id)
        prepared.api_checks = _open_checks(db, bench_id, staff_id, item_id, api_checks, amount)
        prepared.raw_checks = _open_checks(
            db, bench_id, staff_id, None, raw_checks, amount, first_number=api_checks + 1
        )
        if bench_db.kind == "postgresql":
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        return prepared
    finally:
        engine.dispose()


def _floor(db: Database, wanted: int) -> tuple[str, list[str]]:
    """Top restaurant ``demo`` up to ``wanted`` tables; every table's id, in floor order."""
    with db.unit() as uow:
        restaurant = Restaurants.of(uow).by_slug("demo")
        assert restaurant is not None
        uow.scope_to(restaurant.id)
        table_ids = [table.id for table in floor_service.plan(uow).tables]
        sections = Tables.of(uow).sections()
        start = len(table_ids)
        for i in range(start, wanted):
            table = m.DiningTable(
                id=new_id("tbl"),
                restaurant_id=restaurant.id,
                section_id=sections[i % len(sections)][0],
                label=f"B{i + 1}",
                capacity=4,
                shape="square",
                x=(i % 20) * 3,
                y=20 + (i // 20) * 3,
                width=2,
                height=2,
                position=i,
            )
            uow.session.add(table)
            table_ids.append(table.id)
        uow.commit()
        return restaurant.id, table_ids


def _bench_restaurant(db: Database) -> tuple[str, str, str]:
    """Restaurant ``bench``: one server (PIN 1234), one menu item. Ids of all three."""
    with db.unit() as uow:
        restaurant = m.Restaurant(
            id=new_id("rst"),
            slug=BENCH_SLUG,
            name="Bench Brasserie",
            currency="USD",
            tax_rate_bp=BENCH_TAX_BP,
            timezone="America/New_York",
            created_at=utcnow(),
        )
        uow.session.add(restaurant)
        uow.session.flush()
        uow.scope_to(restaurant.id)
        staff = m.Staff(
            id=new_id("stf"),
            restaurant_id=restaurant.id,
            name="Bench Server",
            role="server",
            pin_lookup=pin_lookup(installation_key(uow), restaurant.id, BENCH_PIN),
            pin_hash=hash_pin(BENCH_PIN),
            active=True,
            created_at=utcnow(),
        )
        category = m.MenuCategory(id=new_id("cat"), restaurant_id=restaurant.id, name="Mains")
        uow.session.add_all([staff, category])
        uow.session.flush()
        item = m.MenuItem(
            id=new_id("itm"),
            restaurant_id=restaurant.id,
            category_id=category.id,
            name="Bistro burger",
            price_cents=1795,
            available=True,
        )
        uow.session.add(item)
        uow.commit()
        return restaurant.id, staff.id, item.id


def _prepared_total() -> int:
    lines = [
        rules.LineAmount(id=str(i), seat=1, quantity=q, unit_price_cents=p, modifiers_cents=0)
        for i, (p, q) in enumerate(PREPARED_LINES)
    ]
    return rules.compute_totals(lines, [], BENCH_TAX_BP).balance_cents


def _open_checks(
    db: Database,
    restaurant_id: str,
    staff_id: str,
    item_id: str | None,
    count: int,
    amount_cents: int,
    *,
    first_number: int = 1,
) -> list[PreparedCheck]:
    """``count`` open checks, each on a table of its own; with the lines of
    ``PREPARED_LINES`` when ``item_id`` is given (the API computes the balance from them),
    without lines otherwise (the raw baseline's SQL never reads them)."""
    now = utcnow()
    prepared: list[PreparedCheck] = []
    tag = secrets.token_hex(3)
    with db.unit(restaurant_id, staff_id) as uow:
        for start in range(0, count, _BATCH):
            size = min(_BATCH, count - start)
            tables: list[dict[str, Any]] = []
            checks: list[dict[str, Any]] = []
            lines: list[dict[str, Any]] = []
            for i in range(start, start + size):
                table_id, check_id = new_id("tbl"), new_id("chk")
                tables.append(
                    {
                        "id": table_id,
                        "restaurant_id": restaurant_id,
                        "section_id": None,
                        "label": f"P{tag}-{i}",
                        "capacity": 4,
                        "shape": "square",
                        "x": 0,
                        "y": 0,
                        "width": 2,
                        "height": 2,
                        "position": i,
                    }
                )
                checks.append(
                    {
                        "id": check_id,
                        "restaurant_id": restaurant_id,
                        "table_id": table_id,
                        "business_date": PREPARED_DAY,
                        "number": first_number + i,
                        "status": "open",
                        "guests": 2,
                        "opened_by": staff_id,
                        "opened_at": now,
                        "closed_at": None,
                        "split_plan": None,
                        "version": 1,
                    }
                )
                if item_id is not None:
                    lines.extend(
                        {
                            "id": new_id("ln"),
                            "restaurant_id": restaurant_id,
                            "check_id": check_id,
                            "seat": 1,
                            "menu_item_id": item_id,
                            "name": "Bistro burger",
                            "quantity": quantity,
                            "unit_price_cents": price,
                            "note": "",
                            "ticket_id": None,
                            "sent_at": now,
                            "voided_at": None,
                            "void_reason": None,
                            "voided_by": None,
                            "created_by": staff_id,
                            "created_at": now,
                            "position": position,
                        }
                        for position, (price, quantity) in enumerate(PREPARED_LINES, start=1)
                    )
                prepared.append(PreparedCheck(check_id, amount_cents))
            uow.session.execute(insert(m.DiningTable), tables)
            uow.session.execute(insert(m.Check), checks)
            if lines:
                uow.session.execute(insert(m.CheckLine), lines)
        uow.commit()
    return prepared
