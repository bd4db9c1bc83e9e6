"""The floor plan's rules: the grid tables stand on, their shapes and sizes, labels and
section names. Pure: no database, no web.

The plan is a grid of ``COLUMNS`` by ``ROWS`` cells. A table covers ``width`` by
``height`` whole cells from its top-left cell (``x``, ``y``), from ``SMALLEST`` to ``LARGEST`` cells
each way, wholly on the grid, and no two live tables cover the same cell (in any section:
the floor screen's "All" shows every section on one plan).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from tableside.core.errors import Conflict, InvalidRequest

COLUMNS = 40
ROWS = 30
LARGEST = 8
# Two cells at the editor's smallest cell (22 px) are a 44 px target for a finger.
SMALLEST = 2
MAX_LABEL = 20
MAX_SECTION_NAME = 60
MAX_CAPACITY = 100


class Shape(StrEnum):
    """How a table is drawn: ``round`` and ``square`` tables, a ``rect`` (a long table),
    a ``booth`` (seats along a wall)."""

    ROUND = "round"
    SQUARE = "square"
    RECT = "rect"
    BOOTH = "booth"


@dataclass(frozen=True)
class Spot:
    """Where a table stands on the grid: its top-left cell and its size in cells."""

    x: int
    y: int
    width: int
    height: int

    def overlaps(self, other: Spot) -> bool:
        return (
            self.x < other.x + other.width
            and other.x < self.x + self.width
            and self.y < other.y + other.height
            and other.y < self.y + self.height
        )


_SPACES = re.compile(r"\s+")


def key(text: str) -> str:
    """Labels and names are the same when they differ only in case or spacing."""
    return _SPACES.sub(" ", text).strip().casefold()


def _clean(raw: str, what: str, longest: int) -> str:
    text = _SPACES.sub(" ", raw).strip()
    if not text:
        raise InvalidRequest(f"A {what} cannot be empty.", code="invalid_name")
    if len(text) > longest:
        raise InvalidRequest(f"A {what} is at most {longest} characters.", code="invalid_name")
    if any(ord(c) < 32 for c in text):
        raise InvalidRequest(f"A {what} cannot hold control characters.", code="invalid_name")
    return text


def clean_label(raw: str) -> str:
    return _clean(raw, "table's label", MAX_LABEL)


def clean_section_name(raw: str) -> str:
    return _clean(raw, "section's name", MAX_SECTION_NAME)


def check_capacity(seats: int) -> int:
    if not 1 <= seats <= MAX_CAPACITY:
        raise InvalidRequest(f"A table seats 1 to {MAX_CAPACITY} guests.", code="invalid_capacity")
    return seats


def check_spot(spot: Spot) -> Spot:
    """``spot`` if it is a size the plan allows and lies wholly on the grid (422 if not)."""
    if not (SMALLEST <= spot.width <= LARGEST and SMALLEST <= spot.height <= LARGEST):
        raise InvalidRequest(
            f"A table is {SMALLEST} to {LARGEST} cells wide and high.", code="invalid_size"
        )
    if not (0 <= spot.x <= COLUMNS - spot.width and 0 <= spot.y <= ROWS - spot.height):
        raise InvalidRequest(
            f"The table would stand off the plan: the plan is {COLUMNS} cells wide and "
            f"{ROWS} high (x from 0, y from 0).",
            code="off_the_plan",
        )
    return spot


def require_free(spot: Spot, others: Iterable[tuple[str, Spot]]) -> None:
    """409 when ``spot`` covers a cell of another live table (``others``: label, spot)."""
    for label, other in others:
        if spot.overlaps(other):
            raise Conflict(
                f"Table {label} already stands there. Put this table on free cells, or move "
                f"{label} first.",
                code="spot_taken",
            )


def require_unique_label(label: str, others: Iterable[str]) -> None:
    wanted = key(label)
    if any(key(other) == wanted for other in others):
        raise Conflict(
            f"There is already a table labelled {label!r} on the floor. Choose another label.",
            code="label_taken",
        )


def require_unique_section(name: str, others: Iterable[str]) -> None:
    wanted = key(name)
    if any(key(other) == wanted for other in others):
        raise Conflict(
            f"There is already a section named {name!r}. Choose another name.",
            code="name_taken",
        )


def check_order(live: list[str], wanted: list[str]) -> list[str]:
    """``wanted`` if it names every live section exactly once (422 if not)."""
    if len(set(wanted)) != len(wanted):
        raise InvalidRequest("Name each section once in the new order.", code="invalid_order")
    if set(wanted) != set(live):
        raise InvalidRequest(
            "The new order must name every section on the floor, and only those.",
            code="invalid_order",
        )
    return wanted
