"""The budgets of wrong PINs, as rules: how many, how long a pause, when it is forgiven."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tableside.staff import rules

T0 = datetime(2026, 12, 10, 19, 0, tzinfo=UTC)


def wrong_pins(
    count: int, budget: rules.Budget, start: datetime, every: timedelta
) -> rules.Throttle:
    throttle = rules.fresh(start)
    for n in range(count):
        throttle = rules.after_wrong_pin(throttle, budget, start + n * every)
    return throttle


def test_the_tenth_wrong_pin_from_a_source_pauses_it_for_five_minutes() -> None:
    nine = wrong_pins(9, rules.SOURCE, T0, timedelta(seconds=1))
    assert rules.pause_left(nine, T0 + timedelta(seconds=9)) is None
    ten = rules.after_wrong_pin(nine, rules.SOURCE, T0 + timedelta(seconds=9))
    assert rules.pause_left(ten, T0 + timedelta(seconds=9)) == timedelta(minutes=5)


def test_a_paused_budget_counts_nothing_more() -> None:
    paused = wrong_pins(10, rules.SOURCE, T0, timedelta(0))
    assert rules.after_wrong_pin(paused, rules.SOURCE, T0 + timedelta(minutes=1)) == paused


def test_each_pause_doubles_up_to_the_ceiling_and_an_hour_of_quiet_forgives() -> None:
    throttle, now, pauses = rules.fresh(T0), T0, []
    for _ in range(6):
        for _ in range(rules.SOURCE.wrong):
            throttle = rules.after_wrong_pin(throttle, rules.SOURCE, now)
        left = rules.pause_left(throttle, now)
        assert left is not None
        pauses.append(left)
        now += left  # the next guesses come as soon as the pause ends
    assert pauses == [timedelta(minutes=m) for m in (5, 10, 20, 40, 60, 60)]
    quiet = now + rules.FORGIVEN_AFTER
    for _ in range(rules.SOURCE.wrong):
        throttle = rules.after_wrong_pin(throttle, rules.SOURCE, quiet)
    assert rules.pause_left(throttle, quiet) == timedelta(minutes=5)


@given(
    spacing_s=st.integers(min_value=0, max_value=600),
    count=st.integers(min_value=0, max_value=200),
)
def test_never_more_wrong_pins_in_a_window_than_the_budget_allows(
    spacing_s: int, count: int
) -> None:
    """Whatever the pace, a budget lets through at most ``wrong`` wrong PINs per window."""
    budget, throttle, now = rules.RESTAURANT, rules.fresh(T0), T0
    counted: list[datetime] = []
    for _ in range(count):
        if rules.pause_left(throttle, now) is None:
            counted.append(now)
            throttle = rules.after_wrong_pin(throttle, budget, now)
        now += timedelta(seconds=spacing_s)
    for i, first in enumerate(counted):
        within = [t for t in counted[i:] if t - first < budget.window]
        assert len(within) <= budget.wrong


def test_retry_after_rounds_up_to_whole_seconds() -> None:
    assert rules.retry_after_s(timedelta(seconds=0.2)) == 1
    assert rules.retry_after_s(timedelta(seconds=299.5)) == 300
    assert rules.retry_after_s(timedelta(minutes=5)) == 300
