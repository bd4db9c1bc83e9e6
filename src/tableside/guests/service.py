"""Pay at the table: staff make a link to one check, its guests read the check and pay it.

Guarantees:
- A link is an unguessable capability (256 random bits, stored only as its SHA-256) for one
  check of one restaurant: it reaches that check and nothing else. Every lookup that finds
  no working link (unknown, malformed, revoked, expired) answers the same 404.
- A guest pays as the restaurant's guest stand-in (``staff.stand_in``: a server who can
  never log in), through the one settlement (payments/settlement.py), with its
  idempotency, its answers and its closing of the check and the table (DESIGN invariant 12).
- The guest's view carries no staff names or ids, notes, void reasons or other guests'
  tips; every amount in it is computed on the server.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass
from datetime import datetime

import segno

from tableside.checks import rules as check_rules
from tableside.checks import service as checks
from tableside.checks.schemas import CheckView
from tableside.core import models as m
from tableside.core.access import FLOOR_ROLES, Principal
from tableside.core.errors import NotFound
from tableside.core.models import new_id, utcnow
from tableside.core.unit_of_work import UnitOfWork
from tableside.guests import rules
from tableside.guests.repository import GuestLinks, LinkRow
from tableside.guests.schemas import (
    GuestCheckView,
    GuestLine,
    GuestLinksRevoked,
    GuestModifier,
    GuestPart,
    GuestPayment,
    GuestRestaurant,
    GuestSplit,
)
from tableside.payments.rules import PaymentStatus
from tableside.restaurants import service as restaurants
from tableside.staff import service as staff

STAND_IN = "guest"
STAND_IN_NAME = "Guest (pay at table)"


@dataclass(frozen=True)
class NewLink:
    id: str
    token: str  # handed out once; only its hash is kept
    expires_at: datetime


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- staff ------------------------------------------------------------------------------------


def create_link(uow: UnitOfWork, who: Principal, check_id: str) -> NewLink:
    """A new link to an open check of the caller's restaurant (409 check_not_open for a
    closed or void one). Earlier links of the check keep working."""
    who.require(FLOOR_ROLES, "give guests a link to pay")
    check = checks.head(uow, check_id)
    check_rules.require_open(check_rules.CheckStatus(check.status))
    staff.stand_in(uow, STAND_IN, STAND_IN_NAME)  # whom the guests' payments are taken by
    token = secrets.token_urlsafe(rules.TOKEN_BYTES)
    now = utcnow()
    link = m.GuestLink(
        id=new_id("gl"),
        restaurant_id=who.restaurant_id,
        check_id=check.id,
        token_hash=hash_token(token),
        created_by=who.staff_id,
        created_at=now,
        expires_at=now + rules.OPEN_LIFETIME,
    )
    GuestLinks.of(uow).add(link)
    uow.audit(
        "guest_link.created",
        "check",
        check.id,
        link_id=link.id,
        expires_at=link.expires_at.isoformat(),
    )
    uow.emit("guest_link.created", {"check_id": check.id, "link_id": link.id})
    return NewLink(id=link.id, token=token, expires_at=link.expires_at)


def revoke_links(uow: UnitOfWork, who: Principal, check_id: str) -> GuestLinksRevoked:
    """Every link to the check stops working at once (a guest's next request is a 404)."""
    who.require(FLOOR_ROLES, "stop guest links")
    check = checks.head(uow, check_id)
    revoked = GuestLinks.of(uow).revoke_all(check.id, utcnow(), who.staff_id)
    if revoked:
        uow.audit("guest_link.revoked", "check", check.id, link_ids=revoked)
        uow.emit("guest_link.revoked", {"check_id": check.id, "link_ids": revoked})
    return GuestLinksRevoked(check_id=check.id, revoked=len(revoked))


def qr_svg(url: str) -> str:
    """``url`` as a QR code: an SVG document, black on white, with its quiet zone."""
    qr = segno.make(url, error="m")
    out = io.BytesIO()
    qr.save(out, kind="svg", scale=4, border=4, dark="#000", light="#fff", xmldecl=False)
    return out.getvalue().decode()


# --- guests -----------------------------------------------------------------------------------


def find_link(uow: UnitOfWork, token: str) -> LinkRow:
    """The working link this token is (404 otherwise, the same for every reason). The unit
    need not be scoped yet: the token tells the restaurant."""
    if rules.well_formed(token):
        link = GuestLinks.of(uow).by_token_hash(hash_token(token))
        if link is not None and rules.works(
            utcnow(), link.expires_at, link.check_status, link.check_closed_at, link.revoked_at
        ):
            return link
    raise NotFound(rules.ENDED)


@dataclass(frozen=True)
class GuestPass:
    """A guest's credentials, checked in the unit that serves them: a working link, whose
    restaurant the unit is scoped to; the guest acts as that restaurant's guest stand-in
    (made with the restaurant's first link)."""

    token: str

    def authenticate(self, uow: UnitOfWork) -> Principal:
        link = find_link(uow, self.token)
        uow.scope_to(link.restaurant_id)
        return staff.stand_in_of(link.restaurant_id, STAND_IN, STAND_IN_NAME)


def guest_check(uow: UnitOfWork, link: LinkRow) -> GuestCheckView:
    """The link's check as its guests see it (the unit scoped to the link's restaurant)."""
    return guest_view(checks.get_check(uow, link.check_id), restaurants.current(uow), link)


def guest_view(check: CheckView, restaurant: m.Restaurant, link: LinkRow) -> GuestCheckView:
    ends = rules.ends_at(link.expires_at, check.status, check.closed_at, link.revoked_at)
    return GuestCheckView(
        status=check.status,
        number=check.number,
        table_label=check.table_label,
        guests=check.guests,
        opened_at=check.opened_at,
        closed_at=check.closed_at,
        lines=[
            GuestLine(
                seat=line.seat,
                name=line.name,
                quantity=line.quantity,
                unit_price_cents=line.unit_price_cents,
                modifiers=[
                    GuestModifier(name=x.name, price_cents=x.price_cents) for x in line.modifiers
                ],
                total_cents=line.total_cents,
            )
            for line in check.lines
            if not line.voided
        ],
        subtotal_cents=check.subtotal_cents,
        discount_cents=check.discount_cents,
        service_charge_cents=check.service_charge_cents,
        tax_cents=check.tax_cents,
        tax_included=check.tax_included,
        total_cents=check.total_cents,
        paid_cents=check.paid_cents,
        balance_cents=check.balance_cents,
        payable_cents=check.payable_cents,
        split=None
        if check.split is None
        else GuestSplit(
            kind=check.split.kind,
            parts=[
                GuestPart(
                    part=p.part,
                    label=p.label,
                    amount_cents=p.amount_cents,
                    left_cents=p.left_cents,
                    paid=p.paid,
                )
                for p in check.split.parts
            ],
        ),
        payments=[
            GuestPayment(
                id=p.id,
                status=p.status,
                tender=p.tender,
                amount_cents=p.amount_cents,
                split_part=p.split_part,
            )
            for p in check.payments
            if p.status in (PaymentStatus.CAPTURED, PaymentStatus.PENDING)
        ],
        restaurant=GuestRestaurant(
            name=restaurant.name,
            currency=restaurant.currency,
            tip_presets_bp=list(restaurant.tip_presets_bp),
            max_tip_bp=restaurant.max_tip_bp,
            receipt_header=restaurant.receipt_header,
            receipt_footer=restaurant.receipt_footer,
        ),
        link_ends_at=ends or utcnow(),
    )
