"""Login, logout, the current staff member, and managing staff."""

from __future__ import annotations

from typing import Any

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
    RosterResponse,
    StaffChange,
    StaffListResponse,
    StaffMemberView,
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


STAFF_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "Not a manager, or a manager acting on an owner or a manager "
          "(the owner's to do)"},
    404: {"description": "No such staff member in this restaurant (another restaurant's too)"},
    409: {"description": "pin_taken: someone here has that PIN; last_owner: the restaurant "
          "would have no active owner"},
    422: {"description": "The request can never succeed as sent (the message says why)"},
}  # fmt: skip
# What every change to the staff list shares in the OpenAPI document: its tag and those answers.
MANAGING: dict[str, Any] = {"tags": ["staff"], "responses": STAFF_RESPONSES}


@router.get("/staff/roster", response_model=RosterResponse, tags=["staff"])
async def get_roster(caller: Manager) -> RosterResponse:
    """Everyone who works or worked here, active or not, with their role and whether a
    lockout holds them (managers and owners)."""
    return RosterResponse(staff=await read(caller, auth.roster))


@router.post("/staff", response_model=StaffMemberView, status_code=201, **MANAGING)
async def add_staff(body: AddStaffRequest, caller: Manager) -> StaffMemberView:
    """Add a staff member with a PIN unique in this restaurant. A manager adds servers and
    the kitchen; the owner adds anyone."""
    return await write(
        caller, lambda uow, who: auth.add_staff(uow, who, body.name, Role(body.role), body.pin)
    )


@router.patch("/staff/{staff_id}", response_model=StaffMemberView, **MANAGING)
async def change_staff(staff_id: PathId, body: StaffChange, caller: Manager) -> StaffMemberView:
    """Change a staff member's name or role (only what is sent changes)."""
    role = Role(body.role) if body.role is not None else None
    return await write(
        caller, lambda uow, who: auth.change_staff(uow, who, staff_id, body.name, role)
    )


@router.put("/staff/{staff_id}/pin", response_model=StaffMemberView, **MANAGING)
async def reset_pin(staff_id: PathId, body: ResetPinRequest, caller: Manager) -> StaffMemberView:
    """Set a new PIN: the person's sessions end at once (they log in again)."""
    return await write(caller, lambda uow, who: auth.reset_pin(uow, who, staff_id, body.pin))


@router.post("/staff/{staff_id}/deactivate", response_model=StaffMemberView, **MANAGING)
async def deactivate(staff_id: PathId, caller: Manager) -> StaffMemberView:
    """They no longer work here: their sessions end at once (the next request answers 401,
    their live feed closes) and their PIN logs nobody in. Checks, payments and the audit
    log keep their name."""
    return await write(caller, lambda uow, who: auth.deactivate(uow, who, staff_id))


@router.post("/staff/{staff_id}/reactivate", response_model=StaffMemberView, **MANAGING)
async def reactivate(staff_id: PathId, caller: Manager) -> StaffMemberView:
    """Back at work, with the PIN they had."""
    return await write(caller, lambda uow, who: auth.reactivate(uow, who, staff_id))
