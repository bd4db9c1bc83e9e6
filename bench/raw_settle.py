"""The baseline: the settlement's own SQL, straight through the driver, no Tableside code.

One settle is one transaction: lock the check (``FOR UPDATE NOWAIT``, as the service does),
insert the payment, close the check, insert an audit row, take the next event number from
the restaurant's outbox counter and insert the outbox row, commit. The same number of
workers as terminals, spread over worker processes (so that the baseline is never held back
by one Python interpreter), each worker with its own connection and its own checks.

PostgreSQL goes through psycopg 3 (prepared statements after the fifth use, as psycopg
does by default). SQLite, reported for comparison, goes through the sqlite3 module with
``BEGIN IMMEDIATE``, as the product's SQLite engine does.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg

LOCK = "SELECT id, status FROM checks WHERE id = %s AND restaurant_id = %s FOR UPDATE NOWAIT"
INSERT_PAYMENT = (
    "INSERT INTO payments (id, restaurant_id, check_id, idempotency_key, tender, status,"
    " amount_cents, tip_cents, cash_tendered_cents, change_cents, refunded_cents,"
    " created_by, created_at, settled_at)"
    " VALUES (%s, %s, %s, %s, 'cash', 'captured', %s, 0, %s, 0, 0, %s, %s, %s)"
)
CLOSE_CHECK = (
    "UPDATE checks SET status = 'closed', closed_at = %s, version = version + 1 WHERE id = %s"
)
INSERT_AUDIT = (
    "INSERT INTO audit_log (restaurant_id, staff_id, action, entity_type, entity_id, details, at)"
    " VALUES (%s, %s, 'payment.captured', 'payment', %s, %s, %s)"
)
NEXT_SEQ = (
    "INSERT INTO outbox_counters (restaurant_id, last_seq) VALUES (%s, 1)"
    " ON CONFLICT (restaurant_id) DO UPDATE SET last_seq = outbox_counters.last_seq + 1"
    " RETURNING last_seq"
)
INSERT_EVENT = (
    "INSERT INTO outbox (restaurant_id, seq, type, data, at)"
    " VALUES (%s, %s, 'payment.captured', %s, %s)"
)


@dataclass(frozen=True)
class Job:
    kind: str  # "postgresql" or "sqlite"
    target: str  # conninfo or SQLite path
    restaurant_id: str
    staff_id: str
    checks: list[list[tuple[str, int]]]  # per worker thread
    start_at: float  # time.time() at which all workers begin
    stop_at: float


def _settle_pg(cur: psycopg.Cursor[Any], job: Job, check_id: str, amount: int) -> None:
    now = datetime.now(UTC)
    payment_id = f"pay_{uuid.uuid4().hex[:24]}"
    cur.execute(LOCK, (check_id, job.restaurant_id))
    if cur.fetchone() is None:
        raise RuntimeError(f"check {check_id} vanished")
    cur.execute(
        INSERT_PAYMENT,
        (payment_id, job.restaurant_id, check_id, f"raw-{payment_id}", amount, amount,
         job.staff_id, now, now),
    )  # fmt: skip
    cur.execute(CLOSE_CHECK, (now, check_id))
    details = json.dumps({"check_id": check_id, "amount_cents": amount, "tender": "cash"})
    cur.execute(INSERT_AUDIT, (job.restaurant_id, job.staff_id, payment_id, details, now))
    cur.execute(NEXT_SEQ, (job.restaurant_id,))
    row = cur.fetchone()
    assert row is not None
    data = json.dumps({"payment_id": payment_id, "check_id": check_id, "amount_cents": amount})
    cur.execute(INSERT_EVENT, (job.restaurant_id, row[0], data, now))


def _sqlite_sql(sql: str) -> str:
    return sql.replace("%s", "?").replace(" FOR UPDATE NOWAIT", "")


def _settle_sqlite(db: sqlite3.Connection, job: Job, check_id: str, amount: int) -> None:
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    payment_id = f"pay_{uuid.uuid4().hex[:24]}"
    if db.execute(_sqlite_sql(LOCK), (check_id, job.restaurant_id)).fetchone() is None:
        raise RuntimeError(f"check {check_id} vanished")
    db.execute(
        _sqlite_sql(INSERT_PAYMENT),
        (payment_id, job.restaurant_id, check_id, f"raw-{payment_id}", amount, amount,
         job.staff_id, now, now),
    )  # fmt: skip
    db.execute(_sqlite_sql(CLOSE_CHECK), (now, check_id))
    details = json.dumps({"check_id": check_id, "amount_cents": amount, "tender": "cash"})
    db.execute(
        _sqlite_sql(INSERT_AUDIT), (job.restaurant_id, job.staff_id, payment_id, details, now)
    )
    (seq,) = db.execute(_sqlite_sql(NEXT_SEQ), (job.restaurant_id,)).fetchone()
    data = json.dumps({"payment_id": payment_id, "check_id": check_id, "amount_cents": amount})
    db.execute(_sqlite_sql(INSERT_EVENT), (job.restaurant_id, seq, data, now))


def _worker(job: Job, own: list[tuple[str, int]], done: list[float], errors: list[str]) -> None:
    if job.kind == "postgresql":
        with psycopg.connect(job.target) as conn, conn.cursor() as cur:
            time.sleep(max(0.0, job.start_at - time.time()))
            for check_id, amount in own:
                if time.time() >= job.stop_at:
                    return
                try:
                    with conn.transaction():
                        _settle_pg(cur, job, check_id, amount)
                    done.append(time.time())
                except psycopg.Error as error:
                    errors.append(type(error).__name__)
        return
    db = sqlite3.connect(job.target, isolation_level=None, timeout=15)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA busy_timeout=15000")
    time.sleep(max(0.0, job.start_at - time.time()))
    for check_id, amount in own:
        if time.time() >= job.stop_at:
            break
        try:
            db.execute("BEGIN IMMEDIATE")
            _settle_sqlite(db, job, check_id, amount)
            db.execute("COMMIT")
            done.append(time.time())
        except sqlite3.Error as error:
            db.execute("ROLLBACK")
            errors.append(type(error).__name__)
    db.close()


def _process(job: Job) -> tuple[list[float], list[str]]:
    done: list[float] = []
    errors: list[str] = []
    threads = [
        threading.Thread(target=_worker, args=(job, own, done, errors)) for own in job.checks
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done, errors


@dataclass
class RawResult:
    settles_per_s: float
    settled: int
    errors: dict[str, int]
    processes: int
    workers: int


def run(
    kind: str,
    target: str,
    restaurant_id: str,
    staff_id: str,
    checks: list[tuple[str, int]],
    *,
    workers: int,
    processes: int,
    warmup_s: float,
    duration_s: float,
    on_window: Callable[[float, float], None] | None = None,
) -> RawResult:
    """``on_window``: told the measured window (``time.time()`` at its start and end)
    before the workers start, e.g. to measure the CPU used in it."""
    per_worker = [checks[i::workers] for i in range(workers)]
    processes = max(1, min(processes, workers))
    start_at = time.time() + 2.0  # every process connected and waiting by then
    stop_at = start_at + warmup_s + duration_s
    if on_window is not None:
        on_window(start_at + warmup_s, stop_at)
    jobs = [
        Job(kind, target, restaurant_id, staff_id, per_worker[p::processes], start_at, stop_at)
        for p in range(processes)
    ]
    with ProcessPoolExecutor(processes) as pool:
        results = list(pool.map(_process, jobs))
    window_start, window_end = start_at + warmup_s, stop_at
    done = [t for times, _ in results for t in times]
    last = max(done, default=window_end)
    # Ran out of checks before the end: the rate is over the time it actually ran.
    window_end = min(window_end, last)
    if window_end <= window_start:
        raise SystemExit(
            "the raw baseline used up its prepared checks in the warm-up: --raw-checks"
        )
    settled = sum(1 for t in done if window_start <= t <= window_end)
    errors: dict[str, int] = {}
    for _, errs in results:
        for name in errs:
            errors[name] = errors.get(name, 0) + 1
    elapsed = max(window_end - window_start, 1e-9)
    return RawResult(settled / elapsed, settled, errors, processes, workers)
