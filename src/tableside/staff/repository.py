"""Staff members, their login sessions and the login throttle.

Every query is scoped to the unit's restaurant: a row of another restaurant is
indistinguishable from one that does not exist (``NotFound``, a 404).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    bindparam,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from tableside.core import batched
from tableside.core import models as m
from tableside.core.errors import NotFound
from tableside.core.models import utcnow
from tableside.core.repository import Repository

# A stand-in (a guest paying at the table) is a staff record nobody manages (service.py).
STAND_IN = "stand-in:"

_TOKEN_HOLDER = (
    select(
        m.StaffSession.revoked_at,
        m.StaffSession.expires_at,
        m.Staff.active,
        m.Staff.restaurant_id,
        m.Staff.id,
        m.Staff.role,
        m.Staff.name,
    )
    .join(m.Staff, m.Staff.id == m.StaffSession.staff_id)
    .where(m.StaffSession.token_hash == bindparam("token_hash"))
)


class StaffRepository(Repository):
    def get(self, staff_id: str) -> m.Staff:
        return self._get(m.Staff, staff_id, "staff member")

    def by_pin_lookup(self, pin_lookup: str) -> m.Staff | None:
        return self.session.scalar(
            select(m.Staff).where(
                m.Staff.restaurant_id == self.restaurant_id, m.Staff.pin_lookup == pin_lookup
            )
        )

    def all(self) -> Sequence[m.Staff]:
        return self.session.scalars(
            select(m.Staff)
            .where(m.Staff.restaurant_id == self.restaurant_id)
            .order_by(m.Staff.name)
        ).all()

    def member(self, staff_id: str, *, lock: bool = False) -> m.Staff:
        """A person who works (or worked) here; stand-ins are not found, as another
        restaurant's staff."""
        staff = self._get(m.Staff, staff_id, "staff member", lock=lock)
        if staff.pin_lookup.startswith(STAND_IN):
            raise NotFound(f"No staff member with id {staff_id!r} in this restaurant.")
        return staff

    def roster(self) -> Sequence[m.Staff]:
        """Everyone who works or worked here (no stand-ins), by name."""
        return self.session.scalars(
            select(m.Staff)
            .where(
                m.Staff.restaurant_id == self.restaurant_id,
                m.Staff.pin_lookup.not_like(f"{STAND_IN}%"),
            )
            .order_by(m.Staff.name, m.Staff.id)
        ).all()

    def session_by_token_hash(self, token_hash: str) -> tuple[m.StaffSession, m.Staff] | None:
        # Not scoped: the token is what tells us the restaurant.
        row = self.session.execute(
            select(m.StaffSession, m.Staff)
            .join(m.Staff, m.Staff.id == m.StaffSession.staff_id)
            .where(m.StaffSession.token_hash == token_hash)
        ).first()
        return None if row is None else (row[0], row[1])

    def token_holder(self, token_hash: str) -> TokenHolder | None:
        """A token's session and its staff member as plain columns: read on every request.

        Not scoped: the token is what tells us the restaurant."""
        found = batched.read_first(self._core(), _TOKEN_HOLDER, {"token_hash": token_hash})
        return None if found is None else cast(TokenHolder, tuple(found))

    # The login throttle's budgets (staff/rules.py). A source's budget is the address's, in
    # every restaurant, so these take the budget's key rather than the unit's restaurant.

    def throttle(self, scope: str, subject: str) -> m.LoginThrottle | None:
        return self.session.get(m.LoginThrottle, (scope, subject))

    def locked_throttle(self, scope: str, subject: str, *, create: bool) -> m.LoginThrottle | None:
        """A budget's row, locked until the unit ends (``create``: made first if missing, so
        that wrong PINs arriving at once are each counted)."""
        if create:
            insert = postgresql.insert if self._dialect() == "postgresql" else sqlite.insert
            self.session.execute(
                insert(m.LoginThrottle)
                .values(
                    scope=scope,
                    subject=subject,
                    failures=0,
                    window_started_at=utcnow(),
                    paused_until=None,
                    pauses=0,
                )
                .on_conflict_do_nothing()
            )
        return self.session.scalars(
            select(m.LoginThrottle)
            .where(m.LoginThrottle.scope == scope, m.LoginThrottle.subject == subject)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one_or_none()

    def revoke_sessions(self, staff_id: str, now: datetime) -> int:
        """End every unrevoked session of one staff member of this restaurant; how many."""
        ended = cast(
            CursorResult[Any],
            self.session.execute(
                update(m.StaffSession)
                .where(
                    m.StaffSession.restaurant_id == self.restaurant_id,
                    m.StaffSession.staff_id == staff_id,
                    m.StaffSession.revoked_at.is_(None),
                )
                .values(revoked_at=now)
                .execution_options(synchronize_session=False)
            ),
        )
        return ended.rowcount

    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name


TokenHolder = tuple[datetime | None, datetime, bool, str, str, str, str]
