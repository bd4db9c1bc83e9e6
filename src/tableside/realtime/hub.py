"""The realtime hub: one per server process, fanning committed events out to its terminals.

Guarantees:
- Events come from the outbox table only; a wake-up (an in-process commit, a PostgreSQL
  NOTIFY from any process, or the poll) only says "read now". So no event is sent for a
  change that rolled back, and a lost wake-up delays an event but never loses it.
- New rows are read once per restaurant per wake-up and handed to every connection of
  that restaurant (never another restaurant's).
- Each connection has a bounded queue; one that falls behind is dropped (it reconnects
  with its last seq), so a slow terminal cannot hold up the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

from fastapi import FastAPI
from sqlalchemy.engine import make_url

from tableside.core.unit_of_work import Database
from tableside.realtime import outbox
from tableside.realtime.outbox import WireEvent
from tableside.realtime.protocol import CloseCode, Farewell
from tableside.realtime.settings import RealtimeSettings
from tableside.realtime.wakeups import PostgresWakeups

log = logging.getLogger(__name__)

T = TypeVar("T")


class Subscriber:
    """One connection's place in the hub: a bounded queue of events not yet sent."""

    def __init__(self, restaurant_id: str, bound: int) -> None:
        self.restaurant_id = restaurant_id
        self._bound = bound
        self._queue: deque[WireEvent] = deque()
        self.ready = asyncio.Event()  # an event is queued
        self.dropped = asyncio.Event()  # the hub let go of it; see ``farewell``
        self.farewell: Farewell | None = None

    def offer(self, event: WireEvent) -> bool:
        if len(self._queue) >= self._bound:
            return False
        self._queue.append(event)
        self.ready.set()
        return True

    def take(self) -> WireEvent | None:
        if self._queue:
            return self._queue.popleft()
        self.ready.clear()
        return None

    def drop(self, farewell: Farewell) -> None:
        self.farewell = farewell
        self.dropped.set()


class Hub:
    def __init__(
        self, db: Database, settings: RealtimeSettings, listen_url: str | None = None
    ) -> None:
        self.db = db
        self.settings = settings
        # Where LISTEN connects: PostgreSQL itself when the pool goes through PgBouncer in
        # transaction mode (TABLESIDE_LISTEN_DATABASE_URL), else the pool's own database.
        self.listen_url = make_url(listen_url) if listen_url else db.engine.url
        self._subscribers: dict[str, set[Subscriber]] = {}
        # Per restaurant with subscribers: the newest seq handed to its queues.
        self._heads: dict[str, int] = {}
        self._dirty: set[str] = set()
        self._wake = asyncio.Event()
        self._busy = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._fanout_pool: ThreadPoolExecutor | None = None
        self._read_pool: ThreadPoolExecutor | None = None
        self.wakeups: PostgresWakeups | None = None
        self.connections = 0  # open WebSocket connections (authenticated or not)
        self.fanout_reads = 0  # outbox reads made by the fan-out, for tests and operators

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        # The fan-out reads on a thread of their own, never queued behind catch-ups.
        self._fanout_pool = ThreadPoolExecutor(1, thread_name_prefix="tableside-fanout")
        self._read_pool = ThreadPoolExecutor(4, thread_name_prefix="tableside-ws-read")
        self.db.on_commit(self._on_commit)
        self._spawn(self._fan_out_forever(), "fan-out")
        self._spawn(self._poll_forever(), "poll")
        self._spawn(self._prune_forever(), "prune")
        if not self.db.is_sqlite:
            self.wakeups = PostgresWakeups(
                self.listen_url,
                self._on_notify,
                self.poke_all,
                self.settings.listen_backoff_max_s,
            )
            self._spawn(self.wakeups.run(), "listen")

    async def stop(self) -> None:
        with contextlib.suppress(ValueError):
            self.db.commit_listeners.remove(self._on_commit)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        for subscribers in list(self._subscribers.values()):
            for subscriber in list(subscribers):
                self._drop(subscriber, Farewell(CloseCode.GOING_AWAY, "server stopping"))
        for pool in (self._fanout_pool, self._read_pool):
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
        self._loop = None

    def _spawn(self, coroutine: Any, name: str) -> None:
        task = asyncio.get_running_loop().create_task(coroutine, name=f"tableside-hub-{name}")
        task.add_done_callback(_log_crash)
        self._tasks.append(task)

    # --- connections ---------------------------------------------------------------------

    def subscribe(self, subscriber: Subscriber, last_seq: int) -> int:
        """Queue every event after the hub's head for this connection; returns the head.

        The connection has sent everything up to ``last_seq``; if the head is further on,
        it reads the events in between from the outbox itself.
        """
        restaurant_id = subscriber.restaurant_id
        if restaurant_id not in self._heads:
            self._heads[restaurant_id] = last_seq
            # Wake-ups that came while nobody here listened to this restaurant were ignored.
            self._dirty.add(restaurant_id)
            self._wake.set()
        self._subscribers.setdefault(restaurant_id, set()).add(subscriber)
        return self._heads[restaurant_id]

    def unsubscribe(self, subscriber: Subscriber) -> None:
        restaurant_id = subscriber.restaurant_id
        subscribers = self._subscribers.get(restaurant_id)
        if subscribers is None or subscriber not in subscribers:
            return
        subscribers.discard(subscriber)
        if not subscribers:
            del self._subscribers[restaurant_id]
            del self._heads[restaurant_id]
            self._dirty.discard(restaurant_id)

    def subscriber_count(self) -> int:
        return sum(len(s) for s in self._subscribers.values())

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a blocking outbox or auth read for one connection off the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._read_pool, partial(fn, *args))

    # --- wake-ups ------------------------------------------------------------------------

    def _on_commit(self, restaurant_id: str, seq: int) -> None:
        """Called by the unit of work after a commit, on whatever thread committed."""
        loop = self._loop
        if loop is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop closed under us at shutdown
            loop.call_soon_threadsafe(self.poke, restaurant_id, seq)

    def _on_notify(self, restaurant_id: str, seq: int) -> None:
        self.poke(restaurant_id, seq)

    def poke(self, restaurant_id: str, seq: int | None = None) -> None:
        """Something was committed for this restaurant (up to ``seq``, if known)."""
        head = self._heads.get(restaurant_id)
        if head is None or (seq is not None and seq <= head):
            return  # nobody here listens, or we have read that far already
        self._dirty.add(restaurant_id)
        self._wake.set()

    def poke_all(self) -> None:
        self._dirty.update(self._heads)
        self._wake.set()

    # --- the fan-out ---------------------------------------------------------------------

    async def _fan_out_forever(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            dirty, self._dirty = self._dirty, set()
            self._busy = True
            for restaurant_id in dirty:
                try:
                    await self._fan_out(restaurant_id)
                except Exception as error:  # the poll tries again; the log keeps the events
                    log.warning("reading the outbox of %s failed: %s", restaurant_id, error)
            self._busy = False

    def quiet(self) -> bool:
        """No wake-up pending and no fan-out under way (for tests and operators)."""
        return not (self._busy or self._dirty or self._wake.is_set())

    async def _fan_out(self, restaurant_id: str) -> None:
        loop = asyncio.get_running_loop()
        page = self.settings.fanout_page
        while restaurant_id in self._heads:
            self.fanout_reads += 1
            events = await loop.run_in_executor(
                self._fanout_pool,
                partial(
                    outbox.read_after,
                    self.db,
                    restaurant_id,
                    self._heads[restaurant_id],
                    page,
                    contiguous=False,
                ),
            )
            head = self._heads.get(restaurant_id)
            if head is None:
                return  # the last subscriber left meanwhile
            fresh = [e for e in events if e.seq > head]
            if fresh:
                self._heads[restaurant_id] = fresh[-1].seq
                for subscriber in list(self._subscribers.get(restaurant_id, ())):
                    if not all(subscriber.offer(e) for e in fresh):
                        self._drop(subscriber, Farewell(CloseCode.TOO_SLOW, "too slow"))
            if len(events) < page:
                return

    def _drop(self, subscriber: Subscriber, farewell: Farewell) -> None:
        self.unsubscribe(subscriber)
        subscriber.drop(farewell)

    async def _poll_forever(self) -> None:
        """The safety net: compare each listened-to restaurant's counter with our head."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.settings.poll_s)
            heads = dict(self._heads)
            try:
                newest = await loop.run_in_executor(
                    self._fanout_pool, partial(outbox.newest_seqs, self.db, list(heads))
                )
            except Exception as error:
                log.warning("polling the outbox counters failed: %s", error)
                continue
            for restaurant_id, seq in newest.items():
                if seq > heads[restaurant_id]:
                    self.poke(restaurant_id, seq)
                elif seq < heads[restaurant_id]:
                    self._log_went_back(restaurant_id, seq)

    def _log_went_back(self, restaurant_id: str, seq: int) -> None:
        # Only a restored (or wiped) database hands out a seq again: what terminals hold is
        # from another history, so every one of them reloads.
        log.warning("outbox of %s went back to seq %d; terminals will resync", restaurant_id, seq)
        reason = f"resync required: the event log restarted; reload, then after={seq}"
        for subscriber in list(self._subscribers.get(restaurant_id, ())):
            self._drop(subscriber, Farewell(CloseCode.RESYNC_REQUIRED, reason))

    async def _prune_forever(self) -> None:
        interval = self.settings.prune_interval_s
        await asyncio.sleep(min(60.0, interval))
        while True:
            try:
                await asyncio.to_thread(
                    outbox.prune, self.db, timedelta(days=self.settings.retention_days)
                )
            except Exception as error:
                log.warning("pruning the outbox failed: %s", error)
            await asyncio.sleep(interval)


def _log_crash(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("%s stopped", task.get_name(), exc_info=task.exception())


def attach(app: FastAPI) -> None:
    """Give the app a hub (``app.state.hub``), started and stopped with the app's lifespan.

    The WebSocket route itself is ``WS /api/v1/ws`` in api/routes/events.py.
    """
    hub = Hub(app.state.db, RealtimeSettings.from_env(), app.state.settings.listen_database_url)
    app.state.hub = hub
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app_: Any) -> AsyncIterator[Any]:
        async with inner(app_) as state:
            await hub.start()
            try:
                yield state
            finally:
                await hub.stop()

    app.router.lifespan_context = lifespan
