"""Fixtures for the live floor: a server per backend whose hub the tests can watch."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from live_feed import FeedServer, feed_settings, wait_for
from terminal import Terminal

from tableside.core.unit_of_work import Database


@pytest.fixture(scope="session")
def feed_server(
    db: Database, database_url: str, emulator_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FeedServer]:
    """A real server sharing the tests' Database object (so its commits wake the hub)."""
    settings = feed_settings(database_url, emulator_url, tmp_path_factory.mktemp("feed"))
    with FeedServer(settings, db) as server:
        yield server


@pytest.fixture(autouse=True)
def _no_connection_left(request: pytest.FixtureRequest) -> Iterator[None]:
    """The next test wipes the outbox: no connection of this one may still be reading it."""
    yield
    if "feed_server" in request.fixturenames:
        server: FeedServer = request.getfixturevalue("feed_server")
        wait_for(server.idle, what="every WebSocket of the test to be closed on the server")


@pytest.fixture
def server(feed_server: FeedServer) -> Terminal:
    return Terminal(feed_server.url, "demo", "1234")
