"""Who may call a route: the staff member's token, and the roles the route allows.

A route names its callers by type, so the role check is in its signature::

    async def seat(table_id: PathId, body: SeatRequest, caller: FloorStaff) -> CheckView:

``AnyStaff`` is any logged-in staff member; ``FloorStaff`` servers and managers;
``KitchenStaff`` the kitchen and managers; ``Manager`` managers and owners; ``Owner`` the
owner only. The token and the role
are checked inside the request's unit of work, before its use case reads anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBearer

from tableside.core.access import (
    ANY_ROLE,
    CREDENTIALS,
    FLOOR_ROLES,
    KITCHEN_ROLES,
    LOGIN_COOKIE,
    MANAGER_ROLES,
    OWNER_ROLES,
    Principal,
    Role,
)
from tableside.core.errors import NotAuthenticated
from tableside.core.http import database
from tableside.core.openapi import answers
from tableside.core.unit_of_work import Database, UnitOfWork
from tableside.staff import service as auth
from tableside.staff.schemas import ManagerApproval

COOKIE = LOGIN_COOKIE


@dataclass(frozen=True)
class Token:
    """The request's bearer token (or login cookie), not yet checked, and who may use it."""

    db: Database
    value: str
    allowed: frozenset[Role] = ANY_ROLE
    doing: str = ""

    def authenticate(self, uow: UnitOfWork) -> Principal:
        who = auth.authenticate(uow, self.value)
        who.require(self.allowed, self.doing)
        return who


class _BearerOrCookie(HTTPBearer):
    """The bearer token, else the login cookie: one dependency, not one on top of another
    (FastAPI solves each level anew on every request), and still the HTTPBearer scheme in
    the OpenAPI document. async: reading a header blocks nothing, so no thread."""

    def __init__(self, allowed: frozenset[Role], doing: str) -> None:
        super().__init__(
            scheme_name="HTTPBearer",  # the scheme's name in the OpenAPI document
            description="The token from POST /api/v1/auth/login",
            auto_error=False,
        )
        self.allowed, self.doing = allowed, doing
        # No token or a dead one: 401; a role the route is not for: 403 (OpenAPI document).
        answers(self, 401, *([] if allowed == ANY_ROLE else [403]))

    async def __call__(self, request: Request) -> Token:  # type: ignore[override]
        credentials = await super().__call__(request)
        value = credentials.credentials if credentials is not None else request.cookies.get(COOKIE)
        if not value:
            raise NotAuthenticated("Log in with your PIN first (no token was sent).")
        token = Token(database(request), value, self.allowed, self.doing)
        setattr(request.state, CREDENTIALS, token)
        return token


AnyStaff = Annotated[Token, Depends(_BearerOrCookie(ANY_ROLE, "do this"))]
FloorStaff = Annotated[Token, Depends(_BearerOrCookie(FLOOR_ROLES, "work the floor"))]
KitchenStaff = Annotated[Token, Depends(_BearerOrCookie(KITCHEN_ROLES, "work the kitchen"))]
Manager = Annotated[Token, Depends(_BearerOrCookie(MANAGER_ROLES, "do a manager's task"))]
Owner = Annotated[Token, Depends(_BearerOrCookie(OWNER_ROLES, "change the restaurant's setup"))]


def approval_of(given: ManagerApproval | None, request: Request) -> auth.Approval | None:
    """A manager's PIN sent with a server's request (``approval``), and the terminal it was
    typed on: wrong PINs count against that terminal, as at login."""
    if given is None:
        return None
    return auth.Approval(given.pin, request.client.host if request.client else "unknown")


# What a route that a manager's approval can open answers besides its own outcomes.
APPROVAL_RESPONSES: dict[int | str, dict[str, str]] = {
    403: {
        "description": "manager_approval_required: only a manager may, so send a manager's "
        "PIN as `approval`; approval_refused: that PIN is not an active manager's (nothing "
        "changed)"
    },
    429: {"description": "Too many wrong PINs from this terminal, or that manager is locked out"},
}
