"""The owner's data export (``GET /api/v1/restaurant/export``, docs/export.md) of a restaurant
with a long history, as the route streams it.

A fresh database holds a restaurant with a 60-item menu, 40 tables, 8 staff and
``--checks`` closed checks of 4–8 lines each (a modifier on every third line, a discount on
every tenth check), each paid by one captured payment and audited three times; and a second
restaurant with a tenth of that, which the export must not read. Each run streams the whole
document in-process (the route's own generator, one read-only unit) and parses it. It
prints the time per export, the document's size, the statements sent, this process's CPU
and how much its peak memory grew (the export is written a page of checks at a time, so
it should not grow with the history).

    .venv/bin/python bench/export.py [--db postgresql|sqlite] [--checks 2000] [--runs 5]

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import time
from datetime import timedelta
from typing import Any

from prepare import fresh_database
from sqlalchemy import event, insert

from tableside.core import migrate
from tableside.core import models as m
from tableside.core.database import make_engine
from tableside.core.models import new_id, utcnow
from tableside.core.unit_of_work import Database
from tableside.reports import export


def restaurant_with_history(db: Database, n: int, checks: int) -> str:
    """A restaurant and ``checks`` closed checks, written with bulk inserts."""
    rng = random.Random(n)
    now = utcnow()
    rid = new_id("rst")
    rows: dict[type[m.Base], list[dict[str, Any]]] = {}

    def add(model: type[m.Base], **values: Any) -> dict[str, Any]:
        row = {"restaurant_id": rid, **values}
        rows.setdefault(model, []).append(row)
        return row

    staff = [
        add(m.Staff, id=new_id("stf"), name=f"Staff {i}", role="server" if i else "owner",
            pin_lookup=new_id("pin"), pin_hash="-", failed_pin_attempts=0, active=True,
            created_at=now)
        for i in range(8)
    ]  # fmt: skip
    category = add(m.MenuCategory, id=new_id("cat"), name="Mains", position=0)
    items = [
        add(m.MenuItem, id=new_id("itm"), category_id=category["id"], name=f"Dish {i}",
            price_cents=900 + 50 * i, available=True, position=i)
        for i in range(60)
    ]  # fmt: skip
    group = add(m.ModifierGroup, id=new_id("mg"), menu_item_id=items[0]["id"], name="Side",
                min_choices=0, max_choices=1, position=0)  # fmt: skip
    option = add(m.ModifierOption, id=new_id("mo"), group_id=group["id"], name="Fries",
                 price_cents=300, position=0)  # fmt: skip
    tables = [
        add(m.DiningTable, id=new_id("tbl"), label=f"T{i}", capacity=4, position=i)
        for i in range(40)
    ]
    for c in range(checks):
        opened = now - timedelta(days=checks // 100 + 1) + timedelta(minutes=c)
        check = add(m.Check, id=new_id("chk"), table_id=tables[c % 40]["id"], type="dine_in",
                    business_date=opened.date(), number=c + 1, status="closed",
                    guests=2, opened_by=staff[1 + c % 7]["id"], opened_at=opened,
                    closed_at=opened + timedelta(minutes=50), version=3)  # fmt: skip
        total = 0
        for p in range(rng.randint(4, 8)):
            item = rng.choice(items)
            line = add(m.CheckLine, id=new_id("ln"), check_id=check["id"], seat=1 + p % 2,
                       menu_item_id=item["id"], name=item["name"], quantity=1,
                       unit_price_cents=item["price_cents"], tax_rate_bp=825, note="",
                       created_by=check["opened_by"], created_at=opened, position=p,
                       sent_at=opened)  # fmt: skip
            total += item["price_cents"]
            if p % 3 == 0:
                add(m.LineModifier, id=new_id("lm"), line_id=line["id"], option_id=option["id"],
                    name="Fries", price_cents=300)  # fmt: skip
                total += 300
        if c % 10 == 0:
            add(m.CheckDiscount, id=new_id("dc"), check_id=check["id"], line_id=None,
                kind="percent", value=1000, reason="regulars", created_by=staff[0]["id"],
                created_at=opened)  # fmt: skip
        add(m.Payment, id=new_id("pay"), check_id=check["id"], idempotency_key=new_id("key"),
            tender="card", status="captured", amount_cents=total, tip_cents=total // 5,
            change_cents=0, payment_method="pm_card_visa", processor_payment_id=new_id("pi"),
            refunded_cents=0, created_by=check["opened_by"], created_at=opened,
            settled_at=check["closed_at"])  # fmt: skip
        for action in ("table.seated", "line.added", "payment.captured"):
            add(m.AuditEntry, staff_id=check["opened_by"], action=action, entity_type="check",
                entity_id=check["id"], details={"check_id": check["id"]}, at=opened)  # fmt: skip
    with db.unit() as uow:
        uow.session.add(m.Restaurant(id=rid, slug=f"bench-export-{n}", name=f"Bench {n}",
                                     currency="USD", tax_rate_bp=825, timezone="UTC",
                                     created_at=now))  # fmt: skip
        uow.session.flush()
        connection = uow.session.connection()
        for model, values in rows.items():  # in dependency order (dicts keep insertion order)
            for start in range(0, len(values), 1000):
                connection.execute(insert(model), values[start : start + 1000])
        uow.commit()
    return rid


def measure(db: Database, restaurant_id: str, runs: int) -> dict[str, Any]:
    statements = [0]

    def count(*_: Any) -> None:
        statements[0] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    times, cpu, sizes, counts = [], [], [], []
    checks = 0
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        for _ in range(runs):
            statements[0] = 0
            start, started = time.perf_counter(), time.process_time()
            size = 0
            pieces = []
            for piece in export.stream(db, restaurant_id):
                size += len(piece)
                pieces.append(piece)
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - started) * 1000)
            sizes.append(size)
            counts.append(statements[0])
            checks = len(json.loads(b"".join(pieces))["checks"])
            del pieces
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    times.sort()
    return {
        "ms": {"p50": round(statistics.median(times), 1), "min": round(times[0], 1)},
        "cpu_ms_p50": round(statistics.median(cpu), 1),
        "bytes": sizes[0],
        "checks_exported": checks,
        "statements": max(counts),
        # ru_maxrss is in KiB on Linux; the bench keeps the pieces to parse them, so this
        # includes the document itself.
        "peak_rss_growth_mb": round(
            (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024, 1
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--checks", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with fresh_database(args.db) as bench_db:
        engine = make_engine(bench_db.url)
        migrate.upgrade(engine)
        db = Database(engine)
        restaurant = restaurant_with_history(db, 0, args.checks)
        restaurant_with_history(db, 1, args.checks // 10)  # a neighbour never exported
        for _ in export.stream(db, restaurant):  # statements compiled, pool warm
            pass
        result = measure(db, restaurant, args.runs)
        engine.dispose()
    assert result["checks_exported"] == args.checks, result
    print(json.dumps({"db": args.db, "checks": args.checks, "runs": args.runs, **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
