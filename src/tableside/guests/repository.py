"""Guest links. Found by their token's hash alone (the token tells the restaurant); every
other query is scoped to the unit's restaurant."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from tableside.checks.rules import HELD_UNTIL_PAID
from tableside.core import batched
from tableside.core import models as m
from tableside.core.errors import NotFound
from tableside.core.models import utcnow
from tableside.core.repository import Repository
from tableside.guests import rules

# Not scoped: the token is what tells us the restaurant.
_BY_TOKEN_HASH = (
    select(
        m.GuestLink.id,
        m.GuestLink.restaurant_id,
        m.GuestLink.check_id,
        m.GuestLink.expires_at,
        m.GuestLink.revoked_at,
        m.Check.status,
        m.Check.closed_at,
    )
    .join(
        m.Check,
        (m.Check.id == m.GuestLink.check_id) & (m.Check.restaurant_id == m.GuestLink.restaurant_id),
    )
    .where(m.GuestLink.token_hash == bindparam("token_hash"))
)


@dataclass(frozen=True, slots=True)
class LinkRow:
    """A guest link with what deciding whether it works needs of its check."""

    id: str
    restaurant_id: str
    check_id: str
    expires_at: datetime
    revoked_at: datetime | None
    check_status: str
    check_closed_at: datetime | None


class GuestLinks(Repository):
    def by_token_hash(self, token_hash: str) -> LinkRow | None:
        found = batched.read_first(self._core(), _BY_TOKEN_HASH, {"token_hash": token_hash})
        return None if found is None else LinkRow(*found)

    def add(self, link: m.GuestLink) -> None:
        self.session.add(link)

    def revoke_all(self, check_id: str, at: datetime, by: str) -> list[str]:
        """Revoke the check's links that are not revoked yet; their ids."""
        revoked = self.session.scalars(
            update(m.GuestLink)
            .where(
                m.GuestLink.restaurant_id == self.restaurant_id,
                m.GuestLink.check_id == check_id,
                m.GuestLink.revoked_at.is_(None),
            )
            .values(revoked_at=at, revoked_by=by)
            .returning(m.GuestLink.id)
            .execution_options(synchronize_session=False)
        ).all()
        return sorted(revoked)


# --- order ahead and kiosks -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderRow:
    """A guest order with its check's number, status and type."""

    id: str
    restaurant_id: str
    check_id: str
    kind: str
    name: str
    phone: str
    pickup_at: datetime | None
    idempotency_key: str
    fingerprint: str
    created_at: datetime
    picked_up_at: datetime | None
    check_number: int
    check_status: str


_ORDER_COLUMNS = (
    m.GuestOrder.id,
    m.GuestOrder.restaurant_id,
    m.GuestOrder.check_id,
    m.GuestOrder.kind,
    m.GuestOrder.name,
    m.GuestOrder.phone,
    m.GuestOrder.pickup_at,
    m.GuestOrder.idempotency_key,
    m.GuestOrder.fingerprint,
    m.GuestOrder.created_at,
    m.GuestOrder.picked_up_at,
    m.Check.number,
    m.Check.status,
)


def _order(row: Any) -> OrderRow:
    return OrderRow(*row)


_ORDERS = select(*_ORDER_COLUMNS).join(
    m.Check,
    (m.Check.id == m.GuestOrder.check_id) & (m.Check.restaurant_id == m.GuestOrder.restaurant_id),
)


class Orders(Repository):
    """Guest orders, the restaurant's online ordering settings and its kiosks."""

    # Not scoped: the token is what tells us the restaurant.
    def by_token_hash(self, token_hash: str) -> OrderRow | None:
        found = self.session.execute(_ORDERS.where(m.GuestOrder.token_hash == token_hash)).first()
        return None if found is None else _order(found)

    def kiosk_by_token_hash(self, token_hash: str) -> m.Kiosk | None:
        return self.session.scalar(
            select(m.Kiosk).where(m.Kiosk.token_hash == token_hash, m.Kiosk.revoked_at.is_(None))
        )

    # Scoped to the unit's restaurant from here on.
    def by_key(self, key: str) -> OrderRow | None:
        found = self.session.execute(
            _ORDERS.where(
                m.GuestOrder.restaurant_id == self.restaurant_id,
                m.GuestOrder.idempotency_key == key,
            )
        ).first()
        return None if found is None else _order(found)

    def get(self, order_id: str) -> OrderRow:
        found = self.session.execute(
            _ORDERS.where(
                m.GuestOrder.restaurant_id == self.restaurant_id, m.GuestOrder.id == order_id
            )
        ).first()
        if found is None:
            raise NotFound(f"No order with id {order_id!r} in this restaurant.")
        return _order(found)

    def entity(self, order_id: str) -> m.GuestOrder:
        return self._get(m.GuestOrder, order_id, "order")

    def since(self, start: datetime) -> list[OrderRow]:
        """Orders placed since ``start``, and older ones paid and not yet picked up."""
        rows = self.session.execute(
            _ORDERS.where(
                m.GuestOrder.restaurant_id == self.restaurant_id,
                (m.GuestOrder.created_at >= start)
                | ((m.Check.status == "closed") & m.GuestOrder.picked_up_at.is_(None)),
            ).order_by(m.GuestOrder.created_at)
        ).all()
        return [_order(row) for row in rows]

    def add(self, order: m.GuestOrder) -> None:
        self.session.add(order)

    def settings(self, *, lock: bool = False) -> m.OnlineOrdering:
        """The restaurant's online ordering (made on first use); ``lock``: held for this
        transaction (waiting for it: placing orders into one restaurant takes turns)."""
        query = select(m.OnlineOrdering).where(m.OnlineOrdering.restaurant_id == self.restaurant_id)
        row = self.session.scalar(query.with_for_update() if lock else query)
        if row is None:
            dialect = self.session.get_bind().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            self.session.execute(
                insert(m.OnlineOrdering)
                .values(
                    restaurant_id=self.restaurant_id,
                    accepting=True,
                    slot_capacity=rules.DEFAULT_SLOT_CAPACITY,
                    updated_at=utcnow(),
                )
                .on_conflict_do_nothing()
            )
            row = self.session.scalar(query.with_for_update() if lock else query)
            assert row is not None
        return row

    def taken(self, slots: list[datetime]) -> dict[datetime, int]:
        """Places taken in each slot: orders not called off."""
        rows = self.session.execute(
            select(m.GuestOrder.slot_at, func.count())
            .join(
                m.Check,
                (m.Check.id == m.GuestOrder.check_id)
                & (m.Check.restaurant_id == m.GuestOrder.restaurant_id),
            )
            .where(
                m.GuestOrder.restaurant_id == self.restaurant_id,
                m.GuestOrder.slot_at.in_(slots),
                m.Check.status != "void",
            )
            .group_by(m.GuestOrder.slot_at)
        ).all()
        return {slot: count for slot, count in rows if slot is not None}

    def never_paid(self, before: datetime, *, everywhere: bool = False) -> list[tuple[str, str]]:
        """(restaurant, check) of the guests' orders opened before ``before`` whose check is
        open with no payment at all: the guest never got as far as paying. This
        restaurant's, or every restaurant's for the recovery loop's sweep (read through
        the open checks' partial index: a day's history is never scanned)."""
        has_payment = (
            select(m.Payment.id)
            .where(
                m.Payment.check_id == m.Check.id, m.Payment.restaurant_id == m.Check.restaurant_id
            )
            .exists()
        )
        query = select(m.Check.restaurant_id, m.Check.id).where(
            m.Check.status == "open",
            m.Check.type.in_([kind.value for kind in HELD_UNTIL_PAID]),
            m.Check.opened_at < before,
            ~has_payment,
        )
        if not everywhere:
            query = query.where(m.Check.restaurant_id == self.restaurant_id)
        return [(row[0], row[1]) for row in self.session.execute(query.limit(500))]

    def kiosks(self) -> Sequence[m.Kiosk]:
        return self.session.scalars(
            select(m.Kiosk)
            .where(m.Kiosk.restaurant_id == self.restaurant_id)
            .order_by(m.Kiosk.created_at)
        ).all()

    def kiosk(self, kiosk_id: str) -> m.Kiosk:
        return self._get(m.Kiosk, kiosk_id, "kiosk")
