"""One tablet on the floor: a staff member logged in, speaking HTTP to the servers.

A terminal has a home server; when a server stops answering (killed), it turns to the next
one, as a tablet behind a load balancer would. A request that could not be sent at all
(connection refused) is sent again elsewhere, since nothing happened; one whose connection
broke after it was sent is *lost*: its fate is unknown, and the caller decides (a payment
is retried with the same key, a read is just read again).

Every answer is held to the contract here, whatever the request: never a 500 (nor any 5xx
but 502, 503 and 504), never a 401 for a token that was valid, and every error a JSON
``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx

from tableside.rush.report import LOST, UNREACHABLE, Tally

REQUEST_TIMEOUT_S = 60.0
UNREACHABLE_AFTER_S = 120.0  # no server answering for this long is a failure of the night

# 502 (the processor failed, nothing charged), 503 (the database is unreachable; retry),
# 504 (the processor's outcome is unknown; retry with the same key).
ALLOWED_5XX = frozenset({502, 503, 504})


class Lost(Exception):
    """The request was sent, but no answer came back (the server died or hung up)."""


class Unreachable(Lost):
    """No server took the request for ``UNREACHABLE_AFTER_S``."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    sent_at: float = 0.0  # when the request that got it was sent (monotonic)

    @property
    def code(self) -> str | None:
        if isinstance(self.body, dict):
            error = self.body.get("error")
            if isinstance(error, dict) and isinstance(error.get("code"), str):
                code: str = error["code"]
                return code
        return None

    @property
    def label(self) -> str:
        code = self.code
        return f"{self.status} {code}" if code and self.status >= 400 else str(self.status)

    def json(self) -> dict[str, Any]:
        assert isinstance(self.body, dict)
        return self.body


def outcome_of(result: Answer | Lost) -> str:
    if isinstance(result, Unreachable):
        return UNREACHABLE
    if isinstance(result, Lost):
        return LOST
    return result.label


_serial = itertools.count(1)


class Terminal:
    """A staff member's tablet: ``pin`` logged in, ``servers[home]`` its first server."""

    def __init__(self, name: str, pin: str, servers: list[str], home: int, tally: Tally) -> None:
        self.name = name
        self.pin = pin
        self.role = ""  # as the login answers it
        self.servers = servers
        self.at = home % len(servers)
        self.tally = tally
        self.token = ""
        self.http = httpx.Client(timeout=REQUEST_TIMEOUT_S)
        self._lock = threading.Lock()

    @property
    def is_manager(self) -> bool:
        return self.role in ("manager", "owner")

    def login(self, restaurant: str = "demo") -> None:
        answer = self.call(
            "POST", "/auth/login", {"restaurant": restaurant, "pin": self.pin}, auth=False
        )
        if not isinstance(answer, Answer) or answer.status != 200:
            shown = answer.label if isinstance(answer, Answer) else "no answer"
            raise RuntimeError(f"{self.name} could not log in with PIN {self.pin}: {shown}")
        body = answer.json()
        self.token = body["token"]
        self.role = body["staff"]["role"]

    def new_key(self, what: str) -> str:
        return f"rush-{what}-{self.name}-{next(_serial)}-{time.time_ns() % 10**9}"

    # --- HTTP ------------------------------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        key: str | None = None,
        auth: bool = True,
        safe: bool = False,
    ) -> Answer | Lost:
        """Send one request to the floor. ``safe``: a read, sent again on a lost connection.

        Returns the answer (already held to the contract) or ``Lost``.
        """
        headers = {}
        if auth:
            headers["Authorization"] = f"Bearer {self.token}"
        if key is not None:
            headers["Idempotency-Key"] = key
        deadline = time.monotonic() + UNREACHABLE_AFTER_S
        wait = 0.05
        while True:
            with self._lock:
                base = self.servers[self.at]
            sent_at = time.monotonic()
            try:
                response = self.http.request(
                    method, f"{base}/api/v1{path}", json=body, headers=headers
                )
            except (httpx.ConnectError, httpx.ConnectTimeout):
                pass  # nothing was sent: try the next server (or this one once it is back)
            except httpx.TransportError as error:
                if not safe:
                    self._turn(base)
                    return Lost(f"{method} {path}: {type(error).__name__}: {error}")
            else:
                answer = Answer(response.status_code, _parse(response), sent_at)
                self.tally.answered((time.monotonic() - sent_at) * 1000)
                self._hold_to_contract(method, path, answer, response)
                if answer.status == 503 and safe:
                    pass  # a read: just read again in a moment
                else:
                    return answer
            self._turn(base)
            if time.monotonic() > deadline:
                self.tally.violation(
                    f"{self.name}: no server answered {method} {path} for "
                    f"{UNREACHABLE_AFTER_S:.0f} s"
                )
                return Unreachable(f"{method} {path}")
            time.sleep(wait)
            wait = min(wait * 2, 0.5)

    def _turn(self, failed: str) -> None:
        """The server at ``failed`` let us down: use the next one from now on."""
        with self._lock:
            if self.servers[self.at] == failed:
                self.at = (self.at + 1) % len(self.servers)

    def _hold_to_contract(
        self, method: str, path: str, answer: Answer, response: httpx.Response
    ) -> None:
        what = f"{self.name} {method} {path}"
        if answer.status >= 500 and answer.status not in ALLOWED_5XX:
            self.tally.violation(f"{what} answered {answer.status}: {response.text[:300]}")
        elif answer.status == 401 and self.token:
            self.tally.violation(f"{what} answered 401 to a valid token: {response.text[:200]}")
        if answer.status >= 400:
            error = answer.body.get("error") if isinstance(answer.body, dict) else None
            if not (
                isinstance(error, dict)
                and isinstance(error.get("code"), str)
                and isinstance(error.get("message"), str)
                and error["message"]
            ):
                self.tally.violation(
                    f"{what} answered {answer.status} without an error code and message: "
                    f"{response.text[:200]}"
                )

    def close(self) -> None:
        self.http.close()


def _parse(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except json.JSONDecodeError:
        return response.text
