"""Tableside's benchmark: one command, a fresh database, real processes, a JSON summary.

    .venv/bin/python bench/run.py --db postgresql --terminals 32 --duration 30
    .venv/bin/python bench/run.py --db sqlite --terminals 32 --duration 30
    .venv/bin/python bench/run.py --all          # both, as docs/benchmarks.md reports them

For one database it: creates a fresh database (PostgreSQL: ``tableside_bench_<random>``,
dropped afterwards; SQLite: a temporary file), migrates and seeds it and adds the bench's
rows (prepare.py); starts the card-processor emulator and ``tableside serve`` as
subprocesses with the recommended deployment settings; then runs, one after the other:

1. the table cycles: N terminals doing full table cycles over HTTP (terminals.py);
2. ``--rounds`` rounds (default 3) of, in turn:
   a. the API settle run: N terminals paying prepared checks in full, in cash;
   b. the raw baseline, the server idle: the settlement's SQL through the driver by N
      workers on prepared checks (raw_settle.py);
3. the emulator ceiling, the server stopped: N concurrent charges straight to the emulator
   (ceiling.py).

Each run has a warm-up that is not measured. ``ratio`` is (2a) ÷ (2b): the same cash
settlement through the whole product and as bare SQL, each averaged over the rounds. The
rounds alternate so that both sides meet the same machine: on a shared machine whose speed
drifts by a third over minutes, one API run and one raw run minutes apart made a ratio of
luck (docs/benchmarks.md); each round's own ratio is reported too. The
server's peak RSS (summed over its processes, read from /proc) is sampled throughout (1)
and (2a). ``--profile`` runs the server under py-spy and writes the hot functions next to
the raw profile.

The last line printed is the JSON summary.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import sys
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import processes
import raw_settle
import terminals
from ceiling import run_charges
from pg_activity import ActivitySampler
from prepare import BENCH_PIN, BENCH_SLUG, BenchDatabase, Prepared, fresh_database, prepare
from processes import CpuMeter, Memory, ServerSettings, server_memory
from profile_summary import summarize

HERE = Path(__file__).parent
# The deployment docs/benchmarks.md recommends, by database. SQLite has one writer, so one
# process; PostgreSQL: one worker per core (more only adds context switches on 2 cores).
# PostgreSQL on the same machine needs a core of its own (docs/benchmarks.md).
RECOMMENDED_WORKERS = {"postgresql": max(1, (os.cpu_count() or 2) - 1), "sqlite": 1}
# Enough prepared checks for the raw baseline's warm-up and run at this machine's pace.
RAW_CHECKS = {"postgresql": 20_000, "sqlite": 60_000}  # a round
API_CHECKS_A_ROUND = 500  # a terminal
# Environment of the recommended deployment (docs/benchmarks.md says why).
# glibc gives each of a worker's threads (up to 40 in the request thread pool) its own malloc
# arena by default; two arenas keep a worker's RSS ~20 MB lower at the same speed.
RECOMMENDED_ENV: dict[str, str] = {"MALLOC_ARENA_MAX": "2"}
PG = "postgres (this database)"
ENDPOINTS = ["floor", "seat", "add_line", "send", "split", "cash_settle", "card_settle"]


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def latency_table(recorder: terminals.Recorder) -> dict[str, dict[str, float]]:
    table: dict[str, dict[str, float]] = {}
    for endpoint, values in sorted(recorder.latencies.items()):
        ordered = sorted(values)
        table[endpoint] = {
            "count": len(ordered),
            "p50_ms": round(percentile(ordered, 50) * 1000, 1),
            "p95_ms": round(percentile(ordered, 95) * 1000, 1),
            "p99_ms": round(percentile(ordered, 99) * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1),
        }
    return table


@dataclass
class Watched:
    peak: Memory
    cpu: dict[str, float]
    pg_sessions: dict[str, float]


async def watched(
    run: Callable[[terminals.Recorder], Awaitable[terminals.Recorder]],
    warmup_s: float,
    duration_s: float,
    server_pid: int,
    meter: CpuMeter,
    bench_db: BenchDatabase,
) -> tuple[terminals.Recorder, Watched]:
    """Run a load while sampling the server's memory and, over the measured window, the CPU
    every party used."""
    recorder = terminals.Recorder(warmup_s, duration_s)
    peak = Memory(0.0, 0.0, 0)
    cpu: dict[str, float] = {}
    sessions: dict[str, float] = {}
    stop = asyncio.Event()

    async def sample_memory() -> None:
        nonlocal peak
        while not stop.is_set():
            now = server_memory(server_pid)
            if now.rss_mb > peak.rss_mb:
                peak = now
            await asyncio.sleep(0.25)

    async def sample_cpu() -> None:
        nonlocal cpu, sessions
        while recorder.start == math.inf:
            await asyncio.sleep(0.01)
        await asyncio.sleep(max(0.0, recorder.window_start - time.perf_counter()))
        first = meter.snapshot()
        sampler = None
        if bench_db.name is not None:
            sampler = ActivitySampler(bench_db.conninfo, bench_db.name)
            sampler.start()
        try:
            await asyncio.sleep(max(0.0, recorder.end - time.perf_counter()))
        finally:
            if sampler is not None:
                sessions = sampler.stop()
        cpu = meter.cores(first, meter.snapshot())

    memory_task = asyncio.create_task(sample_memory())
    cpu_task = asyncio.create_task(sample_cpu())
    try:
        await run(recorder)
    finally:
        stop.set()
        await memory_task
    if not cpu_task.done():  # the run ended early (ran out of rows): no full window
        cpu_task.cancel()
    return recorder, Watched(peak, cpu, sessions)


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run_one(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    workers = args.workers or RECOMMENDED_WORKERS[kind]
    n = args.terminals
    _log(f"{kind}: fresh database, {n} terminals, {workers} server worker(s)")
    with fresh_database(kind) as bench_db:
        started = time.monotonic()
        prepared = prepare(
            bench_db,
            terminals=n,
            floor_tables=args.floor_tables,
            api_checks=args.api_checks or n * API_CHECKS_A_ROUND * args.rounds,
            raw_checks=args.raw_checks or RAW_CHECKS[kind] * args.rounds,
        )
        _log(f"prepared in {time.monotonic() - started:.1f} s")
        emulator = processes.start_emulator(bench_db.directory or Path("."))
        try:
            return _measure(kind, args, bench_db, prepared, emulator, workers)
        finally:
            emulator.stop()


def _measure(
    kind: str,
    args: argparse.Namespace,
    bench_db: BenchDatabase,
    prepared: Prepared,
    emulator: processes.Service,
    workers: int,
) -> dict[str, Any]:
    n = args.terminals
    assert bench_db.directory is not None
    profile_to = None
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
        profile_to = args.profile / f"{kind}-{time.strftime('%Y%m%d-%H%M%S')}.txt"
    server = processes.start_server(
        bench_db.url,
        emulator.url,
        bench_db.directory,
        ServerSettings(workers=workers, extra_env=server_env(args)),
        profile_to=profile_to,
    )
    meter = CpuMeter.serving(server.process.pid, emulator.process.pid, bench_db.name)
    try:
        _log(f"table cycles: {args.warmup:g} s warm-up + {args.duration:g} s")
        mix = terminals.CycleMix(args.card_share, args.split_share)
        cycles, cycles_watch = asyncio.run(
            watched(
                lambda recorder: terminals.run_cycles(
                    server.url, prepared.terminal_tables, recorder=recorder, mix=mix
                ),
                args.warmup,
                args.duration,
                server.process.pid,
                meter,
                bench_db,
            )
        )
        paced: tuple[terminals.Recorder, Watched] | None = None
        if args.think_ms > 0:
            _log(f"paced table cycles ({args.think_ms:g} ms between taps): "
                 f"{args.warmup:g} s warm-up + {args.paced_duration:g} s")  # fmt: skip
            paced = asyncio.run(
                watched(
                    lambda recorder: terminals.run_cycles(
                        server.url,
                        prepared.terminal_tables,
                        recorder=recorder,
                        mix=mix,
                        think_s=args.think_ms / 1000,
                        seed=8,
                    ),
                    args.warmup,
                    args.paced_duration,
                    server.process.pid,
                    meter,
                    bench_db,
                )
            )
        rounds = [
            _settle_round(kind, args, r, bench_db, prepared, server, meter, emulator)
            for r in range(args.rounds)
        ]
    finally:
        server.stop()
    if profile_to is not None:
        summary_path = profile_to.with_suffix(".top.txt")
        summary_path.write_text(summarize(profile_to))
        _log(f"profile: {profile_to} (hot functions: {summary_path})")
    _log(f"emulator ceiling: {args.warmup:g} s warm-up + {args.ceiling_duration:g} s")
    charges = asyncio.run(
        run_charges(
            emulator.url,
            concurrency=n,
            warmup_s=args.warmup,
            duration_s=args.ceiling_duration,
        )
    )
    return _summary(kind, args, workers, cycles, cycles_watch, paced, rounds, charges)


@dataclass
class Round:
    """One API settle run and the raw baseline right after it."""

    settles: terminals.Recorder
    watch: Watched
    raw: raw_settle.RawResult
    raw_cpu: dict[str, float]

    @property
    def api_settles_per_s(self) -> float:
        return self.settles.rate("settle", until_last=True)

    @property
    def ratio(self) -> float:
        return _ratio(self.api_settles_per_s, self.raw.settles_per_s)


def _ratio(api_settles_per_s: float, raw_settles_per_s: float) -> float:
    """API ÷ raw settles per second; NaN (null in the JSON) without a raw rate."""
    return api_settles_per_s / raw_settles_per_s if raw_settles_per_s else math.nan


def _settle_round(
    kind: str,
    args: argparse.Namespace,
    number: int,
    bench_db: BenchDatabase,
    prepared: Prepared,
    server: processes.Service,
    meter: CpuMeter,
    emulator: processes.Service,
) -> Round:
    """Round ``number``: the API settle run, then the raw baseline, each on its own share
    of the prepared checks."""
    n, rounds = args.terminals, args.rounds
    label = f"round {number + 1}/{rounds}"
    _log(f"{label}, API settle run: {args.warmup:g} s warm-up + {args.settle_duration:g} s")
    api_checks = prepared.api_checks[number::rounds]
    own = [[(c.id, c.amount_cents) for c in api_checks[i::n]] for i in range(n)]
    settles, watch = asyncio.run(
        watched(
            lambda recorder: terminals.run_settles(
                server.url, BENCH_SLUG, BENCH_PIN, own, recorder=recorder
            ),
            args.warmup,
            args.settle_duration,
            server.process.pid,
            meter,
            bench_db,
        )
    )
    _log(f"{label}, raw SQL baseline: {args.warmup:g} s warm-up + {args.raw_duration:g} s")
    raw_watch = RawWatch(
        CpuMeter.raw_baseline(emulator.process.pid, bench_db.name, server.process.pid)
    )
    raw = raw_settle.run(
        kind,
        bench_db.conninfo if kind == "postgresql" else bench_db.sqlite_path,
        prepared.bench_restaurant_id,
        prepared.bench_staff_id,
        [(c.id, c.amount_cents) for c in prepared.raw_checks[number::rounds]],
        workers=n,
        processes=args.raw_processes,
        warmup_s=args.warmup,
        duration_s=args.raw_duration,
        on_window=raw_watch.start,
    )
    done = Round(settles, watch, raw, raw_watch.cores())
    _log(f"{label}: {done.api_settles_per_s:.1f} API settles/s, "
         f"{raw.settles_per_s:.1f} raw, ratio {done.ratio:.3f}")  # fmt: skip
    return done


def _mean_cores(samples: list[dict[str, float]]) -> dict[str, float]:
    """Each party's cores, averaged over windows of equal length."""
    parties = {party for sample in samples for party in sample}
    return {
        party: round(sum(sample.get(party, 0.0) for sample in samples) / len(samples), 3)
        for party in sorted(parties)
    }


def _merged(recorders: list[terminals.Recorder]) -> terminals.Recorder:
    """The rounds' latencies, errors and notes as one recorder (for their percentiles)."""
    merged = terminals.Recorder(recorders[0].warmup_s, recorders[0].duration_s)
    for recorder in recorders:
        for endpoint, values in recorder.latencies.items():
            merged.latencies[endpoint].extend(values)
        merged.errors.update(recorder.errors)
        merged.notes.update(recorder.notes)
        merged.requests += recorder.requests
    return merged


def _per(cpu: dict[str, float], rate: float, party: str = "server") -> float | None:
    """``party``'s CPU ms per event, from its cores and the events' rate."""
    if party not in cpu or rate <= 0:
        return None
    return round(cpu[party] / rate * 1000, 2)


class RawWatch:
    """The cores each party used in the raw baseline's measured window (a thread that
    takes a snapshot at its start and just before its end, while its workers live)."""

    def __init__(self, meter: CpuMeter) -> None:
        self.meter = meter
        self._cores: dict[str, float] = {}
        self._thread: threading.Thread | None = None

    def start(self, window_start: float, window_end: float) -> None:
        def measure() -> None:
            time.sleep(max(0.0, window_start - time.time()))
            first = self.meter.snapshot()
            time.sleep(max(0.0, window_end - 0.25 - time.time()))
            self._cores = self.meter.cores(first, self.meter.snapshot())

        self._thread = threading.Thread(target=measure, name="raw-cpu", daemon=True)
        self._thread.start()

    def cores(self) -> dict[str, float]:
        if self._thread is not None:
            self._thread.join()
        return self._cores


def _counters_held(
    watch: Watched, recorder: terminals.Recorder, duration_s: float
) -> dict[str, float | None]:
    """ms each seat held the check-number counter, and each write the outbox counter:
    the mean number of holders ÷ those writes a second (Little's law)."""
    seats = len(recorder.latencies.get("seat", [])) / duration_s
    writes = (recorder.requests - len(recorder.latencies.get("floor", []))) / duration_s
    return {
        "check number, a seat": _held_per(watch.pg_sessions, "check_number_counters", seats),
        "outbox, a write": _held_per(watch.pg_sessions, "outbox_counters", writes),
    }


def _held_per(sessions: dict[str, float], table: str, rate: float) -> float | None:
    if rate <= 0 or f"holding {table}" not in sessions:
        return None
    return round(sessions[f"holding {table}"] / rate * 1000, 2)


def server_env(args: argparse.Namespace) -> dict[str, str]:
    env = dict(RECOMMENDED_ENV)
    for item in args.server_env:
        name, _, value = item.partition("=")
        env[name] = value
    return env


def _summary(
    kind: str,
    args: argparse.Namespace,
    workers: int,
    cycles: terminals.Recorder,
    cycles_watch: Watched,
    paced: tuple[terminals.Recorder, Watched] | None,
    rounds: list[Round],
    charges: terminals.Recorder,
) -> dict[str, Any]:
    latency = latency_table(cycles)
    settles = _merged([r.settles for r in rounds])
    settle_latency = latency_table(settles).get("cash_settle", {})
    api_settles = sum(r.api_settles_per_s for r in rounds) / len(rounds)
    raw_settles = sum(r.raw.settles_per_s for r in rounds) / len(rounds)
    settle_cpu = _mean_cores([r.watch.cpu for r in rounds])
    raw_cpu = _mean_cores([r.raw_cpu for r in rounds])
    errors: Counter[str] = Counter()
    runs = [("cycles", cycles), ("settle run", settles), ("emulator", charges)]
    if paced is not None:
        runs.append(("paced cycles", paced[0]))
    for prefix, recorder in runs:
        for what, count in recorder.errors.items():
            errors[f"{prefix}: {what}"] += count
    for r in rounds:
        for what, count in r.raw.errors.items():
            errors[f"raw: {what}"] += count
    watches = [cycles_watch, *(r.watch for r in rounds)] + ([paced[1]] if paced else [])
    peak = max((w.peak for w in watches), key=lambda m: m.rss_mb)
    p99 = {e: latency[e]["p99_ms"] for e in ENDPOINTS if e in latency}
    p99["settle_run_cash_settle"] = settle_latency.get("p99_ms", math.nan)
    paced_latency = latency_table(paced[0]) if paced else {}
    paced_p99 = {e: paced_latency[e]["p99_ms"] for e in ENDPOINTS if e in paced_latency}
    ratio = _ratio(api_settles, raw_settles)
    goal_p99 = ["seat", "add_line", "send", "cash_settle"]
    pg = kind == "postgresql"
    return {
        "db": kind,
        "terminals": args.terminals,
        "server_workers": workers,
        "server_env": server_env(args),
        "warmup_s": args.warmup,
        "duration_s": args.duration,
        "cycles_per_s": round(cycles.rate("cycle"), 1),
        "settles_per_s": round(cycles.rate("settle"), 1),
        "payments_per_s": round(cycles.rate("cash_payment") + cycles.rate("card_payment"), 1),
        "requests_per_s": round(cycles.requests / args.duration, 1),
        # Load-independent efficiency: the server's CPU time per request (ms), measured.
        "server_cpu_ms_per_request": _per(cycles_watch.cpu, cycles.requests / args.duration),
        "server_cpu_ms_per_settle": _per(settle_cpu, api_settles),
        # PostgreSQL's own CPU per settle, through the API and as bare SQL (its backends for
        # the bench's database; a backend that exits within the window is not counted).
        "postgres_cpu_ms_per_api_settle": _per(settle_cpu, api_settles, PG) if pg else None,
        "postgres_cpu_ms_per_raw_settle": _per(raw_cpu, raw_settles, PG) if pg else None,
        "api_settles_per_s": round(api_settles, 1),
        "raw_settles_per_s": round(raw_settles, 1),
        "ratio": round(ratio, 3),
        # Each round: its API settle run and the raw baseline right after it.
        "rounds": [
            {
                "api_settles_per_s": round(r.api_settles_per_s, 1),
                "raw_settles_per_s": round(r.raw.settles_per_s, 1),
                "ratio": round(r.ratio, 3),
                "server_cpu_ms_per_settle": _per(r.watch.cpu, r.api_settles_per_s),
            }
            for r in rounds
        ],
        "emulator_charges_per_s": round(charges.rate("charge"), 1),
        "p99_ms": p99,
        "latency": latency,
        "settle_run_latency": settle_latency,
        "think_ms": args.think_ms,
        "paced_cycles_per_s": round(paced[0].rate("cycle"), 1) if paced else None,
        "paced_duration_s": args.paced_duration,
        "paced_requests_per_s": round(paced[0].requests / args.paced_duration, 1)
        if paced
        else None,
        "p99_ms_paced": paced_p99,
        # How long each seat kept the restaurant's check-number counter locked, and each
        # write its outbox counter (pg_activity), in the table cycles and paced.
        "counters_held_ms": {
            "table cycles": _counters_held(cycles_watch, cycles, args.duration),
            "paced table cycles": _counters_held(paced[1], paced[0], args.paced_duration)
            if paced
            else {},
        },
        "paced_latency": paced_latency,
        "emulator_charge_latency": latency_table(charges).get("charge", {}),
        "peak_rss_mb": round(peak.rss_mb, 1),
        "peak_pss_mb": round(peak.pss_mb, 1),
        "server_processes": peak.processes,
        "errors": dict(errors),
        "notes": dict(settles.notes),
        "cpu_cores": {
            "table cycles": cycles_watch.cpu,
            "paced table cycles": paced[1].cpu if paced else {},
            "settle run": settle_cpu,
            "raw baseline": raw_cpu,
        },
        "pg_sessions": {
            "table cycles": cycles_watch.pg_sessions,
            "paced table cycles": paced[1].pg_sessions if paced else {},
            "settle run": _mean_cores([r.watch.pg_sessions for r in rounds]),
        },
        "raw_workers": {"threads": rounds[0].raw.workers, "processes": rounds[0].raw.processes},
        "goals": {
            "ratio >= 0.5": ratio >= 0.5 if kind == "postgresql" else None,
            "p99 < 50 ms (seat, add_line, send, cash_settle), saturated": all(
                latency.get(e, {}).get("p99_ms", math.inf) < 50 for e in goal_p99
            ),
            "p99 < 50 ms (seat, add_line, send, cash_settle), paced": all(
                paced_latency.get(e, {}).get("p99_ms", math.inf) < 50 for e in goal_p99
            )
            if paced
            else None,
            "floor p99 < 20 ms, saturated": latency.get("floor", {}).get("p99_ms", math.inf) < 20,
            "floor p99 < 20 ms, paced": paced_latency.get("floor", {}).get("p99_ms", math.inf) < 20
            if paced
            else None,
            "peak RSS < 200 MB": peak.rss_mb < 200,
        },
        "machine": machine(),
    }


def machine() -> dict[str, Any]:
    memory_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kb = int(line.split()[1])
    return {
        "nproc": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "load_average_at_end": [round(v, 2) for v in os.getloadavg()],
    }


def print_report(summary: dict[str, Any]) -> None:
    out = sys.stderr
    print(f"\n== {summary['db']}: {summary['terminals']} terminals, "
          f"{summary['server_workers']} worker(s) ==", file=out)  # fmt: skip
    print(f"{'endpoint':<14}{'count':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}",
          file=out)  # fmt: skip
    for endpoint, row in summary["latency"].items():
        print(
            f"{endpoint:<14}{row['count']:>8}{row['p50_ms']:>9}{row['p95_ms']:>9}"
            f"{row['p99_ms']:>9}{row['max_ms']:>9}",
            file=out,
        )
    if summary["paced_latency"]:
        print(f"-- paced ({summary['think_ms']:g} ms between taps) --", file=out)
        for endpoint, row in summary["paced_latency"].items():
            print(
                f"{endpoint:<14}{row['count']:>8}{row['p50_ms']:>9}{row['p95_ms']:>9}"
                f"{row['p99_ms']:>9}{row['max_ms']:>9}",
                file=out,
            )
    row = summary["settle_run_latency"]
    if row:
        print(f"{'settle run':<14}{row['count']:>8}{row['p50_ms']:>9}{row['p95_ms']:>9}"
              f"{row['p99_ms']:>9}{row['max_ms']:>9}", file=out)  # fmt: skip
    for key in ("cycles_per_s", "settles_per_s", "payments_per_s", "requests_per_s",
                "paced_cycles_per_s", "paced_requests_per_s", "server_cpu_ms_per_request",
                "server_cpu_ms_per_settle", "postgres_cpu_ms_per_api_settle",
                "postgres_cpu_ms_per_raw_settle", "api_settles_per_s", "raw_settles_per_s",
                "ratio", "emulator_charges_per_s", "counters_held_ms",
                "peak_rss_mb", "peak_pss_mb"):  # fmt: skip
        print(f"{key:<31}{summary[key]}", file=out)
    print(f"{'errors':<31}{summary['errors'] or 'none'}", file=out)
    for phase, cpu in summary["cpu_cores"].items():
        print(f"cores used, {phase}: {cpu}", file=out)
    for phase, sessions in summary["pg_sessions"].items():
        if sessions:
            print(f"PostgreSQL sessions, {phase}: {sessions}", file=out)
    print(f"goals: {summary['goals']}", file=out)


def _finite(value: Any) -> Any:
    """NaN/inf (no samples) as null, so the summary is strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--all", action="store_true", help="PostgreSQL and SQLite, in turn")
    parser.add_argument("--terminals", type=int, default=32)
    parser.add_argument("--duration", type=float, default=30, help="table cycles, measured s")
    parser.add_argument(
        "--paced-duration",
        type=float,
        default=0,
        help="paced cycles, measured s (default: --duration)",
    )
    parser.add_argument("--warmup", type=float, default=5, help="unmeasured s before each run")
    parser.add_argument("--settle-duration", type=float, default=15)
    parser.add_argument("--raw-duration", type=float, default=10)
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="API settle runs, each followed by a raw baseline run (the ratio: their means)",
    )
    parser.add_argument("--ceiling-duration", type=float, default=10)
    parser.add_argument("--workers", type=int, default=0, help="default: the recommended")
    parser.add_argument(
        "--think-ms",
        type=float,
        default=1000,
        help="mean pause before each request in the paced cycle run (0: skip that run)",
    )
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the server (repeatable)",
    )
    parser.add_argument("--floor-tables", type=int, default=200)
    parser.add_argument("--card-share", type=float, default=0.5, help="of cycle payments")
    parser.add_argument("--split-share", type=float, default=0.5, help="of cycle checks")
    parser.add_argument("--api-checks", type=int, default=0, help="default: 500 a terminal a round")
    parser.add_argument(
        "--raw-checks", type=int, default=0, help="default: 20000 (PG), 60000 (SQLite) a round"
    )
    parser.add_argument("--raw-processes", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--profile",
        type=Path,
        nargs="?",
        const=HERE / "out",
        default=None,
        help="run the server under py-spy; profiles go to this folder (default bench/out)",
    )
    parser.add_argument("--save", type=Path, default=None, help="also write the JSON here")
    args = parser.parse_args(argv)
    if args.terminals < 1 or args.duration <= 0 or args.rounds < 1:
        parser.error("--terminals, --duration and --rounds must be positive")
    args.paced_duration = args.paced_duration or args.duration
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    _log(f"uptime: {Path('/proc/loadavg').read_text().strip()}")
    if args.all:
        pg = run_one("postgresql", args)
        print_report(pg)
        lite = run_one("sqlite", args)
        print_report(lite)
        summary = {**pg, "sqlite": lite}
    else:
        summary = run_one(args.db, args)
        print_report(summary)
    summary = _finite(summary)
    if args.save:
        args.save.write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, allow_nan=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
