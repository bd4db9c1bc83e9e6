"""What a wrong PIN costs the server, counted and refused (staff/rules.py's budgets).

On a fresh database with the demo restaurants (prepare.py), this runs logins in this
process as the login route runs them (``staff.service.login``: the read, the PIN check, the
writing unit), one at a time, and prints the wall time and this process's CPU per login of
each kind:

- ``wrong_counted``: a wrong PIN from an address with budget left (401): both budgets'
  rows locked and written;
- ``paused``: a login while the address is paused (429): the read alone, no PIN check,
  nothing written (what a guesser costs once its budget is spent);
- ``right``: a right PIN (argon2 at the server's settings, a session written).

    .venv/bin/python bench/login_throttle.py [--db postgresql|sqlite] [--logins 300]

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from prepare import fresh_database, prepare
from sqlalchemy import delete

from tableside.core import models as m
from tableside.core.database import make_engine
from tableside.core.errors import LockedOut, NotAuthenticated
from tableside.core.unit_of_work import Database
from tableside.staff import rules
from tableside.staff import service as auth
from tableside.staff.service import LoginResult

TTL_S = 3600


def measure(count: int, one: Callable[[int], Any], expected: type) -> dict[str, float]:
    walls, cpus = [], []
    for n in range(count):
        wall, cpu = time.perf_counter(), time.process_time()
        outcome = one(n)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        assert isinstance(outcome, expected), outcome
    ordered = sorted(walls)
    return {
        "logins": count,
        "wall_p50_ms": round(statistics.median(walls) * 1000, 2),
        "wall_p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))] * 1000, 2),
        "cpu_mean_ms": round(statistics.fmean(cpus) * 1000, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--logins", type=int, default=300)
    args = parser.parse_args()
    with fresh_database(args.db) as bench_db:
        prepare(bench_db, terminals=1, floor_tables=12, api_checks=0, raw_checks=0)
        db = Database(make_engine(bench_db.url))

        def clear() -> None:
            with db.engine.begin() as conn:
                conn.execute(delete(m.LoginThrottle))

        def wrong(n: int) -> Any:
            if n % (rules.RESTAURANT.wrong - 1) == 0:
                clear()  # stay under the restaurant's budget: every one is counted
            source = f"10.0.{n // 250}.{n % 250}"  # one wrong PIN per address
            return auth.login(db, "demo", "0000", source=source, ttl_s=TTL_S)

        def paused(_: int) -> Any:
            return auth.login(db, "demo", "0000", source="10.9.9.9", ttl_s=TTL_S)

        def right(_: int) -> Any:
            return auth.login(db, "demo", "1234", source="10.8.8.8", ttl_s=TTL_S)

        results = {"wrong_counted": measure(args.logins, wrong, NotAuthenticated)}
        clear()
        for _ in range(rules.SOURCE.wrong):
            auth.login(db, "demo", "0000", source="10.9.9.9", ttl_s=TTL_S)
        results["paused"] = measure(args.logins, paused, LockedOut)
        clear()
        results["right"] = measure(min(args.logins, 100), right, LoginResult)
        db.engine.dispose()
    print(json.dumps({"db": args.db, **results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
