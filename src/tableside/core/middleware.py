"""A last line of defence: an unexpected error becomes a clean 500 in the error shape.

Starlette's own handler answers and then re-raises, and the server then drops the
keep-alive connection under the terminal's next request. Answering here keeps the
connection usable; the error is logged with its traceback.
"""

from __future__ import annotations

import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
