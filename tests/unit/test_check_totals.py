"""Check totals: whatever is rung, voided, discounted or paid, the numbers add up."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tableside.checks.rules import (
    CheckStatus,
    Discount,
    DiscountKind,
    LineAmount,
    check_discount_amounts,
    compute_totals,
    line_net_amounts,
    require_open,
    seat_shares,
)
from tableside.core.errors import Conflict
from tableside.core.money import percent_of

TAX_BP = 825  # the demo restaurant's 8.25 %


@st.composite
def lines_(draw: st.DrawFn, min_size: int = 0) -> list[LineAmount]:
    count = draw(st.integers(min_value=min_size, max_value=8))
    return [
        LineAmount(
            id=f"ln{i}",
            seat=draw(st.integers(min_value=0, max_value=6)),
            quantity=draw(st.integers(min_value=1, max_value=100)),
            unit_price_cents=draw(st.integers(min_value=0, max_value=50_000)),
            modifiers_cents=draw(st.integers(min_value=0, max_value=2_000)),
            voided=draw(st.booleans()),
        )
        for i in range(count)
    ]


@st.composite
def discounts_(draw: st.DrawFn, lines: list[LineAmount]) -> list[Discount]:
    count = draw(st.integers(min_value=0, max_value=5))
    result = []
    for i in range(count):
        kind = draw(st.sampled_from(DiscountKind))
        value = (
            draw(st.integers(min_value=1, max_value=10_000))
            if kind is DiscountKind.PERCENT
            else draw(st.integers(min_value=1, max_value=200_000))
        )
        line_id = draw(st.none() | st.sampled_from([line.id for line in lines])) if lines else None
        result.append(Discount(id=f"dc{i}", kind=kind, value=value, line_id=line_id))
    return result


@st.composite
def checks_(draw: st.DrawFn) -> tuple[list[LineAmount], list[Discount], int]:
    lines = draw(lines_())
    discounts = draw(discounts_(lines))
    rate = draw(st.sampled_from([0, 500, 825, 1000, 2500]) | st.integers(0, 10_000))
    return lines, discounts, rate


@given(checks_())
def test_subtotal_less_discount_plus_tax_is_the_total(
    check: tuple[list[LineAmount], list[Discount], int],
) -> None:
    lines, discounts, rate = check
    totals = compute_totals(lines, discounts, rate)
    assert totals.subtotal_cents - totals.discount_cents + totals.tax_cents == totals.total_cents
    assert totals.subtotal_cents == sum(line.total_cents for line in lines)
    # Tax is the rate on the discounted subtotal, rounded half up once (not per line).
    assert totals.tax_cents == percent_of(totals.subtotal_cents - totals.discount_cents, rate)


@given(checks_(), st.lists(st.tuples(st.integers(1, 100_000), st.integers(0, 5_000)), max_size=4))
def test_balance_is_total_less_paid_and_tips_are_not_part_of_it(
    check: tuple[list[LineAmount], list[Discount], int], captured: list[tuple[int, int]]
) -> None:
    lines, discounts, rate = check
    totals = compute_totals(lines, discounts, rate, captured)
    assert totals.paid_cents == sum(amount for amount, _ in captured)
    assert totals.tip_cents == sum(tip for _, tip in captured)
    assert totals.balance_cents == totals.total_cents - totals.paid_cents


@given(checks_())
def test_discounts_never_push_a_line_or_the_check_below_zero(
    check: tuple[list[LineAmount], list[Discount], int],
) -> None:
    lines, discounts, rate = check
    totals = compute_totals(lines, discounts, rate)
    assert 0 <= totals.discount_cents <= totals.subtotal_cents
    assert totals.total_cents >= 0
    assert all(net >= 0 for net in line_net_amounts(lines, discounts).values())
    assert all(taken >= 0 for taken in check_discount_amounts(lines, discounts).values())


@given(checks_())
def test_seat_shares_always_sum_to_the_total(
    check: tuple[list[LineAmount], list[Discount], int],
) -> None:
    lines, discounts, rate = check
    shares = seat_shares(lines, discounts, rate)
    assert sum(shares.values()) == compute_totals(lines, discounts, rate).total_cents
    assert all(share >= 0 for share in shares.values())
    ordering_seats = {line.seat for line in lines if not line.voided} - {0}
    # Shared-seat food is spread over the seats that ordered; seat 0 only stands alone.
    assert set(shares) == (ordering_seats or {0})


@given(checks_(), lines_(min_size=1))
def test_voided_lines_count_zero(
    check: tuple[list[LineAmount], list[Discount], int], extra: list[LineAmount]
) -> None:
    lines, discounts, rate = check
    voided = [replace(line, id=f"void-{line.id}", voided=True) for line in extra]
    assert all(line.total_cents == 0 for line in voided)
    assert compute_totals(lines + voided, discounts, rate) == compute_totals(lines, discounts, rate)


def _line(id_: str, price: int, *, seat: int = 1, qty: int = 1, mods: int = 0) -> LineAmount:
    return LineAmount(id=id_, seat=seat, quantity=qty, unit_price_cents=price, modifiers_cents=mods)


def test_a_line_costs_quantity_times_price_plus_modifier_upcharges() -> None:
    burger = _line("a", 1795, qty=2, mods=150)  # bistro burger + bacon, twice
    assert burger.total_cents == 2 * (1795 + 150)
    totals = compute_totals([burger], [], TAX_BP)
    assert totals.subtotal_cents == 3890
    assert totals.tax_cents == 321  # 320.925 → 321
    assert totals.total_cents == 4211


def test_line_discounts_apply_first_then_check_discounts_in_order() -> None:
    lines = [_line("a", 2000), _line("b", 1000, seat=2)]
    discounts = [
        Discount("d1", DiscountKind.PERCENT, 5000, line_id="a"),  # half off a: −1000
        Discount("d2", DiscountKind.AMOUNT, 500),  # check: −500 of 2000 left
        Discount("d3", DiscountKind.PERCENT, 1000),  # check: 10 % of 1500 left: −150
    ]
    assert line_net_amounts(lines, discounts) == {"a": 1000, "b": 1000}
    assert check_discount_amounts(lines, discounts) == {"d2": 500, "d3": 150}
    totals = compute_totals(lines, discounts, TAX_BP)
    assert totals.discount_cents == 1650
    assert totals.tax_cents == percent_of(1350, TAX_BP) == 111
    assert totals.total_cents == 1461


def test_a_comp_in_full_leaves_nothing_to_pay() -> None:
    lines = [_line("a", 4200), _line("b", 900)]
    comp = Discount("d", DiscountKind.PERCENT, 10_000)
    totals = compute_totals(lines, [comp], TAX_BP)
    assert (totals.discount_cents, totals.tax_cents, totals.total_cents) == (5100, 0, 0)


def test_an_amount_larger_than_its_line_takes_the_line_to_zero_not_below() -> None:
    lines = [_line("a", 500), _line("b", 1000)]
    big = Discount("d", DiscountKind.AMOUNT, 10_000, line_id="a")
    assert line_net_amounts(lines, [big]) == {"a": 0, "b": 1000}
    assert compute_totals(lines, [big], 0).total_cents == 1000


def test_a_discount_on_a_voided_line_takes_nothing() -> None:
    lines = [replace(_line("a", 500), voided=True), _line("b", 1000)]
    totals = compute_totals(lines, [Discount("d", DiscountKind.AMOUNT, 300, line_id="a")], 0)
    assert (totals.subtotal_cents, totals.discount_cents, totals.total_cents) == (1000, 0, 1000)


def test_shared_plates_are_spread_over_the_seats_that_ordered() -> None:
    lines = [
        _line("fries", 900, seat=0),
        _line("steak", 4200, seat=1),
        _line("salad", 1200, seat=2),
        _line("wine", 1200, seat=3),
    ]
    shares = seat_shares(lines, [], 0)
    # 900 shared three ways is 300 each.
    assert shares == {1: 4500, 2: 1500, 3: 1500}


def test_seat_shares_carry_tax_and_check_discounts_in_proportion() -> None:
    lines = [_line("a", 1000, seat=1), _line("b", 3000, seat=2)]
    shares = seat_shares(lines, [Discount("d", DiscountKind.PERCENT, 1000)], TAX_BP)
    total = compute_totals(lines, [Discount("d", DiscountKind.PERCENT, 1000)], TAX_BP).total_cents
    assert total == 3897  # 4000 − 400 = 3600, + 297 tax
    assert shares == {1: 974, 2: 2923}
    assert sum(shares.values()) == total


def test_a_check_with_only_shared_lines_is_owed_by_seat_zero() -> None:
    assert seat_shares([_line("a", 1000, seat=0)], [], TAX_BP) == {0: 1083}
    assert seat_shares([], [], TAX_BP) == {0: 0}


@pytest.mark.parametrize("status", [CheckStatus.CLOSED, CheckStatus.VOID])
def test_a_closed_or_void_check_cannot_change(status: CheckStatus) -> None:
    with pytest.raises(Conflict) as raised:
        require_open(status)
    assert raised.value.code == "check_not_open"
    require_open(CheckStatus.OPEN)
