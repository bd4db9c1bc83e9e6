"""Keeping secrets out of uvicorn's access log.

A guest link's token is its path (``/g/<token>``, ``/api/v1/guest/checks/<token>…``) and
a query string may carry one (``?token=``, which
the WebSocket refuses but a client may still send): whoever reads the log could use them.
``RedactTokens`` rewrites each access-log record before any handler writes it: path
segments after those prefixes become ``…`` and every query string's values too.
"""

from __future__ import annotations

import logging
import re

ACCESS_LOGGER = "uvicorn.access"
SERVER_LOGGER = "uvicorn.error"
REDACTED = "…"

# A path segment that is a capability: what follows these prefixes, up to the next "/".
_TOKEN_IN_PATH = re.compile(r"(/g/|/guest/checks/)[^/?\s\"]+")
# Every value of a query string (names stay: they say what was asked).
_QUERY_VALUE = re.compile(r"(?<=[?&])([^=&\s\"#]*)=[^&\s\"#]*")


def redact(target: str) -> str:
    """``target`` (a request's path and query, or a whole log line) with no token in it."""
    target = _TOKEN_IN_PATH.sub(lambda found: found.group(1) + REDACTED, target)
    return _QUERY_VALUE.sub(lambda found: f"{found.group(1)}={REDACTED}", target)


class RedactTokens(logging.Filter):
    """A filter for ``uvicorn.access`` (every record) and ``uvicorn.error`` (a WebSocket
    handshake's records only): their arguments (client, method, path and query, HTTP
    version, status) with the path and query redacted."""

    def __init__(self, *, websocket_only: bool = False) -> None:
        super().__init__()
        self.websocket_only = websocket_only

    def filter(self, record: logging.LogRecord) -> bool:
        if self.websocket_only and '"WebSocket ' not in str(record.msg):
            return True
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install() -> None:
    """Add ``RedactTokens`` to uvicorn's loggers of requests, once per process."""
    for name, websocket_only in ((ACCESS_LOGGER, False), (SERVER_LOGGER, True)):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens(websocket_only=websocket_only))
