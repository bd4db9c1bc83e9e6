"""The kitchen display's read (what ``GET /api/v1/tickets`` runs), every type and one type,
during service; and the floor read with takeout checks beside the tables.

Every kitchen screen reads its tickets on every ticket event, so its cost is paid many
times over; a to-go station asks only for its types (``?type=takeout``), which joins each
ticket to its check. On a fresh database whose demo floor is topped up to 200 tables,
``--open`` tables are seated and fired as in ``floor_read.py`` and ``--takeout`` takeout
checks (no table, a guest's name) are rung with 2–4 lines and fired. Each read runs N times
in this process, as an API request runs it (the token checked inside a read-only unit).
It prints, per read, the wall time and this process's CPU and, on PostgreSQL, the round
trips (counted at the driver).

    .venv/bin/python bench/kitchen_read.py [--db postgresql|sqlite] [--reads 300] \
        [--open 40] [--takeout 10]

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from floor_read import RoundTrips, busy_floor

from tableside.checks import service as checks
from tableside.checks.rules import CheckType
from tableside.core.access import act_as
from tableside.core.unit_of_work import Database
from tableside.floor import service as floor
from tableside.kitchen import service as kitchen
from tableside.menu import service as menu
from tableside.staff.dependencies import Token


def _takeouts(db: Database, server: Token, how_many: int, rng: random.Random) -> None:
    """Open ``how_many`` takeout checks, ring 2–4 lines on each and fire them."""
    with db.reader() as uow:
        act_as(uow, server)
        items = [i for i in menu.menu(uow).items if i.available]
    for n in range(how_many):
        with db.unit() as uow:
            who = act_as(uow, server)
            check_id = checks.open_without_table(
                uow, who, CheckType.TAKEOUT, guest_name=f"Guest {n}"
            ).id
            uow.commit()
        for _ in range(rng.randint(2, 4)):
            item = rng.choice(items)
            options = tuple(g.options[0].id for g in item.modifier_groups if g.min > 0)
            with db.unit() as uow:
                line = checks.NewLine(item.id, 1, 1, options, "")
                checks.add_line(uow, act_as(uow, server), check_id, line)
                uow.commit()
        with db.unit() as uow:
            kitchen.send(uow, act_as(uow, server), check_id)
            uow.commit()


def _measure(kind: str, reads: int, read: Callable[[], Any]) -> dict[str, Any]:
    for _ in range(30):  # prepared statements, pool and caches warm
        read()
    times = []
    cpu = time.process_time()
    for _ in range(reads):
        start = time.perf_counter()
        read()
        times.append((time.perf_counter() - start) * 1000)
    cpu = time.process_time() - cpu
    times.sort()
    figures: dict[str, Any] = {
        "p50_ms": round(statistics.median(times), 3),
        "p99_ms": round(times[int(len(times) * 0.99) - 1], 3),
        # This process's CPU (the server's share; PostgreSQL's is apart): steady under a
        # loaded machine, where the times above are not.
        "server_cpu_ms": round(cpu * 1000 / reads, 3),
    }
    if kind == "postgresql":
        trips = RoundTrips()
        with trips.counting():
            for _ in range(50):
                read()
        figures["round_trips"] = trips.count / 50
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--reads", type=int, default=300)
    parser.add_argument("--open", type=int, default=40, help="seated tables, fired")
    parser.add_argument("--takeout", type=int, default=10, help="takeout checks, fired")
    args = parser.parse_args()
    with busy_floor(args.db, args.open) as busy:
        bench_db, db = busy.bench_db, busy.db
        server, chef = busy.server, busy.chef
        _takeouts(db, server, args.takeout, busy.rng)
        busy.analyze()

        def tickets(*types: CheckType) -> Callable[[], Any]:
            def read() -> Any:
                with db.reader() as uow:
                    act_as(uow, chef)
                    return kitchen.tickets(uow, types=types)

            return read

        def plan() -> Any:
            with db.reader() as uow:
                act_as(uow, server)
                return floor.plan(uow)

        shown = {
            "all": len(tickets()()),
            "takeout": len(tickets(CheckType.TAKEOUT)()),
        }
        result: dict[str, Any] = {
            "db": args.db,
            "open_tables": args.open,
            "takeout_checks": args.takeout,
            "reads": args.reads,
            "tickets_shown": shown,
            "kitchen_all_types": _measure(bench_db.kind, args.reads, tickets()),
            "kitchen_takeout_only": _measure(bench_db.kind, args.reads, tickets(CheckType.TAKEOUT)),
            "floor_with_takeouts": _measure(bench_db.kind, args.reads, plan),
        }
        db.engine.dispose()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
