"""Payments, refunds and voids of stuck payments. The settlement flow is payments/settlement.py."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from anyio import to_thread
from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from pydantic import Field, TypeAdapter

from tableside.core.http import call, payment_threads
from tableside.core.schemas import MAX_CENTS, Body, PathId, Text
from tableside.payments.refunds import Refunds
from tableside.payments.rules import Tender
from tableside.payments.settlement import Answer, PaymentRequest, Settlement
from tableside.staff.dependencies import APPROVAL_RESPONSES, FloorStaff, Manager, approval_of
from tableside.staff.schemas import ManagerApproval

router = APIRouter(prefix="/api/v1", tags=["payments"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="1–255 characters, one per payment the guest means to make. Retrying with "
        "the same key never charges twice.",
    ),
]
# Strict: 12.5 or "100" are not cents. Bounded: no request names more than $1,000,000.
StrictCents = Annotated[int, Field(strict=True, le=MAX_CENTS)]


class PaymentBody(Body):
    tender: Literal["card", "cash"]
    amount_cents: StrictCents = Field(description="What this payment takes off the balance")
    tip_cents: StrictCents = Field(default=0, ge=0, description="On top; never part of the balance")
    payment_method: Text | None = Field(
        default=None, min_length=1, max_length=100, description="card: e.g. pm_card_visa"
    )
    cash_tendered_cents: StrictCents | None = Field(
        default=None, ge=0, description="cash: what the guest handed over"
    )
    split_part: StrictCents | None = Field(
        default=None, ge=1, description="The part of the check's split plan this pays"
    )


class RefundBody(Body):
    amount_cents: StrictCents
    reason: Text | None = Field(
        default=None,
        max_length=200,
        description="Why, as the day report lists it; one that is sent must say something "
        "(422 reason_required). The screens always ask for it.",
        examples=["steak sent back"],
    )
    approval: ManagerApproval | None = Field(
        default=None,
        description="A manager's PIN, when a server refunds (without it: 403 "
        "manager_approval_required). The server is recorded as refunding, the manager as "
        "approving.",
    )


_BODY = TypeAdapter(dict[str, Any])


class AnswerResponse(JSONResponse):
    """A payment's answer in JSON, rendered by pydantic as FastAPI renders response models:
    the same bytes as ``json.dumps`` makes of these bodies, in a quarter of the time. A
    replay is rendered by this same class, so it is byte for byte the first answer."""

    def render(self, content: Any) -> bytes:
        return _BODY.dump_json(content)


def _json(answer: Answer) -> AnswerResponse:
    return AnswerResponse(answer.body, status_code=answer.status_code)


_PAYMENT_RESPONSES: dict[int | str, dict[str, str]] = {
    201: {"description": "Captured. If it settled the check: check closed, table available."},
    400: {"description": "No Idempotency-Key header"},
    402: {"description": "Card declined; the check is unchanged"},
    409: {"description": "check_not_open, or payment_in_progress (retry shortly, same key)"},
    422: {"description": "Bad amount, more than is payable, or a key reused with another body"},
    502: {"description": "processor_error: nothing was charged; final"},
    504: {"description": "processor_timeout: outcome unknown, payment pending; retry same key"},
}


@router.post("/checks/{check_id}/payments", status_code=201, responses=_PAYMENT_RESPONSES)
async def pay(
    check_id: PathId,
    body: PaymentBody,
    caller: FloorStaff,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Take a card or cash payment. The one that brings the balance to zero closes the check
    and frees the table in the same transaction; the response already shows both."""
    settlement: Settlement = request.app.state.settlement
    payment = PaymentRequest(
        tender=Tender(body.tender),
        amount_cents=body.amount_cents,
        tip_cents=body.tip_cents,
        payment_method=body.payment_method,
        cash_tendered_cents=body.cash_tendered_cents,
        split_part=body.split_part,
    )
    # The token is checked in the settlement's own first transaction. Payments run on
    # threads of their own: one waiting on the processor never holds up the floor.
    answer = await to_thread.run_sync(
        settlement.pay,
        caller,
        check_id,
        idempotency_key or "",
        payment,
        limiter=payment_threads(request),
    )
    return _json(answer)


@router.post(
    "/payments/{payment_id}/refund",
    status_code=201,
    responses={
        **APPROVAL_RESPONSES,
        400: {"description": "No Idempotency-Key header"},
        422: {"description": "A bad amount, a blank reason, or a key reused with another body"},
    },
)
async def refund(
    payment_id: PathId,
    body: RefundBody,
    caller: FloorStaff,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Refund all or part of a captured payment: a manager, or a server with a manager's PIN
    in `approval`. A replay refunds nothing more."""
    refunds: Refunds = request.app.state.refunds
    approval = approval_of(body.approval, request)
    answer = await call(
        caller,
        lambda who: refunds.refund(
            who, payment_id, idempotency_key or "", body.amount_cents, body.reason, approval
        ),
        limiter=payment_threads(request),
    )
    return _json(answer)


@router.post("/payments/{payment_id}/void")
async def void_pending(payment_id: PathId, caller: Manager, request: Request) -> JSONResponse:
    """Manager: call off a payment stuck pending. The processor is asked first; a charge
    that went through is recorded (409: refund it instead), otherwise the payment is voided
    and what it reserved is payable again."""
    settlement: Settlement = request.app.state.settlement
    answer = await call(
        caller,
        lambda who: settlement.void_pending(who, payment_id),
        limiter=payment_threads(request),
    )
    return AnswerResponse({"payment": answer.body["payment"], "voided": True}, status_code=200)
