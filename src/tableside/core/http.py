"""The one way a route runs its use case: in a unit of work, on a worker thread.

Who is asking comes from the request's credentials, never from the body, and they are
checked inside the unit of work that serves the request, on that unit's own connection: a
request costs one pooled connection and one hand-off to a worker thread (authentication,
the role check, the use case and its commit), not one each.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from anyio import CapacityLimiter, to_thread
from fastapi import Request
from fastapi.concurrency import run_in_threadpool

from tableside.core.access import Credentials, Principal, act_as
from tableside.core.unit_of_work import Database, UnitOfWork

T = TypeVar("T")


class Caller(Credentials, Protocol):
    """A request's credentials (checked when its unit of work starts) and its database."""

    @property
    def db(self) -> Database: ...


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def write(caller: Caller, action: Callable[[UnitOfWork, Principal], T]) -> T:
    """Run one use case in one transaction, committed only if it returned."""
    return await run_in_threadpool(_in_unit, caller, action, False)


async def read(caller: Caller, action: Callable[[UnitOfWork, Principal], T]) -> T:
    """Run a read in a read-only unit (never commits, never blocks a writer)."""
    return await run_in_threadpool(_in_unit, caller, action, True)


async def call(
    caller: Caller, service: Callable[[Principal], T], *, limiter: CapacityLimiter | None = None
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


def _in_unit(caller: Caller, action: Callable[[UnitOfWork, Principal], T], read_only: bool) -> T:
    with caller.db.reader() if read_only else caller.db.unit() as uow:
        who = act_as(uow, caller)
        result = action(uow, who)
        if not read_only:
            uow.commit()
        return result
