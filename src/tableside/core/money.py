"""Money is integer minor units (cents). One rounding rule for the whole system.

The rule: **round half up** (away from zero for the positive amounts we deal in), applied
once per computed amount — tax is computed once per tax rate on what the check's lines at
that rate come to after discounts, not per line, and a percentage discount is rounded once
where it applies. Prices that include tax give up the tax they hold by the same rule
(``included_in``), and what is left is the price before tax, so the two always add back
up to the price. Splits distribute a total by the largest-remainder method so the parts
always add back up to the total.
"""

from __future__ import annotations

from collections.abc import Sequence

BASIS_POINTS = 10_000


def percent_of(amount_cents: int, rate_bp: int) -> int:
    """``amount × rate`` for a rate in basis points (825 = 8.25 %), rounded half up."""
    if amount_cents < 0 or rate_bp < 0:
        raise ValueError("amounts and rates are never negative here")
    return (amount_cents * rate_bp + BASIS_POINTS // 2) // BASIS_POINTS


def included_in(gross_cents: int, rate_bp: int) -> int:
    """The tax a tax-inclusive amount holds at a rate in basis points:
    ``gross × rate / (10000 + rate)``, rounded half up. ``gross − this`` is the amount
    before tax, so the two add back up to ``gross`` exactly."""
    if gross_cents < 0 or rate_bp < 0:
        raise ValueError("amounts and rates are never negative here")
    divisor = BASIS_POINTS + rate_bp
    return (2 * gross_cents * rate_bp + divisor) // (2 * divisor)


def allocate(total_cents: int, weights: Sequence[int]) -> list[int]:
    """Split ``total_cents`` in proportion to ``weights`` so the parts sum to the total exactly.

    Largest-remainder method: each part gets the floor of its exact share, then the cents
    left over go one each to the parts with the largest remainders (earliest first on ties).
    All-zero weights split evenly.
    """
    if total_cents < 0:
        raise ValueError("cannot allocate a negative amount")
    if not weights:
        raise ValueError("need at least one part")
    if any(w < 0 for w in weights):
        raise ValueError("weights are never negative")
    if sum(weights) == 0:
        weights = [1] * len(weights)
    weight_sum = sum(weights)
    floors = [total_cents * w // weight_sum for w in weights]
    remainders = [total_cents * w % weight_sum for w in weights]
    left = total_cents - sum(floors)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in by_remainder[:left]:
        floors[i] += 1
    return floors


def split_evenly(total_cents: int, ways: int) -> list[int]:
    """``ways`` parts differing by at most one cent, larger ones first, summing to the total."""
    if ways < 1:
        raise ValueError("split at least one way")
    return allocate(total_cents, [1] * ways)


def format_cents(amount_cents: int, currency: str = "USD") -> str:
    sign = "-" if amount_cents < 0 else ""
    whole, cents = divmod(abs(amount_cents), 100)
    symbol = "$" if currency == "USD" else f"{currency} "
    return f"{sign}{symbol}{whole:,}.{cents:02d}"
