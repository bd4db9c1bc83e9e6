"""Discounts and comps: what a manager may take off, and what is refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tableside.checks.rules import (
    Discount,
    DiscountKind,
    LineAmount,
    check_discount_amounts,
    compute_totals,
    discountable_cents,
    line_net_amounts,
    validate_discount,
    validate_new_discount,
    validate_seat_and_quantity,
)
from tableside.core.errors import InvalidRequest


def _line(id_: str, price: int, *, voided: bool = False) -> LineAmount:
    return LineAmount(
        id=id_, seat=1, quantity=1, unit_price_cents=price, modifiers_cents=0, voided=voided
    )


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (DiscountKind.PERCENT, 0),
        (DiscountKind.PERCENT, -100),
        (DiscountKind.PERCENT, 10_001),  # more than 100 %
        (DiscountKind.AMOUNT, 0),
        (DiscountKind.AMOUNT, -500),
    ],
)
def test_a_discount_of_nothing_or_more_than_everything_is_refused(
    kind: DiscountKind, value: int
) -> None:
    with pytest.raises(InvalidRequest):
        validate_discount(kind, value)


@pytest.mark.parametrize(
    ("kind", "value"),
    [(DiscountKind.PERCENT, 1), (DiscountKind.PERCENT, 10_000), (DiscountKind.AMOUNT, 1)],
)
def test_a_one_cent_discount_and_a_full_comp_are_fine(kind: DiscountKind, value: int) -> None:
    validate_discount(kind, value)


def test_an_amount_discount_cannot_exceed_what_is_left_on_its_line() -> None:
    lines = [_line("a", 1000), _line("b", 2000)]
    validate_new_discount(lines, [], Discount("d", DiscountKind.AMOUNT, 1000, line_id="a"))
    with pytest.raises(InvalidRequest) as raised:
        validate_new_discount(lines, [], Discount("d", DiscountKind.AMOUNT, 1001, line_id="a"))
    assert raised.value.code == "discount_exceeds_amount"
    # After half off, only $5 of the line is left to discount.
    half = Discount("h", DiscountKind.PERCENT, 5000, line_id="a")
    assert discountable_cents(lines, [half], "a") == 500
    with pytest.raises(InvalidRequest):
        validate_new_discount(lines, [half], Discount("d", DiscountKind.AMOUNT, 501, line_id="a"))


def test_a_check_discount_cannot_exceed_what_is_left_of_the_check() -> None:
    lines = [_line("a", 1000), _line("b", 2000)]
    earlier = [
        Discount("x", DiscountKind.AMOUNT, 1000, line_id="b"),
        Discount("y", DiscountKind.AMOUNT, 500),
    ]
    assert discountable_cents(lines, earlier) == 1500
    validate_new_discount(lines, earlier, Discount("d", DiscountKind.AMOUNT, 1500))
    with pytest.raises(InvalidRequest):
        validate_new_discount(lines, earlier, Discount("d", DiscountKind.AMOUNT, 1501))


def test_nothing_left_to_discount_refuses_even_a_percent() -> None:
    lines = [_line("a", 1000), _line("v", 800, voided=True)]
    comped = [Discount("c", DiscountKind.PERCENT, 10_000)]
    with pytest.raises(InvalidRequest):
        validate_new_discount(lines, comped, Discount("d", DiscountKind.PERCENT, 1000))
    with pytest.raises(InvalidRequest):  # a voided line has nothing to discount
        validate_new_discount(lines, [], Discount("d", DiscountKind.PERCENT, 1000, line_id="v"))
    with pytest.raises(InvalidRequest):  # an empty check neither
        validate_new_discount([], [], Discount("d", DiscountKind.PERCENT, 1000))


@given(
    st.lists(st.integers(min_value=0, max_value=50_000), min_size=1, max_size=6),
    st.lists(
        st.tuples(
            st.sampled_from(DiscountKind),
            st.integers(min_value=1, max_value=80_000),
            st.integers(min_value=-1, max_value=5),
        ),
        max_size=8,
    ),
)
def test_accepted_discounts_always_take_exactly_their_value(
    prices: list[int], attempts: list[tuple[DiscountKind, int, int]]
) -> None:
    """A discount the rules accept takes off something, and an amount exactly its value."""
    lines = [_line(f"ln{i}", price) for i, price in enumerate(prices)]
    accepted: list[Discount] = []
    for i, (kind, raw, target) in enumerate(attempts):
        value = min(raw, 10_000) if kind is DiscountKind.PERCENT else raw
        line_id = lines[target].id if 0 <= target < len(lines) else None
        new = Discount(f"d{i}", kind, value, line_id)
        try:
            validate_new_discount(lines, accepted, new)
        except InvalidRequest:
            continue
        accepted.append(new)
        if line_id is None:
            taken = check_discount_amounts(lines, accepted)[new.id]
        else:
            before = line_net_amounts(lines, accepted[:-1])[line_id]
            taken = before - line_net_amounts(lines, accepted)[line_id]
        assert taken > 0
        if kind is DiscountKind.AMOUNT:
            assert taken == value
    totals = compute_totals(lines, accepted, 0)
    assert 0 <= totals.total_cents <= totals.subtotal_cents


@pytest.mark.parametrize(("seat", "quantity"), [(-1, 1), (100, 1), (1, 0), (1, 101), (1, -3)])
def test_seats_run_0_to_99_and_quantities_1_to_100(seat: int, quantity: int) -> None:
    with pytest.raises(InvalidRequest):
        validate_seat_and_quantity(seat, quantity)


def test_seat_zero_is_the_shared_seat_and_a_hundred_of_one_item_is_fine() -> None:
    validate_seat_and_quantity(0, 1)
    validate_seat_and_quantity(99, 100)


def test_a_discount_that_rounds_to_nothing_is_refused() -> None:
    with pytest.raises(InvalidRequest) as raised:
        validate_new_discount([_line("a", 40)], [], Discount("d", DiscountKind.PERCENT, 100))
    assert raised.value.code == "discount_too_small"  # 1 % of 40 cents is 0.4 → 0
    validate_new_discount([_line("a", 50)], [], Discount("d", DiscountKind.PERCENT, 100))
