"""PIN login, bearer tokens, staff management.

Guarantees: a wrong PIN counts against one staff member only (the one whose tile was
tapped) or, when no one was named, against the terminal's address — never against the
whole staff. Tokens are random, stored as their SHA-256 only, and survive restarts until
they expire or are revoked.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from tableside.core import models as m
from tableside.core.access import MANAGER_ROLES, Principal, Role
from tableside.core.errors import InvalidRequest, LockedOut, NotAuthenticated, NotFound
from tableside.core.models import new_id, utcnow
from tableside.core.unit_of_work import UnitOfWork
from tableside.restaurants import service as restaurants
from tableside.staff.repository import StaffRepository, TokenHolder
from tableside.staff.rules import LOCKOUT_SECONDS, MAX_WRONG_PINS
from tableside.staff.schemas import RestaurantView, StaffView

_hasher = PasswordHasher()
# Wrong PINs that named nobody: this many per terminal address per window, then a pause.
ANONYMOUS_WRONG_PINS = 10
ANONYMOUS_WINDOW = timedelta(minutes=5)


def installation_key(uow: UnitOfWork) -> str:
    """The installation's secret for PIN lookups, created once and shared by every process."""
    row = uow.session.get(m.Installation, 1)
    if row is None:
        row = m.Installation(id=1, pin_lookup_key=secrets.token_hex(32))
        uow.session.add(row)
        uow.session.flush()
    return row.pin_lookup_key


def pin_lookup(key: str, restaurant_id: str, pin: str) -> str:
    """The HMAC that finds a staff member by PIN without storing the PIN (unique per restaurant)."""
    return hmac.new(key.encode(), f"{restaurant_id}:{pin}".encode(), hashlib.sha256).hexdigest()


def validate_pin(pin: str) -> None:
    """A PIN is 4 to 8 digits; anything else is a 422 before any lookup."""
    if not (pin.isdigit() and 4 <= len(pin) <= 8):
        raise InvalidRequest("A PIN is 4 to 8 digits.", code="invalid_pin_format")


def hash_token(token: str) -> str:
    """Tokens are stored as their SHA-256 only: a leaked table logs nobody in."""
    return hashlib.sha256(token.encode()).hexdigest()


class LoginResult:
    def __init__(
        self, token: str, staff: StaffView, restaurant: RestaurantView, expires_in_s: int
    ) -> None:
        self.token = token
        self.staff = staff
        self.restaurant = restaurant
        self.expires_in_s = expires_in_s


def login(
    uow: UnitOfWork,
    restaurant_slug: str,
    pin: str,
    *,
    source: str,
    ttl_s: int,
    staff_id: str | None = None,
) -> LoginResult | NotAuthenticated | LockedOut:
    """Check a PIN. Returns (not raises) refusals so the caller can commit the counters.

    With ``staff_id`` (the tile tapped), a wrong PIN counts against that staff member only,
    and five lock only them out; without it, against this terminal's address.
    """
    validate_pin(pin)
    restaurant = restaurants.by_code(uow, restaurant_slug)
    if restaurant is None:
        return NotAuthenticated(f"No restaurant {restaurant_slug!r}. Check the restaurant code.")
    uow.scope_to(restaurant.id)
    now = utcnow()
    throttle = StaffRepository.of(uow).throttle(source)
    if (
        throttle is not None
        and now - throttle.window_started_at <= ANONYMOUS_WINDOW
        and throttle.failures >= ANONYMOUS_WRONG_PINS
    ):
        return LockedOut("Too many wrong PINs from this terminal. Wait five minutes.")

    named = _named_staff(uow, staff_id)
    found = StaffRepository.of(uow).by_pin_lookup(
        pin_lookup(installation_key(uow), restaurant.id, pin)
    )
    if staff_id and named is None:
        # A tile of no one here (or of another restaurant): a wrong login from this terminal.
        found = None
    # Attempts on one staff member take turns (their row is locked, in id order), so every
    # wrong PIN fired at once still counts and no login undoes a lockout it did not see.
    for row in sorted({r.id: r for r in (named, found) if r is not None}.values(), key=_id):
        uow.session.refresh(row, with_for_update=True)
    candidate = named or found
    if candidate is not None and candidate.locked_until and candidate.locked_until > now:
        minutes = max(1, int((candidate.locked_until - now).total_seconds() // 60) + 1)
        return LockedOut(
            f"{candidate.name} is locked after {MAX_WRONG_PINS} wrong PINs. "
            f"Ask a manager to unlock, or wait {minutes} min."
        )
    if (
        found is None
        or not found.active
        or not _verify(found.pin_hash, pin)
        or (named is not None and named.id != found.id)
    ):
        if named is not None:
            named.failed_pin_attempts += 1
            if named.failed_pin_attempts >= MAX_WRONG_PINS:
                named.locked_until = now + timedelta(seconds=LOCKOUT_SECONDS)
                named.failed_pin_attempts = 0
                uow.audit("staff.locked", "staff", named.id, after_wrong_pins=MAX_WRONG_PINS)
        else:
            _count_wrong_pin_from(uow, restaurant.id, source, now)
        return NotAuthenticated("Wrong PIN. Try again.")

    found.failed_pin_attempts = 0
    found.locked_until = None
    token = secrets.token_urlsafe(32)
    uow.session.add(
        m.StaffSession(
            id=new_id("ses"),
            restaurant_id=restaurant.id,
            staff_id=found.id,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + timedelta(seconds=ttl_s),
        )
    )
    uow.staff_id = found.id  # the audit entry names who logged in
    uow.audit("staff.login", "staff", found.id)
    return LoginResult(
        token=token,
        staff=StaffView(id=found.id, name=found.name, role=found.role),
        restaurant=restaurant_view(restaurant),
        expires_in_s=ttl_s,
    )


def _id(row: m.Staff) -> str:
    return row.id


def _count_wrong_pin_from(uow: UnitOfWork, restaurant_id: str, source: str, now: datetime) -> None:
    """One more wrong PIN from this terminal, counted exactly when several arrive at once."""
    dialect = uow.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    uow.session.execute(
        insert(m.LoginThrottle)
        .values(restaurant_id=restaurant_id, source=source, failures=0, window_started_at=now)
        .on_conflict_do_nothing()
    )
    throttle = uow.session.scalars(
        select(m.LoginThrottle)
        .where(m.LoginThrottle.restaurant_id == restaurant_id, m.LoginThrottle.source == source)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if now - throttle.window_started_at > ANONYMOUS_WINDOW:
        throttle.failures, throttle.window_started_at = 0, now
    throttle.failures += 1


def _named_staff(uow: UnitOfWork, staff_id: str | None) -> m.Staff | None:
    if not staff_id:
        return None
    try:
        return StaffRepository.of(uow).get(staff_id)
    except NotFound:
        return None


def _verify(pin_hash: str, pin: str) -> bool:
    try:
        return _hasher.verify(pin_hash, pin)
    except VerificationError:
        return False


def restaurant_view(restaurant: m.Restaurant) -> RestaurantView:
    """The restaurant as a terminal sees it."""
    return RestaurantView(
        id=restaurant.id,
        slug=restaurant.slug,
        name=restaurant.name,
        currency=restaurant.currency,
        tax_rate_bp=restaurant.tax_rate_bp,
        timezone=restaurant.timezone,
    )


def authenticate(uow: UnitOfWork, token: str) -> Principal:
    """Who a token belongs to; 401 unless it exists, is unexpired, unrevoked and its holder active.

    The restaurant comes from the token's staff member, never from the request. One Core
    statement on the unit's own connection, every request, no cache: a token revoked or
    expired in the database is refused on its very next request."""
    return _principal(StaffRepository.of(uow).token_holder(hash_token(token)))


def _principal(found: TokenHolder | None) -> Principal:
    if found is None:
        raise NotAuthenticated("Your session is not valid. Log in with your PIN.")
    revoked_at, expires_at, active, restaurant_id, staff_id, role, name = found
    if revoked_at is not None or expires_at <= utcnow():
        raise NotAuthenticated("Your session has ended. Log in with your PIN again.")
    if not active:
        raise NotAuthenticated("This staff member is no longer active.")
    return Principal(restaurant_id=restaurant_id, staff_id=staff_id, role=Role(role), name=name)


def logout(uow: UnitOfWork, token: str) -> None:
    """End this session (only this one); logging out twice is harmless."""
    found = StaffRepository.of(uow).session_by_token_hash(hash_token(token))
    if found is not None and found[0].revoked_at is None:
        found[0].revoked_at = utcnow()


def add_staff(uow: UnitOfWork, who: Principal, name: str, role: Role, pin: str) -> StaffView:
    """A manager adds a staff member. PINs are unique within a restaurant (they identify)."""
    who.require(MANAGER_ROLES, "add staff")
    validate_pin(pin)
    name = name.strip()
    if not 1 <= len(name) <= 80:
        raise InvalidRequest("A name is 1 to 80 characters.", code="invalid_name")
    lookup = pin_lookup(installation_key(uow), who.restaurant_id, pin)
    if StaffRepository.of(uow).by_pin_lookup(lookup) is not None:
        raise InvalidRequest("That PIN is taken; choose another.", code="pin_taken")
    staff = m.Staff(
        id=new_id("stf"),
        restaurant_id=who.restaurant_id,
        name=name,
        role=role.value,
        pin_lookup=lookup,
        pin_hash=_hasher.hash(pin),
        failed_pin_attempts=0,
        active=True,
        created_at=utcnow(),
    )
    uow.session.add(staff)
    uow.audit("staff.added", "staff", staff.id, name=name, role=role.value)
    uow.emit("staff.updated", {"staff_id": staff.id, "name": name, "role": role.value})
    return StaffView(id=staff.id, name=staff.name, role=staff.role)


def reset_pin(uow: UnitOfWork, who: Principal, staff_id: str, pin: str) -> StaffView:
    """A manager sets a new PIN; it also lifts a lockout."""
    who.require(MANAGER_ROLES, "reset PINs")
    validate_pin(pin)
    staff = StaffRepository.of(uow).get(staff_id)
    lookup = pin_lookup(installation_key(uow), who.restaurant_id, pin)
    holder = StaffRepository.of(uow).by_pin_lookup(lookup)
    if holder is not None and holder.id != staff.id:
        raise InvalidRequest("That PIN is taken; choose another.", code="pin_taken")
    staff.pin_lookup = lookup
    staff.pin_hash = _hasher.hash(pin)
    staff.failed_pin_attempts = 0
    staff.locked_until = None
    uow.audit("staff.pin_reset", "staff", staff.id)
    uow.emit("staff.updated", {"staff_id": staff.id, "name": staff.name, "role": staff.role})
    return StaffView(id=staff.id, name=staff.name, role=staff.role)


def list_staff(uow: UnitOfWork, who: Principal) -> list[StaffView]:
    """The restaurant's active staff, by name."""
    return [
        StaffView(id=s.id, name=s.name, role=s.role)
        for s in StaffRepository.of(uow).all()
        if s.active
    ]
