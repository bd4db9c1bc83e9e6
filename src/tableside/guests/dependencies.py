"""Who may call a guest route: anyone with a link, within the limits (guests/limits.py).

``Guest`` counts the request against its client address before anything else; reading
through it finds the token's link (a miss counts against the client, and is the same 404
for every reason), counts the request against the link's restaurant and scopes the unit
of work to that restaurant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Request

from tableside.core.errors import NotFound
from tableside.core.http import database
from tableside.core.models import Kiosk
from tableside.core.openapi import answers
from tableside.core.unit_of_work import Database, UnitOfWork
from tableside.guests import orders, service
from tableside.guests.limits import GuestLimits
from tableside.guests.repository import LinkRow, OrderRow

T = TypeVar("T")


@dataclass(frozen=True)
class GuestRequest:
    db: Database
    limits: GuestLimits
    client: str

    def link(self, uow: UnitOfWork, token: str) -> LinkRow:
        """The token's working link, the unit scoped to its restaurant."""
        try:
            link = service.find_link(uow, token)
        except NotFound:
            self.limits.missed(self.client)
            raise
        self.limits.admit_restaurant(link.restaurant_id)
        uow.scope_to(link.restaurant_id)
        return link

    def restaurant(self, uow: UnitOfWork, slug: str) -> str:
        """The restaurant at this code (a public page), the unit scoped to it."""
        return self._admit(uow, lambda: orders.find_restaurant(uow, slug))

    def order(self, uow: UnitOfWork, token: str) -> OrderRow:
        """The order this token names, the unit scoped to its restaurant."""
        found: list[OrderRow] = []

        def find() -> str:
            found.append(orders.find_order(uow, token))
            return found[0].restaurant_id

        self._admit(uow, find)
        return found[0]

    def kiosk(self, uow: UnitOfWork, token: str) -> Kiosk:
        """The working kiosk this token is, the unit scoped to its restaurant."""
        found: list[Kiosk] = []

        def find() -> str:
            found.append(orders.find_kiosk(uow, token))
            return found[0].restaurant_id

        self._admit(uow, find)
        return found[0]

    def _admit(self, uow: UnitOfWork, find: Callable[[], str]) -> str:
        try:
            restaurant_id = find()
        except NotFound:
            self.limits.missed(self.client)
            raise
        self.limits.admit_restaurant(restaurant_id)
        uow.scope_to(restaurant_id)
        return restaurant_id

    def read(self, token: str, action: Callable[[UnitOfWork, LinkRow], T]) -> T:
        """Run ``action`` on the token's link in a read-only unit (blocking: on a thread)."""
        with self.db.reader() as uow:
            return action(uow, self.link(uow, token))


def guest_limits(request: Request) -> GuestLimits:
    """This process's counts (made on first use)."""
    state = request.app.state
    limits: GuestLimits | None = getattr(state, "guest_limits", None)
    if limits is None:
        limits = state.guest_limits = GuestLimits()
    return limits


def guest_request(request: Request) -> GuestRequest:
    """Admit a guest's request (429 past the limits)."""
    limits = guest_limits(request)
    client = request.client.host if request.client else "unknown"
    limits.admit_client(client)
    return GuestRequest(database(request), limits, client)


async def _guest(request: Request) -> GuestRequest:
    return guest_request(request)


# A link that does not work: 404; past the limits: 429 (OpenAPI document).
answers(_guest, 404, 429)


Guest = Annotated[GuestRequest, Depends(_guest)]
