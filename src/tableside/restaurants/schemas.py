"""A restaurant's settings and tax rates as staff see them, and the requests that change them."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import available_timezones

from pydantic import BaseModel, Field

from tableside.core.schemas import Body, Documented, NotBlank, Text

# What restaurants/rules.py takes (shown in the OpenAPI document): a time zone this
# server knows, a currency's ISO 4217 code.
TimeZone = Annotated[Text, Documented(enum=sorted(available_timezones()))]
Currency = Annotated[Text, Documented(pattern=r"^[A-Z]{3}$")]


class TaxRateView(BaseModel):
    id: str
    name: str
    rate_bp: int = Field(description="basis points: 1000 = 10 %")
    archived: bool


class SettingsView(BaseModel):
    id: str
    slug: str = Field(description="the restaurant code staff type at login")
    name: str
    timezone: str
    currency: str
    tax_rate_bp: int = Field(description="the rate of items that name no tax rate")
    tax_rates: list[TaxRateView]
    max_tip_bp: int = Field(description="the largest tip without a manager, of the amount")
    tip_presets_bp: list[int] = Field(description="The tip choices of the pay screens")
    prices_include_tax: bool = Field(
        description="true: menu prices include tax (checks show the tax they hold); false: tax"
        " is added on top. A check keeps what this was when it was opened."
    )
    service_charge_bp: int = Field(
        description="Service charge of parties of service_charge_min_guests or more (0: none),"
        " of what the lines come to after discounts, never taxed. Decided when a party is"
        " seated; a check keeps it."
    )
    service_charge_min_guests: int | None
    receipt_header: str
    receipt_footer: str


class SettingsChange(Body):
    """Only the fields given change (a null is not given), except that
    ``service_charge_min_guests: null`` clears the party size, with no service charge."""

    name: NotBlank | None = Field(default=None, min_length=1, max_length=120)
    timezone: TimeZone | None = Field(default=None, min_length=1, max_length=60)
    currency: Currency | None = Field(default=None, min_length=3, max_length=3)
    tax_rate_bp: int | None = Field(default=None, ge=0, le=10_000)
    max_tip_bp: int | None = Field(default=None, ge=0, le=100_000)
    tip_presets_bp: list[Annotated[int, Field(ge=1, le=10_000)]] | None = Field(
        default=None, min_length=1, max_length=6
    )
    prices_include_tax: bool | None = None
    service_charge_bp: int | None = Field(default=None, ge=0, le=10_000)
    service_charge_min_guests: int | None = Field(default=None, ge=1, le=100)
    receipt_header: Text | None = Field(default=None, max_length=500)
    receipt_footer: Text | None = Field(default=None, max_length=500)


class TaxRateRequest(Body):
    name: NotBlank = Field(min_length=1, max_length=60, examples=["Alcohol"])
    rate_bp: int = Field(ge=0, le=10_000, examples=[2000])


class TaxRateChange(Body):
    name: NotBlank | None = Field(default=None, min_length=1, max_length=60)
    rate_bp: int | None = Field(default=None, ge=0, le=10_000)
