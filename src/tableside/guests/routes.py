"""Pay at the table: staff make and stop guest links; guests, with no staff token, read their
check and pay it by card. The payment answers exactly as POST /checks/{id}/payments does:
it is the same settlement (payments/settlement.py)."""

from __future__ import annotations

from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from tableside.core.http import payment_threads, write
from tableside.core.schemas import PathId
from tableside.guests import service
from tableside.guests.dependencies import Guest
from tableside.guests.schemas import (
    GuestCheckView,
    GuestLinkCreated,
    GuestLinksRevoked,
    GuestPaymentBody,
)
from tableside.payments.routes import AnswerResponse, IdempotencyKey
from tableside.payments.rules import Tender
from tableside.payments.settlement import Answer, PaymentRequest, Settlement
from tableside.staff.dependencies import FloorStaff

router = APIRouter(prefix="/api/v1", tags=["guests"])

GuestToken = Annotated[
    str,
    Path(max_length=200, description="The token of a guest link (POST …/guest-link)"),
]

_GUEST: dict[int | str, dict[str, Any]] = {
    404: {"description": "No working link: unknown, revoked or expired (the same answer)"},
    429: {"description": "too_many_requests: from this device, or for this restaurant"},
}


@router.post(
    "/checks/{check_id}/guest-link",
    status_code=201,
    response_model=GuestLinkCreated,
    responses={409: {"description": "check_not_open: the check is closed or void"}},
)
async def create_guest_link(
    check_id: PathId, caller: FloorStaff, request: Request
) -> GuestLinkCreated:
    """A link (and its QR code) for the guests at this check to see it and pay it on their
    phones. The token is shown only here; it works while the check is open (up to 12 hours)
    and shows the receipt for 24 hours after the check closes."""
    link = await write(caller, lambda uow, who: service.create_link(uow, who, check_id))
    url = f"{str(request.base_url).rstrip('/')}/g/{link.token}"
    svg = await run_in_threadpool(service.qr_svg, url)
    return GuestLinkCreated(
        id=link.id, token=link.token, url=url, expires_at=link.expires_at, qr_svg=svg
    )


@router.delete("/checks/{check_id}/guest-link", response_model=GuestLinksRevoked)
async def revoke_guest_links(check_id: PathId, caller: FloorStaff) -> GuestLinksRevoked:
    """Stop every guest link of this check: each answers 404 from now on."""
    return await write(caller, lambda uow, who: service.revoke_links(uow, who, check_id))


@router.get("/guest/checks/{token}", response_model=GuestCheckView, responses=_GUEST)
async def guest_check(token: GuestToken, guest: Guest) -> GuestCheckView:
    """For guests (no staff token): the check their link names — lines, totals, what is
    left to pay, its split parts — and the restaurant's name and tip presets."""
    return await run_in_threadpool(guest.read, token, service.guest_check)


@router.post(
    "/guest/checks/{token}/payments",
    status_code=201,
    responses={
        **_GUEST,
        201: {"description": "Captured. If it settled the check: check closed, table available."},
        400: {"description": "No Idempotency-Key header"},
        402: {"description": "Card declined; the check is unchanged"},
        409: {"description": "check_not_open, or payment_in_progress (retry shortly, same key)"},
        422: {"description": "Bad amount, more than is payable, or a key reused with another body"},
        502: {"description": "processor_error: nothing was charged; final"},
        504: {"description": "processor_timeout: outcome unknown, payment pending; retry same key"},
    },
)
async def guest_pay(
    token: GuestToken,
    body: GuestPaymentBody,
    guest: Guest,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """For guests (no staff token): pay the check their link names by card — all of it, a
    split part or an amount — with a tip. Answers exactly as `POST /checks/{id}/payments`:
    the same settlement, keys and bodies; a closed check is 409 check_not_open."""
    settlement: Settlement = request.app.state.settlement
    payment = PaymentRequest(
        tender=Tender.CARD,
        amount_cents=body.amount_cents,
        tip_cents=body.tip_cents,
        payment_method=body.payment_method,
        split_part=body.split_part,
    )

    def pay() -> Answer:
        # The link names the check; it is checked again in the settlement's first
        # transaction (revoked meanwhile: 404), as a staff token is.
        link = guest.read(token, lambda uow, link: link)
        key = idempotency_key or ""
        return settlement.pay(service.GuestPass(token), link.check_id, key, payment)

    answer = await to_thread.run_sync(pay, limiter=payment_threads(request))
    return AnswerResponse(answer.body, status_code=answer.status_code)
