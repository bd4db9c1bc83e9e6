"""Outbox retention: old events go, numbering never restarts, and a terminal that asks for
what is gone is told to reload instead of getting a log with a hole in it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from live_feed import Feed, emit_burst, log_of, restaurant_id
from terminal import Terminal

from tableside.config import ConfigError
from tableside.core.models import utcnow
from tableside.core.unit_of_work import Database
from tableside.realtime.outbox import prune
from tableside.realtime.repository import Events
from tableside.realtime.settings import RealtimeSettings

WEEK = timedelta(days=7)


def age(db: Database, restaurant: str, upto_seq: int, days: float) -> None:
    """Make events 1..upto_seq look ``days`` old."""
    with db.unit(restaurant) as uow:
        for row in Events.of(uow).after(0, upto_seq):
            row.at = utcnow() - timedelta(days=days)
        uow.commit()


def test_pruning_drops_old_events_but_never_reuses_a_seq(server: Terminal, db: Database) -> None:
    demo = restaurant_id(db, "demo")
    emit_burst(db, demo, 10)
    age(db, demo, 6, days=8)

    assert prune(db, WEEK) == 6
    assert prune(db, WEEK) == 0
    server.seat("T1")
    kept = log_of(server.http, after=6)
    assert [e["seq"] for e in kept] == [7, 8, 9, 10, 11, 12]  # seating continued at 11
    assert kept[-2]["type"] == "table.updated"


def test_pruning_keeps_every_restaurants_newest_event(
    live_server: str, server: Terminal, db: Database
) -> None:
    demo, demo2 = restaurant_id(db, "demo"), restaurant_id(db, "demo2")
    emit_burst(db, demo, 3)
    emit_burst(db, demo2, 2)
    age(db, demo, 3, days=30)
    age(db, demo2, 1, days=30)

    assert prune(db, WEEK) == 3  # demo's 1 and 2, demo2's 1
    assert [e["seq"] for e in log_of(server.http, after=2)] == [3]
    other = Terminal(live_server, "demo2", "1234")
    assert [e["seq"] for e in log_of(other.http, after=1)] == [2]


@pytest.mark.parametrize("after", [0, 5])
def test_asking_for_pruned_events_over_http_says_resync(
    server: Terminal, db: Database, after: int
) -> None:
    demo = restaurant_id(db, "demo")
    emit_burst(db, demo, 10)
    age(db, demo, 6, days=8)
    prune(db, WEEK)

    answer = server.get("/events", params={"after": after})
    assert answer.status_code == 200
    assert answer.json() == {
        "events": [],
        "last_seq": 10,
        "has_more": False,
        "resync_required": True,
        "oldest_seq": 7,
    }
    assert [e["seq"] for e in log_of(server.http, after=6)] == [7, 8, 9, 10]


def test_a_terminal_behind_the_pruned_log_is_told_to_resync_and_from_where(
    live_server: str, server: Terminal, db: Database
) -> None:
    demo = restaurant_id(db, "demo")
    emit_burst(db, demo, 10)
    age(db, demo, 6, days=8)
    prune(db, WEEK)

    with Feed(live_server, server.token, after=3) as feed:
        notice = feed.message()
        closed, before = feed.closed()
    assert notice == {"type": "resync_required", "after": 3, "last_seq": 10, "oldest_seq": 7}
    assert (closed.code, before) == (4409, [])
    assert closed.reason.endswith("after=10")

    # Having reloaded the floor, it continues from where the notice said.
    with Feed(live_server, server.token, after=10) as feed:
        feed.wait_ready()
        server.seat("T2")
        assert feed.event()["seq"] == 11


def test_a_terminal_ahead_of_the_log_is_told_to_resync(live_server: str, server: Terminal) -> None:
    server.seat("T3")  # seqs 1 and 2; a terminal claiming 40 saw another history
    with Feed(live_server, server.token, after=40) as feed:
        notice = feed.message()
        closed, _ = feed.closed()
    assert notice["type"] == "resync_required"
    assert notice["last_seq"] == 2
    assert closed.code == 4409
    assert server.get("/events", params={"after": 40}).json()["resync_required"] is True


def test_retention_and_the_other_knobs_come_from_the_environment() -> None:
    settings = RealtimeSettings.from_env(
        {"TABLESIDE_OUTBOX_RETENTION_DAYS": "3", "TABLESIDE_WS_HEARTBEAT_S": "5"}
    )
    assert (settings.retention_days, settings.heartbeat_s) == (3, 5)
    assert RealtimeSettings.from_env({}).retention_days == 7
    with pytest.raises(ConfigError, match="TABLESIDE_OUTBOX_RETENTION_DAYS"):
        RealtimeSettings.from_env({"TABLESIDE_OUTBOX_RETENTION_DAYS": "0"})
    with pytest.raises(ConfigError, match="TABLESIDE_WS_QUEUE_SIZE"):
        RealtimeSettings.from_env({"TABLESIDE_WS_QUEUE_SIZE": "10"})
