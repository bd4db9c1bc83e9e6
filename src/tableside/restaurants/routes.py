"""The restaurant's settings and tax rates: all staff read them, the owner changes them."""

from __future__ import annotations

from fastapi import APIRouter

from tableside.core.http import read, write
from tableside.core.schemas import PathId
from tableside.restaurants import service as restaurants
from tableside.restaurants.schemas import (
    SettingsChange,
    SettingsView,
    TaxRateChange,
    TaxRateRequest,
    TaxRateView,
)
from tableside.staff.dependencies import AnyStaff, Owner

router = APIRouter(prefix="/api/v1", tags=["restaurant"])


@router.get("/restaurant", response_model=SettingsView)
async def get_settings(caller: AnyStaff) -> SettingsView:
    """The restaurant's settings, with its tax rates (tip presets, receipt text, limits)."""
    return await read(caller, lambda uow, who: restaurants.settings(uow))


@router.put("/restaurant", response_model=SettingsView)
async def change_settings(body: SettingsChange, caller: Owner) -> SettingsView:
    """Owner: change the name, time zone, currency, default tax rate, prices with tax
    included or added, service charge, tip limit and presets,
    or receipt text. Only the fields given change."""
    return await write(caller, lambda uow, who: restaurants.change_settings(uow, who, body))


@router.post("/restaurant/tax-rates", response_model=TaxRateView, status_code=201)
async def add_tax_rate(body: TaxRateRequest, caller: Owner) -> TaxRateView:
    """Owner: a named rate (e.g. Alcohol, 2000 = 20 %) that menu items can name."""
    return await write(
        caller, lambda uow, who: restaurants.add_tax_rate(uow, who, body.name, body.rate_bp)
    )


@router.put("/restaurant/tax-rates/{tax_rate_id}", response_model=TaxRateView)
async def change_tax_rate(tax_rate_id: PathId, body: TaxRateChange, caller: Owner) -> TaxRateView:
    """Owner: rename or change a rate. Lines already rung keep the rate they were rung at."""
    return await write(
        caller,
        lambda uow, who: restaurants.change_tax_rate(
            uow, who, tax_rate_id, body.name, body.rate_bp
        ),
    )


@router.post("/restaurant/tax-rates/{tax_rate_id}/archive", response_model=TaxRateView)
async def archive_tax_rate(tax_rate_id: PathId, caller: Owner) -> TaxRateView:
    """Owner: stop offering a rate; nothing rung at it changes."""
    return await write(caller, lambda uow, who: restaurants.archive_tax_rate(uow, who, tax_rate_id))
