"""Who is asking: the authenticated staff member and the restaurant they belong to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from tableside.domain.errors import NotAllowed
from tableside.domain.staff import Role

if TYPE_CHECKING:
    from tableside.store.unit_of_work import UnitOfWork


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
