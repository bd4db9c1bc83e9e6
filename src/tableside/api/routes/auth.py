"""Login, logout, the current staff member, and managing staff."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.security import HTTPAuthorizationCredentials

from tableside.api.deps import COOKIE, DB, Who, database, read, token_of, write
from tableside.api.schemas import (
    AddStaffRequest,
    LoginRequest,
    LoginResponse,
    PathId,
    ResetPinRequest,
    StaffListResponse,
)
from tableside.domain.errors import DomainError
from tableside.domain.staff import Role
from tableside.services import auth
from tableside.services.views import StaffView

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.post(
    "/auth/login",
    response_model=LoginResponse,
    responses={401: {"description": "Wrong PIN"}, 429: {"description": "Locked out"}},
)
def login(body: LoginRequest, request: Request, response: Response) -> LoginResponse:
    """Log in with the restaurant's code and a PIN. The token also comes back as a cookie."""
    settings = request.app.state.settings
    source = request.client.host if request.client else "unknown"
    with database(request).unit() as uow:
        outcome = auth.login(
            uow,
            body.restaurant,
            body.pin,
            source=source,
            ttl_s=settings.token_ttl_s,
            staff_id=body.staff_id,
        )
        uow.commit()  # counters of wrong PINs are kept too
    if isinstance(outcome, DomainError):
        raise outcome
    response.set_cookie(
        COOKIE, outcome.token, max_age=outcome.expires_in_s, httponly=True, samesite="strict"
    )
    return LoginResponse(
        token=outcome.token,
        expires_in_s=outcome.expires_in_s,
        staff=outcome.staff,
        restaurant=outcome.restaurant,
    )


@router.post("/auth/logout", status_code=204)
def logout(who: Who, request: Request, response: Response) -> Response:
    bearer = request.headers.get("authorization", "")
    scheme, _, value = bearer.partition(" ")
    credentials = HTTPAuthorizationCredentials(scheme=scheme, credentials=value) if value else None
    token = token_of(request, credentials)
    with database(request).unit(who.restaurant_id, who.staff_id) as uow:
        auth.logout(uow, token)
        uow.audit("staff.logout", "staff", who.staff_id)
        uow.commit()
    response.delete_cookie(COOKIE)
    response.status_code = 204
    return response


@router.get("/me", response_model=StaffView)
def me(who: Who) -> StaffView:
    return StaffView(id=who.staff_id, name=who.name, role=who.role.value)


@router.get("/staff", response_model=StaffListResponse)
def list_staff(who: Who, db: DB) -> StaffListResponse:
    return StaffListResponse(staff=read(db, who, lambda uow: auth.list_staff(uow, who)))


@router.post("/staff", response_model=StaffView, status_code=201)
def add_staff(body: AddStaffRequest, who: Who, db: DB) -> StaffView:
    """Manager: add a staff member with a PIN unique in this restaurant."""
    return write(
        db, who, lambda uow: auth.add_staff(uow, who, body.name, Role(body.role), body.pin)
    )


@router.put("/staff/{staff_id}/pin", response_model=StaffView)
def reset_pin(staff_id: PathId, body: ResetPinRequest, who: Who, db: DB) -> StaffView:
    """Manager: set a new PIN (this also lifts a lockout)."""
    return write(db, who, lambda uow: auth.reset_pin(uow, who, staff_id, body.pin))
