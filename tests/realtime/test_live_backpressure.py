"""Terminals that stop reading or answering: dropped with a code that says what to do, and
never at the expense of the others."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

import pytest
from harness import LiveServer, wait_for
from live_feed import Feed, emit_burst, restaurant_id
from terminal import Terminal

from tableside.core.unit_of_work import Database

BURST = 400
PAD = 4000  # bytes per event: enough to fill a stalled socket's buffers quickly


@pytest.fixture
def small_queue_server(db: Database, start_live_server: Callable[..., LiveServer]) -> LiveServer:
    # Small socket buffers, so that a terminal that stops reading stalls its sends after a
    # few kilobytes instead of the megabytes a loopback connection would otherwise absorb.
    return start_live_server(db=db, send_buffer=16384, queue_size=16, fanout_page=8)


def stalling_socket(port: int) -> socket.socket:
    """A tablet that stops reading: a tiny receive buffer, so the server notices soon."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    return sock


def test_a_terminal_that_stops_reading_is_dropped_without_holding_up_the_others(
    small_queue_server: LiveServer, db: Database
) -> None:
    server = small_queue_server
    token = Terminal(server.url).token
    demo = restaurant_id(db, "demo")
    slow = Feed(server.url, token, sock=stalling_socket(server.port), max_queue=1)
    fast = Feed(server.url, token)
    slow.wait_ready()
    fast.wait_ready()
    wait_for(lambda: server.hub.subscriber_count() == 2, what="both terminals to subscribe")

    committed_at: list[float] = []

    def write() -> None:
        emit_burst(db, demo, BURST, pad=PAD)
        committed_at.append(time.monotonic())

    writer = threading.Thread(target=write)
    writer.start()
    received = fast.events(BURST)  # the slow one reads nothing meanwhile
    fast_done_at = time.monotonic()
    writer.join()

    assert [e["seq"] for e in received] == list(range(1, BURST + 1))
    wait_for(lambda: server.hub.subscriber_count() == 1, what="the slow terminal to be dropped")
    # Now the slow tablet reads again: what was on the wire, then the reason it was let go.
    closed, got = slow.closed()
    assert closed.code == 4429
    last = got[-1]["seq"]
    assert closed.reason == f"too slow: reconnect with after={last}"
    assert [e["seq"] for e in got] == list(range(1, last + 1))
    assert last < BURST
    # The fast one had the last event as soon as it was committed (in practice: within
    # milliseconds), never waiting for the stalled one.
    assert fast_done_at - committed_at[0] < 2.0

    # It reconnects from its last seq and gets exactly the rest.
    with Feed(server.url, token, after=last) as again:
        again.wait_ready()
        rest = again.events(BURST - last)
    assert [e["seq"] for e in got + rest] == list(range(1, BURST + 1))
    fast.close()


@pytest.fixture
def quick_heartbeat_server(
    db: Database, start_live_server: Callable[..., LiveServer]
) -> LiveServer:
    return start_live_server(db=db, heartbeat_s=0.1, client_timeout_s=1.0)


def test_heartbeats_keep_an_answering_terminal_and_drop_a_silent_one(
    quick_heartbeat_server: LiveServer,
) -> None:
    server = quick_heartbeat_server
    waiter = Terminal(server.url)
    answering = Feed(server.url, waiter.token)
    silent = Feed(server.url, waiter.token, answer_heartbeats=False)
    answering.wait_ready()
    silent.wait_ready()

    answering.keep_answering_while(lambda: not silent.is_closed())
    closed, _ = silent.closed()
    assert closed.code == 4408
    assert "answer heartbeats" in closed.reason

    # The answering one outlived the silent one's deadline and is still live.
    waiter.seat("T8")
    assert answering.event()["type"] == "table.updated"
    assert len(answering.heartbeats) >= 5
    assert answering.heartbeats[-1] == {"type": "heartbeat", "last_seq": 0}
    answering.close()


def test_a_terminal_whose_session_ends_is_closed(quick_heartbeat_server: LiveServer) -> None:
    server = quick_heartbeat_server
    manager = Terminal(server.url, pin="9999")
    # A fresh login of its own, so logging it out does not end other tests' cached session.
    login = manager.http.post(
        "/api/v1/auth/login", json={"restaurant": "demo", "pin": "2345"}
    ).json()
    feed = Feed(server.url, login["token"])
    feed.wait_ready()
    out = manager.http.post(
        "/api/v1/auth/logout", headers={"Authorization": f"Bearer {login['token']}"}
    )
    assert out.status_code == 204
    closed, _ = feed.closed()
    assert closed.code == 4401
    assert "session ended" in closed.reason
