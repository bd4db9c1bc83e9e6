"""The staff's orders screen (what ``GET /api/v1/orders`` runs) late on a busy day.

On the 200-table floor with ``--open`` tables seated (floor_read.busy_floor), ``--orders``
online orders are placed and paid by card through the one settlement against the
card-processor emulator (a subprocess), each fired to the kitchen by its capture; a third
of them are then bumped ready and a third picked up. ``--served`` dine-in checks before
that were fired, served and paid: the day's history the screen must not read. It reads
the screen N times in this process, as the request runs it, and prints the wall time,
this process's CPU per read and, on PostgreSQL, the round trips per read.

    .venv/bin/python bench/staff_orders.py [--db postgresql|sqlite] [--reads 200]
        [--open 40] [--orders 60] [--served 60]

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

from floor_read import _service, busy_floor
from kitchen_read import _measure
from processes import start_emulator
from sqlalchemy import select

from tableside.checks import service as checks
from tableside.checks.rules import CheckType
from tableside.core import models as m
from tableside.core.access import act_as
from tableside.core.unit_of_work import Database
from tableside.floor import service as floor
from tableside.guests import orders
from tableside.guests.schemas import OrderItem
from tableside.kitchen import service as kitchen
from tableside.kitchen.rules import TicketStatus
from tableside.payments.rules import Tender
from tableside.payments.settlement import PaymentRequest, Settlement
from tableside.staff.dependencies import Token


def _place_paid_orders(db: Database, settlement: Settlement, restaurant_id: str, n: int) -> None:
    with db.reader(restaurant_id) as uow:
        items = list(
            uow.session.scalars(
                select(m.MenuItem.id).where(
                    m.MenuItem.restaurant_id == restaurant_id,
                    m.MenuItem.name.in_(["Draft IPA", "Truffle fries", "Espresso"]),
                )
            )
        )
    for i in range(n):
        key = uuid.uuid4().hex
        new = orders.NewOrder(
            kind=CheckType.ONLINE,
            items=[OrderItem(menu_item_id=items[i % len(items)], quantity=1 + i % 3)],
            name=f"Guest {i}",
            phone="+1 555 0100",
            payment_method="pm_card_visa",
        )
        with db.unit(restaurant_id) as uow:
            held = orders.hold(uow, key, new)
            uow.commit()
        payment = PaymentRequest(Tender.CARD, held.total_cents, 0, payment_method="pm_card_visa")
        answer = settlement.pay(
            orders.OrderPass(restaurant_id, CheckType.ONLINE),
            held.check_id,
            orders.settlement_key(key),
            payment,
        )
        assert answer.status_code == 201, answer.body


def _work_the_orders(db: Database, chef: Token, server: Token, restaurant_id: str) -> None:
    """The kitchen bumps two thirds of the online tickets ready; staff hand half of those over."""
    with db.reader(restaurant_id) as uow:
        tickets = kitchen.tickets(uow, types=[CheckType.ONLINE])
    for n, ticket in enumerate(tickets):
        if n % 3 == 0:
            continue
        with db.unit(restaurant_id) as uow:
            kitchen.move_ticket(uow, act_as(uow, chef), ticket.id, TicketStatus.READY)
            uow.commit()
    with db.reader(restaurant_id) as uow:
        ready = [o for o in orders.staff_orders(uow).orders if o.status == "ready"]
    for order in ready[::2]:
        with db.unit(restaurant_id) as uow:
            orders.pick_up(uow, act_as(uow, server), order.id)
            uow.commit()


def _serve_and_pay_the_floor(busy: Any, how_many: int) -> None:
    """The first seatings of the day: fired, served and paid in cash (history)."""
    db, server, chef, app = busy.db, busy.server, busy.chef, busy.app
    with db.reader() as uow:
        act_as(uow, server)
        free = [t.id for t in floor.plan(uow).tables if t.status == "available"][:how_many]
    _service(app, server, chef, free, busy.rng)
    with db.reader() as uow:
        act_as(uow, server)
        seated = [t.check_id for t in floor.plan(uow).tables if t.id in set(free)]
    walk = [TicketStatus.NEW, TicketStatus.IN_PROGRESS, TicketStatus.READY, TicketStatus.SERVED]
    for check_id in seated:
        assert check_id is not None
        with db.reader() as uow:
            act_as(uow, chef)
            fired = kitchen.tickets(uow, check_id=check_id)
        for ticket in fired:
            for status in walk[walk.index(TicketStatus(ticket.status)) + 1 :]:
                with db.unit() as uow:
                    kitchen.move_ticket(uow, act_as(uow, chef), ticket.id, status)
                    uow.commit()
        with db.reader() as uow:
            act_as(uow, server)
            balance = checks.get_check(uow, check_id).balance_cents
        paid = app.state.settlement.pay(
            server,
            check_id,
            uuid.uuid4().hex,
            PaymentRequest(Tender.CASH, balance, 0, cash_tendered_cents=balance),
        )
        assert paid.status_code == 201, paid.body


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument("--open", type=int, default=40, help="seated tables")
    parser.add_argument("--orders", type=int, default=60, help="online orders paid today")
    parser.add_argument("--served", type=int, default=60, help="dine-in checks served and paid")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        emulator = start_emulator(Path(directory))
        try:
            with busy_floor(args.db, args.open, emulator.url) as busy:
                db, demo = busy.db, busy.prepared.demo_restaurant_id
                _serve_and_pay_the_floor(busy, args.served)
                _place_paid_orders(db, busy.app.state.settlement, demo, args.orders)
                _work_the_orders(db, busy.chef, busy.server, demo)
                busy.analyze()

                def read() -> Any:
                    with db.reader() as uow:
                        act_as(uow, busy.server)
                        return orders.staff_orders(uow)

                shown = read().orders
                result = {
                    "db": args.db,
                    "open_tables": args.open,
                    "served_checks": args.served,
                    "orders_shown": len(shown),
                    "by_status": {
                        s: sum(o.status == s for o in shown) for s in {o.status for o in shown}
                    },
                    "orders_screen": _measure(busy.bench_db.kind, args.reads, read),
                }
                db.engine.dispose()
        finally:
            emulator.stop()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
