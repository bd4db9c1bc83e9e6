"""Dependencies and the one way a route runs its use case.

Who is asking comes from the token, never from the body. The token is checked inside the
unit of work that serves the request, on that unit's own connection: a request costs one
pooled connection and one hand-off to a worker thread (authentication, the use case and
its commit), not one each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from anyio import CapacityLimiter, to_thread
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPBearer

from tableside.domain.errors import NotAuthenticated
from tableside.domain.staff import Role
from tableside.services import auth
from tableside.services.principal import Principal, act_as
from tableside.store.unit_of_work import Database, UnitOfWork

COOKIE = "tableside_token"

T = TypeVar("T")


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


@dataclass(frozen=True)
class Token:
    """The request's bearer token (or login cookie), not yet checked."""

    db: Database
    value: str

    def authenticate(self, uow: UnitOfWork) -> Principal:
        return auth.authenticate(uow, self.value)


class _BearerOrCookie(HTTPBearer):
    """The bearer token, else the login cookie: one dependency, not one on top of another
    (FastAPI solves each level anew on every request), and still the HTTPBearer scheme in
    the OpenAPI document. async: reading a header blocks nothing, so no thread."""

    async def __call__(self, request: Request) -> Token:  # type: ignore[override]
        credentials = await super().__call__(request)
        value = credentials.credentials if credentials is not None else request.cookies.get(COOKIE)
        if not value:
            raise NotAuthenticated("Log in with your PIN first (no token was sent).")
        return Token(database(request), value)


Caller = Annotated[
    Token,
    Depends(
        _BearerOrCookie(
            scheme_name="HTTPBearer",  # the scheme's name in the OpenAPI document
            description="The token from POST /api/v1/auth/login",
            auto_error=False,
        )
    ),
]


async def write(
    caller: Token,
    action: Callable[[UnitOfWork, Principal], T],
    *,
    allowed: frozenset[Role] | None = None,
    doing: str = "",
) -> T:
    """Run one use case in one transaction, committed only if it returned; ``allowed``:
    the roles that may (checked before anything is read)."""
    return await run_in_threadpool(_in_unit, caller, action, allowed, doing, False)


async def read(
    caller: Token,
    action: Callable[[UnitOfWork, Principal], T],
    *,
    allowed: frozenset[Role] | None = None,
    doing: str = "",
) -> T:
    """Run a read in a read-only unit (never commits, never blocks a writer)."""
    return await run_in_threadpool(_in_unit, caller, action, allowed, doing, True)


async def call(
    caller: Token, service: Callable[[Principal], T], *, limiter: CapacityLimiter | None = None
) -> T:
    """Run a use case that opens its own units (a refund, a void), as the caller;
    ``limiter``: the threads it may use (default: the requests')."""

    def _run() -> T:
        with caller.db.reader() as uow:
            who = act_as(uow, caller)
        return service(who)

    return await to_thread.run_sync(_run, limiter=limiter)


def payment_threads(request: Request) -> CapacityLimiter:
    """The threads of this process for work that may wait on the card processor (made on
    first use, in the app's event loop)."""
    state = request.app.state
    limiter: CapacityLimiter | None = getattr(state, "payment_threads", None)
    if limiter is None:
        limiter = state.payment_threads = CapacityLimiter(state.settings.payment_threads)
    return limiter


def _in_unit(
    caller: Token,
    action: Callable[[UnitOfWork, Principal], T],
    allowed: frozenset[Role] | None,
    doing: str,
    read_only: bool,
) -> T:
    with caller.db.reader() if read_only else caller.db.unit() as uow:
        who = act_as(uow, caller)
        if allowed is not None:
            who.require(allowed, doing)
        result = action(uow, who)
        if not read_only:
            uow.commit()
        return result
