"""Where a check's food stands for the floor, and a move that names the status it was made on."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tableside.core.errors import Conflict
from tableside.kitchen.rules import KitchenStatus, TicketStatus, expect, kitchen_status

NEW, IN_PROGRESS, READY, SERVED = (
    TicketStatus.NEW,
    TicketStatus.IN_PROGRESS,
    TicketStatus.READY,
    TicketStatus.SERVED,
)


@given(st.lists(st.sampled_from(list(TicketStatus))))
def test_food_is_ready_while_any_plate_is_up_and_waiting_while_any_is_cooking(
    statuses: list[TicketStatus],
) -> None:
    food = kitchen_status(statuses)
    if READY in statuses:
        assert food is KitchenStatus.READY
    elif NEW in statuses or IN_PROGRESS in statuses:
        assert food is KitchenStatus.WAITING
    else:  # nothing fired, or everything served
        assert food is None


def test_the_usual_evenings() -> None:
    assert kitchen_status([]) is None
    assert kitchen_status([NEW]) is KitchenStatus.WAITING
    assert kitchen_status([SERVED, IN_PROGRESS]) is KitchenStatus.WAITING
    assert kitchen_status([SERVED, READY, NEW]) is KitchenStatus.READY
    assert kitchen_status([SERVED, SERVED]) is None


@pytest.mark.parametrize(("current", "seen"), list(itertools.product(TicketStatus, TicketStatus)))
def test_a_move_goes_ahead_only_from_the_status_the_screen_saw(
    current: TicketStatus, seen: TicketStatus
) -> None:
    expect(current, None)  # a client that does not say is not held to anything
    if current is seen:
        expect(current, seen)
        return
    with pytest.raises(Conflict) as refused:
        expect(current, seen)
    assert refused.value.code == "ticket_already_moved"
    assert current.value.replace("_", " ") in refused.value.message
