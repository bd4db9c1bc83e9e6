"""Dependencies: the database, the processor, and who is asking (from the token, never the body)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tableside.domain.errors import NotAuthenticated
from tableside.domain.staff import Role
from tableside.services import auth
from tableside.services.principal import Principal
from tableside.store.unit_of_work import Database, UnitOfWork

COOKIE = "tableside_token"
_bearer = HTTPBearer(auto_error=False, description="The token from POST /api/v1/auth/login")

T = TypeVar("T")


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def _database(request: Request) -> Database:
    # async: nothing here blocks, so FastAPI need not hand it to a worker thread.
    return database(request)


def token_of(request: Request, credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is not None and credentials.scheme.lower() == "bearer":
        return credentials.credentials
    cookie = request.cookies.get(COOKIE)
    if cookie:
        return cookie
    raise NotAuthenticated("Log in with your PIN first (no token was sent).")


def principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    token = token_of(request, credentials)
    return auth.authenticate_request(request.app.state.db, token)


Who = Annotated[Principal, Depends(principal)]
DB = Annotated[Database, Depends(_database)]


def write(db: Database, who: Principal, action: Callable[[UnitOfWork], T]) -> T:
    """Run one use case in one transaction, committed only if it returned."""
    with db.unit(who.restaurant_id, who.staff_id) as uow:
        result = action(uow)
        uow.commit()
        return result


def read(db: Database, who: Principal, action: Callable[[UnitOfWork], T]) -> T:
    with db.reader(who.restaurant_id) as uow:
        return action(uow)


def role_in(*roles: Role) -> Callable[[Principal], Principal]:
    allowed = frozenset(roles)

    def _check(who: Who) -> Principal:
        who.require(allowed, "do this")
        return who

    return _check
