"""One mapping from domain errors to HTTP, and one error shape: {"error": {"code", "message"}}.

Database errors answer in that shape too: a lock held by another terminal is a 409, a
value the database cannot store (a NUL byte, a number out of range) is a 422, and a
database that is restarting, unreachable or cut the connection is a 503 to retry. Anything
unexpected is the 500 of ``middleware.CatchAll``.
"""

from __future__ import annotations

from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import DataError, DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from tableside.core import errors as e
from tableside.core.access import CREDENTIALS, Credentials
from tableside.core.http import database
from tableside.core.unit_of_work import Database, translate_db_error

UNREADABLE = "The request body cannot be read: send JSON, encoded as UTF-8."
UNSTORABLE = "A value in the request cannot be stored (a number too large, or a NUL character)."
RECONNECTED = (
    "The connection to the database was lost. Try again; a payment retried with the same key "
    "is never taken twice."
)
UNREACHABLE = (
    "The database cannot be reached right now (it may be restarting). Try again in a moment; "
    "a payment retried with the same key is never taken twice."
)
BUSY = (
    "Every database connection of this server is in use right now. Try again in a moment; "
    "a payment retried with the same key is never taken twice."
)
# PostgreSQL's answers while it shuts down, restarts or refuses connections: class 08
# (connection exception) and admin_shutdown, crash_shutdown, cannot_connect_now.
_RESTARTING = frozenset({"57P01", "57P02", "57P03"})

STATUS: dict[type[e.DomainError], int] = {
    e.NotAuthenticated: 401,
    e.PaymentDeclined: 402,
    e.NotAllowed: 403,
    e.NotFound: 404,
    e.Conflict: 409,
    e.InvalidRequest: 422,
    e.LockedOut: 429,
    e.ProcessorFailed: 502,
    e.ProcessorTimeout: 504,
}


def status_for(error: e.DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


def install(app: FastAPI) -> None:
    @app.exception_handler(e.DomainError)
    async def _domain(_: Request, error: e.DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, e.NotAuthenticated) else None
        if isinstance(error, e.LockedOut) and error.retry_after_s is not None:
            headers = {"Retry-After": str(error.retry_after_s)}
        return JSONResponse(
            error_body(error.code, error.message), status_code=status_for(error), headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        # Who may ask is answered before what was asked: a dead token is 401 and a role the
        # route is not for 403, whatever the body (the credentials a route's dependency
        # took, checked only now, on this error's path).
        credentials: Credentials | None = getattr(request.state, CREDENTIALS, None)
        if credentials is not None:
            refused = await run_in_threadpool(_refusal, database(request), credentials)
            if refused is not None:
                return await _domain(request, refused)
        return JSONResponse(
            error_body("invalid_request", _describe(error.errors()), details=_details(error)),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 400:
            # FastAPI's only 400: a body it cannot read (not UTF-8, say). Bad input, as
            # every other unreadable body is: 422.
            return JSONResponse(error_body("invalid_request", UNREADABLE), status_code=422)
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        message = str(error.detail)
        headers = dict(error.headers or {})
        if error.status_code == 404 and message == "Not Found":
            message = "There is nothing at this address."
        if error.status_code == 405:
            # Each method of a path is a route of its own: the first one's Allow is not all.
            allowed = _methods_at(request)
            message = f"This address answers {', '.join(allowed)} only."
            headers["Allow"] = ", ".join(allowed)
        return JSONResponse(
            error_body(code, message), status_code=error.status_code, headers=headers
        )

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, error: DBAPIError) -> JSONResponse:
        translated = translate_db_error(error)
        if isinstance(translated, e.DomainError):
            return await _domain(request, translated)
        if isinstance(error, DataError):  # PostgreSQL refused a value: bad input
            return JSONResponse(error_body("invalid_request", UNSTORABLE), status_code=422)
        if error.connection_invalidated:  # cut while in use; the pool has replaced it
            return JSONResponse(error_body("database_unavailable", RECONNECTED), status_code=503)
        if _unreachable(error):
            return JSONResponse(error_body("database_unavailable", UNREACHABLE), status_code=503)
        raise error  # a real fault: CatchAll answers 500 and logs it

    @app.exception_handler(PoolTimeout)
    async def _busy(_: Request, error: PoolTimeout) -> JSONResponse:
        # No connection came free within the pool's timeout: nothing was done.
        return JSONResponse(error_body("database_unavailable", BUSY), status_code=503)

    @app.exception_handler(OverflowError)
    async def _overflow(_: Request, error: OverflowError) -> JSONResponse:
        # SQLite's driver refuses an integer beyond 64 bits this way (PostgreSQL: DataError).
        return JSONResponse(error_body("invalid_request", UNSTORABLE), status_code=422)


def _refusal(db: Database, credentials: Credentials) -> e.DomainError | None:
    try:
        with db.reader() as uow:
            credentials.authenticate(uow)
    except (e.NotAuthenticated, e.NotAllowed, e.LockedOut) as refused:
        return refused
    return None


def _methods_at(request: Request) -> list[str]:
    """The methods of the routes for this request's path: of the most particular ones, as
    the document has them (``/menu/categories/order`` before ``/menu/categories/{id}``)."""
    found: dict[int, set[str]] = {}
    for context in iter_route_contexts(request.app.routes):
        regex = getattr(context, "path_regex", None)
        if regex is not None and regex.match(request.url.path):
            params = len(getattr(context, "param_convertors", {}) or {})
            found.setdefault(params, set()).update(context.methods or set())
    return sorted(found[min(found)]) if found else []


def _unreachable(error: DBAPIError) -> bool:
    """PostgreSQL is down, restarting or refusing connections: nothing was done, try again."""
    if not isinstance(error.orig, psycopg.OperationalError):
        return False
    sqlstate = error.orig.sqlstate
    # A refused or failed connection attempt has no SQLSTATE: no server answered.
    return sqlstate is None or sqlstate.startswith("08") or sqlstate in _RESTARTING


MAX_DETAILS = 20  # a body with thousands of bad fields is told about the first few


def _details(error: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {
            "field": ".".join(str(p) for p in item.get("loc", ()) if p != "body"),
            "problem": item.get("msg", ""),
        }
        for item in error.errors()[:MAX_DETAILS]
    ]


def _describe(problems: Any) -> str:
    parts = []
    for item in list(problems)[:3]:
        field = ".".join(str(p) for p in item.get("loc", ()) if p != "body") or "request body"
        parts.append(f"{field}: {item.get('msg', 'invalid')}")
    return "Please fix: " + "; ".join(parts) if parts else "The request is not valid."
