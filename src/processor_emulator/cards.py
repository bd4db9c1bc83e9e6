"""The test payment methods the emulator accepts: Stripe's documented test tokens.

Each token stands for a card with a brand and last four digits, and either approves or
declines with a fixed decline code; ``DECLINE_MESSAGES`` holds the message Stripe gives for
each code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TestCard:
    brand: str
    last4: str
    decline_code: str | None  # None: the card approves


TEST_CARDS: dict[str, TestCard] = {
    "pm_card_visa": TestCard("visa", "4242", None),
    "pm_card_mastercard": TestCard("mastercard", "4444", None),
    "pm_card_amex": TestCard("amex", "8431", None),
    "pm_card_chargeDeclined": TestCard("visa", "0002", "generic_decline"),
    "pm_card_visa_chargeDeclined": TestCard("visa", "0002", "generic_decline"),
    "pm_card_chargeDeclinedInsufficientFunds": TestCard("visa", "9995", "insufficient_funds"),
}

DECLINE_MESSAGES = {
    "generic_decline": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
}
