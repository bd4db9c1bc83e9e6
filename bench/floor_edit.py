"""A floor edit during service: a manager moves a seated table on the plan while ``--open``
checks are open, on the 200-table floor of ``floor_read.py``, then every terminal reads the
floor again (``floor.updated``).

Each edit is what ``PATCH /api/v1/floor/tables/{id}`` runs, in this process (the token
checked in the unit, the floor plan locked, the table's row locked, every live table read
for overlaps, the change audited and announced, the answer's table read from the floor, the
commit); the read after it is ``GET /api/v1/floor``'s use case. Prints the wall time and this
process's CPU per edit and per read after it.

    .venv/bin/python bench/floor_edit.py [--db postgresql|sqlite] [--edits 200] [--open 40]

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from typing import Any

from floor_read import _session, busy_floor

from tableside.core.access import act_as
from tableside.floor import editor
from tableside.floor import service as floor
from tableside.floor.schemas import TableChange

# Two free places on the plan's grid, away from the demo floor and the bench's extra tables.
SPOTS = [(20, 2), (26, 2)]


def _ms(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {
        "p50": round(statistics.median(times), 3),
        "p99": round(times[max(int(len(times) * 0.99) - 1, 0)], 3),
        "mean": round(statistics.fmean(times), 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--open", type=int, default=40, help="seated tables")
    args = parser.parse_args()
    with busy_floor(args.db, args.open) as busy:
        prepared, db, server = busy.prepared, busy.db, busy.server
        demo = prepared.demo_restaurant_id
        manager = _session(db, demo, "manager")
        busy.analyze()
        with db.reader() as uow:
            act_as(uow, server)
            seated = [t for t in floor.plan(uow).tables if t.check_id and t.x < 16 and t.y < 16]
        table = seated[0]

        def edit(i: int) -> None:
            x, y = SPOTS[i % 2]
            with db.unit() as uow:
                who = act_as(uow, manager)
                editor.change_table(uow, who, table.id, TableChange(x=x, y=y))
                uow.commit()

        def read() -> None:
            with db.reader() as uow:
                act_as(uow, server)
                floor.plan(uow)

        for i in range(20):  # prepared statements, pool and caches warm
            edit(i)
            read()
        edits, reads = [], []
        edit_cpu = read_cpu = 0.0
        for i in range(args.edits):
            cpu, start = time.process_time(), time.perf_counter()
            edit(i)
            edits.append((time.perf_counter() - start) * 1000)
            edit_cpu += time.process_time() - cpu
            cpu, start = time.process_time(), time.perf_counter()
            read()
            reads.append((time.perf_counter() - start) * 1000)
            read_cpu += time.process_time() - cpu
        result: dict[str, Any] = {
            "db": args.db,
            "tables": len(prepared.demo_table_ids),
            "open_checks": args.open,
            "edits": args.edits,
            "moved_table_seated": table.check_id is not None,
            "ms_per_edit": _ms(edits),
            "ms_per_floor_read_after": _ms(reads),
            "server_cpu_ms_per_edit": round(edit_cpu * 1000 / args.edits, 3),
            "server_cpu_ms_per_read_after": round(read_cpu * 1000 / args.edits, 3),
        }
        db.engine.dispose()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
