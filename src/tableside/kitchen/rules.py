"""Kitchen tickets and the one state machine that moves them."""

from __future__ import annotations

import enum

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


def transition(current: TicketStatus, target: TicketStatus) -> TicketStatus:
    if target not in _ALLOWED[current]:
        raise Conflict(
            f"A {current.value.replace('_', ' ')} ticket cannot become "
            f"{target.value.replace('_', ' ')}.",
            code="ticket_transition_not_allowed",
        )
    return target


def bump(current: TicketStatus) -> TicketStatus:
    """The kitchen's one-tap "next step"."""
    if current not in _BUMP:
        raise Conflict("This ticket has already been served.", code="ticket_transition_not_allowed")
    return _BUMP[current]
