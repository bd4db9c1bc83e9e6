"""Split plans: whatever is split, re-split and paid, the parts owe exactly the balance."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from tableside.checks.split_plan import new_plan, standing
from tableside.core.money import split_evenly


@dataclass(frozen=True)
class Paid:
    id: str
    status: str
    amount_cents: int
    split_part: int | None


operations = st.lists(
    st.one_of(
        st.tuples(st.just("split"), st.integers(min_value=1, max_value=6)),
        st.tuples(st.just("unsplit"), st.just(0)),
        st.tuples(st.just("pay_part"), st.integers(min_value=1, max_value=6)),
        st.tuples(st.just("pay_outside"), st.integers(min_value=1, max_value=5_000)),
        st.tuples(st.just("decline_part"), st.integers(min_value=1, max_value=6)),
    ),
    max_size=25,
)


@given(total=st.integers(min_value=1, max_value=200_000), steps=operations)
def test_the_parts_left_to_pay_always_add_up_to_the_balance(
    total: int, steps: list[tuple[str, int]]
) -> None:
    payments: list[Paid] = []
    plan: dict[str, object] | None = None

    def balance() -> int:
        return total - sum(p.amount_cents for p in payments if p.status == "captured")

    for op, n in steps:
        if op == "split" and balance() > 0:
            ways = n if n > 1 else 2
            amounts = split_evenly(balance(), ways)
            plan = new_plan("evenly", amounts, [f"Guest {i}" for i in range(ways)], payments)
        elif op == "unsplit":
            plan = None
        elif op in ("pay_part", "decline_part"):
            parts = standing(plan, payments)
            if parts is None or n > len(parts) or parts[n - 1].payable_cents == 0:
                continue
            # Pay part of a part, or all of it.
            amount = max(1, parts[n - 1].payable_cents // (1 + n % 2))
            status = "captured" if op == "pay_part" else "declined"
            payments.append(Paid(f"pay{len(payments)}", status, amount, n))
        elif op == "pay_outside" and balance() > 0:
            payments.append(Paid(f"pay{len(payments)}", "captured", min(n, balance()), None))

        parts = standing(plan, payments)
        if parts is not None:
            assert sum(p.unpaid_cents for p in parts) == balance()
            assert all(p.unpaid_cents >= 0 for p in parts)
            assert all(p.paid == (p.unpaid_cents == 0) for p in parts)


def test_payments_made_before_a_split_do_not_pay_its_parts() -> None:
    earlier = [Paid("pay1", "captured", 4_000, 1), Paid("pay2", "captured", 3_000, 2)]
    plan = new_plan("evenly", [460, 460], ["Guest 1", "Guest 2"], earlier)
    parts = standing(plan, earlier)
    assert parts is not None
    assert [(p.paid, p.payable_cents) for p in parts] == [(False, 460), (False, 460)]


def test_a_card_in_progress_reserves_its_part_without_paying_it() -> None:
    plan = new_plan("custom", [1_000, 500], ["Part 1", "Part 2"], [])
    parts = standing(plan, [Paid("pay1", "pending", 1_000, 1)])
    assert parts is not None
    assert (parts[0].paid, parts[0].payable_cents, parts[0].unpaid_cents) == (False, 0, 1_000)
