"""Opening a restaurant from the command line: ``tableside restaurant create`` and ``list``.

``create`` makes the restaurant and its owner in one transaction and prints the owner's PIN
on its last line (``owner PIN: 4821``). Run again with the same code, it says the
restaurant exists and changes nothing (exit 0). Everything else an owner sets up — tax
rates, menu, floor, staff — is done on the screens or through the API.
"""

from __future__ import annotations

import argparse
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tableside.config import Settings
    from tableside.core.unit_of_work import Database


@dataclass(frozen=True)
class Opened:
    slug: str
    restaurant_id: str
    created: bool
    owner_pin: str | None  # only when created


def open_restaurant(
    db: Database,
    *,
    slug: str,
    name: str,
    timezone: str,
    currency: str,
    owner_name: str,
    owner_pin: str | None = None,
    tax_rate_bp: int = 0,
) -> Opened:
    """The restaurant and its owner, in one transaction; nothing changes if the code exists."""
    from tableside.core.access import Principal, Role
    from tableside.restaurants import service as restaurants
    from tableside.staff import service as staff

    pin = owner_pin if owner_pin is not None else f"{secrets.randbelow(10**6):06d}"
    staff.validate_pin(pin)
    with db.unit() as uow:
        restaurant = restaurants.create(
            uow,
            slug=slug,
            name=name,
            timezone=timezone,
            currency=currency,
            tax_rate_bp=tax_rate_bp,
        )
        if restaurant is None:
            existing = restaurants.by_code(uow, slug)
            assert existing is not None
            return Opened(slug, existing.id, created=False, owner_pin=None)
        # The owner is hired by the installation itself: no staff member acts yet.
        founder = Principal(restaurant.id, "", Role.OWNER, "tableside")
        staff.add_staff(uow, founder, owner_name, Role.OWNER, pin)
        uow.commit()
        return Opened(slug, restaurant.id, created=True, owner_pin=pin)


def add_commands(sub: Any) -> None:
    """``tableside restaurant create|list`` on the CLI's subcommands."""
    restaurant = sub.add_parser("restaurant", help="open a restaurant, list them")
    commands = restaurant.add_subparsers(dest="restaurant_command", required=True)
    create = commands.add_parser("create", help="a new restaurant and its owner")
    create.add_argument("--name", required=True)
    create.add_argument("--slug", required=True, help="the code staff type at login")
    create.add_argument("--timezone", required=True, help="e.g. Europe/Paris")
    create.add_argument("--currency", required=True, help="ISO 4217, e.g. EUR")
    create.add_argument("--owner-name", required=True)
    create.add_argument("--owner-pin", default=None, help="4 to 8 digits (default: random)")
    create.add_argument(
        "--tax-rate-bp", type=int, default=0, help="the default tax rate (1000 = 10 %%)"
    )
    create.set_defaults(func=cmd_create)
    commands.add_parser("list", help="every restaurant of this installation").set_defaults(
        func=cmd_list
    )


def _database(settings: Settings) -> Database:
    from tableside.core import migrate
    from tableside.core.database import make_engine
    from tableside.core.unit_of_work import Database

    engine = make_engine(
        settings.database_url, prepared_statements=not settings.pooled_per_transaction
    )
    migrate.upgrade(engine)
    return Database(engine)


def cmd_create(settings: Settings, args: argparse.Namespace) -> int:
    from tableside.core.errors import DomainError

    try:
        opened = open_restaurant(
            _database(settings),
            slug=args.slug,
            name=args.name,
            timezone=args.timezone,
            currency=args.currency,
            owner_name=args.owner_name,
            owner_pin=args.owner_pin,
            tax_rate_bp=args.tax_rate_bp,
        )
    except DomainError as error:
        print(f"tableside: {error.message}")
        return 2
    if not opened.created:
        print(f"Restaurant {opened.slug!r} exists already; nothing changed.")
        return 0
    print(f"Opened {args.name!r}: log in with restaurant code {opened.slug!r} and this PIN.")
    print(f"owner PIN: {opened.owner_pin}")
    return 0


def cmd_list(settings: Settings, _: argparse.Namespace) -> int:
    from tableside.restaurants import service as restaurants

    with _database(settings).reader() as uow:
        for restaurant in restaurants.all_restaurants(uow):
            print(
                f"{restaurant.slug}\t{restaurant.name}\t{restaurant.timezone}\t"
                f"{restaurant.currency}"
            )
    return 0
