"""Login, logout, the current staff member, and managing staff."""

from __future__ import annotations

from anyio import CapacityLimiter, to_thread
from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from tableside.core.access import Principal, Role
from tableside.core.errors import DomainError
from tableside.core.http import database, read, write
from tableside.core.schemas import PathId
from tableside.core.unit_of_work import Database, UnitOfWork
from tableside.staff import service as auth
from tableside.staff.dependencies import COOKIE, AnyStaff, Manager
from tableside.staff.schemas import (
    AddStaffRequest,
    LoginRequest,
    LoginResponse,
    ResetPinRequest,
    StaffListResponse,
    StaffView,
)

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.post(
    "/auth/login",
    response_model=LoginResponse,
    responses={401: {"description": "Wrong PIN"}, 429: {"description": "Locked out"}},
)
async def login(body: LoginRequest, request: Request, response: Response) -> LoginResponse:
    """Log in with the restaurant's code and a PIN. The token also comes back as a cookie."""
    db = database(request)
    source = request.client.host if request.client else "unknown"
    attempt = await run_in_threadpool(_begin_login, db, body, source)
    if isinstance(attempt, DomainError):
        raise attempt
    # The PIN's hash is checked on threads of its own, holding no connection and no lock:
    # a shift change's logins wait for each other there, never in front of the floor.
    check = await to_thread.run_sync(
        auth.check_pin, attempt, body.pin, limiter=pin_threads(request)
    )
    outcome = await run_in_threadpool(
        _finish_login, db, attempt, check, source, request.app.state.settings.token_ttl_s
    )
    if isinstance(outcome, DomainError):
        raise outcome
    # Secure when the terminal reached us over HTTPS (as a trusted proxy says, if one is
    # in front): the cookie then never travels unencrypted.
    response.set_cookie(
        COOKIE,
        outcome.token,
        max_age=outcome.expires_in_s,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return LoginResponse(
        token=outcome.token,
        expires_in_s=outcome.expires_in_s,
        staff=outcome.staff,
        restaurant=outcome.restaurant,
    )


def pin_threads(request: Request) -> CapacityLimiter:
    """The threads of this process that check PINs (``TABLESIDE_PIN_THREADS``; made on
    first use, in the app's event loop)."""
    state = request.app.state
    limiter: CapacityLimiter | None = getattr(state, "pin_threads", None)
    if limiter is None:
        limiter = state.pin_threads = CapacityLimiter(state.settings.pin_threads)
    return limiter


def _begin_login(db: Database, body: LoginRequest, source: str) -> auth.LoginAttempt | DomainError:
    with db.reader() as uow:
        return auth.begin_login(
            uow, body.restaurant, body.pin, source=source, staff_id=body.staff_id
        )


def _finish_login(
    db: Database, attempt: auth.LoginAttempt, check: auth.PinCheck, source: str, ttl_s: int
) -> auth.LoginResult | DomainError:
    with db.unit() as uow:
        outcome = auth.finish_login(uow, attempt, check, source=source, ttl_s=ttl_s)
        uow.commit()  # counters of wrong PINs are kept too
    return outcome


@router.post("/auth/logout", status_code=204)
async def logout(caller: AnyStaff, response: Response) -> Response:
    """End this session (this token only)."""

    def _logout(uow: UnitOfWork, who: Principal) -> None:
        auth.logout(uow, caller.value)
        uow.audit("staff.logout", "staff", who.staff_id)

    await write(caller, _logout)
    response.delete_cookie(COOKIE)
    response.status_code = 204
    return response


@router.get("/me", response_model=StaffView)
async def me(caller: AnyStaff) -> StaffView:
    return await read(
        caller, lambda uow, who: StaffView(id=who.staff_id, name=who.name, role=who.role.value)
    )


@router.get("/staff", response_model=StaffListResponse)
async def list_staff(caller: AnyStaff) -> StaffListResponse:
    return StaffListResponse(staff=await read(caller, auth.list_staff))


@router.post("/staff", response_model=StaffView, status_code=201)
async def add_staff(body: AddStaffRequest, caller: Manager) -> StaffView:
    """Manager: add a staff member with a PIN unique in this restaurant."""
    return await write(
        caller, lambda uow, who: auth.add_staff(uow, who, body.name, Role(body.role), body.pin)
    )


@router.put("/staff/{staff_id}/pin", response_model=StaffView)
async def reset_pin(staff_id: PathId, body: ResetPinRequest, caller: Manager) -> StaffView:
    """Manager: set a new PIN; the staff member's sessions end at once."""
    return await write(caller, lambda uow, who: auth.reset_pin(uow, who, staff_id, body.pin))
