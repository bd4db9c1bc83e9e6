"""The live floor over WS /api/v1/ws: every committed change reaches every terminal of its
restaurant, in order, once — and nothing else does."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest
from harness import LiveServer, wait_for
from live_feed import Feed, emit_burst, log_of, restaurant_id, table_freed
from terminal import Terminal

from tableside.core.unit_of_work import Database


def seqs(events: list[dict[str, Any]]) -> list[int]:
    return [e["seq"] for e in events]


def full_cycle(server: Terminal, label: str) -> dict[str, Any]:
    """Seat, ring two lines, fire them, pay the whole check in cash: the table is free."""
    check = server.seat(label, guests=2)
    server.ring(check["id"], "Crispy calamari", seat=1)
    server.ring(check["id"], "Bistro burger", seat=2, options=["Medium", "Fries"])
    check = server.send(check["id"])
    paid = server.pay(check["id"], check["total_cents"])
    assert paid.status_code == 201, paid.text
    assert paid.json()["table"]["status"] == "available"
    return check


def test_a_terminal_sees_a_whole_table_cycle_in_commit_order(
    live_server: str, server: Terminal
) -> None:
    with Feed(live_server, server.token) as feed:
        assert feed.wait_ready() == {"type": "ready", "after": 0, "last_seq": 0}
        check = full_cycle(server, "T1")
        committed = log_of(server.http)  # every change of the cycle, as GET /events has it
        seen = feed.events(len(committed))

    assert seen == committed  # the same events, field for field
    assert seqs(seen) == list(range(1, len(seen) + 1))
    types = [e["type"] for e in seen]
    assert seen[0]["type"] == "table.updated"
    assert seen[0]["data"] == {
        "table_id": check["table_id"],
        "status": "occupied",
        "check_id": check["id"],
    }
    assert types.index("ticket.created") < types.index("payment.captured")
    freed = next(e for e in seen if table_freed(check["table_id"])(e))
    assert types.index("payment.captured") < seen.index(freed)


def test_a_terminal_that_drops_mid_stream_gets_exactly_what_it_missed_on_reconnect(
    live_server: str, server: Terminal
) -> None:
    check = server.seat("T2", guests=3)
    for seat in (1, 2, 3):
        server.ring(check["id"], "Fresh lemonade", seat=seat)
    feed = Feed(live_server, server.token)
    feed.wait_ready()
    first = feed.events(3)  # more are on their way when the tablet loses its wifi
    feed.drop()
    check = server.send(check["id"])
    assert server.pay(check["id"], check["total_cents"]).status_code == 201

    with Feed(live_server, server.token, after=first[-1]["seq"]) as again:
        assert again.wait_ready()["after"] == first[-1]["seq"]
        rest = again.until(table_freed(check["table_id"]))
        server.seat("T3")
        live = again.event()  # caught up, then live: the next number, once

    assert first + rest == log_of(server.http)[: len(first) + len(rest)]
    assert seqs(first + rest) == list(range(1, len(first) + len(rest) + 1))
    assert live["seq"] == rest[-1]["seq"] + 1


def test_catching_up_while_the_floor_keeps_changing_has_no_gap_and_no_duplicate(
    live_server: str, server: Terminal, db: Database
) -> None:
    demo = restaurant_id(db, "demo")
    emit_burst(db, demo, 1200, per_commit=40)  # more than two catch-up pages behind
    writing = threading.Thread(target=emit_burst, args=(db, demo, 300), kwargs={"per_commit": 3})
    with Feed(live_server, server.token) as feed:
        feed.wait_ready()
        writing.start()  # commits land while the terminal reads its backlog
        received = feed.events(1500)
        writing.join()
        server.seat("T4")
        received.append(feed.event())
    assert seqs(received) == list(range(1, 1502))
    assert received[-1]["type"] == "table.updated"


def test_a_terminal_of_one_restaurant_never_hears_of_another(
    live_server: str, server: Terminal
) -> None:
    other = Terminal(live_server, "demo2", "1234")
    with Feed(live_server, other.token) as theirs, Feed(live_server, server.token) as ours:
        theirs.wait_ready()
        ours.wait_ready()
        check = full_cycle(server, "T1")
        ours.until(table_freed(check["table_id"]))
        their_check = other.seat("T1")
        heard = theirs.event()
        server.seat("T2")
        ours.event()
    ours_log = log_of(server.http)
    assert heard["seq"] == 1  # demo2's own numbering: nothing of demo's came first
    assert heard["data"]["check_id"] == their_check["id"]
    assert all(check["id"] not in str(e) for e in log_of(other.http))
    assert all(their_check["id"] not in str(e) for e in ours_log)


def test_a_change_that_rolled_back_sends_nothing(live_server: str, server: Terminal) -> None:
    with Feed(live_server, server.token) as feed:
        feed.wait_ready()
        check = server.seat("T5")
        seated = feed.events(2)
        taken = server.post(f"/tables/{check['table_id']}/seat", {"guests": 2})
        assert taken.status_code == 409
        soup = server.ring_response(check["id"], "Soup of the day")  # 86'd
        assert soup.status_code == 422
        server.ring(check["id"], "Espresso")
        after_ring = feed.event()
    assert after_ring["seq"] == seated[-1]["seq"] + 1  # nothing came in between
    assert after_ring["type"] == "check.updated"
    assert seqs(log_of(server.http)) == [1, 2, 3]


def test_one_commit_is_read_once_per_restaurant_whatever_the_number_of_terminals(
    running_server: LiveServer, server: Terminal
) -> None:
    feeds = [Feed(running_server.url, server.token) for _ in range(12)]
    try:
        for feed in feeds:
            feed.wait_ready()
        wait_for(lambda: running_server.hub.subscriber_count() == 12, what="12 subscribers")
        wait_for(running_server.hub.quiet, what="the hub to have nothing left to read")
        reads = running_server.hub.fanout_reads
        server.seat("T6")
        assert all(len(feed.events(2)) == 2 for feed in feeds)
        # One read for all twelve (two at most: on PostgreSQL the NOTIFY may come in while
        # the in-process wake-up's read is under way, and cause a second, empty one).
        assert running_server.hub.fanout_reads - reads <= 2
    finally:
        for feed in feeds:
            feed.close()


def test_the_cookie_authenticates_a_screen_of_the_same_origin(
    running_server: LiveServer, server: Terminal
) -> None:
    cookie = {"Cookie": f"tableside_token={server.token}"}
    host = f"127.0.0.1:{running_server.port}"
    with Feed(running_server.url, None, headers={**cookie, "Origin": f"http://{host}"}) as feed:
        feed.wait_ready()
        server.seat("T7")
        assert feed.event()["type"] == "table.updated"

    # A screen whose login has ended hears so at once.
    stale = {"Cookie": "tableside_token=expired", "Origin": f"http://{host}"}
    with Feed(running_server.url, None, headers=stale) as feed:
        closed, before = feed.closed(timeout_s=2)
    assert (closed.code, before) == (4401, [])

    # Another site's page cannot ride on the cookie: it must present a token itself.
    foreign = {**cookie, "Origin": "http://evil.example"}
    with Feed(running_server.url, "not-a-token", headers=foreign) as feed:
        closed, before = feed.closed()
    assert (closed.code, before) == (4401, [])


@pytest.mark.parametrize(
    ("query", "first_message", "code"),
    [
        ("", '{"hello": "there"}', 4401),  # the first message is not a token
        ("", '{"token": "not-a-token"}', 4401),
        ("", "not even json", 4401),
        ("&token=TOKEN", None, 4400),  # never in the URL (logs keep URLs), even a good one
    ],
)
def test_a_connection_without_a_valid_token_is_closed_with_a_code_saying_why(
    live_server: str, server: Terminal, query: str, first_message: str | None, code: int
) -> None:
    with Feed(live_server, None, query=query.replace("TOKEN", server.token)) as feed:
        if first_message is not None:
            feed.send(first_message)
        closed, before = feed.closed()
    assert closed.code == code
    assert before == []
    assert server.token not in closed.reason


@pytest.mark.parametrize("after", ["-1", "one", "1.5", "%C2%B2", "1" * 19])
def test_after_must_be_a_seq(live_server: str, server: Terminal, after: str) -> None:
    with Feed(live_server, server.token, after=after) as feed:
        closed, before = feed.closed()
    assert (closed.code, before) == (4400, [])


def test_the_http_log_stays_paged_with_the_same_shape(
    live_server: str, server: Terminal, db: Database
) -> None:
    emit_burst(db, restaurant_id(db, "demo"), 7, per_commit=7)
    page = server.get("/events", params={"after": 2, "limit": 3}).json()
    assert [e["seq"] for e in page["events"]] == [3, 4, 5]
    assert set(page["events"][0]) == {"seq", "type", "at", "data"}
    assert (page["last_seq"], page["has_more"], page["resync_required"]) == (7, True, False)
    assert httpx.get(f"{live_server}/api/v1/events").status_code == 401


def test_the_http_log_refuses_a_seq_beyond_any_there_can_be(server: Terminal) -> None:
    response = server.get("/events", params={"after": str(10**18)})
    assert response.status_code == 422, response.text
    assert server.get("/events", params={"after": str(10**18 - 1)}).status_code == 200
