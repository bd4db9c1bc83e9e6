"""Kitchen tickets and the one state machine that moves them."""

from __future__ import annotations

import enum
from collections.abc import Iterable

from tableside.core.errors import Conflict


class TicketStatus(enum.StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    READY = "ready"
    SERVED = "served"


# Forward through the kitchen; a ready ticket can be recalled to the line.
_ALLOWED: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.NEW: frozenset({TicketStatus.IN_PROGRESS, TicketStatus.READY}),
    TicketStatus.IN_PROGRESS: frozenset({TicketStatus.READY}),
    TicketStatus.READY: frozenset({TicketStatus.SERVED, TicketStatus.IN_PROGRESS}),
    TicketStatus.SERVED: frozenset(),
}

_BUMP = {
    TicketStatus.NEW: TicketStatus.IN_PROGRESS,
    TicketStatus.IN_PROGRESS: TicketStatus.READY,
    TicketStatus.READY: TicketStatus.SERVED,
}


class KitchenStatus(enum.StrEnum):
    """Where a check's food stands, as the floor shows it."""

    WAITING = "waiting"  # fired, and the kitchen is still on it
    READY = "ready"  # something is up in the window


class OrderStatus(enum.StrEnum):
    """Where a guest's own order (online, kiosk) stands, as the guest's status page shows it.
    Whether it is paid is apart (``paid``): received and unpaid is an order whose card
    payment is still being confirmed, not in the kitchen."""

    RECEIVED = "received"  # placed; once paid, its ticket is waiting in the kitchen
    IN_KITCHEN = "in_kitchen"
    READY = "ready"  # ready for pickup
    PICKED_UP = "picked_up"
    CANCELLED = "cancelled"  # the payment did not go through: nothing charged, no ticket


def order_status(
    check_status: str, tickets: Iterable[TicketStatus], picked_up: bool = False
) -> OrderStatus:
    """A guest order's status from its check (open: being paid; closed: paid; void: called
    off) and its tickets. Served by the kitchen counts as picked up."""
    if check_status == "void":
        return OrderStatus.CANCELLED
    if check_status != "closed":
        return OrderStatus.RECEIVED
    statuses = set(tickets)
    if picked_up or (statuses and statuses <= {TicketStatus.SERVED}):
        return OrderStatus.PICKED_UP
    if TicketStatus.READY in statuses:
        return OrderStatus.READY
    if TicketStatus.IN_PROGRESS in statuses:
        return OrderStatus.IN_KITCHEN
    return OrderStatus.RECEIVED


def _words(status: TicketStatus) -> str:
    return status.value.replace("_", " ")


def expect(current: TicketStatus, expected: TicketStatus | None) -> None:
    """A move made on a ticket as the screen showed it applies only while it is still so:
    two taps on one spot never move a ticket twice, nor the ticket that slid into its place."""
    if expected is not None and current is not expected:
        raise Conflict(
            f"This ticket has already moved on: it is {_words(current)} now.",
            code="ticket_already_moved",
        )


def kitchen_status(statuses: Iterable[TicketStatus]) -> KitchenStatus | None:
    """A check's food: ready when any of its tickets is up (it has to be run), waiting while
    the kitchen works any, None when nothing is fired or everything is served."""
    working = set(statuses)
    if TicketStatus.READY in working:
        return KitchenStatus.READY
    if working & {TicketStatus.NEW, TicketStatus.IN_PROGRESS}:
        return KitchenStatus.WAITING
    return None


def transition(current: TicketStatus, target: TicketStatus) -> TicketStatus:
    if target not in _ALLOWED[current]:
        raise Conflict(
            f"A {_words(current)} ticket cannot become {_words(target)}.",
            code="ticket_transition_not_allowed",
        )
    return target


def bump(current: TicketStatus) -> TicketStatus:
    """The kitchen's one-tap "next step"."""
    if current not in _BUMP:
        raise Conflict("This ticket has already been served.", code="ticket_transition_not_allowed")
    return _BUMP[current]
