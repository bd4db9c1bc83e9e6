"""How long a guest link works, and how often a guest may knock (guests/rules.py, limits.py)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tableside.core.errors import LockedOut
from tableside.guests.limits import GuestLimits
from tableside.guests.rules import (
    MISSES_ALLOWED,
    OPEN_LIFETIME,
    RECEIPT_LIFETIME,
    ends_at,
    well_formed,
    works,
)

MADE = datetime(2026, 12, 5, 19, 0, tzinfo=UTC)
EXPIRES = MADE + OPEN_LIFETIME
minutes = st.integers(min_value=0, max_value=3 * 24 * 60).map(lambda m: timedelta(minutes=m))


def test_a_link_to_an_open_check_works_until_it_expires() -> None:
    assert works(MADE, EXPIRES, "open", None, None)
    assert works(EXPIRES - timedelta(seconds=1), EXPIRES, "open", None, None)
    assert not works(EXPIRES, EXPIRES, "open", None, None)


@given(closed_after=minutes, looked_after=minutes)
def test_once_paid_the_receipt_shows_for_a_day_if_the_link_still_worked_then(
    closed_after: timedelta, looked_after: timedelta
) -> None:
    closed = MADE + closed_after
    now = closed + looked_after
    shown = works(now, EXPIRES, "closed", closed, None)
    if closed >= EXPIRES:
        assert not shown  # it had stopped before the check closed
    else:
        assert shown == (looked_after < RECEIPT_LIFETIME)
        assert ends_at(EXPIRES, "closed", closed, None) == closed + RECEIPT_LIFETIME


@given(after=minutes)
def test_a_revoked_link_or_a_void_check_never_works(after: timedelta) -> None:
    now = MADE + after
    assert not works(now, EXPIRES, "open", None, MADE)
    assert not works(now, EXPIRES, "closed", MADE, MADE)
    assert not works(now, EXPIRES, "void", None, None)


def test_only_a_token_as_made_is_looked_up() -> None:
    assert well_formed(secrets.token_urlsafe(32))
    for junk in ["", "x" * 42, "x" * 44, "chk_1234", "a" * 42 + "/", "a" * 42 + "=", "é" * 43]:
        assert not well_formed(junk), junk


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_misses_from_one_device_close_it_out_until_the_window_passes() -> None:
    clock = Clock()
    limits = GuestLimits(clock=clock, miss_window_s=600)
    for _ in range(MISSES_ALLOWED):
        limits.admit_client("10.0.0.7")
        limits.missed("10.0.0.7")
    with pytest.raises(LockedOut) as refused:
        limits.admit_client("10.0.0.7")
    assert refused.value.code == "too_many_requests"
    limits.admit_client("10.0.0.8")  # another device is not touched
    clock.now += 600
    limits.admit_client("10.0.0.7")


def test_requests_are_counted_per_device_and_per_restaurant_per_minute() -> None:
    clock = Clock()
    limits = GuestLimits(clock=clock, client_per_minute=3, restaurant_per_minute=4)
    for _ in range(3):
        limits.admit_client("a")
    with pytest.raises(LockedOut):
        limits.admit_client("a")
    for _ in range(4):
        limits.admit_restaurant("rst_1")
    with pytest.raises(LockedOut):
        limits.admit_restaurant("rst_1")
    limits.admit_restaurant("rst_2")
    clock.now += 60
    limits.admit_client("a")
    limits.admit_restaurant("rst_1")
