"""Importing a 150-item menu file (docs/menu.md), as ``POST /api/v1/menu/import`` runs it.

Each run imports the same CSV — 150 items over six categories, every tenth with a
temperature and add-ons (30 groups, 75 options; 225 rows) — into a restaurant of its own
with nothing on its menu yet, in one unit of work as a manager (read and check every row,
match the menu, insert in one batch per table, audit every row, announce once, commit).
Then it imports the same file again into each of those restaurants: everything matches and
nothing changes. It prints the time per import and the statements each sends through
SQLAlchemy (on PostgreSQL the commit's pipeline of audit rows, event and COMMIT comes on
top, one round trip), and this process's CPU per import.

    .venv/bin/python bench/menu_import.py [--db postgresql|sqlite] [--runs 20] [--items 150]

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import statistics
import sys
import time
from typing import Any

from prepare import fresh_database
from sqlalchemy import event, func, select

from tableside.core import migrate
from tableside.core import models as m
from tableside.core.access import Principal, Role, act_as
from tableside.core.database import make_engine
from tableside.core.models import new_id, utcnow
from tableside.core.unit_of_work import Database
from tableside.menu import service as menu

CATEGORIES = ["Starters", "Salads", "Mains", "Burgers", "Desserts", "Drinks"]
COLUMNS = [
    "category", "item", "price_cents", "tax_rate", "station", "course", "allergens",
    "modifier_group", "min", "max", "option", "option_price_cents",
]  # fmt: skip


def spreadsheet(items: int) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS)
    writer.writeheader()
    for n in range(items):
        category, name = CATEGORIES[n % len(CATEGORIES)], f"Dish {n:03d}"
        writer.writerow(
            {
                "category": category,
                "item": name,
                "price_cents": 500 + 25 * n,
                "tax_rate": "Alcohol" if category == "Drinks" else "Food",
                "station": "bar" if category == "Drinks" else "kitchen",
                "course": 1 if category == "Starters" else 2,
                "allergens": "gluten; dairy" if n % 3 == 0 else "",
            }
        )
        if n % 10 == 0:
            base = {"category": category, "item": name}
            for option in ("Rare", "Medium", "Well done"):
                row = {"modifier_group": "Temperature", "min": 1, "max": 1, "option": option}
                writer.writerow({**base, **row})
            for option, price in (("Bacon", 150), ("Cheese", 100)):
                row = {"modifier_group": "Add-ons", "min": 0, "max": 2, "option": option}
                writer.writerow({**base, **row, "option_price_cents": price})
    return out.getvalue().encode()


def new_restaurant(db: Database, n: int) -> Principal:
    """A restaurant with a manager, two tax rates and no menu (no PIN: the bench measures
    the import, not a login)."""
    with db.unit() as uow:
        restaurant = m.Restaurant(
            id=new_id("rst"),
            slug=f"bench-menu-{n}",
            name=f"Bench {n}",
            currency="USD",
            tax_rate_bp=825,
            timezone="UTC",
            created_at=utcnow(),
        )
        uow.session.add(restaurant)
        uow.session.flush()
        manager = m.Staff(
            id=new_id("stf"),
            restaurant_id=restaurant.id,
            name="Bench Manager",
            role="manager",
            pin_lookup=new_id("pin"),
            pin_hash="-",
            active=True,
            created_at=utcnow(),
        )
        uow.session.add(manager)
        for i, (name, rate) in enumerate([("Food", 1000), ("Alcohol", 2000)]):
            uow.session.add(
                m.TaxRate(
                    id=new_id("tax"),
                    restaurant_id=restaurant.id,
                    name=name,
                    rate_bp=rate,
                    position=i,
                )
            )
        uow.session.flush()
        uow.commit()
    return Principal(restaurant.id, manager.id, Role.MANAGER, "Bench Manager")


def import_once(db: Database, who: Principal, raw: bytes) -> dict[str, Any]:
    with db.unit() as uow:
        act_as(uow, who)
        result = menu.import_menu(uow, who, raw, "csv", "merge")
        uow.commit()
    return result.model_dump()


def measure(db: Database, runs: list[Any]) -> dict[str, Any]:
    statements = [0]

    def count(*_: Any) -> None:
        statements[0] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    times, cpu, counts = [], [], []
    try:
        for run in runs:
            statements[0] = 0
            start, started = time.perf_counter(), time.process_time()
            run()
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - started) * 1000)
            counts.append(statements[0])
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    times.sort()
    return {
        "ms": {
            "p50": round(statistics.median(times), 1),
            "p95": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
            "min": round(times[0], 1),
        },
        # This process's CPU (PostgreSQL's is apart): steadier than the times on a busy
        # machine.
        "cpu_ms_p50": round(statistics.median(cpu), 1),
        "statements": max(counts),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--items", type=int, default=150)
    args = parser.parse_args()
    raw = spreadsheet(args.items)
    with fresh_database(args.db) as bench_db:
        engine = make_engine(bench_db.url)
        migrate.upgrade(engine)
        db = Database(engine)
        warm = new_restaurant(db, -1)
        import_once(db, warm, raw)  # statements compiled, pool warm
        staff = [new_restaurant(db, n) for n in range(args.runs)]
        results: list[dict[str, Any]] = []
        first = measure(
            db, [lambda who=who: results.append(import_once(db, who, raw)) for who in staff]
        )
        with db.reader() as uow:
            audit = uow.session.scalar(
                select(func.count()).where(m.AuditEntry.restaurant_id == staff[0].restaurant_id)
            )
        again = measure(db, [lambda who=who: import_once(db, who, raw) for who in staff])
        engine.dispose()
    summary = {
        "db": args.db,
        "items": args.items,
        "rows": results[0]["rows"],
        "created": results[0]["created"],
        "runs": args.runs,
        "first_import": first,
        "same_file_again": again,
        "audit_rows_per_import": audit,
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
