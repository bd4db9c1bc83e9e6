"""Who is asking: the authenticated staff member and the restaurant they belong to."""

from __future__ import annotations

from dataclasses import dataclass

from tableside.domain.errors import NotAllowed
from tableside.domain.staff import Role


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
