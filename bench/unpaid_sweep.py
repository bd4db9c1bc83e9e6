"""The recovery loop's sweep for guests' orders nobody paid for (``guests.orders.
call_off_abandoned``), which every server process runs every 2 s.

On the 200-table floor with ``--open`` tables seated (floor_read.busy_floor), ``--held``
online orders are held and waiting for their payment (fresh: not to be called off). It
measures a pass that finds nothing, the steady cost every process pays every pass, then one
pass that calls off ``--abandoned`` orders aged past the 2 minutes.

    .venv/bin/python bench/unpaid_sweep.py [--db postgresql|sqlite] [--passes 300]
        [--open 40] [--held 20] [--abandoned 10]

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import timedelta
from typing import Any

from floor_read import busy_floor
from kitchen_read import _measure
from sqlalchemy import select
from sqlalchemy.orm import Session

from tableside.checks.rules import CheckType
from tableside.core import models as m
from tableside.core.unit_of_work import Database
from tableside.guests import orders
from tableside.guests.repository import Orders
from tableside.guests.rules import UNPAID_HOLD
from tableside.guests.schemas import OrderItem


def _hold(db: Database, restaurant_id: str, how_many: int) -> list[str]:
    """Orders held as placing one does before its payment; their checks' ids."""
    held = []
    for n in range(how_many):
        with db.unit(restaurant_id) as uow:
            ipa = uow.session.scalars(
                select(m.MenuItem.id).where(
                    m.MenuItem.restaurant_id == restaurant_id, m.MenuItem.name == "Draft IPA"
                )
            ).one()
            order = orders.NewOrder(
                kind=CheckType.ONLINE,
                items=[OrderItem(menu_item_id=ipa, quantity=1 + n % 3)],
                name=f"Guest {n}",
                payment_method="pm_card_visa",
            )
            held.append(orders.hold(uow, f"bench-{restaurant_id}-{n}-{time.time_ns()}", order))
            uow.commit()
    return [h.check_id for h in held]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--passes", type=int, default=300)
    parser.add_argument("--open", type=int, default=40, help="seated tables")
    parser.add_argument("--held", type=int, default=20, help="orders waiting for payment")
    parser.add_argument("--abandoned", type=int, default=10, help="orders nobody paid for")
    args = parser.parse_args()
    with busy_floor(args.db, args.open) as busy:
        db, demo = busy.db, busy.prepared.demo_restaurant_id
        # Slots of 10 places: spread the held orders over enough of them.
        with db.unit(demo) as uow:
            Orders.of(uow).settings(lock=True).slot_capacity = 1000
            uow.commit()
        _hold(db, demo, args.held)
        busy.analyze()
        result: dict[str, Any] = {
            "db": args.db,
            "open_tables": args.open,
            "held_orders": args.held,
            "pass_finding_nothing": _measure(
                busy.bench_db.kind, args.passes, lambda: orders.call_off_abandoned(db)
            ),
        }
        abandoned = _hold(db, demo, args.abandoned)
        with Session(db.engine) as session:
            for check in session.scalars(select(m.Check).where(m.Check.id.in_(abandoned))):
                check.opened_at -= UNPAID_HOLD + timedelta(minutes=1)
            session.commit()
        cpu, start = time.process_time(), time.perf_counter()
        called_off = orders.call_off_abandoned(db)
        result["pass_calling_off"] = {
            "called_off": called_off,
            "wall_ms": round((time.perf_counter() - start) * 1000, 1),
            "server_cpu_ms": round((time.process_time() - cpu) * 1000, 1),
        }
        db.engine.dispose()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
