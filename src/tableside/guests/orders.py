"""Order ahead and kiosks: guests order and pay themselves; the order reaches the kitchen
only once its card payment is captured.

The flow of one order (``place`` in guests/order_routes.py runs it):

    1. ``hold``             transaction: the key looked up first (a replay finds its order);
                            online ordering locked (a slot's places are counted under that
                            lock: its last place is taken once); the order's check opened
                            (type ``online``/``kiosk``, no table) with its lines priced from
                            the menu, nothing fired; the order row holding its slot's place.
    2. the settlement       the one settlement (payments/settlement.py) takes the card
                            payment of the check's total, as the restaurant's online or
                            kiosk stand-in, under the order's key. The transaction that
                            records a capture closes the check and fires its lines to the
                            kitchen; the one that records a decline or failure makes the
                            check void, which frees the slot's place (DESIGN invariant 12).
    3. the answer           201 only with the capture committed; 504 leaves it received
                            and unpaid (recovery or a retry with the same key finishes it).

Guarantees: amounts come from the menu on the server; a declined card never creates a
ticket and holds no place; a slot never takes more orders than its capacity; a replay of
the key answers as the first request did and never charges again; an order's token (an
HMAC of its id under the installation's secret, stored only as its SHA-256) shows that one
order and nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tableside.checks import rules as check_rules
from tableside.checks import service as checks
from tableside.checks.schemas import CheckView
from tableside.core import idempotency as keys
from tableside.core import models as m
from tableside.core.access import MANAGER_ROLES, OWNER_ROLES, Principal
from tableside.core.errors import Conflict, InvalidRequest, NotAllowed, NotFound
from tableside.core.models import new_id, utcnow
from tableside.core.unit_of_work import Database, UnitOfWork
from tableside.guests import rules
from tableside.guests.repository import OrderRow, Orders
from tableside.guests.schemas import (
    GuestModifier,
    KioskCreated,
    Kiosks,
    KioskView,
    OnlineOrderingChange,
    OnlineOrderingView,
    OrderItem,
    OrderQuote,
    OrderView,
    PickupSlot,
    PublicMenu,
    PublicRestaurant,
    QuoteLine,
    StaffOrders,
    StaffOrderView,
)
from tableside.kitchen import service as kitchen
from tableside.kitchen.rules import OrderStatus, TicketStatus, order_status
from tableside.menu import service as menu
from tableside.payments.rules import validate_amounts, validate_tip
from tableside.restaurants import service as restaurants
from tableside.staff import service as staff

ONLINE, KIOSK = check_rules.CheckType.ONLINE, check_rules.CheckType.KIOSK
STAND_IN_NAMES = {ONLINE: "Guest (online order)", KIOSK: "Guest (kiosk)"}
OPERATION = "guest_order"
KEY_PREFIX = "order:"  # the settlement's key for an order: never a terminal's key
NOT_FOUND = "There is no such order. Check the link you were sent."


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def order_token(uow: UnitOfWork, order_id: str) -> str:
    """The order's capability: 256 bits, the same every time it is asked for (a replay of
    the order's key hands it out again), stored nowhere but as its SHA-256."""
    secret = staff.installation_key(uow).encode()
    digest = hmac.new(secret, f"guest-order:{order_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def kiosk_token() -> str:
    return secrets.token_urlsafe(rules.TOKEN_BYTES)


@dataclass(frozen=True)
class OrderPass:
    """How the settlement authenticates an order's payment: the restaurant's online or
    kiosk stand-in (``staff.stand_in``: a server who can never log in)."""

    restaurant_id: str
    kind: check_rules.CheckType

    def authenticate(self, uow: UnitOfWork) -> Principal:
        uow.scope_to(self.restaurant_id)
        return staff.stand_in_of(self.restaurant_id, self.kind.value, STAND_IN_NAMES[self.kind])


@dataclass(frozen=True)
class NewOrder:
    kind: check_rules.CheckType
    items: Sequence[OrderItem]
    name: str
    phone: str = ""
    pickup: str = rules.ASAP
    tip_cents: int = 0
    payment_method: str = ""
    expected_total_cents: int | None = None
    kiosk_id: str | None = None


@dataclass(frozen=True)
class Held:
    order_id: str
    check_id: str
    token: str
    total_cents: int


def settlement_key(key: str) -> str:
    """The settlement's key for the order placed under the guest's ``key``: never a
    terminal's key (its prefix), and within a key's 255 characters (a longer one by its
    SHA-256)."""
    whole = KEY_PREFIX + key
    if len(whole) <= keys.MAX_KEY_LENGTH:
        return whole
    return KEY_PREFIX + "sha256:" + hashlib.sha256(key.encode()).hexdigest()


# --- the public menu --------------------------------------------------------------------------


def find_restaurant(uow: UnitOfWork, slug: str) -> str:
    """The id of the restaurant with this code (404 otherwise)."""
    restaurant = restaurants.by_code(uow, slug) if len(slug) <= 60 else None
    if restaurant is None:
        raise NotFound("There is no restaurant at this address.")
    return restaurant.id


def public_menu(uow: UnitOfWork, kind: check_rules.CheckType = ONLINE) -> PublicMenu:
    """The unit's restaurant's live menu for guests, with whether it takes orders and its
    open pickup slots (a kiosk orders for now: no slots)."""
    restaurant = restaurants.current(uow)
    settings = _settings_read(uow)
    now = utcnow()
    slots: list[PickupSlot] = []
    if kind is ONLINE:
        offered = rules.offered_slots(now)
        left = rules.places_left(offered, Orders.of(uow).taken(offered), settings.slot_capacity)
        slots = [PickupSlot(at=s, places_left=n) for s, n in zip(offered, left, strict=True) if n]
    accepting = settings.accepting or kind is KIOSK
    base = menu.menu(uow)
    return PublicMenu(
        categories=base.categories,
        items=base.items,
        restaurant=PublicRestaurant(
            name=restaurant.name,
            slug=restaurant.slug,
            currency=restaurant.currency,
            tip_presets_bp=list(restaurant.tip_presets_bp),
            max_tip_bp=restaurant.max_tip_bp,
        ),
        accepting_orders=accepting,
        paused_message=None if accepting else rules.PAUSED.format(name=restaurant.name),
        slots=slots,
        asap_at=slots[0].at if slots else None,
    )


@dataclass(frozen=True)
class _Settings:
    accepting: bool
    slot_capacity: int


def _settings_read(uow: UnitOfWork) -> _Settings:
    """The settings in a read-only unit (a restaurant that never set them: the defaults)."""
    row = uow.session.get(m.OnlineOrdering, uow.restaurant)
    if row is None:
        return _Settings(True, rules.DEFAULT_SLOT_CAPACITY)
    return _Settings(row.accepting, row.slot_capacity)


# --- placing an order -------------------------------------------------------------------------


def order_fingerprint(order: NewOrder) -> str:
    body: dict[str, Any] = {
        "kind": order.kind.value,
        "items": [item.model_dump() for item in order.items],
        "name": order.name,
        "phone": order.phone,
        "pickup": order.pickup,
        "tip_cents": order.tip_cents,
        "payment_method": order.payment_method,
        "expected_total_cents": order.expected_total_cents,
        "kiosk_id": order.kiosk_id,
    }
    return keys.fingerprint(OPERATION, "", body)


def hold(uow: UnitOfWork, key: str, order: NewOrder) -> Held:
    """Step 1, in the caller's unit (scoped to the restaurant): the order and its check,
    held for payment and holding a place in its slot; or the order this key already made.

    422 for bad items (unknown, 86'd, bad modifiers) or a key reused for another order;
    409 ``not_accepting_orders`` while online ordering is paused, ``slot_full`` when the
    slot (or for ASAP every slot) has no place, ``price_changed`` when the total is not the
    one the guest was shown. Nothing is written for any of them."""
    fingerprint = order_fingerprint(order)
    found = Orders.of(uow).by_key(key)
    if found is not None:
        if found.fingerprint != fingerprint:
            raise InvalidRequest(
                "This Idempotency-Key was already used for a different order. "
                "Use a new key for a new order.",
                code="idempotency_key_reused",
            )
        total = checks.get_check(uow, found.check_id).total_cents  # as it was charged
        return Held(found.id, found.check_id, order_token(uow, found.id), total)
    # Placing orders into one restaurant takes turns here, so the count below is exact.
    settings = Orders.of(uow).settings(lock=True)
    if order.kind is ONLINE and not settings.accepting:
        raise Conflict(
            rules.PAUSED.format(name=restaurants.current(uow).name), code="not_accepting_orders"
        )
    now = utcnow()
    _call_off_unpaid(uow, now)
    slot: datetime | None = None
    if order.kind is ONLINE:
        offered = rules.offered_slots(now)
        slot = rules.choose_slot(
            order.pickup, offered, Orders.of(uow).taken(offered), settings.slot_capacity
        )
    who = staff.stand_in(uow, order.kind.value, STAND_IN_NAMES[order.kind])
    uow.staff_id = who.staff_id
    view = _ring(uow, who, order)
    if order.expected_total_cents is not None and order.expected_total_cents != view.total_cents:
        raise Conflict(
            "The menu changed since you looked: this order now costs "
            f"{view.total_cents} cents. Check your order and pay again; nothing was charged.",
            code="price_changed",
        )
    # Refused here, before anything is kept, rather than by the settlement after it.
    validate_amounts(view.total_cents, order.tip_cents, view.total_cents)
    validate_tip(view.total_cents, order.tip_cents, restaurants.current(uow).max_tip_bp)
    row = m.GuestOrder(
        id=new_id("ord"),
        restaurant_id=uow.restaurant,
        check_id=view.id,
        kind=order.kind.value,
        name=order.name.strip() or f"Kiosk #{view.number}",
        phone=order.phone.strip(),
        pickup_at=slot,
        slot_at=slot,
        token_hash="",
        idempotency_key=key,
        fingerprint=fingerprint,
        kiosk_id=order.kiosk_id,
        created_at=now,
    )
    token = order_token(uow, row.id)
    row.token_hash = hash_token(token)
    Orders.of(uow).add(row)
    uow.audit(
        "order.placed",
        "check",
        view.id,
        order_id=row.id,
        kind=row.kind,
        pickup_at=slot.isoformat() if slot else None,
        total_cents=view.total_cents,
    )
    uow.emit(
        "order.updated",
        {
            "check_id": view.id,
            "type": row.kind,
            "status": OrderStatus.RECEIVED.value,
            "paid": False,
        },
    )
    return Held(row.id, view.id, token, view.total_cents)


def _ring(uow: UnitOfWork, who: Principal, order: NewOrder) -> CheckView:
    view = checks.open_without_table(
        uow,
        who,
        order.kind,
        guest_name=order.name.strip() or None,
        guest_phone=order.phone.strip() or None,
    )
    return checks.add_lines(
        uow,
        who,
        view.id,
        [
            checks.NewLine(
                menu_item_id=item.menu_item_id,
                seat=1,
                quantity=item.quantity,
                modifier_option_ids=tuple(item.modifier_option_ids),
                note=item.note,
            )
            for item in order.items
        ],
    )


def _call_off_unpaid(uow: UnitOfWork, now: datetime) -> None:
    """This restaurant's orders whose guest never got as far as paying free their places."""
    for _, check_id in Orders.of(uow).never_paid(now - rules.UNPAID_HOLD):
        _call_off_never_paid(uow, check_id, now)


def call_off_abandoned(db: Database) -> int:
    """Every restaurant's orders left unpaid for ``UNPAID_HOLD`` — the process that held
    one stopped before its payment began — are called off: the check void, nothing fired,
    the slot's place free, the guest's page saying cancelled. The recovery loop runs this on
    every pass; how many were called off."""
    now = utcnow()
    with db.reader() as uow:
        abandoned = Orders.of(uow).never_paid(now - rules.UNPAID_HOLD, everywhere=True)
    called_off = 0
    for restaurant_id, check_id in abandoned:
        with db.unit(restaurant_id) as uow:
            Orders.of(uow).settings(lock=True)  # takes turns with orders being placed
            called_off += _call_off_never_paid(uow, check_id, now)
            uow.commit()
    return called_off


def _call_off_never_paid(uow: UnitOfWork, check_id: str, now: datetime) -> bool:
    kind = checks.call_off_if_never_paid(uow, check_id, now)
    if kind is None:
        return False
    uow.audit("order.called_off", "check", check_id, reason="never_paid")
    uow.emit(
        "check.updated", {"check_id": check_id, "table_id": None, "type": kind, "status": "void"}
    )
    uow.emit(
        "order.updated",
        {"check_id": check_id, "type": kind, "status": OrderStatus.CANCELLED.value, "paid": False},
    )
    return True


def quote(uow: UnitOfWork, items: Sequence[OrderItem]) -> OrderQuote:
    """What these items cost now, computed as the order would be (in a unit the caller
    rolls back: nothing is kept)."""
    who = staff.stand_in(uow, ONLINE.value, STAND_IN_NAMES[ONLINE])
    view = _ring(uow, who, NewOrder(kind=ONLINE, items=items, name="quote"))
    return OrderQuote(
        lines=_lines(view),
        subtotal_cents=view.subtotal_cents,
        tax_cents=view.tax_cents,
        total_cents=view.total_cents,
    )


# --- what guests see of their order -----------------------------------------------------------


def get_order(uow: UnitOfWork, order_id: str) -> OrderRow:
    return Orders.of(uow).get(order_id)


def find_order(uow: UnitOfWork, token: str) -> OrderRow:
    """The order this token names (404 otherwise); the unit need not be scoped yet."""
    if rules.well_formed(token):
        found = Orders.of(uow).by_token_hash(hash_token(token))
        if found is not None:
            return found
    raise NotFound(NOT_FOUND)


def order_view(uow: UnitOfWork, order: OrderRow) -> OrderView:
    """The order as its guest sees it (the unit scoped to the order's restaurant)."""
    check = checks.get_check(uow, order.check_id)
    return OrderView(
        id=order.id,
        kind=order.kind,
        number=check.number,
        status=_status(uow, order, check.status).value,
        paid=check.status == "closed",
        name=order.name,
        pickup_at=order.pickup_at,
        placed_at=order.created_at,
        lines=_lines(check),
        subtotal_cents=check.subtotal_cents,
        tax_cents=check.tax_cents,
        total_cents=check.total_cents,
        tip_cents=check.tip_cents,
        paid_cents=check.paid_cents,
        restaurant=restaurants.current(uow).name,
    )


def _status(uow: UnitOfWork, order: OrderRow, check_status: str) -> OrderStatus:
    tickets = kitchen.ticket_statuses(uow, [order.check_id]).get(order.check_id, [])
    return order_status(check_status, tickets, order.picked_up_at is not None)


def _lines(check: CheckView) -> list[QuoteLine]:
    return [
        QuoteLine(
            name=line.name,
            quantity=line.quantity,
            unit_price_cents=line.unit_price_cents,
            modifiers=[
                GuestModifier(name=x.name, price_cents=x.price_cents) for x in line.modifiers
            ],
            note=line.note,
            total_cents=line.total_cents,
        )
        for line in check.lines
        if not line.voided
    ]


# --- staff: the orders screen, pickup, pausing, kiosks ----------------------------------------

ORDERS_WINDOW = timedelta(hours=18)


def staff_orders(uow: UnitOfWork) -> StaffOrders:
    """Today's online and kiosk orders (and older ones paid and not yet picked up), oldest
    first, each with where it stands."""
    rows = Orders.of(uow).since(utcnow() - ORDERS_WINDOW)
    return StaffOrders(
        orders=staff_orders_of(uow, rows), accepting_orders=_settings_read(uow).accepting
    )


def _statuses(uow: UnitOfWork, rows: Sequence[OrderRow]) -> dict[str, OrderStatus]:
    by_check = kitchen.ticket_statuses(uow, [row.check_id for row in rows])
    return {
        row.id: order_status(
            row.check_status, by_check.get(row.check_id, []), row.picked_up_at is not None
        )
        for row in rows
    }


def pick_up(uow: UnitOfWork, who: Principal, order_id: str) -> StaffOrderView:
    """The guest collected the order: it is picked up, its ready tickets served. 409
    ``order_not_ready`` before the kitchen marked it ready (or if it was never paid)."""
    row = Orders.of(uow).get(order_id)
    entity = Orders.of(uow).entity(order_id)
    uow.session.refresh(entity, with_for_update=True)
    status = _status(uow, row, row.check_status)
    if status is OrderStatus.PICKED_UP:
        return _staff_view(uow, order_id)
    if status is not OrderStatus.READY:
        raise Conflict(
            f"This order is {status.value.replace('_', ' ')}: it can be picked up once the "
            "kitchen has marked it ready.",
            code="order_not_ready",
        )
    for ticket in kitchen.tickets(uow, check_id=row.check_id):
        if ticket.status == TicketStatus.READY:
            kitchen.move_ticket(uow, who, ticket.id, TicketStatus.SERVED, TicketStatus.READY)
    entity.picked_up_at = utcnow()
    entity.picked_up_by = who.staff_id
    uow.audit("order.picked_up", "check", row.check_id, order_id=row.id)
    uow.emit(
        "order.updated",
        {
            "check_id": row.check_id,
            "type": row.kind,
            "status": OrderStatus.PICKED_UP.value,
            "paid": True,
        },
    )
    return _staff_view(uow, order_id)


def _staff_view(uow: UnitOfWork, order_id: str) -> StaffOrderView:
    uow.session.flush()
    row = Orders.of(uow).get(order_id)
    return next(o for o in staff_orders_of(uow, [row]))


def staff_orders_of(uow: UnitOfWork, rows: Sequence[OrderRow]) -> list[StaffOrderView]:
    statuses = _statuses(uow, rows)
    amounts = checks.check_amounts(uow, [row.check_id for row in rows])
    views = []
    for row in rows:
        check = amounts[row.check_id]
        views.append(
            StaffOrderView(
                id=row.id,
                check_id=row.check_id,
                kind=row.kind,
                number=row.check_number,
                status=statuses[row.id].value,
                paid=row.check_status == "closed",
                name=row.name,
                phone=row.phone,
                pickup_at=row.pickup_at,
                placed_at=row.created_at,
                total_cents=check.total_cents,
                items=check.items,
            )
        )
    return views


def online_ordering(uow: UnitOfWork, base_url: str) -> OnlineOrderingView:
    settings = _settings_read(uow)
    slug = restaurants.current(uow).slug
    return OnlineOrderingView(
        accepting_orders=settings.accepting,
        slot_capacity=settings.slot_capacity,
        public_url=f"{base_url}/r/{slug}",
    )


def change_online_ordering(
    uow: UnitOfWork, who: Principal, change: OnlineOrderingChange, base_url: str
) -> OnlineOrderingView:
    """A manager pauses or resumes online ordering (at once: the next order placed is
    refused with 409 not_accepting_orders); the owner sets how many orders a slot takes."""
    who.require(MANAGER_ROLES, "pause or resume online ordering")
    if change.slot_capacity is not None and who.role not in OWNER_ROLES:
        raise NotAllowed("Only the owner can change how many orders a pickup slot takes.")
    row = Orders.of(uow).settings(lock=True)
    before = {"accepting": row.accepting, "slot_capacity": row.slot_capacity}
    if change.accepting_orders is not None:
        row.accepting = change.accepting_orders
    if change.slot_capacity is not None:
        row.slot_capacity = change.slot_capacity
    after = {"accepting": row.accepting, "slot_capacity": row.slot_capacity}
    if after != before:
        row.updated_at = utcnow()
        uow.audit(
            "online_ordering.changed", "restaurant", uow.restaurant, before=before, after=after
        )
        uow.emit("online_ordering.updated", {"accepting_orders": row.accepting, **after})
    uow.session.flush()
    return online_ordering(uow, base_url)


def create_kiosk(uow: UnitOfWork, who: Principal, label: str, base_url: str) -> KioskCreated:
    """A manager turns a tablet into a kiosk: its token is shown once, kept by the tablet."""
    who.require(MANAGER_ROLES, "set up a kiosk")
    staff.stand_in(uow, KIOSK.value, STAND_IN_NAMES[KIOSK])
    token = kiosk_token()
    kiosk = m.Kiosk(
        id=new_id("ksk"),
        restaurant_id=who.restaurant_id,
        label=label.strip() or "Kiosk",
        token_hash=hash_token(token),
        created_by=who.staff_id,
        created_at=utcnow(),
    )
    uow.session.add(kiosk)
    uow.audit("kiosk.created", "kiosk", kiosk.id, label=kiosk.label)
    slug = restaurants.current(uow).slug
    return KioskCreated(
        id=kiosk.id,
        label=kiosk.label,
        created_at=kiosk.created_at,
        revoked=False,
        token=token,
        url=f"{base_url}/r/{slug}/kiosk",
    )


def kiosks(uow: UnitOfWork) -> Kiosks:
    return Kiosks(kiosks=[_kiosk_view(k) for k in Orders.of(uow).kiosks()])


def revoke_kiosk(uow: UnitOfWork, who: Principal, kiosk_id: str) -> KioskView:
    """The kiosk stops at once: its next request is a 404 and it asks for a manager."""
    who.require(MANAGER_ROLES, "stop a kiosk")
    kiosk = Orders.of(uow).kiosk(kiosk_id)
    if kiosk.revoked_at is None:
        kiosk.revoked_at = utcnow()
        kiosk.revoked_by = who.staff_id
        uow.audit("kiosk.revoked", "kiosk", kiosk.id, label=kiosk.label)
    return _kiosk_view(kiosk)


def find_kiosk(uow: UnitOfWork, token: str) -> m.Kiosk:
    """The working kiosk this token is (404 otherwise, the same for every reason)."""
    if rules.well_formed(token):
        kiosk = Orders.of(uow).kiosk_by_token_hash(hash_token(token))
        if kiosk is not None:
            return kiosk
    raise NotFound("This kiosk is not set up. Ask a manager to start kiosk mode.")


def _kiosk_view(kiosk: m.Kiosk) -> KioskView:
    return KioskView(
        id=kiosk.id,
        label=kiosk.label,
        created_at=kiosk.created_at,
        revoked=kiosk.revoked_at is not None,
    )
