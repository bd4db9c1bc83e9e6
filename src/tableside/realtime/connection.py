"""One terminal's WebSocket: authenticate, catch up from the outbox, then stay live.

Guarantees, per connection:
- Only events of the authenticated staff member's restaurant, in seq order, each once:
  first everything after ``after`` read from the outbox in pages, then live events; the
  last seq sent is tracked, so the hand-over from catching up to live has no gap (missing
  numbers are read from the outbox) and no duplicate (numbers already sent are skipped).
- A token is never taken from the URL (URLs end up in logs): the ``tableside_token``
  cookie (same origin only) or ``{"token": "…"}`` as the first message.
- A heartbeat every ``heartbeat_s``; a terminal that answers nothing for
  ``client_timeout_s``, falls ``queue_size`` events behind, or whose session ends (at
  once when its staff member's sessions are ended, else at the next heartbeat), is
  closed with a code saying what to do (protocol.CloseCode).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from urllib.parse import urlsplit

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketDisconnected

from tableside.core.access import Principal
from tableside.core.errors import NotAuthenticated
from tableside.core.unit_of_work import Database
from tableside.realtime import outbox
from tableside.realtime.hub import Hub, Subscriber
from tableside.realtime.outbox import ResyncRequired, WireEvent
from tableside.realtime.protocol import CloseCode, Farewell, message
from tableside.staff import service as auth
from tableside.staff.dependencies import COOKIE

log = logging.getLogger(__name__)

# What a send to a vanished client raises, depending on how far the close has got.
_GONE = (WebSocketDisconnect, WebSocketDisconnected, OSError)


async def serve(websocket: WebSocket, hub: Hub) -> None:
    """Run one terminal's connection until it leaves or is told why it must."""
    hub.connections += 1
    try:
        await websocket.accept()
        try:
            farewell = await Connection(websocket, hub).run()
        except _GONE:
            return
        except Exception:
            log.exception("WebSocket connection failed")
            farewell = Farewell(CloseCode.INTERNAL_ERROR, "internal error: reconnect with last seq")
        if farewell is not None:
            with contextlib.suppress(*_GONE, TimeoutError):
                # The close frame waits behind unread data; a terminal that never reads
                # again is let go after close_timeout_s (uvicorn then drops the socket).
                async with asyncio.timeout(hub.settings.close_timeout_s):
                    await websocket.close(farewell.code, farewell.reason[:120])
    finally:
        hub.connections -= 1


def authenticate(db: Database, token: str) -> Principal | None:
    try:
        with db.reader() as uow:
            return auth.authenticate(uow, token)
    except NotAuthenticated:
        return None


class SessionEnded(Exception):
    """The terminal's own staff member was deactivated or given a new PIN."""


class Connection:
    def __init__(self, websocket: WebSocket, hub: Hub) -> None:
        self.ws = websocket
        self.hub = hub
        self.settings = hub.settings
        self.token = ""
        self.staff_id = ""
        self.last_sent = 0
        self.last_heard = time.monotonic()
        self.subscriber: Subscriber | None = None

    async def run(self) -> Farewell | None:
        if "token" in self.ws.query_params:
            return Farewell(
                CloseCode.BAD_REQUEST,
                'never put a token in the URL: send {"token": "..."} as the first message',
            )
        after = _seq(self.ws.query_params.get("after", "0"))
        if after is None:
            return Farewell(CloseCode.BAD_REQUEST, "after must be a whole number >= 0")
        outcome = await self._authenticate()
        if not isinstance(outcome, Principal):
            return outcome
        self.staff_id = outcome.staff_id
        restaurant_id = outcome.restaurant_id
        self.staff_id = outcome.staff_id
        try:
            last_seq = await self.hub.read(outbox.check_position, self.hub.db, restaurant_id, after)
        except ResyncRequired as resync:
            return await self._resync(resync)
        await self.ws.send_text(message("ready", after=after, last_seq=last_seq))
        self.last_sent = after
        self.subscriber = Subscriber(restaurant_id, self.settings.queue_size)
        try:
            return await self._live()
        finally:
            self.hub.unsubscribe(self.subscriber)

    # --- authentication ------------------------------------------------------------------

    async def _authenticate(self) -> Principal | Farewell | None:
        cookie = self.ws.cookies.get(COOKIE)
        if cookie and self._same_origin():
            who = await self.hub.read(authenticate, self.hub.db, cookie)
            if who is None:  # a screen whose login has ended: say so at once
                return Farewell(CloseCode.NOT_AUTHENTICATED, "not a valid session: log in again")
            self.token = cookie
            return who
        try:
            async with asyncio.timeout(self.settings.auth_timeout_s):
                first = await self.ws.receive()
        except TimeoutError:
            return Farewell(CloseCode.NOT_AUTHENTICATED, 'send {"token": "..."} first')
        if first["type"] == "websocket.disconnect":
            return None
        token = _token_in(first.get("text"))
        if token is None:
            return Farewell(CloseCode.NOT_AUTHENTICATED, 'send {"token": "..."} first')
        who = await self.hub.read(authenticate, self.hub.db, token)
        if who is None:
            return Farewell(CloseCode.NOT_AUTHENTICATED, "not a valid session: log in again")
        self.token = token
        self.last_heard = time.monotonic()
        return who

    def _same_origin(self) -> bool:
        # A cookie rides along with any page's request; only our own pages may use it here.
        origin = self.ws.headers.get("origin")
        return origin is None or urlsplit(origin).netloc == self.ws.headers.get("host")

    # --- streaming -----------------------------------------------------------------------

    async def _live(self) -> Farewell | None:
        tasks = [
            asyncio.create_task(self._stream(), name="ws-stream"),
            asyncio.create_task(self._listen(), name="ws-listen"),
            asyncio.create_task(self._watch(), name="ws-watch"),
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        finished = next(t for t in tasks if t in done)
        try:
            return finished.result()
        except SessionEnded:
            return Farewell(CloseCode.NOT_AUTHENTICATED, "your session ended: log in again")
        except ResyncRequired as resync:
            return await self._resync(resync)
        except _GONE:
            return None

    async def _stream(self) -> Farewell | None:
        """Catch up from the outbox, then send what the hub queues, in seq order."""
        subscriber = self.subscriber
        assert subscriber is not None
        page = self.settings.catchup_page
        while True:
            events = await self._read(self.last_sent, page)
            await self._send_all(events)
            if len(events) < page:
                break
        head = self.hub.subscribe(subscriber, self.last_sent)
        await self._fill_up_to(head)
        next_heartbeat = time.monotonic() + self.settings.heartbeat_s
        while True:
            event = subscriber.take()
            if event is None:
                wait = next_heartbeat - time.monotonic()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(max(wait, 0)):
                        await subscriber.ready.wait()
                if time.monotonic() >= next_heartbeat:
                    next_heartbeat += self.settings.heartbeat_s
                    await self.ws.send_text(message("heartbeat", last_seq=self.last_sent))
                continue
            if event.seq <= self.last_sent:
                continue  # already sent while catching up
            await self._fill_up_to(event.seq - 1)
            await self._send_all([event])

    async def _fill_up_to(self, seq: int) -> None:
        """Send, from the outbox, whatever is missing up to ``seq``."""
        while self.last_sent < seq:
            limit = min(self.settings.catchup_page, seq - self.last_sent)
            events = await self._read(self.last_sent, limit)
            if not events:
                # Committed events are never missing from the log unless it was pruned or
                # restored under us: never skip a number silently.
                raise ResyncRequired(self.last_sent, seq, None)
            await self._send_all(events)

    async def _read(self, after: int, limit: int) -> list[WireEvent]:
        assert self.subscriber is not None
        return await self.hub.read(
            outbox.read_after, self.hub.db, self.subscriber.restaurant_id, after, limit
        )

    async def _send_all(self, events: list[WireEvent]) -> None:
        for event in events:
            await self.ws.send_text(event.text)
            self.last_sent = event.seq
            if event.ends_sessions_of == self.staff_id:
                # Deactivated or given a new PIN: close now, not at the next heartbeat's
                # re-check (a session opened since, with the new PIN, stays).
                who = await self.hub.read(authenticate, self.hub.db, self.token)
                if who is None:
                    raise SessionEnded

    async def _listen(self) -> None:
        """Anything the terminal sends counts as an answer (heartbeats are answered)."""
        while True:
            received = await self.ws.receive()
            if received["type"] == "websocket.disconnect":
                return
            self.last_heard = time.monotonic()

    async def _watch(self) -> Farewell:
        """Drop a terminal that is too slow, silent, or whose session has ended."""
        subscriber = self.subscriber
        assert subscriber is not None
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.settings.heartbeat_s):
                    await subscriber.dropped.wait()
            if subscriber.farewell is not None:
                farewell = subscriber.farewell
                if farewell.code == CloseCode.TOO_SLOW:
                    reason = f"too slow: reconnect with after={self.last_sent}"
                    return Farewell(farewell.code, reason)
                return farewell
            silent = time.monotonic() - self.last_heard
            if silent > self.settings.client_timeout_s:
                return Farewell(
                    CloseCode.CLIENT_TIMEOUT, f"no answer for {silent:.0f} s: answer heartbeats"
                )
            if not await self._session_valid():
                return Farewell(CloseCode.NOT_AUTHENTICATED, "your session ended: log in again")

    async def _session_valid(self) -> bool:
        """Whether this connection's token still authenticates (True when the database
        cannot say: a hiccup is not the terminal's fault; the next check decides)."""
        try:
            who = await self.hub.read(authenticate, self.hub.db, self.token)
        except Exception as error:
            log.warning("re-checking a WebSocket session failed: %s", error)
            return True
        return who is not None

    async def _resync(self, resync: ResyncRequired) -> Farewell:
        with contextlib.suppress(*_GONE, TimeoutError):
            async with asyncio.timeout(self.settings.close_timeout_s):
                await self.ws.send_text(json.dumps(resync.message(), separators=(",", ":")))
        return Farewell(
            CloseCode.RESYNC_REQUIRED,
            f"resync required: reload the floor, then after={resync.last_seq}",
        )


def _seq(raw: str) -> int | None:
    """A seq a terminal names: ASCII digits up to ``outbox.MAX_SEQ`` ("²" is a digit too)."""
    if not (raw.isascii() and raw.isdigit()) or int(raw) > outbox.MAX_SEQ:
        return None
    return int(raw)


def _token_in(text: str | None) -> str | None:
    if not text:
        return None
    try:
        body = json.loads(text)
    except ValueError:
        return None
    token = body.get("token") if isinstance(body, dict) else None
    return token if isinstance(token, str) and token else None
