"""Prices that include tax, and a large party's service charge: the tax a price holds is
worked out once per rate by the one rounding rule, what is left is the price before tax, and
every figure on the check still adds up to the cent."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st
from test_check_totals import checks_

from tableside.checks.rules import (
    Discount,
    DiscountKind,
    LineAmount,
    Pricing,
    compute_totals,
    seat_shares,
    service_charge_bp_for,
    tax_by_rate,
    taxable_by_rate,
)
from tableside.core.money import included_in, percent_of

RATES = st.sampled_from([None, 0, 550, 825, 1000, 2000, 10_000])


@given(st.integers(0, 10**9), st.integers(0, 10_000))
def test_the_tax_a_price_holds_and_the_price_before_tax_add_back_up_to_the_price(
    gross: int, rate: int
) -> None:
    tax = included_in(gross, rate)
    exact = Fraction(gross * rate, 10_000 + rate)
    # Round half up: never more than half a cent from the exact share, ties go up.
    assert abs(tax - exact) <= Fraction(1, 2)
    assert tax - exact != Fraction(-1, 2)
    net = gross - tax
    assert net + tax == gross
    assert 0 <= tax <= gross
    # Adding the tax back on top of the price before tax lands within a cent of the price.
    assert abs(net + percent_of(net, rate) - gross) <= 1


@given(checks_(), st.data())
def test_with_tax_included_the_total_is_what_the_prices_say_and_the_tax_is_inside_it(
    check: tuple[list[LineAmount], list[Discount], int], data: st.DataObject
) -> None:
    lines, discounts, default = check
    lines = [replace(line, tax_rate_bp=data.draw(RATES)) for line in lines]
    charge = data.draw(st.sampled_from([0, 1000, 1250, 1800]))
    pricing = Pricing(default, prices_include_tax=True, service_charge_bp=charge)
    totals = compute_totals(lines, discounts, pricing, [(0, 0)])
    taxable = taxable_by_rate(lines, discounts, default)
    after_discounts = totals.subtotal_cents - totals.discount_cents
    assert sum(taxable.values()) == after_discounts
    assert totals.tax_included
    assert totals.tax_cents == sum(included_in(a, r) for r, a in taxable.items())
    # Each rate's tax and its amount before tax add back up to what its lines come to.
    for rate, tax in tax_by_rate(lines, discounts, default, True).items():
        assert 0 <= tax <= taxable[rate]
    assert totals.service_charge_cents == percent_of(after_discounts, charge)
    assert totals.total_cents == after_discounts + totals.service_charge_cents
    assert totals.balance_cents == totals.total_cents
    if any(not line.voided for line in lines):
        assert sum(seat_shares(lines, discounts, pricing).values()) == totals.total_cents


@given(checks_(), st.data())
def test_with_tax_added_the_service_charge_is_its_own_line_and_is_not_taxed(
    check: tuple[list[LineAmount], list[Discount], int], data: st.DataObject
) -> None:
    lines, discounts, default = check
    charge = data.draw(st.integers(0, 10_000))
    without = compute_totals(lines, discounts, default)
    totals = compute_totals(lines, discounts, Pricing(default, service_charge_bp=charge))
    after_discounts = totals.subtotal_cents - totals.discount_cents
    assert totals.tax_cents == without.tax_cents  # not taxed
    assert totals.service_charge_cents == percent_of(after_discounts, charge)
    assert after_discounts + totals.service_charge_cents + totals.tax_cents == totals.total_cents
    if any(not line.voided for line in lines):
        shares = seat_shares(lines, discounts, Pricing(default, service_charge_bp=charge))
        assert sum(shares.values()) == totals.total_cents


def test_a_burger_at_12_euros_with_20_percent_included_holds_2_euros_of_tax() -> None:
    burger = LineAmount("burger", 1, 1, 1_200, 0, tax_rate_bp=2000)
    wine = LineAmount("wine", 2, 1, 700, 0, tax_rate_bp=1000)
    totals = compute_totals([burger, wine], [], Pricing(0, prices_include_tax=True))
    assert tax_by_rate([burger, wine], [], 0, True) == {2000: 200, 1000: 64}  # 63.6 → 64
    assert (totals.subtotal_cents, totals.tax_cents, totals.total_cents) == (1_900, 264, 1_900)


def test_a_comp_takes_its_tax_with_it_when_prices_include_tax() -> None:
    burger = LineAmount("burger", 1, 1, 1_200, 0, tax_rate_bp=2000)
    comp = Discount("c", DiscountKind.PERCENT, 10_000, line_id="burger")
    totals = compute_totals([burger], [comp], Pricing(0, prices_include_tax=True))
    assert (totals.tax_cents, totals.total_cents) == (0, 0)


def test_a_party_of_eight_carries_the_service_charge_and_a_party_of_seven_does_not() -> None:
    assert service_charge_bp_for(8, 1800, 8) == 1800
    assert service_charge_bp_for(7, 1800, 8) == 0
    assert service_charge_bp_for(20, 0, 8) == 0
    assert service_charge_bp_for(20, 1800, None) == 0
