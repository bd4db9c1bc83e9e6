"""How long a guest link works, and what a guest may ask of it. Pure: no I/O.

A link names one check. While the check is open the link works until ``expires_at`` (made
``OPEN_LIFETIME`` after the link); once the check is closed it shows the receipt for
``RECEIPT_LIFETIME`` after the check closed — provided the link was still working when the
check closed. A revoked link, or a check made void (merged into another), ends it at once.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from tableside.core.errors import Conflict, InvalidRequest

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


# --- order ahead ------------------------------------------------------------------------------
#
# Pickup slots are 15-minute windows on the quarter hours (UTC quarters are every time zone's
# quarters). The first slot offered starts at least LEAD after now; SLOTS_OFFERED are offered.
# An online order holds one place in its slot from before its card is charged; its place is
# free again when the order is called off (declined, failed, or left unpaid for UNPAID_HOLD).

SLOT = timedelta(minutes=15)
LEAD = timedelta(minutes=15)
SLOTS_OFFERED = 16
UNPAID_HOLD = timedelta(minutes=2)
ASAP = "asap"
DEFAULT_SLOT_CAPACITY = 10

PAUSED = (
    "{name} is not taking online orders right now. Please try again a little later, "
    "or call the restaurant."
)
SLOT_FULL = "That pickup time has just filled up. Choose another time; nothing was charged."
NO_SLOTS = "Every pickup time is full right now. Please try again later; nothing was charged."


def offered_slots(now: datetime) -> list[datetime]:
    """The starts of the pickup slots a guest may choose now, earliest first."""
    earliest = now + LEAD
    epoch = datetime(2000, 1, 1, tzinfo=earliest.tzinfo)
    quarters = -((epoch - earliest) // SLOT)  # ceiling: the first quarter at or after it
    first = epoch + quarters * SLOT
    return [first + i * SLOT for i in range(SLOTS_OFFERED)]


def places_left(slots: list[datetime], taken: dict[datetime, int], capacity: int) -> list[int]:
    return [max(0, capacity - taken.get(slot, 0)) for slot in slots]


def choose_slot(
    pickup: str, slots: list[datetime], taken: dict[datetime, int], capacity: int
) -> datetime:
    """The slot an order for ``pickup`` ("asap" or an ISO 8601 time) takes a place in: ASAP
    is the earliest slot with a place; a time must be an offered slot's start.

    422 ``bad_pickup`` for a time that is not offered; 409 ``slot_full`` when it (or, for
    ASAP, every slot) has no place left."""
    left = dict(zip(slots, places_left(slots, taken, capacity), strict=True))
    if pickup == ASAP:
        for slot in slots:
            if left[slot] > 0:
                return slot
        raise Conflict(NO_SLOTS, code="slot_full")
    try:
        wanted = datetime.fromisoformat(pickup)
    except ValueError as error:
        raise InvalidRequest(
            "pickup is 'asap' or a pickup time in ISO 8601 (one of the menu's slots).",
            code="bad_pickup",
        ) from error
    if wanted.tzinfo is None:
        raise InvalidRequest("A pickup time needs its UTC offset.", code="bad_pickup")
    for slot in slots:
        if slot == wanted:
            if left[slot] <= 0:
                raise Conflict(SLOT_FULL, code="slot_full")
            return slot
    raise InvalidRequest(
        "That pickup time is not offered (too soon, too late, or not on a quarter hour). "
        "Choose one of the menu's slots.",
        code="bad_pickup",
    )
