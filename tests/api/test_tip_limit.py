"""A tip far beyond the bill is a typo or worse: it is refused before the card is charged,
and a tip up to the restaurant's limit goes through."""

from __future__ import annotations

import pytest
from emulator import Emulator
from terminal import Terminal

from tableside.core.errors import InvalidRequest
from tableside.payments.rules import validate_tip


@pytest.mark.parametrize(
    ("tender", "amount", "tip"), [("card", 100, 99_899_000), ("cash", 100, 5_000_000)]
)
def test_a_tip_beyond_the_limit_is_refused_and_nothing_is_charged(
    server: Terminal, emulator: Emulator, tender: str, amount: int, tip: int
) -> None:
    check = server.seat("T14", guests=1)
    server.ring(check["id"], "Espresso", seat=1)
    paid = server.pay(check["id"], amount, tender=tender, tip_cents=tip)
    assert paid.status_code == 422, paid.text
    assert paid.json()["error"]["code"] == "tip_too_large"
    assert server.check(check["id"])["payments"] == []
    assert emulator.charges_for(check["id"]) == []


def test_a_generous_tip_within_the_limit_goes_through(server: Terminal) -> None:
    check = server.seat("T14", guests=1)
    check = server.ring(check["id"], "Espresso", seat=1)
    total = check["total_cents"]
    paid = server.pay(check["id"], total, tender="card", tip_cents=total)  # 100 %
    assert paid.status_code == 201, paid.text
    assert paid.json()["table"]["status"] == "available"


def test_the_limit_is_a_share_of_the_amount_to_the_cent() -> None:
    validate_tip(1_000, 1_000, 10_000)
    validate_tip(999, 0, 0)
    with pytest.raises(InvalidRequest):
        validate_tip(1_000, 1_001, 10_000)
    with pytest.raises(InvalidRequest):
        validate_tip(1_000, 251, 2_500)
