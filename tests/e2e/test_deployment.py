"""The production deployment of docs/deployment.md, with its database restarted mid-service.

Two `tableside serve` processes (the rush's) on one PostgreSQL through PgBouncer in
transaction pooling mode, their LISTEN connections going to PostgreSQL directly. A
`tableside rush` works the floor across both; part-way through, PostgreSQL is restarted
(`pg_ctl restart -m fast`, every session ended). Every request in flight then answers a 503
or completes, never a 500; the servers reconnect by themselves (no process is restarted);
nothing committed is lost and nothing is left half-done; `tableside check` is clean; and a
change made through one process reaches a terminal on the other by LISTEN/NOTIFY.

The cluster and PgBouncer are the test's own (tests/own_postgres.py): the shared
PostgreSQL is never restarted.
"""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from harness import LiveServer, settings_for
from own_postgres import OwnPostgres, PgBouncer, missing
from terminal import Terminal
from websockets.sync.client import connect

from tableside.core import migrate
from tableside.core.database import make_engine
from tableside.core.unit_of_work import Database
from tableside.demo import seed_demo

ACTIONS = 240
SEED = 11
RESTART_AFTER = 48  # actions walked before PostgreSQL is restarted
# Longer than the test: an event that arrives in time came by LISTEN/NOTIFY, not the poll.
POLL_S = "120"
NOTIFIED_WITHIN_S = 10.0


@pytest.fixture
def own_cluster() -> Iterator[OwnPostgres]:
    """A PostgreSQL of this test's own, with an empty database ``tableside``."""
    lacking = missing()
    if lacking is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the deployment tests: {lacking}")
        pytest.skip(lacking)
    with OwnPostgres() as postgres:
        postgres.create_database("tableside")
        yield postgres


@pytest.fixture
def own_postgres(own_cluster: OwnPostgres) -> Iterator[tuple[OwnPostgres, PgBouncer]]:
    """That PostgreSQL with PgBouncer in front, pooling per transaction."""
    with PgBouncer(own_cluster) as bouncer:
        yield own_cluster, bouncer


class Rush:
    """``tableside rush`` in the background, its output read line by line as it comes."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.popen = subprocess.Popen(
            args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.output.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def until(self, pattern: str, timeout_s: float = 120.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            if line is None:
                raise AssertionError(f"the rush never printed {pattern!r}:\n{self.shown()}")
            found = re.search(pattern, line)
            if found:
                return found

    def shown(self) -> str:
        return "".join(self.output)[-8000:]


def wait_healthy(urls: list[str], timeout_s: float = 60.0) -> float:
    """Seconds until every server's /healthz answers 200 (the database reached again)."""
    began = time.monotonic()
    pending = list(urls)
    while pending:
        try:
            if httpx.get(f"{pending[0]}/healthz", timeout=2.0).status_code == 200:
                pending.pop(0)
                continue
        except httpx.HTTPError:
            pass
        assert time.monotonic() - began < timeout_s, f"{pending} never answered again"
        time.sleep(0.1)
    return time.monotonic() - began


def next_event(ws: Any, timeout_s: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        message: dict[str, Any] = json.loads(ws.recv(timeout=max(0.0, deadline - time.monotonic())))
        if message.get("type") == "heartbeat":
            ws.send(json.dumps({"type": "pong"}))
            continue
        return message


def seat_on_one_seen_on_the_other(one: str, other: str) -> float:
    """Seat a table of restaurant demo2 (the rush works demo) through ``one``; seconds until
    a terminal connected to ``other`` hears of it."""
    host = Terminal(one, restaurant="demo2", pin="9999")
    kitchen = Terminal(other, restaurant="demo2", pin="5555")
    ws_url = other.replace("http://", "ws://", 1) + "/api/v1/ws?after=0"
    try:
        with connect(ws_url, open_timeout=10, proxy=None) as ws:
            ws.send(json.dumps({"token": kitchen.token}))
            ready = next_event(ws, 10.0)
            assert ready["type"] == "ready", ready
            free = next(t for t in host.floor() if t["status"] == "available")
            began = time.monotonic()
            check = host.seat(free["label"], guests=2)
            while True:
                event = next_event(ws, NOTIFIED_WITHIN_S)
                data = event.get("data") or {}
                if check["id"] in (data.get("check_id"), data.get("id")):
                    return time.monotonic() - began
    finally:
        host.close()
        kitchen.close()


@pytest.mark.slow
def test_two_servers_through_pgbouncer_ride_out_a_database_restart_mid_rush(
    own_postgres: tuple[OwnPostgres, PgBouncer], tmp_path: Path
) -> None:
    postgres, bouncer = own_postgres
    pooled, direct = bouncer.url("tableside"), postgres.url("tableside")
    night = tmp_path / "night"
    summary_path = tmp_path / "summary.json"
    env = {
        **os.environ,
        "TABLESIDE_DATABASE_URL": pooled,
        "TABLESIDE_LISTEN_DATABASE_URL": direct,
        "TABLESIDE_OUTBOX_POLL_S": POLL_S,
    }
    rush = Rush(
        [
            *(sys.executable, "-m", "tableside.cli", "rush", "--database-url", pooled),
            *("--actions", str(ACTIONS), "--seed", str(SEED), "--terminals", "4"),
            # No processor faults and no server kills: the trouble is the database's.
            *("--fault-every", "0", "--kill-every", "0"),
            *("--data-dir", str(night), "--json", str(summary_path)),
        ],
        env,
    )
    try:
        servers = rush.until(r"servers on (\S+), (\S+):").groups()
        urls = [url.rstrip(",") for url in servers]
        walked = rush.until(r"^\s+(\d+)/\d+ actions")
        while int(walked.group(1)) < RESTART_AFTER:
            walked = rush.until(r"^\s+(\d+)/\d+ actions")

        postgres.restart()
        back_in_s = wait_healthy(urls)
        # After the restart, through the same processes: a change made on each reaches a
        # terminal on the other by NOTIFY (the poll is off), so both LISTENs are back.
        a_to_b = seat_on_one_seen_on_the_other(urls[0], urls[1])
        b_to_a = seat_on_one_seen_on_the_other(urls[1], urls[0])

        rush.popen.wait(timeout=300)
    finally:
        if rush.popen.poll() is None:
            rush.popen.kill()
            rush.popen.wait()
    shown = rush.shown()
    assert rush.popen.returncode == 0, shown
    assert "RUSH OK" in shown, shown
    summary = json.loads(summary_path.read_text())
    print(f"back in {back_in_s:.2f} s; live events A→B {a_to_b:.2f} s, B→A {b_to_a:.2f} s")
    print(f"outcomes: {json.dumps(summary['actions_by_kind'])}")

    # The servers were never restarted: they reconnected by themselves.
    assert summary["kills"] == 0 and summary["restarts"] == 0, shown
    assert a_to_b < NOTIFIED_WITHIN_S and b_to_a < NOTIFIED_WITHIN_S

    # No answer was a 500 (the rush holds every answer to that), and no server logged one.
    assert summary["violations"] == [], shown
    for log in sorted((night / "logs").glob("server-*.log")):
        text = log.read_text()
        for sign in ("unhandled error", "Exception in ASGI application", " 500 "):
            assert sign not in text, f"{log.name}:\n{text[-6000:]}"

    # Nothing committed is lost: every payment the terminals were told was captured is in
    # the database, and the processor charged what the database holds by card.
    retries = summary["retries"]
    assert retries["unresolved"] == [], shown
    assert summary["check"]["ok"], shown
    assert summary["check"]["violations"] == [], shown
    money = summary["money"]
    assert money["processor_charged_cents"] == (
        money["captured_cents"].get("card", 0) + money["tips_cents"].get("card", 0)
    ), shown
    with psycopg.connect(postgres.conninfo("tableside")) as conn:
        stored = dict(
            conn.execute(
                """SELECT p.tender, sum(p.amount_cents) FROM payments p
                   JOIN restaurants r ON r.id = p.restaurant_id
                   WHERE r.slug = 'demo' AND p.status = 'captured' GROUP BY p.tender"""
            ).fetchall()
        )
        assert stored == money["captured_cents"], shown
        # Nothing half-done: no payment pending, no transaction left open anywhere.
        pending = conn.execute("SELECT count(*) FROM payments WHERE status = 'pending'")
        assert pending.fetchone() == (0,)
        idle = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'"
        )
        assert idle.fetchone() == (0,)
    check = subprocess.run(
        [sys.executable, "-m", "tableside.cli", "check", "--no-processor"],
        env={**env, "TABLESIDE_DATABASE_URL": pooled, "TABLESIDE_DATA_DIR": str(night)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_login_and_a_payment_while_postgresql_shuts_down_is_down_or_refuses_answer_503(
    own_cluster: OwnPostgres, tmp_path: Path
) -> None:
    url = own_cluster.url("tableside")
    engine = make_engine(url)
    migrate.upgrade(engine)
    seed_demo(Database(engine))
    engine.dispose()
    settings = settings_for(url, "http://127.0.0.1:9", tmp_path)  # cash needs no processor
    with LiveServer(settings) as server:
        waiter = Terminal(server.url)
        check = waiter.seat("T1")
        waiter.ring(check["id"], "House red (glass)")
        total = waiter.check(check["id"])["total_cents"]
        pool = server.app.state.db.engine

        def answers() -> list[tuple[str, int, str]]:
            pool.dispose()  # the next request needs a new connection, as after a restart
            login = httpx.post(
                f"{server.url}/api/v1/auth/login", json={"restaurant": "demo", "pin": "2345"}
            )
            pay = waiter.pay(check["id"], total)
            return [
                (what, answer.status_code, answer.json()["error"]["code"])
                for what, answer in (("login", login), ("payment", pay))
                if answer.status_code >= 400
            ]

        unavailable = [
            ("login", 503, "database_unavailable"),
            ("payment", 503, "database_unavailable"),
        ]
        # "the database system is shutting down": a smart shutdown waits for this session.
        held = psycopg.connect(own_cluster.conninfo("postgres"), autocommit=True)
        own_cluster.pg_ctl("stop", "-m", "smart", "-W")
        assert answers() == unavailable
        # Connection refused: it is down (the servers' LISTEN sessions ended too).
        held.close()
        own_cluster.pg_ctl("stop", "-m", "fast")
        assert answers() == unavailable
        # Up, but "not accepting connections" yet (57P03, as while it starts up).
        own_cluster.start_as_standby()
        assert answers() == unavailable
        # Back: the same server logs in and takes the payment, nothing was taken before.
        own_cluster.promote()
        assert waiter.check(check["id"])["payments"] == []
        assert answers() == []
        assert waiter.check(check["id"])["status"] == "closed"
        waiter.close()
