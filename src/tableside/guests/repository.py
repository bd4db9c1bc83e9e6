"""Guest links. Found by their token's hash alone (the token tells the restaurant); every
other query is scoped to the unit's restaurant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select, update

from tableside.core import batched
from tableside.core import models as m
from tableside.core.repository import Repository

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
