"""A terminal's live feed as tests drive it (WS /api/v1/ws through the websockets client),
and the restaurant's event log as they read and fill it."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from typing import Any

import httpx
from harness import WAIT_S
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tableside.core.unit_of_work import Database
from tableside.restaurants.repository import Restaurants


class Closed(Exception):
    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"closed {code}: {reason}")
        self.code = code
        self.reason = reason


class Feed:
    """One terminal's WebSocket. Heartbeats are answered (unless told not to) and skipped."""

    def __init__(
        self,
        base_url: str,
        token: str | None,
        after: int | str = 0,
        *,
        answer_heartbeats: bool = True,
        sock: socket.socket | None = None,
        headers: dict[str, str] | None = None,
        query: str = "",
        max_queue: int = 16,
    ) -> None:
        url = base_url.replace("http://", "ws://", 1) + f"/api/v1/ws?after={after}{query}"
        self.ws: ClientConnection = connect(
            url,
            sock=sock,
            additional_headers=headers,
            compression=None,
            proxy=None,
            open_timeout=WAIT_S,
            close_timeout=2,
            max_queue=max_queue,
            legacy=True,  # a connection, not a reconnecting iterator
        )
        self.answer_heartbeats = answer_heartbeats
        self.heartbeats: list[dict[str, Any]] = []
        self.ready: dict[str, Any] | None = None
        if token is not None:
            self.send({"token": token})

    def send(self, body: dict[str, Any] | str) -> None:
        """Send, unless the server has closed already (``message`` then says how)."""
        with contextlib.suppress(ConnectionClosed):
            self.ws.send(body if isinstance(body, str) else json.dumps(body))

    def wait_ready(self) -> dict[str, Any]:
        message = self.message()
        assert message["type"] == "ready", message
        self.ready = message
        return message

    def message(self, timeout_s: float = WAIT_S) -> dict[str, Any]:
        """The next message other than a heartbeat; Closed if the server closed instead."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                raw = self.ws.recv(timeout=max(deadline - time.monotonic(), 0))
            except ConnectionClosed as closed:
                rcvd = closed.rcvd
                raise Closed(rcvd.code if rcvd else None, rcvd.reason if rcvd else "") from None
            except TimeoutError:
                raise AssertionError(f"no message within {timeout_s} s") from None
            body: dict[str, Any] = json.loads(raw)
            if body.get("type") == "heartbeat":
                self.heartbeats.append(body)
                if self.answer_heartbeats:
                    self.send({"type": "heartbeat"})
                continue
            return body

    def keep_answering_while(self, busy: Any, timeout_s: float = WAIT_S) -> None:
        """Answer heartbeats for as long as ``busy()`` holds; no event may come meanwhile."""
        deadline = time.monotonic() + timeout_s
        while busy():
            assert time.monotonic() < deadline, f"still busy after {timeout_s} s"
            try:
                body = self.message(0.02)
            except AssertionError:
                continue  # nothing but heartbeats: keep answering
            raise AssertionError(f"unexpected {body}")

    def is_closed(self) -> bool:
        return self.ws.protocol.close_rcvd is not None

    def event(self, timeout_s: float = WAIT_S) -> dict[str, Any]:
        body = self.message(timeout_s)
        assert "seq" in body, body
        return body

    def events(self, count: int, timeout_s: float = WAIT_S) -> list[dict[str, Any]]:
        return [self.event(timeout_s) for _ in range(count)]

    def until(self, predicate: Any, timeout_s: float = WAIT_S) -> list[dict[str, Any]]:
        """Every event up to and including the first one ``predicate`` accepts."""
        seen = []
        while True:
            event = self.event(timeout_s)
            seen.append(event)
            if predicate(event):
                return seen

    def closed(self, timeout_s: float = WAIT_S) -> tuple[Closed, list[dict[str, Any]]]:
        """Read on until the server closes; returns the close and what came before it."""
        before = []
        while True:
            try:
                before.append(self.message(timeout_s))
            except Closed as closed:
                return closed, before

    def close(self) -> None:
        self.ws.close()

    def drop(self) -> None:
        """Vanish without a closing handshake, as a tablet that lost its wifi."""
        self.ws.close_socket()

    def __enter__(self) -> Feed:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def table_freed(table_id: str) -> Any:
    def _freed(event: dict[str, Any]) -> bool:
        data = event["data"]
        return bool(
            event["type"] == "table.updated"
            and data["table_id"] == table_id
            and data["status"] == "available"
        )

    return _freed


def log_of(http: httpx.Client, after: int = 0) -> list[dict[str, Any]]:
    """The restaurant's whole event log after ``after``, paged as a terminal would."""
    events: list[dict[str, Any]] = []
    while True:
        response = http.get("/api/v1/events", params={"after": after})
        assert response.status_code == 200, response.text
        body = response.json()
        assert not body["resync_required"], body
        events += body["events"]
        if not body["has_more"]:
            return events
        after = events[-1]["seq"]


def restaurant_id(db: Database, slug: str) -> str:
    with db.reader() as uow:
        found = Restaurants.of(uow).by_slug(slug)
        assert found is not None
        return found.id


def emit_burst(
    db: Database, restaurant: str, count: int, *, per_commit: int = 1, pad: int = 0
) -> None:
    """``count`` events straight into the outbox, ``per_commit`` to a transaction."""
    for first in range(0, count, per_commit):
        with db.unit(restaurant) as uow:
            for i in range(first, min(first + per_commit, count)):
                uow.emit("test.burst", {"i": i, "pad": "x" * pad})
            uow.commit()
