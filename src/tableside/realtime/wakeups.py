"""Wake-ups from other server processes: LISTEN on PostgreSQL's ``tableside_outbox`` channel.

The unit of work sends ``pg_notify('tableside_outbox', '<restaurant_id>:<last_seq>')`` inside
the committing transaction, so PostgreSQL delivers it only if (and after) the change is
committed. A notification is only a hint to read the outbox now: one lost while the
connection was down delays an event until the re-read after reconnecting (or the hub's
poll), it never loses one.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable

import psycopg
from sqlalchemy.engine import URL

log = logging.getLogger(__name__)

CHANNEL = "tableside_outbox"
APPLICATION_NAME = "tableside-outbox-listener"
HEALTH_CHECK_S = 30.0  # a silent channel is checked with SELECT 1 this often


def parse(payload: str) -> tuple[str, int] | None:
    restaurant_id, _, seq = payload.rpartition(":")
    if not restaurant_id or not seq.isdigit():
        return None
    return restaurant_id, int(seq)


class PostgresWakeups:
    """One dedicated async psycopg connection per process, reconnecting with backoff."""

    def __init__(
        self,
        url: URL,
        on_commit: Callable[[str, int], None],
        on_connected: Callable[[], None],
        backoff_max_s: float,
    ) -> None:
        self._conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.on_commit = on_commit  # (restaurant_id, seq) for every notification
        self._on_connected = on_connected
        self._backoff_max_s = backoff_max_s
        self.connected = asyncio.Event()
        self.reconnects = 0  # times the connection was (re)established after the first

    async def run(self) -> None:
        delay = 0.1
        first = True
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self._conninfo,
                    autocommit=True,
                    application_name=APPLICATION_NAME,
                    connect_timeout=5,
                )
                async with conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    delay = 0.1
                    if not first:
                        self.reconnects += 1
                        log.info("listening on %s again", CHANNEL)
                    first = False
                    self.connected.set()
                    # Anything committed while we were not listening was announced to no one.
                    self._on_connected()
                    await self._listen(conn)
            except (psycopg.Error, OSError) as error:
                log.warning("LISTEN %s lost (%s); retrying in %.1f s", CHANNEL, error, delay)
            finally:
                self.connected.clear()
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, self._backoff_max_s)

    async def _listen(self, conn: psycopg.AsyncConnection[tuple[object, ...]]) -> None:
        while True:
            async for notify in conn.notifies(timeout=HEALTH_CHECK_S):
                parsed = parse(notify.payload)
                if parsed is not None:
                    self.on_commit(*parsed)
            await conn.execute("SELECT 1")  # raises if the server went away silently
