"""The restaurant itself: its code, its terms (tax rate, currency, time zone), its settings
and its named tax rates.

Every query is scoped to the unit's restaurant: a row of another restaurant is
indistinguishable from one that does not exist (``NotFound``, a 404).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from tableside.core import models as m
from tableside.core.errors import NotFound
from tableside.core.repository import RESTAURANT, Repository
from tableside.core.rows import RestaurantTerms

_TAX_RATE = select(m.Restaurant.tax_rate_bp).where(m.Restaurant.id == RESTAURANT)


_TERMS = select(
    m.Restaurant.tax_rate_bp,
    m.Restaurant.currency,
    m.Restaurant.timezone,
    m.Restaurant.prices_include_tax,
    m.Restaurant.service_charge_bp,
    m.Restaurant.service_charge_min_guests,
).where(m.Restaurant.id == RESTAURANT)


class Restaurants(Repository):
    def __init__(self, session: Session, restaurant_id: str | None) -> None:
        super().__init__(session, restaurant_id)
        self._current: m.Restaurant | None = None

    def by_slug(self, slug: str) -> m.Restaurant | None:
        return self.session.scalar(select(m.Restaurant).where(m.Restaurant.slug == slug))

    def current(self) -> m.Restaurant:
        # Kept for the unit's life: the session's identity map holds rows only weakly, so
        # without this every totals and check view in a unit loaded the restaurant again.
        if self._current is None:
            restaurant = self.session.get(m.Restaurant, self.restaurant_id)
            if restaurant is None:
                raise NotFound("This restaurant no longer exists.")
            self._current = restaurant
        return self._current

    def terms(self) -> RestaurantTerms:
        found = self._core().execute(_TERMS, {"restaurant_id": self.restaurant_id}).first()
        if found is None:
            raise NotFound("This restaurant no longer exists.")
        return RestaurantTerms(*found)

    def tax_rate_bp(self) -> int:
        """The restaurant's tax rate, without loading the restaurant as an entity."""
        if self._current is not None:
            return self._current.tax_rate_bp
        rate = self._core().scalar(_TAX_RATE, {"restaurant_id": self.restaurant_id})
        if rate is None:
            raise NotFound("This restaurant no longer exists.")
        return int(rate)

    def all(self) -> Sequence[m.Restaurant]:
        """Every restaurant of this installation (for its operator, not for staff)."""
        return self.session.scalars(select(m.Restaurant).order_by(m.Restaurant.slug)).all()

    def tax_rates(self, *, archived: bool = False) -> Sequence[m.TaxRate]:
        stmt = select(m.TaxRate).where(m.TaxRate.restaurant_id == self.restaurant_id)
        if not archived:
            stmt = stmt.where(m.TaxRate.archived_at.is_(None))
        return self.session.scalars(stmt.order_by(m.TaxRate.position, m.TaxRate.name)).all()

    def tax_rate(self, tax_rate_id: str) -> m.TaxRate:
        return self._get(m.TaxRate, tax_rate_id, "tax rate")
