"""How fast a settled table shows as free on every terminal.

Connects N WebSocket terminals (default 50) to the live feed, then settles a table over HTTP
again and again (seat, ring one item, pay the whole check in cash) and measures, for every
terminal, the time from the payment's HTTP response to the ``table.updated`` event that frees
the table. Reports p50/p99 per backend; the last line printed is a JSON summary.

- SQLite: one server process (the embedded default).
- PostgreSQL: two server processes on one database; half the terminals on each, payments
  through the second, so half the measurements cross processes by LISTEN/NOTIFY.

It starts everything it needs (a temporary database, the card-processor emulator, the
servers) as subprocesses on 127.0.0.1 and stops them (by pid) when done. Bounded: at most
``--rounds`` settles and ``--max-seconds`` per backend.

    .venv/bin/python bench/ws_latency.py                      # both backends
    .venv/bin/python bench/ws_latency.py --backend sqlite --rounds 50
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
from processes import free_port, wait_until_up
from sqlalchemy.engine import make_url
from websockets.asyncio.client import ClientConnection, connect

from tableside.core import migrate
from tableside.core.database import make_engine
from tableside.core.unit_of_work import Database
from tableside.demo import seed_demo

GOAL_P99_MS = 100.0
ROUND_TIMEOUT_S = 5.0
WARMUP_ROUNDS = 5
PG_ADMIN_URL = os.environ.get(
    "TABLESIDE_BENCH_PG_URL",
    os.environ.get(
        "TABLESIDE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    ),
)


@contextlib.contextmanager
def subprocess_on_port(
    args: list[str], health: str, env: dict[str, str], log: Path
) -> Iterator[str]:
    """Start a server subprocess, wait for its health URL, stop it (by its pid) afterwards."""
    with log.open("wb") as out:
        process = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_up(health, process)
        yield health
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def emulator(data_dir: Path) -> contextlib.AbstractContextManager[str]:
    port = free_port()
    args = [sys.executable, "-m", "processor_emulator", "--port", str(port)]
    args += ["--ledger", str(data_dir / "ledger.db")]
    return subprocess_on_port(
        args, f"http://127.0.0.1:{port}/healthz", dict(os.environ), data_dir / "emulator.log"
    )


def server(env: dict[str, str], log: Path) -> contextlib.AbstractContextManager[str]:
    port = free_port()
    args = [sys.executable, "-m", "uvicorn", "tableside.asgi:app_from_env", "--factory"]
    args += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    return subprocess_on_port(args, f"http://127.0.0.1:{port}/healthz", env, log)


@contextlib.contextmanager
def database(backend: str, data_dir: Path) -> Iterator[str]:
    """A fresh, migrated database with the demo data; dropped afterwards (PostgreSQL)."""
    if backend == "sqlite":
        url = f"sqlite:///{data_dir / 'tableside.db'}"
        name = None
    else:
        name = f"tableside_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = make_url(PG_ADMIN_URL)
        conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = admin.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    migrate.upgrade(engine)
    seed_demo(Database(engine))
    engine.dispose()
    try:
        yield url
    finally:
        if name is not None:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the terminals -------------------------------------------------------------------------


@dataclass
class Round:
    table_id: str
    answered_at: float = 0.0  # perf_counter when the payment's HTTP response was read
    arrivals: dict[int, float] = field(default_factory=dict)  # terminal -> perf_counter
    done: asyncio.Event = field(default_factory=asyncio.Event)


class Terminals:
    """N terminals on the live feed, noting when the awaited table.updated reaches each."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.round: Round | None = None
        self.connections: list[ClientConnection] = []
        self.tasks: list[asyncio.Task[None]] = []
        self.server_of: dict[int, str] = {}

    async def connect(self, urls: list[str], token: str, compression: str | None) -> None:
        for i in range(self.count):
            base = urls[i % len(urls)]
            ws = await connect(
                base.replace("http://", "ws://") + "/api/v1/ws?after=0",
                compression=compression,
                proxy=None,
                open_timeout=10,
                max_queue=None,  # never pause: a terminal reads as fast as it can
            )
            await ws.send(json.dumps({"token": token}))
            ready = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert ready["type"] == "ready", ready
            self.connections.append(ws)
            self.server_of[i] = base
            self.tasks.append(asyncio.create_task(self._read(i, ws)))

    async def _read(self, terminal: int, ws: ClientConnection) -> None:
        async for raw in ws:
            now = time.perf_counter()
            text = raw if isinstance(raw, str) else raw.decode()
            if '"table.updated"' not in text:
                if '"heartbeat"' in text:
                    await ws.send('{"type":"heartbeat"}')
                continue
            current = self.round
            event = json.loads(text)
            data = event["data"]
            if (
                current is not None
                and data["table_id"] == current.table_id
                and data["status"] == "available"
                and terminal not in current.arrivals
            ):
                current.arrivals[terminal] = now
                if len(current.arrivals) == self.count:
                    current.done.set()

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for ws in self.connections:
            with contextlib.suppress(Exception):
                await ws.close()


# --- the floor -----------------------------------------------------------------------------


async def settle_rounds(
    http: httpx.AsyncClient,
    terminals: Terminals,
    rounds: int,
    deadline: float,
) -> tuple[list[tuple[int, float]], int, int]:
    """Returns (terminal, latency ms) samples, missed arrivals and rounds actually run."""
    floor = (await http.get("/api/v1/floor")).json()["tables"]
    menu = (await http.get("/api/v1/menu")).json()["items"]
    espresso = next(i for i in menu if i["name"] == "Espresso")
    tables = [t for t in floor if t["status"] == "available"][:4]
    samples: list[tuple[int, float]] = []
    missed = 0
    ran = 0
    for n in range(rounds + WARMUP_ROUNDS):
        if time.monotonic() > deadline:
            break
        table = tables[n % len(tables)]
        seated = await http.post(f"/api/v1/tables/{table['id']}/seat", json={"guests": 2})
        assert seated.status_code == 201, seated.text
        check_id = seated.json()["id"]
        rung = await http.post(
            f"/api/v1/checks/{check_id}/lines",
            json={"menu_item_id": espresso["id"], "seat": 1, "quantity": 1},
        )
        assert rung.status_code == 201, rung.text
        total = rung.json()["total_cents"]
        current = Round(table["id"])
        terminals.round = current
        paid = await http.post(
            f"/api/v1/checks/{check_id}/payments",
            headers={"Idempotency-Key": f"bench-{uuid.uuid4()}"},
            json={
                "tender": "cash",
                "amount_cents": total,
                "tip_cents": 0,
                "cash_tendered_cents": total,
            },
        )
        current.answered_at = time.perf_counter()
        assert paid.status_code == 201, paid.text
        assert paid.json()["table"]["status"] == "available", paid.text
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(current.done.wait(), ROUND_TIMEOUT_S)
        terminals.round = None
        if n < WARMUP_ROUNDS:
            continue
        ran += 1
        missed += terminals.count - len(current.arrivals)
        for terminal, arrived in current.arrivals.items():
            # An event can beat the HTTP response to the bench: that is 0 ms of waiting.
            samples.append((terminal, max(0.0, (arrived - current.answered_at) * 1000)))
    return samples, missed, ran


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(values, 50), 2),
        "p99_ms": round(percentile(values, 99), 2),
        "max_ms": round(max(values), 2) if values else float("nan"),
        "mean_ms": round(statistics.fmean(values), 2) if values else float("nan"),
    }


async def measure(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"ws-latency-{backend}-") as tmp:
        data_dir = Path(tmp)
        with database(backend, data_dir) as url, emulator(data_dir) as emulator_health:
            env = {
                **os.environ,
                "TABLESIDE_DATABASE_URL": url,
                "TABLESIDE_PROCESSOR_URL": emulator_health.removesuffix("/healthz"),
                "TABLESIDE_DATA_DIR": str(data_dir),
            }
            processes = 1 if backend == "sqlite" else 2
            with contextlib.ExitStack() as stack:
                urls = [
                    stack.enter_context(server(env, data_dir / f"server-{i}.log")).removesuffix(
                        "/healthz"
                    )
                    for i in range(processes)
                ]
                return await _measure(backend, urls, args)


async def _measure(backend: str, urls: list[str], args: argparse.Namespace) -> dict[str, Any]:
    driver_url = urls[-1]  # payments go through the last process
    login = httpx.post(
        f"{driver_url}/api/v1/auth/login", json={"restaurant": "demo", "pin": "1234"}
    )
    token = login.json()["token"]
    terminals = Terminals(args.clients)
    compression = None if args.no_compression else "deflate"
    await terminals.connect(urls, token, compression)
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.monotonic() + args.max_seconds
    started = time.monotonic()
    try:
        async with httpx.AsyncClient(base_url=driver_url, headers=headers, timeout=30) as http:
            samples, missed, ran = await settle_rounds(http, terminals, args.rounds, deadline)
    finally:
        await terminals.close()
    result: dict[str, Any] = {
        "backend": backend,
        "server_processes": len(urls),
        "clients": args.clients,
        "rounds": ran,
        "samples": len(samples),
        "missed": missed,
        **summary([ms for _, ms in samples]),
        "seconds": round(time.monotonic() - started, 1),
    }
    if len(urls) > 1:
        same = [ms for t, ms in samples if terminals.server_of[t] == driver_url]
        other = [ms for t, ms in samples if terminals.server_of[t] != driver_url]
        result["same_process"] = summary(same)
        result["other_process"] = summary(other)
    result["goal_p99_ms"] = GOAL_P99_MS
    result["met"] = missed == 0 and result["p99_ms"] < GOAL_P99_MS
    return result


def run(coroutine: Any) -> Any:
    """On uvloop when installed (it is, with uvicorn[standard]), as the servers run."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--max-seconds", type=float, default=120.0, help="per backend")
    parser.add_argument(
        "--no-compression", action="store_true", help="do not offer permessage-deflate"
    )
    args = parser.parse_args()
    if not (1 <= args.clients <= 500 and 1 <= args.rounds <= 10_000):
        parser.error("--clients must be 1..500 and --rounds 1..10000")
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = []
    for backend in backends:
        result = run(measure(backend, args))
        print(
            f"{backend}: {result['clients']} terminals, {result['rounds']} settles: "
            f"p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, max {result['max_ms']} ms, "
            f"missed {result['missed']}",
            flush=True,
        )
        results.append(result)
    print(json.dumps({"bench": "ws_latency", "results": results}))
    return 0 if all(r["missed"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
