"""What a restaurant's code, time zone, currency and settings may be."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tableside.core.errors import InvalidRequest

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_TIP_PRESETS = 6


def validate_slug(slug: str) -> None:
    if not SLUG.match(slug):
        raise InvalidRequest(
            "A restaurant code is 1 to 60 lowercase letters, digits and dashes"
            " (not starting or ending with a dash), e.g. chez-lou.",
            code="invalid_slug",
        )


def validate_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= 120:
        raise InvalidRequest("A restaurant's name is 1 to 120 characters.", code="invalid_name")
    return name


def validate_timezone(timezone: str) -> None:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidRequest(
            f"{timezone!r} is not a time zone; use a name like Europe/Paris or America/New_York.",
            code="invalid_timezone",
        ) from error


def validate_currency(currency: str) -> None:
    if not CURRENCY.match(currency):
        raise InvalidRequest(
            "A currency is its three-letter ISO 4217 code in capitals, e.g. EUR or USD.",
            code="invalid_currency",
        )


def validate_rate(rate_bp: int, what: str = "A tax rate") -> None:
    if not 0 <= rate_bp <= 10_000:
        raise InvalidRequest(
            f"{what} is 0 to 10000 basis points (0 % to 100 %; 825 = 8.25 %).",
            code="invalid_rate",
        )


def validate_tip_presets(presets_bp: list[int]) -> None:
    if not 1 <= len(presets_bp) <= MAX_TIP_PRESETS or any(not 0 < p <= 10_000 for p in presets_bp):
        raise InvalidRequest(
            f"Give 1 to {MAX_TIP_PRESETS} tip presets, each 1 to 10000 basis points (1500 = 15 %).",
            code="invalid_tip_presets",
        )


def validate_service_charge(rate_bp: int, min_guests: int | None) -> None:
    validate_rate(rate_bp, "A service charge")
    if rate_bp and (min_guests is None or not 1 <= min_guests <= 100):
        raise InvalidRequest(
            "A service charge applies to parties of 1 to 100 guests or more: give"
            " service_charge_min_guests.",
            code="invalid_service_charge",
        )
