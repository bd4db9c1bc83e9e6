"""The floor read (what ``GET /api/v1/floor`` runs) on a 200-table floor during service.

Every terminal reads the floor, so its cost is paid many times over. This serves it N
times in this process, as an API request runs it (the token checked inside a read-only
unit, then ``floor.floor``), on a fresh database whose demo floor is topped up to 200
tables with ``--open`` of them seated through the services (4–8 lines over the seats with
the modifiers they need, fired; a third of them with food up, a quarter part paid). It
prints the wall time and this process's CPU per read and, on PostgreSQL, the round trips
per read (counted at the driver) and, with ``strace``, the socket calls (round_trips.py;
a pipeline's answers may come in more than one read).

    .venv/bin/python bench/floor_read.py [--db postgresql|sqlite] [--reads 500] [--open 40]

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import shutil
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import psycopg
from prepare import fresh_database, prepare
from round_trips import traced
from sqlalchemy import select

from tableside.app import create_app
from tableside.checks import service as checks
from tableside.config import Settings
from tableside.core import models as m
from tableside.core.access import act_as
from tableside.core.models import new_id, utcnow
from tableside.core.unit_of_work import Database
from tableside.floor import service as floor
from tableside.kitchen import service as kitchen
from tableside.kitchen.rules import TicketStatus
from tableside.menu import service as menu
from tableside.payments.rules import Tender
from tableside.payments.settlement import PaymentRequest
from tableside.staff import service as auth
from tableside.staff.dependencies import Token


class RoundTrips:
    """Counts the waits for PostgreSQL's answer: each statement sent on its own, each
    pipeline (however many statements it carries), each COMMIT or ROLLBACK. Exact where
    the socket's reads are not (a pipeline's answers may arrive in several reads)."""

    def __init__(self) -> None:
        self.count = 0
        self._depth = 0

    @contextmanager
    def counting(self) -> Iterator[None]:
        counter = self
        execute, pipeline = psycopg.Cursor.execute, psycopg.Connection.pipeline
        commit, rollback = psycopg.Connection.commit, psycopg.Connection.rollback

        def counted_execute(cursor: Any, *args: Any, **kwargs: Any) -> Any:
            if counter._depth == 0:
                counter.count += 1
            return execute(cursor, *args, **kwargs)

        @contextmanager
        def counted_pipeline(connection: Any) -> Iterator[Any]:
            if counter._depth == 0:
                counter.count += 1
            counter._depth += 1
            try:
                with pipeline(connection) as inside:
                    yield inside
            finally:
                counter._depth -= 1

        def counted(method: Any) -> Any:
            def call(connection: Any) -> Any:
                counter.count += 1
                return method(connection)

            return call

        patches = {
            (psycopg.Cursor, "execute"): counted_execute,
            (psycopg.Connection, "pipeline"): counted_pipeline,
            (psycopg.Connection, "commit"): counted(commit),
            (psycopg.Connection, "rollback"): counted(rollback),
        }
        originals = {key: getattr(*key) for key in patches}
        for (owner, name), replacement in patches.items():
            setattr(owner, name, replacement)
        try:
            yield
        finally:
            for (owner, name), original in originals.items():
                setattr(owner, name, original)


def _session(db: Database, restaurant_id: str, role: str) -> Token:
    """A token of the demo restaurant's first staff member of ``role`` (a session as a login
    leaves it: the bench measures the floor, not the PIN check)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with db.unit(restaurant_id) as uow:
        staff_id = uow.session.scalars(
            select(m.Staff.id)
            .where(m.Staff.restaurant_id == restaurant_id, m.Staff.role == role)
            .order_by(m.Staff.name)
        ).first()
        assert staff_id is not None, role
        uow.session.add(
            m.StaffSession(
                id=new_id("ses"),
                restaurant_id=restaurant_id,
                staff_id=staff_id,
                token_hash=auth.hash_token(token),
                created_at=now,
                expires_at=now + timedelta(hours=1),
            )
        )
        uow.commit()
    return Token(db, token)


def _service(app: Any, server: Token, chef: Token, tables: list[str], rng: random.Random) -> None:
    """Seat ``tables`` and ring, fire and pay on them as a Friday service would."""
    db: Database = app.state.db
    with db.reader() as uow:
        act_as(uow, server)
        items = [i for i in menu.menu(uow).items if i.available]
    for n, table_id in enumerate(tables):
        with db.unit() as uow:
            who = act_as(uow, server)
            check_id = floor.seat(uow, who, table_id, rng.randint(1, 6)).id
            uow.commit()
        for _ in range(rng.randint(4, 8)):
            item = rng.choice(items)
            options = tuple(g.options[0].id for g in item.modifier_groups if g.min > 0)
            line = checks.NewLine(item.id, rng.randint(0, 4), rng.randint(1, 2), options, "")
            with db.unit() as uow:
                checks.add_line(uow, act_as(uow, server), check_id, line)
                uow.commit()
        with db.unit() as uow:
            view = kitchen.send(uow, act_as(uow, server), check_id)
            uow.commit()
        ticket_id = view.lines[0].ticket_id
        assert ticket_id is not None
        if n % 3 == 0:  # the kitchen has a third of the tables' food up
            with db.unit() as uow:
                kitchen.move_ticket(uow, act_as(uow, chef), ticket_id, TicketStatus.READY)
                uow.commit()
        if n % 4 == 0:  # a quarter of the tables have paid part of their check
            part = PaymentRequest(Tender.CASH, 1000, cash_tendered_cents=1000)
            paid = app.state.settlement.pay(server, check_id, uuid.uuid4().hex, part)
            assert paid.status_code == 201, paid


@dataclass
class BusyFloor:
    """A fresh database with the 200-table floor, ``open`` of its tables seated and worked
    by ``_service``, and the app on it (cash only: the processor is never called)."""

    bench_db: Any
    prepared: Any
    app: Any
    db: Database
    server: Token
    chef: Token
    rng: random.Random

    def analyze(self) -> None:
        """Fresh statistics for PostgreSQL's planner, once the floor is set."""
        if self.bench_db.kind == "postgresql":
            with self.db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")


@contextmanager
def busy_floor(
    kind: str, open_tables: int, processor_url: str = "http://127.0.0.1:9"
) -> Iterator[BusyFloor]:
    """The floor every in-process floor and kitchen bench measures (floor_read, floor_edit,
    kitchen_read, staff_orders); the app's card processor at ``processor_url`` (by default
    none: cash only)."""
    with fresh_database(kind) as bench_db:
        assert bench_db.directory is not None
        prepared = prepare(bench_db, terminals=1, floor_tables=200, api_checks=0, raw_checks=0)
        settings = Settings.from_env(
            {
                "TABLESIDE_DATABASE_URL": bench_db.url,
                "TABLESIDE_PROCESSOR_URL": processor_url,
                "TABLESIDE_DATA_DIR": str(bench_db.directory / "data"),
            }
        )
        app = create_app(settings)
        db: Database = app.state.db
        demo = prepared.demo_restaurant_id
        server, chef = _session(db, demo, "server"), _session(db, demo, "kitchen")
        rng = random.Random(17)
        _service(app, server, chef, prepared.demo_table_ids[:open_tables], rng)
        yield BusyFloor(bench_db, prepared, app, db, server, chef, rng)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--reads", type=int, default=500)
    parser.add_argument("--open", type=int, default=40, help="seated tables")
    args = parser.parse_args()
    with busy_floor(args.db, args.open) as busy:
        bench_db, prepared, db, server = busy.bench_db, busy.prepared, busy.db, busy.server
        busy.analyze()

        def read(_: int) -> None:
            with db.reader() as uow:
                act_as(uow, server)
                floor.plan(uow)

        for i in range(50):  # prepared statements, pool and caches warm
            read(i)
        times = []
        cpu = time.process_time()
        for i in range(args.reads):
            start = time.perf_counter()
            read(i)
            times.append((time.perf_counter() - start) * 1000)
        cpu = time.process_time() - cpu
        times.sort()
        result: dict[str, Any] = {
            "db": args.db,
            "tables": len(prepared.demo_table_ids),
            "open_checks": args.open,
            "reads": args.reads,
            "ms_per_read": {
                "p50": round(statistics.median(times), 3),
                "p99": round(times[int(len(times) * 0.99) - 1], 3),
                "mean": round(statistics.fmean(times), 3),
            },
            # This process's CPU (the server's share; PostgreSQL's is apart): steady under
            # a loaded machine, where the times above are not.
            "server_cpu_ms_per_read": round(cpu * 1000 / args.reads, 3),
        }
        if bench_db.kind == "postgresql":
            trips = RoundTrips()
            with trips.counting():
                for i in range(100):
                    read(i)
            # A request's: its token (with BEGIN), the floor's reads, the ROLLBACK.
            result["round_trips_per_read"] = trips.count / 100
            if shutil.which("strace"):
                result["socket_per_read"] = traced(min(args.reads, 200), read)
        db.engine.dispose()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
