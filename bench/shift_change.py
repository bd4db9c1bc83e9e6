"""A shift change while the floor works: a dozen people log in at once, again and again.

    .venv/bin/python bench/shift_change.py                  # PostgreSQL
    .venv/bin/python bench/shift_change.py --db sqlite
    .venv/bin/python bench/shift_change.py --server-env TABLESIDE_PIN_THREADS=2

On a fresh database (prepare.py), with the card-processor emulator and ``tableside serve``
in the recommended deployment (run.py), it:

1. adds ``--shift`` servers (default 12) to restaurant ``demo`` through the API, as a
   manager does, so their PINs are hashed by the server under test;
2. runs the paced table cycles of run.py (``--terminals`` terminals, each pausing about
   ``--think-ms`` before every request) from a warm-up until the last shift change is over;
3. meanwhile, after the warm-up, ``--changes`` times: has the whole shift log in at once,
   each on their own tablet (their tile tapped, their PIN), waits for every answer, then
   ``--pause`` seconds.

A shift change lasts from its logins' start to its last login's answer. It reports each
change's last login, every login's latency, and the floor's requests (every request of the
table cycles) that were in flight during a shift change, against those that were not.

The last line printed is the JSON summary.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

import aiohttp
import processes
import terminals
from prepare import fresh_database, prepare
from processes import ServerSettings
from run import RECOMMENDED_WORKERS, _finite, machine, percentile, server_env

MANAGER_PIN = "9999"  # the demo's manager
MAX_DURATION_S = 3600.0  # the measured window; the last shift change ends it sooner
FIRST_PIN = 7001  # the shift's PINs: 7001, 7002, ...


def _log(message: str) -> None:
    print(f"[shift {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def stats(values: list[float]) -> dict[str, float]:
    """Count, p50/p95/p99 and max in ms of latencies in seconds."""
    ordered = sorted(values)
    return {
        "count": len(ordered),
        "p50_ms": round(percentile(ordered, 50) * 1000, 1),
        "p95_ms": round(percentile(ordered, 95) * 1000, 1),
        "p99_ms": round(percentile(ordered, 99) * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1) if ordered else float("nan"),
    }


async def add_shift(base_url: str, size: int) -> list[tuple[str, str]]:
    """``size`` new servers in restaurant demo: (staff id, PIN) each."""
    async with terminals.new_session(base_url, 4) as session:
        token = await terminals.login(session, "demo", MANAGER_PIN)
        shift = []
        for i in range(size):
            pin = str(FIRST_PIN + i)
            async with session.post(
                "/api/v1/staff",
                json={"name": f"Evening server {i + 1}", "role": "server", "pin": pin},
                headers={"Authorization": f"Bearer {token}"},
                raise_for_status=True,
            ) as response:
                shift.append(((await response.json())["id"], pin))
        return shift


async def shift_changes(
    base_url: str,
    shift: list[tuple[str, str]],
    recorder: terminals.Recorder,
    changes: int,
    pause_s: float,
) -> list[tuple[float, float, list[float]]]:
    """Each change: (start, end, its logins' latencies in s), perf_counter seconds. Ends the
    recorder's window (and so the table cycles) a pause after the last one."""
    done: list[tuple[float, float, list[float]]] = []
    while recorder.start == float("inf"):
        await asyncio.sleep(0.01)

    async def log_in(
        session: aiohttp.ClientSession, staff_id: str, pin: str
    ) -> tuple[float, float]:
        started = time.perf_counter()
        async with session.post(
            "/api/v1/auth/login",
            json={"restaurant": "demo", "pin": pin, "staff_id": staff_id},
        ) as response:
            await response.read()
            if response.status != 200:
                recorder.errors[f"login {response.status}"] += 1
        return started, time.perf_counter()

    await asyncio.sleep(max(0.0, recorder.window_start - time.perf_counter()))
    for _ in range(changes):
        # Each tablet connects anew, as a tablet picked up at a shift change does.
        async with terminals.new_session(base_url, len(shift)) as session:
            try:
                logins = await asyncio.gather(*(log_in(session, s, p) for s, p in shift))
            except aiohttp.ClientError as error:
                recorder.errors[f"login {type(error).__name__}"] += 1
                continue
        start = min(s for s, _ in logins)
        end = max(f for _, f in logins)
        done.append((start, end, [f - s for s, f in logins]))
        await asyncio.sleep(pause_s)
    recorder.duration_s = time.perf_counter() - recorder.window_start
    return done


def during(
    timeline: list[tuple[str, float, float]], windows: list[tuple[float, float]]
) -> tuple[list[float], list[float]]:
    """The latencies of requests in flight during any window, and of the others."""
    inside, outside = [], []
    for _, started, finished in timeline:
        overlaps = any(started < end and finished > start for start, end in windows)
        (inside if overlaps else outside).append(finished - started)
    return inside, outside


def run_one(args: argparse.Namespace) -> dict[str, Any]:
    workers = args.workers or RECOMMENDED_WORKERS[args.db]
    _log(f"{args.db}: fresh database, {args.terminals} paced terminals, {workers} worker(s)")
    with fresh_database(args.db) as bench_db:
        prepared = prepare(
            bench_db,
            terminals=args.terminals,
            floor_tables=args.floor_tables,
            api_checks=0,
            raw_checks=0,
        )
        assert bench_db.directory is not None
        emulator = processes.start_emulator(bench_db.directory)
        try:
            server = processes.start_server(
                bench_db.url,
                emulator.url,
                bench_db.directory,
                ServerSettings(workers=workers, extra_env=server_env(args)),
            )
            try:
                return asyncio.run(_measure(args, server.url, prepared.terminal_tables, workers))
            finally:
                server.stop()
        finally:
            emulator.stop()


async def _measure(
    args: argparse.Namespace, url: str, terminal_tables: list[list[str]], workers: int
) -> dict[str, Any]:
    shift = await add_shift(url, args.shift)
    _log(f"{args.warmup:g} s warm-up, then {args.changes} shift changes of {args.shift} "
         f"logins, {args.pause:g} s apart")  # fmt: skip
    recorder = terminals.Recorder(args.warmup, MAX_DURATION_S)
    recorder.timeline = []
    cycles = terminals.run_cycles(
        url,
        terminal_tables,
        recorder=recorder,
        mix=terminals.CycleMix(),
        think_s=args.think_ms / 1000,
        seed=8,
    )
    _, changes = await asyncio.gather(
        cycles, shift_changes(url, shift, recorder, args.changes, args.pause)
    )
    windows = [(start, end) for start, end, _ in changes]
    inside, outside = during(recorder.timeline, windows)
    last_logins = [max(latencies) for _, _, latencies in changes]
    return {
        "db": args.db,
        "server_workers": workers,
        "server_env": server_env(args),
        "terminals": args.terminals,
        "think_ms": args.think_ms,
        "shift": args.shift,
        "changes": len(changes),
        # Each change: from its logins' start to its last login's answer.
        "last_login_ms": {
            "median": round(percentile(sorted(last_logins), 50) * 1000, 1),
            "max": round(max(last_logins, default=float("nan")) * 1000, 1),
            "each": [round(v * 1000, 1) for v in last_logins],
        },
        "login": stats([v for _, _, latencies in changes for v in latencies]),
        "floor_during_shift_change": stats(inside),
        "floor_otherwise": stats(outside),
        "errors": dict(recorder.errors),
        "machine": machine(),
    }


def print_report(summary: dict[str, Any]) -> None:
    out = sys.stderr
    print(f"\n== {summary['db']}: {summary['changes']} shift changes of {summary['shift']} "
          f"logins, {summary['terminals']} paced terminals ==", file=out)  # fmt: skip
    last = summary["last_login_ms"]
    print(f"last login of a change: median {last['median']} ms, max {last['max']} ms", file=out)
    print(f"{'':<28}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}", file=out)
    for label, key in (
        ("logins", "login"),
        ("floor during a change", "floor_during_shift_change"),
        ("floor otherwise", "floor_otherwise"),
    ):
        row = summary[key]
        print(f"{label:<28}{row['count']:>7}{row['p50_ms']:>9}{row['p95_ms']:>9}"
              f"{row['p99_ms']:>9}{row['max_ms']:>9}", file=out)  # fmt: skip
    print(f"errors: {summary['errors'] or 'none'}", file=out)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--shift", type=int, default=12, help="people logging in at once")
    parser.add_argument("--changes", type=int, default=15, help="shift changes measured")
    parser.add_argument("--pause", type=float, default=4, help="s between shift changes")
    parser.add_argument("--terminals", type=int, default=32, help="paced floor terminals")
    parser.add_argument("--think-ms", type=float, default=1000, help="their mean pause")
    parser.add_argument("--warmup", type=float, default=5, help="unmeasured s before")
    parser.add_argument("--floor-tables", type=int, default=200)
    parser.add_argument("--workers", type=int, default=0, help="default: the recommended")
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the server (repeatable)",
    )
    parser.add_argument("--save", type=argparse.FileType("w"), default=None)
    args = parser.parse_args(argv)
    if min(args.shift, args.changes, args.terminals) < 1 or args.pause < 0:
        parser.error("--shift, --changes and --terminals must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    summary = run_one(args)
    print_report(summary)
    summary = _finite(summary)
    if args.save:
        json.dump(summary, args.save, indent=2)
    print(json.dumps(summary, allow_nan=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
