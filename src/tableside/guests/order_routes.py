"""Order ahead and kiosks. Guests (no staff token) read a restaurant's public menu, get a
quote, place an order paid up front by card, and follow it by its token; a kiosk does the
same with the token a manager gave it. Staff list the orders, hand them over, pause online
ordering and set up kiosks.

An order's payment is the one settlement (payments/settlement.py): its answers mean what
they mean for POST /checks/{id}/payments (201 captured, 402 declined, 409, 502, 504), and
the order reaches the kitchen only in the transaction that records the capture."""

from __future__ import annotations

from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from tableside.checks.rules import CheckType
from tableside.core.errors import Conflict
from tableside.core.http import payment_threads, read, write
from tableside.core.idempotency import validate_key
from tableside.core.schemas import PathId
from tableside.guests import orders
from tableside.guests.dependencies import Guest, GuestRequest
from tableside.guests.schemas import (
    KioskCreated,
    KioskOrderBody,
    KioskRequest,
    Kiosks,
    KioskView,
    OnlineOrderingChange,
    OnlineOrderingView,
    OrderBody,
    OrderPlaced,
    OrderQuote,
    OrderView,
    PublicMenu,
    QuoteBody,
    StaffOrders,
    StaffOrderView,
)
from tableside.payments.routes import AnswerResponse, IdempotencyKey
from tableside.payments.rules import Tender
from tableside.payments.settlement import PaymentRequest, Settlement
from tableside.staff.dependencies import AnyStaff, FloorStaff, Manager

router = APIRouter(prefix="/api/v1", tags=["orders"])

Slug = Annotated[
    str,
    Path(
        min_length=1,
        max_length=60,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The restaurant's code, e.g. demo",
    ),
]
Token = Annotated[str, Path(max_length=200, description="An order's or a kiosk's token")]

_PUBLIC: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such restaurant, order or kiosk (the same answer for all)"},
    429: {"description": "too_many_requests: from this device, or for this restaurant"},
}
_PLACE: dict[int | str, dict[str, Any]] = {
    **_PUBLIC,
    201: {"description": "Paid (captured) and in the kitchen: the order and its token"},
    400: {"description": "No Idempotency-Key header (1–255 characters)"},
    402: {"description": "card_declined: no order, no ticket, nothing charged"},
    409: {
        "description": "slot_full, not_accepting_orders or price_changed (nothing charged), "
        "payment_in_progress (retry with the same key), order_cancelled"
    },
    422: {"description": "Bad items (unknown, 86'd, bad modifiers), bad pickup, a reused key"},
    502: {"description": "processor_error: nothing was charged; no order"},
    504: {
        "description": "processor_timeout: not confirmed yet; no ticket until the outcome is "
        "known. Retry with the same key, or follow the order's token"
    },
}


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


# --- guests -----------------------------------------------------------------------------------


@router.get("/public/{slug}/menu", response_model=PublicMenu, responses=_PUBLIC)
async def public_menu(slug: Slug, guest: Guest) -> PublicMenu:
    """For guests (no staff token): the restaurant's live menu as terminals see it (86'd
    items `available: false`), whether it takes orders now, and its open pickup slots."""

    def run() -> PublicMenu:
        with guest.db.reader() as uow:
            guest.restaurant(uow, slug)
            return orders.public_menu(uow)

    return await run_in_threadpool(run)


@router.post("/public/{slug}/quote", response_model=OrderQuote, responses=_PUBLIC)
async def quote(slug: Slug, body: QuoteBody, guest: Guest) -> OrderQuote:
    """For guests: what these items cost now (tax included, tip not), computed on the
    server from the menu. Nothing is kept. 422 for an unknown or 86'd item or bad modifiers."""

    def run() -> OrderQuote:
        with guest.db.unit() as uow:
            guest.restaurant(uow, slug)
            return orders.quote(uow, body.items)  # never committed

    return await run_in_threadpool(run)


@router.post("/public/{slug}/orders", status_code=201, responses=_PLACE)
async def place_order(
    slug: Slug,
    body: OrderBody,
    guest: Guest,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """For guests: order ahead and pay up front by card. 201 only once the card was
    captured — the order is then in the kitchen (its ticket marked online, with the name
    and pickup time). A replay of the key answers as the first request did."""
    new = orders.NewOrder(
        kind=CheckType.ONLINE,
        items=body.items,
        name=body.name.strip(),
        phone=body.phone.strip(),
        pickup=body.pickup,
        tip_cents=body.tip_cents,
        payment_method=body.payment_method,
        expected_total_cents=body.expected_total_cents,
    )
    return await _place(
        request, guest, idempotency_key, new, lambda uow: guest.restaurant(uow, slug)
    )


@router.get("/public/orders/{token}", response_model=dict[str, OrderView], responses=_PUBLIC)
async def order_status(token: Token, guest: Guest) -> dict[str, OrderView]:
    """For guests: the order the token names — `received`, `in_kitchen`, `ready`,
    `picked_up` or `cancelled`; `paid` is false while its card payment is being confirmed."""

    def run() -> dict[str, OrderView]:
        with guest.db.reader() as uow:
            return {"order": orders.order_view(uow, guest.order(uow, token))}

    return await run_in_threadpool(run)


@router.get("/kiosk/{token}/menu", response_model=PublicMenu, responses=_PUBLIC)
async def kiosk_menu(token: Token, guest: Guest) -> PublicMenu:
    """For a kiosk (its token from POST /kiosks): the restaurant's live menu."""

    def run() -> PublicMenu:
        with guest.db.reader() as uow:
            guest.kiosk(uow, token)
            return orders.public_menu(uow, CheckType.KIOSK)

    return await run_in_threadpool(run)


@router.post("/kiosk/{token}/orders", status_code=201, responses=_PLACE)
async def place_kiosk_order(
    token: Token,
    body: KioskOrderBody,
    guest: Guest,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """For a kiosk: an order paid by card at the kiosk, answered as an online order is;
    its ticket is marked kiosk and its number is what the guest is called by."""

    def find(uow: Any) -> str:
        return guest.kiosk(uow, token).restaurant_id

    # The kiosk's id is part of the order: look it up first (cheap, and a 404 for a
    # revoked kiosk before anything else).
    def kiosk_id() -> str:
        with guest.db.reader() as uow:
            return guest.kiosk(uow, token).id

    found = await run_in_threadpool(kiosk_id)
    new = orders.NewOrder(
        kind=CheckType.KIOSK,
        items=body.items,
        name=body.name.strip(),
        tip_cents=body.tip_cents,
        payment_method=body.payment_method,
        expected_total_cents=body.expected_total_cents,
        kiosk_id=found,
    )
    return await _place(request, guest, idempotency_key, new, find)


async def _place(
    request: Request,
    guest: GuestRequest,
    idempotency_key: str | None,
    new: orders.NewOrder,
    restaurant_of: Any,
) -> JSONResponse:
    key = validate_key(idempotency_key)
    settlement: Settlement = request.app.state.settlement
    base = _base_url(request)

    def hold() -> tuple[str, orders.Held]:
        with guest.db.unit() as uow:
            restaurant_id: str = restaurant_of(uow)
            held = orders.hold(uow, key, new)
            uow.commit()
            return restaurant_id, held

    def run() -> JSONResponse:
        try:
            restaurant_id, held = hold()
        except IntegrityError:
            # The same key's order was committed by a concurrent request first.
            restaurant_id, held = hold()
        payment = PaymentRequest(
            tender=Tender.CARD,
            amount_cents=held.total_cents,
            tip_cents=new.tip_cents,
            payment_method=new.payment_method,
        )
        try:
            answer = settlement.pay(
                orders.OrderPass(restaurant_id, new.kind),
                held.check_id,
                orders.settlement_key(key),
                payment,
            )
        except Conflict as refused:
            if refused.code != "check_not_open":
                raise
            raise Conflict(
                "This order was called off before it was paid; nothing was charged. "
                "Place it again.",
                code="order_cancelled",
            ) from refused
        if answer.status_code not in (201, 504):
            return AnswerResponse(answer.body, status_code=answer.status_code)
        with guest.db.reader(restaurant_id) as uow:
            view = orders.order_view(uow, orders.get_order(uow, held.order_id))
        placed = {
            "order": view.model_dump(mode="json"),
            "token": held.token,
            "status_url": f"{base}/o/{held.token}",
        }
        if answer.status_code == 201:
            return JSONResponse(OrderPlaced.model_validate(placed).model_dump(mode="json"), 201)
        return JSONResponse(answer.body | placed, status_code=504)

    return await to_thread.run_sync(run, limiter=payment_threads(request))


# --- staff ------------------------------------------------------------------------------------


@router.get("/orders", response_model=StaffOrders)
async def staff_orders(caller: FloorStaff) -> StaffOrders:
    """Today's online and kiosk orders with where each stands, and whether online
    ordering is taking orders."""
    return await read(caller, lambda uow, who: orders.staff_orders(uow))


@router.post(
    "/orders/{order_id}/picked-up",
    response_model=StaffOrderView,
    responses={409: {"description": "order_not_ready: the kitchen has not marked it ready"}},
)
async def pick_up(order_id: PathId, caller: FloorStaff) -> StaffOrderView:
    """The guest collected the order (its ready ticket is served). Twice is the same."""
    return await write(caller, lambda uow, who: orders.pick_up(uow, who, order_id))


@router.get("/online-ordering", response_model=OnlineOrderingView)
async def online_ordering(caller: AnyStaff, request: Request) -> OnlineOrderingView:
    """Whether online ordering takes orders, how many a pickup slot takes, the public page."""
    base = _base_url(request)
    return await read(caller, lambda uow, who: orders.online_ordering(uow, base))


@router.put("/online-ordering", response_model=OnlineOrderingView)
async def change_online_ordering(
    body: OnlineOrderingChange, caller: Manager, request: Request
) -> OnlineOrderingView:
    """Manager: pause (`accepting_orders: false`) or resume online ordering, at once.
    Owner: `slot_capacity`, the orders one 15-minute pickup slot takes."""
    base = _base_url(request)
    return await write(caller, lambda uow, who: orders.change_online_ordering(uow, who, body, base))


@router.post("/kiosks", response_model=KioskCreated, status_code=201)
async def create_kiosk(body: KioskRequest, caller: Manager, request: Request) -> KioskCreated:
    """Manager: turn this tablet into a self-order kiosk. The token is shown once; the
    kiosk screen keeps it (the manager's own token is not kept on the tablet)."""
    base = _base_url(request)
    return await write(caller, lambda uow, who: orders.create_kiosk(uow, who, body.label, base))


@router.get("/kiosks", response_model=Kiosks)
async def list_kiosks(caller: Manager) -> Kiosks:
    """Manager: the restaurant's kiosks."""
    return await read(caller, lambda uow, who: orders.kiosks(uow))


@router.delete("/kiosks/{kiosk_id}", response_model=KioskView)
async def revoke_kiosk(kiosk_id: PathId, caller: Manager) -> KioskView:
    """Manager: stop a kiosk at once (its next request is a 404)."""
    return await write(caller, lambda uow, who: orders.revoke_kiosk(uow, who, kiosk_id))
