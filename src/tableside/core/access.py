"""Who is asking, and what each role may do.

A ``Principal`` is the authenticated staff member and the restaurant they belong to; every
unit of work acts as one. An owner can do everything a manager can, and a manager
everything a server can (API.md); the kitchen works tickets and 86's items.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from tableside.core.errors import NotAllowed

if TYPE_CHECKING:
    from tableside.core.unit_of_work import UnitOfWork


# The login cookie: a tablet's token, sent by the browser with every request to this server.
LOGIN_COOKIE = "tableside_token"
# Where a route's dependency leaves the request's credentials (``request.state``), so that a
# refusal of the request's shape can answer who may ask first.
CREDENTIALS = "credentials"


class Role(enum.StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    SERVER = "server"
    KITCHEN = "kitchen"


# An owner may do everything a manager may, plus settings, staff roles and the data export.
OWNER_ROLES = frozenset({Role.OWNER})
MANAGER_ROLES = frozenset({Role.OWNER, Role.MANAGER})
FLOOR_ROLES = frozenset({Role.SERVER, *MANAGER_ROLES})
KITCHEN_ROLES = frozenset({Role.KITCHEN, *MANAGER_ROLES})
ANY_ROLE = frozenset(Role)


@dataclass(frozen=True)
class Principal:
    restaurant_id: str
    staff_id: str
    role: Role
    name: str

    def require(self, roles: frozenset[Role], doing: str) -> None:
        if self.role not in roles:
            allowed = " or ".join(sorted(r.value for r in roles))
            raise NotAllowed(f"Only {allowed} staff can {doing}.")

    def authenticate(self, uow: UnitOfWork) -> Principal:
        """Already known (recovery, tests): nothing to check."""
        return self


class Credentials(Protocol):
    """What a request carries to say who sent it, checked inside the unit of work that
    serves it (on that unit's own connection): a bearer token, or a known ``Principal``."""

    def authenticate(self, uow: UnitOfWork) -> Principal: ...


def act_as(uow: UnitOfWork, credentials: Credentials) -> Principal:
    """Check ``credentials`` and scope ``uow`` to that staff member's restaurant."""
    who = credentials.authenticate(uow)
    uow.scope_to(who.restaurant_id)
    uow.staff_id = who.staff_id
    return who
