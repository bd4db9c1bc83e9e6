"""What goes over ``WS /api/v1/ws``: control messages and close codes (docs/realtime.md).

Events are ``{"seq", "type", "at", "data"}``, exactly as GET /api/v1/events lists them.
Control messages have a ``type`` but no ``seq``: ``ready`` (authenticated, catching up),
``heartbeat`` (answer it), ``resync_required`` (reload the floor). Every close the server
starts carries one of the codes below and a reason a developer can act on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import IntEnum
from typing import Any


class CloseCode(IntEnum):
    GOING_AWAY = 1001  # this server is stopping: reconnect (to any server) with your last seq
    INTERNAL_ERROR = 1011  # something broke here: reconnect with your last seq, with backoff
    SERVICE_RESTART = 1012  # sent by uvicorn at shutdown: reconnect with your last seq
    BAD_REQUEST = 4400  # `after` is not a whole number ≥ 0, a token was put in the URL, …
    NOT_AUTHENTICATED = 4401  # no valid token (or the session ended): log in, then reconnect
    CLIENT_TIMEOUT = 4408  # nothing heard from you for too long: answer heartbeats
    RESYNC_REQUIRED = 4409  # the log no longer has what you missed: reload, then continue
    TOO_SLOW = 4429  # you fell too far behind: reconnect with your last seq


@dataclass(frozen=True)
class Farewell:
    """Why the server is closing a connection: the code, and a reason (≤ 123 bytes)."""

    code: CloseCode
    reason: str


def message(type_: str, **fields: Any) -> str:
    return json.dumps({"type": type_, **fields}, separators=(",", ":"))
