"""The restaurant a unit of work acts for: its code, its terms and settings, its tax rates.

An owner opens a restaurant (``create``, from ``tableside restaurant create``) and keeps its
settings; every change is audited before → after and announced (``restaurant.updated``).
"""

from __future__ import annotations

from collections.abc import Sequence

from tableside.core import models as m
from tableside.core.access import OWNER_ROLES, Principal
from tableside.core.errors import InvalidRequest
from tableside.core.models import new_id, utcnow
from tableside.core.rows import RestaurantTerms
from tableside.core.unit_of_work import UnitOfWork
from tableside.restaurants import rules
from tableside.restaurants.repository import Restaurants
from tableside.restaurants.schemas import SettingsChange, SettingsView, TaxRateView


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


# --- opening a restaurant and its settings ---------------------------------------------------


def create(
    uow: UnitOfWork,
    *,
    slug: str,
    name: str,
    timezone: str,
    currency: str,
    tax_rate_bp: int = 0,
) -> m.Restaurant | None:
    """A new restaurant, or None if one already has this code (nothing changes then)."""
    rules.validate_slug(slug)
    name = rules.validate_name(name)
    rules.validate_timezone(timezone)
    rules.validate_currency(currency)
    rules.validate_rate(tax_rate_bp)
    if by_code(uow, slug) is not None:
        return None
    restaurant = m.Restaurant(
        id=new_id("rst"),
        slug=slug,
        name=name,
        currency=currency,
        tax_rate_bp=tax_rate_bp,
        timezone=timezone,
        created_at=utcnow(),
    )
    uow.session.add(restaurant)
    uow.session.flush()
    uow.scope_to(restaurant.id)
    uow.audit("restaurant.created", "restaurant", restaurant.id, slug=slug, name=name)
    return restaurant


def all_restaurants(uow: UnitOfWork) -> Sequence[m.Restaurant]:
    return Restaurants.of(uow).all()


def settings(uow: UnitOfWork) -> SettingsView:
    restaurant = current(uow)
    return SettingsView(
        id=restaurant.id,
        slug=restaurant.slug,
        name=restaurant.name,
        timezone=restaurant.timezone,
        currency=restaurant.currency,
        tax_rate_bp=restaurant.tax_rate_bp,
        tax_rates=[_rate_view(r) for r in Restaurants.of(uow).tax_rates()],
        max_tip_bp=restaurant.max_tip_bp,
        tip_presets_bp=list(restaurant.tip_presets_bp),
        prices_include_tax=restaurant.prices_include_tax,
        service_charge_bp=restaurant.service_charge_bp,
        service_charge_min_guests=restaurant.service_charge_min_guests,
        receipt_header=restaurant.receipt_header,
        receipt_footer=restaurant.receipt_footer,
    )


def change_settings(uow: UnitOfWork, who: Principal, change: SettingsChange) -> SettingsView:
    """The owner changes settings; each change is audited before → after and announced.

    Checks already open keep the pricing they were opened with (tax included or added, the
    party's service charge); closed checks and reports never change."""
    who.require(OWNER_ROLES, "change the restaurant's settings")
    restaurant = current(uow)
    wanted = change.model_dump(exclude_none=True)
    if "service_charge_min_guests" in change.model_fields_set:  # null clears it
        wanted["service_charge_min_guests"] = change.service_charge_min_guests
    if "name" in wanted:
        wanted["name"] = rules.validate_name(wanted["name"])
    if "timezone" in wanted:
        rules.validate_timezone(wanted["timezone"])
    if "currency" in wanted:
        rules.validate_currency(wanted["currency"])
    if "tip_presets_bp" in wanted:
        rules.validate_tip_presets(wanted["tip_presets_bp"])
    if "service_charge_bp" in wanted or "service_charge_min_guests" in wanted:
        rules.validate_service_charge(
            wanted.get("service_charge_bp", restaurant.service_charge_bp),
            wanted.get("service_charge_min_guests", restaurant.service_charge_min_guests),
        )
    before = {field: getattr(restaurant, field) for field in wanted}
    changed = {field: value for field, value in wanted.items() if before[field] != value}
    for field, value in changed.items():
        setattr(restaurant, field, value)
    if changed:
        uow.audit(
            "restaurant.settings_changed",
            "restaurant",
            restaurant.id,
            before={field: before[field] for field in changed},
            after=changed,
        )
        uow.emit("restaurant.updated", {"restaurant_id": restaurant.id, "changed": sorted(changed)})
    return settings(uow)


def tax_rate(uow: UnitOfWork, tax_rate_id: str) -> TaxRateView:
    """One of the restaurant's tax rates (404 for another restaurant's)."""
    return _rate_view(Restaurants.of(uow).tax_rate(tax_rate_id))


def add_tax_rate(uow: UnitOfWork, who: Principal, name: str, rate_bp: int) -> TaxRateView:
    who.require(OWNER_ROLES, "set tax rates")
    name = _rate_name(uow, name)
    rules.validate_rate(rate_bp)
    rates = Restaurants.of(uow).tax_rates(archived=True)
    rate = m.TaxRate(
        id=new_id("tax"),
        restaurant_id=who.restaurant_id,
        name=name,
        rate_bp=rate_bp,
        position=max((r.position for r in rates), default=0) + 1,
    )
    uow.session.add(rate)
    uow.audit("tax_rate.added", "tax_rate", rate.id, name=name, rate_bp=rate_bp)
    uow.emit("restaurant.updated", {"restaurant_id": who.restaurant_id, "changed": ["tax_rates"]})
    return _rate_view(rate)


def change_tax_rate(
    uow: UnitOfWork, who: Principal, tax_rate_id: str, name: str | None, rate_bp: int | None
) -> TaxRateView:
    """Rename a rate or change it. Lines already rung keep the rate they were rung at."""
    who.require(OWNER_ROLES, "set tax rates")
    rate = Restaurants.of(uow).tax_rate(tax_rate_id)
    before = {"name": rate.name, "rate_bp": rate.rate_bp}
    if name is not None and name.strip() != rate.name:
        rate.name = _rate_name(uow, name)
    if rate_bp is not None:
        rules.validate_rate(rate_bp)
        rate.rate_bp = rate_bp
    after = {"name": rate.name, "rate_bp": rate.rate_bp}
    if after != before:
        uow.audit("tax_rate.changed", "tax_rate", rate.id, before=before, after=after)
        uow.emit(
            "restaurant.updated", {"restaurant_id": who.restaurant_id, "changed": ["tax_rates"]}
        )
    return _rate_view(rate)


def archive_tax_rate(uow: UnitOfWork, who: Principal, tax_rate_id: str) -> TaxRateView:
    """An archived rate is offered no more; items that name it keep it until edited."""
    who.require(OWNER_ROLES, "set tax rates")
    rate = Restaurants.of(uow).tax_rate(tax_rate_id)
    if rate.archived_at is None:
        rate.archived_at = utcnow()
        uow.audit("tax_rate.archived", "tax_rate", rate.id, name=rate.name)
        uow.emit(
            "restaurant.updated", {"restaurant_id": who.restaurant_id, "changed": ["tax_rates"]}
        )
    return _rate_view(rate)


def _rate_name(uow: UnitOfWork, name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= 60:
        raise InvalidRequest("A tax rate's name is 1 to 60 characters.", code="invalid_name")
    if any(r.name.lower() == name.lower() for r in Restaurants.of(uow).tax_rates()):
        raise InvalidRequest(f"There is already a tax rate named {name!r}.", code="name_taken")
    return name


def _rate_view(rate: m.TaxRate) -> TaxRateView:
    return TaxRateView(
        id=rate.id, name=rate.name, rate_bp=rate.rate_bp, archived=rate.archived_at is not None
    )
