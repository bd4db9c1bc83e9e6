"""Round trips to PostgreSQL per request: a figure that does not depend on the machine's load.

Serves N requests of each kind (add line, send, cash settle) one at a time through the
services, as an API request runs them (the token checked inside the unit), on a fresh
database, and counts the reads on the database socket with ``strace -c`` attached to this
process: one read per round trip. Needs ``strace`` (``apt-get install strace``).

    .venv/bin/python bench/round_trips.py [--requests 200]

Prints one JSON line: reads (round trips), sends and polls per request of each kind.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from prepare import BENCH_PIN, BENCH_SLUG, fresh_database, prepare

from tableside.app import create_app
from tableside.checks import service as checks
from tableside.config import Settings
from tableside.core.access import act_as
from tableside.core.unit_of_work import Database
from tableside.kitchen import service as kitchen
from tableside.menu.repository import Menu
from tableside.payments.rules import Tender
from tableside.payments.settlement import PaymentRequest
from tableside.staff import service as auth
from tableside.staff.dependencies import Token

SYSCALLS = ("recvfrom", "sendto", "poll")


def traced(count: int, request: Callable[[int], None]) -> dict[str, float]:
    """Syscalls per request while ``request(i)`` runs ``count`` times in this process."""
    with tempfile.NamedTemporaryFile(suffix=".strace") as log:
        tracer = subprocess.Popen(
            [
                *("strace", "-c", "-f", "-e", f"trace={','.join(SYSCALLS)}"),
                *("-o", log.name, "-p", str(os.getpid())),
            ],
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0)  # attached
        for i in range(count):
            request(i)
        tracer.send_signal(signal.SIGINT)
        tracer.wait()
        calls = {
            parts[-1]: int(parts[3])
            for parts in (line.split() for line in Path(log.name).read_text().splitlines())
            if len(parts) >= 5 and parts[-1] in SYSCALLS
        }
    return {name: round(calls.get(name, 0) / count, 2) for name in SYSCALLS}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    n = parser.parse_args().requests
    if shutil.which("strace") is None:
        raise SystemExit("needs strace: apt-get install strace")
    with fresh_database("postgresql") as bench_db:
        assert bench_db.directory is not None
        prepared = prepare(
            bench_db, terminals=1, floor_tables=20, api_checks=2 * n + 5, raw_checks=0
        )
        settings = Settings.from_env(
            {
                "TABLESIDE_DATABASE_URL": bench_db.url,
                "TABLESIDE_PROCESSOR_URL": "http://127.0.0.1:9",  # cash only: never called
                "TABLESIDE_DATA_DIR": str(bench_db.directory / "data"),
            }
        )
        app = create_app(settings)
        db: Database = app.state.db
        with db.unit() as uow:
            login = auth.login(uow, BENCH_SLUG, BENCH_PIN, source="round-trips", ttl_s=3600)
            uow.commit()
        assert isinstance(login, auth.LoginResult)
        caller = Token(db, login.token)
        with db.reader() as uow:
            act_as(uow, caller)
            item_id = Menu.of(uow).items()[0].id
        open_checks = prepared.api_checks
        settlement = app.state.settlement

        def add_line(i: int) -> None:
            with db.unit() as uow:
                who = act_as(uow, caller)
                checks.add_line(uow, who, open_checks[n + i].id, checks.NewLine(item_id))
                uow.commit()

        def send(i: int) -> None:
            with db.unit() as uow:
                who = act_as(uow, caller)
                kitchen.send(uow, who, open_checks[n + i].id)
                uow.commit()

        def cash_settle(i: int) -> None:
            check = open_checks[i]
            payment = PaymentRequest(
                Tender.CASH, check.amount_cents, cash_tendered_cents=check.amount_cents
            )
            answer = settlement.pay(caller, check.id, uuid.uuid4().hex, payment)
            assert answer.status_code == 201, answer

        for i in range(5):  # prepared statements, pool and caches warm
            cash_settle(2 * n + i)
        per_request = {
            "add_line": traced(n, add_line),
            "send": traced(n, send),
            "cash_settle": traced(n, cash_settle),
        }
        db.engine.dispose()
    print(json.dumps({"requests": n, "per_request": per_request}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
