"""A restaurant of a test's own, opened on the test's database: staff of every role, named
tax rates and a few tables, and no menu. A test that builds or imports a menu works there,
so the seeded demo menu every other test relies on stays as it is."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from argon2 import PasswordHasher

from tableside.core import models as m
from tableside.core.models import new_id, utcnow
from tableside.core.unit_of_work import Database
from tableside.staff.service import installation_key, pin_lookup

PINS = {"owner": "7001", "manager": "7002", "server": "7003", "kitchen": "7004"}
_HASHER = PasswordHasher(time_cost=1, memory_cost=8192)  # fast: these PINs guard nothing


@dataclass(frozen=True)
class NewRestaurant:
    slug: str
    id: str
    tax_rates: dict[str, str]  # name → id
    tables: dict[str, str]  # label → id


def open_new_restaurant(
    db: Database,
    *,
    tax_rates: Sequence[tuple[str, int]] = (("Food", 1000), ("Alcohol", 2000)),
    tables: Sequence[str] = ("A1", "A2", "A3"),
    default_tax_rate_bp: int = 825,
) -> NewRestaurant:
    slug = f"menu-{uuid.uuid4().hex[:10]}"
    with db.unit() as uow:
        restaurant = m.Restaurant(
            id=new_id("rst"),
            slug=slug,
            name="Chez Test",
            currency="USD",
            tax_rate_bp=default_tax_rate_bp,
            timezone="America/New_York",
            created_at=utcnow(),
        )
        uow.session.add(restaurant)
        uow.session.flush()
        uow.scope_to(restaurant.id)
        key = installation_key(uow)
        for role, pin in PINS.items():
            uow.session.add(
                m.Staff(
                    id=new_id("stf"),
                    restaurant_id=restaurant.id,
                    name=f"Test {role}",
                    role=role,
                    pin_lookup=pin_lookup(key, restaurant.id, pin),
                    pin_hash=_HASHER.hash(pin),
                    active=True,
                    created_at=utcnow(),
                )
            )
        rates = {
            name: m.TaxRate(
                id=new_id("tax"),
                restaurant_id=restaurant.id,
                name=name,
                rate_bp=rate_bp,
                position=i,
            )
            for i, (name, rate_bp) in enumerate(tax_rates)
        }
        uow.session.add_all(rates.values())
        section = m.Section(id=new_id("sec"), restaurant_id=restaurant.id, name="Room")
        uow.session.add(section)
        uow.session.flush()
        placed = {
            label: m.DiningTable(
                id=new_id("tbl"),
                restaurant_id=restaurant.id,
                section_id=section.id,
                label=label,
                capacity=4,
                position=i,
                x=i * 3,
            )
            for i, label in enumerate(tables)
        }
        uow.session.add_all(placed.values())
        uow.session.flush()
        uow.commit()
    return NewRestaurant(
        slug,
        restaurant.id,
        {name: rate.id for name, rate in rates.items()},
        {label: table.id for label, table in placed.items()},
    )
