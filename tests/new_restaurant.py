"""A restaurant of a test's own, opened on the test's database: staff of every role, named
tax rates and a few tables, and no menu. A test that builds or imports a menu works there,
so the seeded demo menu every other test relies on stays as it is. Or one opened as an owner
opens theirs, by the `tableside` command (``open_chez_lou``)."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from terminal import Terminal

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


def staff(base_url: str, place: NewRestaurant, role: str) -> Terminal:
    """A tablet at ``place``, logged in as its staff member of ``role`` (a key of PINS)."""
    return Terminal(base_url, place.slug, PINS[role])


def add_menu_items(
    db: Database, restaurant_id: str, category: str, items: Mapping[str, Mapping[str, Any]]
) -> dict[str, str]:
    """A new category of the restaurant's menu holding ``items`` (name → the item's other columns:
    ``price_cents``, ``tax_rate_id``, ``archived_at``…), written straight to the database;
    the items' ids by name."""
    with db.unit() as uow:
        shelf = m.MenuCategory(id=new_id("cat"), restaurant_id=restaurant_id, name=category)
        added = {
            name: m.MenuItem(
                id=new_id("itm"),
                restaurant_id=restaurant_id,
                category_id=shelf.id,
                name=name,
                **columns,
            )
            for name, columns in items.items()
        }
        uow.session.add_all([shelf, *added.values()])
        uow.commit()
    return {name: item.id for name, item in added.items()}


def tableside(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The `tableside` command on ``database_url``, with nothing else in its environment."""
    return subprocess.run(
        [sys.executable, "-m", "tableside.cli", *args],
        env={"TABLESIDE_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def open_chez_lou(database_url: str) -> tuple[str, str]:
    """Chez Lou (Paris, in euros, Lou its owner) opened by `tableside restaurant create`: its
    slug and the owner's PIN, the last line the command prints."""
    slug = f"chez-lou-{uuid.uuid4().hex[:6]}"
    created = tableside(
        database_url,
        "restaurant", "create", "--name", "Chez Lou", "--slug", slug,
        "--timezone", "Europe/Paris", "--currency", "EUR", "--owner-name", "Lou",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    last = created.stdout.strip().splitlines()[-1]
    assert last.startswith("owner PIN: "), created.stdout
    owner_pin = last.removeprefix("owner PIN: ")
    assert owner_pin.isdigit(), created.stdout
    return slug, owner_pin
