"""How long a guest link works, and what a guest may ask of it. Pure: no I/O.

A link names one check. While the check is open the link works until ``expires_at`` (made
``OPEN_LIFETIME`` after the link); once the check is closed it shows the receipt for
``RECEIPT_LIFETIME`` after the check closed — provided the link was still working when the
check closed. A revoked link, or a check made void (merged into another), ends it at once.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

OPEN_LIFETIME = timedelta(hours=12)
RECEIPT_LIFETIME = timedelta(hours=24)

# secrets.token_urlsafe(32): 32 random bytes (256 bits) as 43 URL-safe base64 characters.
TOKEN_BYTES = 32
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")

# Requests one client (address) may make of the guest endpoints per minute, and one
# restaurant's guests together; a client that named this many links that do not work in
# MISS_WINDOW is refused everything until the window has passed. An open guest page reads
# its check 15 times a minute, and the phones on a restaurant's wifi share one address:
# forty of them fit.
CLIENT_REQUESTS_PER_MINUTE = 600
RESTAURANT_REQUESTS_PER_MINUTE = 6000
MISSES_ALLOWED = 20
MISS_WINDOW = timedelta(minutes=10)

ENDED = "This link does not work any more. Ask your server for a new one."


def well_formed(token: str) -> bool:
    """Could this be a token at all (one that is not is looked up nowhere)."""
    return _TOKEN.fullmatch(token) is not None


def ends_at(
    expires_at: datetime,
    check_status: str,
    closed_at: datetime | None,
    revoked_at: datetime | None,
) -> datetime | None:
    """When the link stops working (None: it already has, whatever the time)."""
    if revoked_at is not None or check_status == "void":
        return None
    if check_status == "closed" and closed_at is not None:
        if closed_at >= expires_at:
            return None  # it had stopped before the check closed
        return closed_at + RECEIPT_LIFETIME
    return expires_at


def works(
    now: datetime,
    expires_at: datetime,
    check_status: str,
    closed_at: datetime | None,
    revoked_at: datetime | None,
) -> bool:
    end = ends_at(expires_at, check_status, closed_at, revoked_at)
    return end is not None and now < end
