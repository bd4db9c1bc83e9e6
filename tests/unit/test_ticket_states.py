"""Kitchen tickets move new → in progress → ready → served, and nothing else (ORIGINAL 14)."""

from __future__ import annotations

import itertools

import pytest

from tableside.core.errors import Conflict
from tableside.kitchen.rules import TicketStatus, bump, transition

NEW, IN_PROGRESS, READY, SERVED = (
    TicketStatus.NEW,
    TicketStatus.IN_PROGRESS,
    TicketStatus.READY,
    TicketStatus.SERVED,
)

ALLOWED = {
    (NEW, IN_PROGRESS),
    (NEW, READY),  # a quick plate can go straight up
    (IN_PROGRESS, READY),
    (READY, SERVED),
    (READY, IN_PROGRESS),  # recalled to the line
}
FORBIDDEN = sorted(set(itertools.product(TicketStatus, TicketStatus)) - ALLOWED)


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_the_kitchen_may_make_every_allowed_move(
    current: TicketStatus, target: TicketStatus
) -> None:
    assert transition(current, target) is target


@pytest.mark.parametrize(("current", "target"), FORBIDDEN)
def test_every_other_move_is_refused(current: TicketStatus, target: TicketStatus) -> None:
    with pytest.raises(Conflict) as raised:
        transition(current, target)
    assert raised.value.code == "ticket_transition_not_allowed"


def test_forbidden_moves_include_going_back_and_skipping_ahead() -> None:
    assert (SERVED, NEW) in FORBIDDEN
    assert (NEW, SERVED) in FORBIDDEN
    assert (IN_PROGRESS, SERVED) in FORBIDDEN
    assert (IN_PROGRESS, NEW) in FORBIDDEN
    assert all((s, s) in FORBIDDEN for s in TicketStatus)


def test_a_bump_moves_one_step_through_the_kitchen() -> None:
    status = NEW
    seen = [status]
    while status is not SERVED:
        status = bump(status)
        seen.append(status)
    assert seen == [NEW, IN_PROGRESS, READY, SERVED]
    assert all(transition(a, b) is b for a, b in itertools.pairwise(seen))


def test_a_served_ticket_cannot_be_bumped() -> None:
    with pytest.raises(Conflict) as raised:
        bump(SERVED)
    assert raised.value.code == "ticket_transition_not_allowed"
