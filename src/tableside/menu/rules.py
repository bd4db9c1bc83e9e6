"""What a menu may hold: names, prices, courses, stations, allergens, modifier choices, and
orders. Pure: the editor's requests and every row of an imported file pass through these,
so both refuse the same things in the same words.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence

from tableside.core.errors import Conflict, InvalidRequest

MAX_CENTS = 100_000_000
MAX_COURSE = 9
MAX_CHOICES = 50  # options a guest may pick from one group
MAX_STATION = 40
MAX_DESCRIPTION = 500
MAX_ALLERGENS = 20
MAX_ALLERGEN = 40

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SPACES = re.compile(r"\s+")


class Kind(enum.StrEnum):
    """The four things a menu is made of, as the API, the audit and the events name them."""

    CATEGORY = "category"
    ITEM = "item"
    GROUP = "group"  # a modifier group of an item
    OPTION = "option"  # an option of a modifier group

    @property
    def words(self) -> str:
        return {
            Kind.CATEGORY: "category",
            Kind.ITEM: "menu item",
            Kind.GROUP: "modifier group",
            Kind.OPTION: "option",
        }[self]

    @property
    def max_name(self) -> int:
        return 80 if self is Kind.ITEM else 60


def clean_line(raw: str, what: str, limit: int) -> str:
    """``raw`` on one line: its ends trimmed and every run of spaces, tabs or line breaks
    made one space. Other control characters are refused (they print badly on a ticket)."""
    text = _SPACES.sub(" ", raw).strip()
    if _CONTROL.search(text):
        raise InvalidRequest(f"The {what} contains a control character; type it again.")
    if len(text) > limit:
        raise InvalidRequest(f"The {what} can be at most {limit} characters ({len(text)} given).")
    return text


def clean_name(raw: str, kind: Kind) -> str:
    name = clean_line(raw, f"{kind.words}'s name", kind.max_name)
    if not name:
        raise InvalidRequest(f"A {kind.words} needs a name.")
    return name


def name_key(name: str) -> str:
    """Names are the same when they differ only in case or spacing ("Fries" and "fries ")."""
    return _SPACES.sub(" ", name).strip().casefold()


def require_unique(name: str, siblings: Iterable[str], kind: Kind, where: str) -> None:
    """No two live things of one parent share a name: a server could not tell them apart."""
    key = name_key(name)
    if any(name_key(other) == key for other in siblings):
        raise Conflict(
            f"There is already a {kind.words} named {name!r} {where}. "
            "Choose another name, or edit that one.",
            code="name_taken",
        )


def check_price(cents: int, what: str = "price") -> int:
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise InvalidRequest(f"The {what} must be a whole number of cents.")
    if cents < 0:
        raise InvalidRequest(f"The {what} cannot be negative ({cents} cents given).")
    if cents > MAX_CENTS:
        raise InvalidRequest(f"The {what} is too large (at most {MAX_CENTS} cents).")
    return cents


def check_course(course: int) -> int:
    if isinstance(course, bool) or not isinstance(course, int) or not 1 <= course <= MAX_COURSE:
        raise InvalidRequest(f"The course must be a whole number from 1 to {MAX_COURSE}.")
    return course


def clean_station(raw: str) -> str:
    """The kitchen station that makes the item ("grill", "bar"); empty: no particular one."""
    return clean_line(raw, "station", MAX_STATION)


def clean_description(raw: str) -> str:
    """Line breaks kept (as ``\\n``), ends trimmed, no other control characters."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").strip()
    if _CONTROL.search(text.replace("\n", "").replace("\t", "")):
        raise InvalidRequest("The description contains a control character; type it again.")
    if len(text) > MAX_DESCRIPTION:
        raise InvalidRequest(
            f"The description can be at most {MAX_DESCRIPTION} characters ({len(text)} given)."
        )
    return text


def clean_allergens(raw: Sequence[str]) -> list[str]:
    """Each allergen once, in the order given (compared without case), none blank."""
    allergens: list[str] = []
    seen: set[str] = set()
    for value in raw:
        allergen = clean_line(value, "allergen", MAX_ALLERGEN)
        if "," in allergen or ";" in allergen:
            raise InvalidRequest(f"List allergens one by one ({allergen!r} holds a separator).")
        if not allergen:
            continue
        if name_key(allergen) not in seen:
            seen.add(name_key(allergen))
            allergens.append(allergen)
    if len(allergens) > MAX_ALLERGENS:
        raise InvalidRequest(f"An item can list at most {MAX_ALLERGENS} allergens.")
    return allergens


def check_choices(low: int, high: int) -> tuple[int, int]:
    """A group's least and most choices: 0 ≤ min ≤ max, max ≥ 1."""
    for value, word in ((low, "minimum"), (high, "maximum")):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_CHOICES:
            raise InvalidRequest(
                f"A modifier group's {word} must be a whole number from 0 to {MAX_CHOICES}."
            )
    if high < 1:
        raise InvalidRequest("A modifier group's maximum must be at least 1.")
    if low > high:
        raise InvalidRequest(
            f"A modifier group's minimum ({low}) cannot be more than its maximum ({high})."
        )
    return low, high


def unknown_in_order(current: Sequence[str], wanted: Sequence[str]) -> list[str]:
    """The ids of ``wanted`` that are not among ``current`` (the caller says they are not
    found: they are another restaurant's, archived, or never were)."""
    known = set(current)
    return [i for i in wanted if i not in known]


def check_order(current: Sequence[str], wanted: Sequence[str], kind: Kind) -> list[str]:
    """``wanted`` is a new order of exactly ``current`` (every id once)."""
    repeated = sorted({i for i in wanted if wanted.count(i) > 1})
    if repeated:
        raise InvalidRequest(f"Each {kind.words} must be listed once ({', '.join(repeated)}).")
    missing = [i for i in current if i not in set(wanted)]
    if missing:
        raise InvalidRequest(
            f"List every {kind.words} in the new order; {len(missing)} missing "
            f"({', '.join(missing[:5])})."
        )
    return list(wanted)
