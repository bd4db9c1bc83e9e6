"""What every HTTP request passes through before a route sees it, and the last line of defence.

``RequestGuard`` refuses a body over the limit before anything parses it (413), refuses a
state-changing request another site made a browser send with its login cookie (403), and
marks every answer ``nosniff`` and API answers ``no-store``. ``CatchAll`` turns an
unexpected error into a clean 500 in the error shape: Starlette's own handler answers and
then re-raises, and the server then drops the keep-alive connection under the terminal's
next request; answering here keeps the connection usable, and the error is logged with its
traceback.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tableside.core.access import LOGIN_COOKIE

log = logging.getLogger("tableside.api")

BODY = json.dumps(
    {
        "error": {
            "code": "internal_error",
            "message": "Something went wrong on our side and nothing was changed. "
            "Try again; a payment retried with the same key is never taken twice.",
        }
    }
).encode()


class CatchAll:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": BODY})


MAX_BODY_BYTES = 64 * 1024
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_NOSNIFF = (b"x-content-type-options", b"nosniff")
_LOGIN_COOKIE = f"{LOGIN_COOKIE}=".encode()
_NO_STORE = (b"cache-control", b"no-store")


def _error(code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}).encode()


class RequestGuard:
    """``limits``: a larger body limit for some path prefixes (uploads), in bytes."""

    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int = MAX_BODY_BYTES,
        limits: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.limits = dict(limits or {})

    def _limit(self, path: str) -> int:
        for prefix, limit in self.limits.items():
            if path.startswith(prefix):
                return limit
        return self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if scope["method"] not in SAFE_METHODS and _forged(headers):
            await _answer(
                send,
                403,
                _error(
                    "cross_origin",
                    "This request came from another site and was refused. Use Tableside's "
                    "own screens or send the token as a bearer header.",
                ),
            )
            return
        limit = self._limit(scope["path"])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _answer(send, 413, _too_large(limit))
            return
        api = scope["path"].startswith("/api/")
        received = 0
        refused = False

        async def counted_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Answer now, before the app has read (or parsed) the whole body; it
                    # hears a disconnect and whatever it answers is dropped.
                    refused = True
                    await _answer(send, 413, _too_large(limit))
                    return {"type": "http.disconnect"}
            return message

        async def marked_send(message: Message) -> None:
            if refused:
                return
            if message["type"] == "http.response.start":
                extra = [_NOSNIFF, _NO_STORE] if api else [_NOSNIFF]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, counted_receive, marked_send)


def _too_large(limit: int) -> bytes:
    return _error(
        "request_too_large",
        f"The request is larger than this server accepts ({limit // 1024} KB at most).",
    )


def _forged(headers: Mapping[bytes, bytes]) -> bool:
    """Another site's request that the login cookie would authorise: the only authority a
    browser attaches by itself. A bearer token is never attached by a browser to another
    site's request (it would need a preflight this server never grants), and a request
    without the cookie carries nothing its sender does not have anyway."""
    if b"authorization" in headers or _LOGIN_COOKIE not in headers.get(b"cookie", b""):
        return False
    origin = headers.get(b"origin")
    if origin is None:
        return False
    return urlsplit(origin.decode("latin-1")).netloc != headers.get(b"host", b"").decode("latin-1")


async def _answer(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                _NOSNIFF,
                _NO_STORE,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
