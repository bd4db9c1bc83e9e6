"""A check with food at 10 % and wine at 20 %: each line is taxed at its own rate, the numbers
still add up to the cent, and a check of one rate is taxed exactly as before."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st
from test_check_totals import checks_

from tableside.checks.rules import (
    Discount,
    DiscountKind,
    LineAmount,
    compute_totals,
    seat_shares,
    taxable_by_rate,
)
from tableside.core.money import percent_of

RATES = st.sampled_from([None, 0, 550, 1000, 2000])


@given(checks_(), st.data())
def test_each_rate_is_taxed_on_its_own_lines_and_the_total_adds_up(
    check: tuple[list[LineAmount], list[Discount], int], data: st.DataObject
) -> None:
    lines, discounts, default = check
    lines = [replace(line, tax_rate_bp=data.draw(RATES)) for line in lines]
    totals = compute_totals(lines, discounts, default)
    taxable = taxable_by_rate(lines, discounts, default)
    assert sum(taxable.values()) == totals.subtotal_cents - totals.discount_cents
    assert all(amount >= 0 for amount in taxable.values())
    assert totals.tax_cents == sum(percent_of(amount, rate) for rate, amount in taxable.items())
    assert totals.subtotal_cents - totals.discount_cents + totals.tax_cents == totals.total_cents
    if lines and any(not line.voided for line in lines):
        assert sum(seat_shares(lines, discounts, default).values()) == totals.total_cents


@given(checks_())
def test_a_check_of_one_rate_is_taxed_once_on_its_discounted_subtotal(
    check: tuple[list[LineAmount], list[Discount], int],
) -> None:
    lines, discounts, rate = check
    same = [replace(line, tax_rate_bp=rate) for line in lines]
    totals = compute_totals(same, discounts, 0)
    assert totals == compute_totals(lines, discounts, rate)
    assert totals.tax_cents == percent_of(totals.subtotal_cents - totals.discount_cents, rate)


def test_a_check_discount_is_spread_over_food_and_wine_before_each_is_taxed() -> None:
    steak = LineAmount("steak", 1, 1, 3_000, 0, tax_rate_bp=1000)
    wine = LineAmount("wine", 1, 1, 1_000, 0, tax_rate_bp=2000)
    ten_off = Discount("d", DiscountKind.AMOUNT, 1_000)
    totals = compute_totals([steak, wine], [ten_off], 0)
    assert taxable_by_rate([steak, wine], [ten_off], 0) == {1000: 2_250, 2000: 750}
    assert totals.tax_cents == 225 + 150
    assert totals.total_cents == 3_000 + 375
