"""The restaurant a unit of work acts for: its code, its terms, its tax rate."""

from __future__ import annotations

from tableside.core import models as m
from tableside.core.rows import RestaurantTerms
from tableside.core.unit_of_work import UnitOfWork
from tableside.restaurants.repository import Restaurants


def current(uow: UnitOfWork) -> m.Restaurant:
    """The unit's restaurant (loaded once per unit)."""
    return Restaurants.of(uow).current()


def terms(uow: UnitOfWork) -> RestaurantTerms:
    """Tax rate, currency and time zone, without loading the restaurant as an entity."""
    return Restaurants.of(uow).terms()


def tax_rate_bp(uow: UnitOfWork) -> int:
    return Restaurants.of(uow).tax_rate_bp()


def by_code(uow: UnitOfWork, slug: str) -> m.Restaurant | None:
    """The restaurant with this code (what staff type at login), if there is one."""
    return Restaurants.of(uow).by_slug(slug)
