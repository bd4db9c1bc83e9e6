"""PostgreSQL cuts the server's connections (a restart, a failover, a proxy's timeout).

A pooled connection is pinged only after it sat idle (store/database.py): a busy server
does not pay a round trip per request for it. A connection cut while the server was busy
fails one request with a 503 the terminal can retry, and the very next request works; one
cut while idle is replaced before anyone notices.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import psycopg
import pytest
from harness import LiveServer, at_once, pause_recovery_of_running_servers
from sqlalchemy.engine import make_url
from terminal import Terminal

from tableside.core import database


@pytest.fixture
def cut_server(
    database_url: str,
    db: object,
    monkeypatch: pytest.MonkeyPatch,
    start_live_server: Callable[..., LiveServer],
) -> LiveServer:
    """A server whose PostgreSQL connections carry a name of their own (``cut_name``), to
    cut only them.

    Its recovery loop is paused: a pass of it could meet the cut connection first."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL cuts connections; the embedded SQLite has none to cut")
    name = f"cut-{uuid.uuid4().hex[:8]}"
    url = make_url(database_url).update_query_dict({"application_name": name})
    server = start_live_server(database_url=url.render_as_string(False))
    server.app.state.cut_name = name
    pause_recovery_of_running_servers(monkeypatch)
    return server


def _cut_connections(database_url: str, application_name: str) -> int:
    conninfo = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(conninfo, autocommit=True) as admin:
        cut = admin.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = %s",
            [application_name],
        ).fetchone()
    assert cut is not None
    return int(cut[0])


def test_a_tap_after_the_database_cut_a_busy_server_off_gets_a_503_and_the_next_tap_works(
    cut_server: LiveServer, database_url: str
) -> None:
    waiter = Terminal(cut_server.url)
    check = waiter.seat("T3")
    # A busy server: several connections in its pool, every one of them cut below.
    tablets = [Terminal(cut_server.url) for _ in range(6)]
    at_once([lambda t=t: t.get(f"/checks/{check['id']}") for t in tablets])
    assert _cut_connections(database_url, cut_server.app.state.cut_name) >= 2

    cut_off = waiter.get(f"/checks/{check['id']}")
    assert cut_off.status_code == 503, cut_off.text
    assert cut_off.json()["error"]["code"] == "database_unavailable"
    assert "Try again" in cut_off.json()["error"]["message"]

    # The one cut connection found tells the pool they all were: the next tap works.
    again = waiter.get(f"/checks/{check['id']}")
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "open"


def test_a_connection_cut_while_the_server_sat_idle_is_replaced_before_anyone_notices(
    cut_server: LiveServer, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    waiter = Terminal(cut_server.url)
    check = waiter.seat("T4")
    # Every connection counts as idle: each is pinged before it is lent.
    monkeypatch.setattr(database, "PING_AFTER_IDLE_S", 0.0)
    assert _cut_connections(database_url, cut_server.app.state.cut_name) >= 1

    after = waiter.get(f"/checks/{check['id']}")
    assert after.status_code == 200, after.text
    assert after.json()["table_label"] == "T4"
