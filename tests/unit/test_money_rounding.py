"""Money: one rounding rule (half up), and splits that always add back up to the total."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tableside.core.money import allocate, format_cents, percent_of, split_evenly

cents = st.integers(min_value=0, max_value=10_000_000)
rates = st.integers(min_value=0, max_value=10_000)


@pytest.mark.parametrize(
    ("amount", "rate_bp", "expected"),
    [
        (1000, 825, 83),  # 82.5 → 83: a half cent rounds up
        (100, 825, 8),  # 8.25 → 8
        (1800, 825, 149),  # 148.5 → 149
        (1799, 825, 148),  # 148.4175 → 148
        (200, 25, 1),  # 0.5 → 1
        (199, 25, 0),  # 0.4975 → 0
        (1, 5000, 1),  # half of a cent is a cent
        (3, 5000, 2),  # 1.5 → 2
        (0, 825, 0),
        (12345, 0, 0),
        (12345, 10_000, 12345),  # 100 %
    ],
)
def test_tax_on_a_check_rounds_half_a_cent_up(amount: int, rate_bp: int, expected: int) -> None:
    assert percent_of(amount, rate_bp) == expected


@given(cents, rates)
def test_percent_of_is_the_exact_share_rounded_half_up(amount: int, rate_bp: int) -> None:
    exact = Fraction(amount * rate_bp, 10_000)
    result = percent_of(amount, rate_bp)
    assert exact - Fraction(1, 2) < result <= exact + Fraction(1, 2)
    if exact.denominator == 2:  # exactly half a cent: always up
        assert result == exact + Fraction(1, 2)


def test_percent_of_refuses_negative_amounts_and_rates() -> None:
    with pytest.raises(ValueError):
        percent_of(-1, 825)
    with pytest.raises(ValueError):
        percent_of(100, -1)


@given(cents, st.lists(st.integers(min_value=0, max_value=100_000), min_size=1, max_size=12))
def test_allocated_parts_always_add_up_to_the_total(total: int, weights: list[int]) -> None:
    parts = allocate(total, weights)
    assert sum(parts) == total
    assert len(parts) == len(weights)
    assert all(part >= 0 for part in parts)


@given(cents, st.lists(st.integers(min_value=1, max_value=100_000), min_size=1, max_size=12))
def test_each_part_is_its_exact_share_within_one_cent(total: int, weights: list[int]) -> None:
    parts = allocate(total, weights)
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = Fraction(total * weight, weight_sum)
        assert exact - 1 < part < exact + 1


def test_leftover_cents_go_to_the_largest_remainders() -> None:
    # 100 split 1:1:1 is 33.33 each; the one leftover cent goes to the first (tie → earliest).
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    # 10 by 1:2:3 is 1.67, 3.33, 5.0: the leftover cent goes to the largest remainder (.67).
    assert allocate(10, [1, 2, 3]) == [2, 3, 5]
    # 7 by 5:3 is 4.375 and 2.625: the cent goes to the second part.
    assert allocate(7, [5, 3]) == [4, 3]


def test_zero_weights_split_evenly_and_zero_weight_parts_get_nothing() -> None:
    assert allocate(5, [0, 0]) == [3, 2]
    assert allocate(5, [0, 1]) == [0, 5]


def test_allocate_refuses_what_cannot_be_split() -> None:
    with pytest.raises(ValueError):
        allocate(-1, [1])
    with pytest.raises(ValueError):
        allocate(100, [])
    with pytest.raises(ValueError):
        allocate(100, [1, -1])


@given(cents, st.integers(min_value=1, max_value=30))
def test_an_even_split_differs_by_at_most_a_cent_larger_parts_first(total: int, ways: int) -> None:
    parts = split_evenly(total, ways)
    assert sum(parts) == total
    assert len(parts) == ways
    assert max(parts) - min(parts) <= 1
    assert parts == sorted(parts, reverse=True)


def test_a_check_split_three_ways() -> None:
    assert split_evenly(10_000, 3) == [3334, 3333, 3333]
    with pytest.raises(ValueError):
        split_evenly(100, 0)


def test_amounts_read_as_dollars() -> None:
    assert format_cents(123456) == "$1,234.56"
    assert format_cents(5) == "$0.05"
    assert format_cents(-250) == "-$2.50"
    assert format_cents(100, "EUR") == "EUR 1.00"
