"""Several server processes on one database: a change committed through any of them reaches
the terminals of every one, and a lost wake-up delays an event but never loses it."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from harness import LiveServer, Spawned, wait_for
from live_feed import Feed, emit_burst, log_of, restaurant_id, table_freed
from sqlalchemy import text
from terminal import Terminal

from tableside.core.unit_of_work import Database

PAYMENTS = "/api/v1/checks/{check_id}/payments"


@pytest.fixture
def two_servers(db: Database, start_server_process: Callable[..., Spawned]) -> tuple[str, str]:
    """Servers A and B as real processes on the test database."""
    # PostgreSQL: the poll is off for the test, so only LISTEN/NOTIFY can carry an event
    # from B to A in time. SQLite has no NOTIFY: between processes the poll is the wake-up.
    poll_s = "0.2" if db.is_sqlite else "60"
    a, b = (start_server_process(TABLESIDE_OUTBOX_POLL_S=poll_s) for _ in range(2))
    return a.url, b.url


@pytest.mark.slow
def test_a_terminal_on_one_process_sees_a_table_cycle_driven_through_another(
    two_servers: tuple[str, str],
) -> None:
    a, b = two_servers
    waiter = Terminal(b)
    host_stand = Terminal(a)  # the same restaurant, logged in on the other process
    with Feed(a, host_stand.token) as feed:
        feed.wait_ready()
        check = waiter.seat("T9", guests=4)
        seated = feed.events(2)
        waiter.ring(check["id"], "Ribeye 12 oz", seat=1, options=["Medium rare", "Fries"])
        waiter.ring(check["id"], "House red (glass)", seat=1, quantity=2)
        check = waiter.send(check["id"])
        assert openapi_has(b, PAYMENTS), "the payments endpoint is not there"
        paid = waiter.pay(check["id"], check["total_cents"])
        assert paid.status_code == 201, paid.text
        rest = feed.until(table_freed(check["table_id"]))
        committed = log_of(waiter.http)
        rest += feed.events(len(committed) - len(seated) - len(rest))

    seen = seated + rest
    assert seen == committed  # in order, each once, exactly what B committed
    assert [e["type"] for e in seated] == ["table.updated", "check.updated"]
    assert seated[0]["data"]["status"] == "occupied"
    types = [e["type"] for e in seen]
    assert types.index("ticket.created") < types.index("payment.captured")
    freed = next(e for e in seen if table_freed(check["table_id"])(e))
    assert freed["data"] == {"table_id": check["table_id"], "status": "available", "check_id": None}


def openapi_has(url: str, path: str) -> bool:
    return path in httpx.get(f"{url}/openapi.json").json()["paths"]


@pytest.fixture
def own_server(start_live_server: Callable[..., LiveServer]) -> LiveServer:
    """A server with its own Database object: the tests' commits do not wake it in-process,
    as if they came from another process. Its poll is off."""
    return start_live_server(poll_s=60.0, listen_backoff_max_s=0.5)


def test_a_notification_lost_while_the_listener_was_down_is_made_up_on_reconnect(
    own_server: LiveServer, db: Database
) -> None:
    if db.is_sqlite:
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; SQLite is one process, woken in-process")
    wakeups = own_server.hub.wakeups
    assert wakeups is not None
    wait_for(wakeups.connected.is_set, what="the hub to LISTEN")
    demo = restaurant_id(db, "demo")
    with Feed(own_server.url, Terminal(own_server.url).token) as feed:
        feed.wait_ready()
        wait_for(lambda: own_server.hub.subscriber_count() == 1, what="the terminal to subscribe")
        wait_for(own_server.hub.quiet, what="the hub to have nothing left to read")
        emit_burst(db, demo, 1)
        assert feed.event()["seq"] == 1  # only the NOTIFY could have woken the hub for it

        # The next notification never reaches the hub (as if sent while it was away) …
        wait_for(own_server.hub.quiet, what="the hub to have nothing left to read")
        lost: list[int] = []
        deliver = wakeups.on_commit
        wakeups.on_commit = lambda _restaurant, seq: lost.append(seq)
        emit_burst(db, demo, 1)
        wait_for(lambda: lost == [2], what="the notification of seq 2 to be lost")
        wakeups.on_commit = deliver
        # … then the listening connection drops, and the hub reconnects and re-reads.
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = 'tableside-outbox-listener' "
                    "AND datname = current_database()"
                )
            )
        assert feed.event()["seq"] == 2
        assert wakeups.reconnects >= 1
        emit_burst(db, demo, 1)
        assert feed.event()["seq"] == 3  # and it listens again


def test_a_lost_wake_up_only_delays_an_event_the_poll_delivers_it(
    db: Database, start_live_server: Callable[..., LiveServer]
) -> None:
    server = start_live_server(poll_s=0.2)
    if server.hub.wakeups is not None:
        wait_for(server.hub.wakeups.connected.is_set, what="the hub to LISTEN")
        server.hub.wakeups.on_commit = lambda _restaurant, _seq: None  # every NOTIFY lost
    with Feed(server.url, Terminal(server.url).token) as feed:
        feed.wait_ready()
        emit_burst(db, restaurant_id(db, "demo"), 3, per_commit=3)
        assert [e["seq"] for e in feed.events(3)] == [1, 2, 3]
