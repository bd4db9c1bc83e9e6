"""The owner's copy of the restaurant's data, as one JSON document (docs/export.md).

Guarantees: only the owner's own restaurant is read (every statement names it); no staff
member's PIN hash, PIN lookup key or lock-out state is in it; the whole document is read in
one read-only transaction, so it is the restaurant as of one moment (on PostgreSQL a
repeatable-read snapshot; on SQLite its read transaction) while the floor keeps working.
It is written out as it is read, a page of checks at a time: an export of years of service
never holds the years in memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tableside.core.access import OWNER_ROLES, Principal
from tableside.core.models import utcnow
from tableside.core.unit_of_work import Database, UnitOfWork
from tableside.reports.repository import RestaurantData
from tableside.restaurants import service as restaurants

FORMAT = "tableside-export"
VERSION = 1


@dataclass(frozen=True)
class ExportStart:
    restaurant_id: str
    filename: str


def begin(uow: UnitOfWork, who: Principal) -> ExportStart:
    """Check the caller may export (owners only) and name the file."""
    who.require(OWNER_ROLES, "export the restaurant's data")
    restaurant = restaurants.current(uow)
    day = utcnow().strftime("%Y%m%d-%H%M%S")
    return ExportStart(restaurant.id, f"tableside-{restaurant.slug}-{day}.json")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot export a {type(value).__name__}")


def _json(value: Any) -> bytes:
    return json.dumps(value, default=_plain, ensure_ascii=False, separators=(",", ":")).encode()


def stream(db: Database, restaurant_id: str) -> Iterator[bytes]:
    """The export document, in pieces that concatenate to one JSON object."""
    with db.reader(restaurant_id) as uow:  # one snapshot for every table read below
        data = RestaurantData.of(uow)
        head = {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": utcnow(),
            "restaurant": data.restaurant(),
            "tax_rates": data.tax_rates(),
            "menu": data.menu(),
            "floor": data.floor(),
            "staff": data.staff(),
        }
        yield _json(head)[:-1]  # the object stays open for the history below
        for name, pages in (("checks", data.check_pages()), ("audit", data.audit_pages())):
            yield f',"{name}":['.encode()
            first = True
            for page in pages:
                yield (b"" if first else b",") + b",".join(_json(row) for row in page)
                first = False
            yield b"]"
        yield b"}"
