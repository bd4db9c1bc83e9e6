"""PIN login, bearer tokens, staff management.

Guarantees: a wrong PIN counts against one staff member only (the one whose tile was
tapped) or, when no one was named, against the terminal's address — never against the
whole staff. Tokens are random, stored as their SHA-256 only, and survive restarts until
they expire or are revoked.

A login is three steps, so that its expensive part holds nothing the floor needs:
``begin_login`` reads who the PIN and the tile name (no lock); ``check_pin`` checks the
PIN against that staff member's argon2 hash (CPU only: no connection, no lock, on threads
of its own, see staff/routes.py); ``finish_login`` locks the staff member's row, looks
again at what may have changed meanwhile (a lockout, a new PIN), counts a wrong PIN or
opens the session, and commits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from tableside.core import models as m
from tableside.core.access import MANAGER_ROLES, Principal, Role
from tableside.core.errors import (
    DomainError,
    InvalidRequest,
    LockedOut,
    NotAllowed,
    NotAuthenticated,
    NotFound,
)
from tableside.core.models import new_id, utcnow
from tableside.core.unit_of_work import Database, UnitOfWork
from tableside.restaurants import service as restaurants
from tableside.staff.repository import StaffRepository, TokenHolder
from tableside.staff.rules import LOCKOUT_SECONDS, MAX_WRONG_PINS
from tableside.staff.schemas import RestaurantView, StaffView

# argon2id at OWASP's recommended minimum (19 MiB of memory, 2 passes, 1 lane): about
# 22 ms of one core per check on a 2-core server, against 150-180 ms for argon2-cffi's
# default (64 MiB, 3 passes, 4 lanes). A PIN has at most 10^8 values, so no hash cost keeps
# a stolen PIN hash secret for long; what keeps PINs safe is the database staying private
# and the lockouts below. A hash made with other settings is replaced at its next login.
PIN_HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
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


def _known_installation_key(uow: UnitOfWork) -> str | None:
    """The installation's key if it has one (none yet: nobody has a PIN yet either)."""
    row = uow.session.get(m.Installation, 1)
    return None if row is None else row.pin_lookup_key


def hash_pin(pin: str) -> str:
    """A PIN's argon2id hash, as stored (``PIN_HASHER``'s settings)."""
    return PIN_HASHER.hash(pin)


def pin_lookup(key: str, restaurant_id: str, pin: str) -> str:
    """The HMAC that finds a staff member by PIN without storing the PIN (unique per restaurant)."""
    return hmac.new(key.encode(), f"{restaurant_id}:{pin}".encode(), hashlib.sha256).hexdigest()


def validate_pin(pin: str) -> None:
    """A PIN is 4 to 8 digits (0-9, as on the pad); anything else is a 422 before any lookup."""
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
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


@dataclass(frozen=True)
class LoginAttempt:
    """What a login's first step found, without locking anything: the tile tapped (if it is
    a staff member here), the staff member the PIN belongs to, and the hash to check the PIN
    against (None: there is nothing to check, the PIN is wrong for this tile)."""

    restaurant: RestaurantView
    named_id: str | None
    found_id: str | None
    pin_hash: str | None


@dataclass(frozen=True)
class PinCheck:
    """Whether the PIN matched its hash, and the PIN hashed anew when its stored hash was
    made with other settings than ``PIN_HASHER``'s."""

    matches: bool
    new_hash: str | None = None


def login(
    db: Database,
    restaurant_slug: str,
    pin: str,
    *,
    source: str,
    ttl_s: int,
    staff_id: str | None = None,
) -> LoginResult | DomainError:
    """The three steps of a login, one after the other on this thread (the HTTP route runs
    ``check_pin`` on threads of its own). Returns, not raises, a refusal."""
    with db.reader() as uow:
        attempt = begin_login(uow, restaurant_slug, pin, source=source, staff_id=staff_id)
    if not isinstance(attempt, LoginAttempt):
        return attempt
    check = check_pin(attempt, pin)
    with db.unit() as uow:
        outcome = finish_login(uow, attempt, check, source=source, ttl_s=ttl_s)
        uow.commit()  # counters of wrong PINs are kept too
    return outcome


def begin_login(
    uow: UnitOfWork,
    restaurant_slug: str,
    pin: str,
    *,
    source: str,
    staff_id: str | None = None,
) -> LoginAttempt | NotAuthenticated | LockedOut:
    """A login's first step, a read: the restaurant, the tile, whose PIN this is, and the
    refusals that need no PIN check (an unknown restaurant, a paused terminal, a lockout).

    With ``staff_id`` (the tile tapped), a wrong PIN counts against that staff member only,
    and five lock only them out; without it, against this terminal's address.
    """
    validate_pin(pin)
    restaurant = restaurants.by_code(uow, restaurant_slug)
    if restaurant is None:
        return NotAuthenticated(f"No restaurant {restaurant_slug!r}. Check the restaurant code.")
    uow.scope_to(restaurant.id)
    now = utcnow()
    if _terminal_paused(StaffRepository.of(uow).throttle(source), now):
        return _terminal_locked_out()
    named = _named_staff(uow, staff_id)
    key = _known_installation_key(uow)
    found = None
    if key is not None and not (staff_id and named is None):
        # A tile of no one here (or of another restaurant) is a wrong login whatever the PIN.
        found = StaffRepository.of(uow).by_pin_lookup(pin_lookup(key, restaurant.id, pin))
    candidate = named or found
    if candidate is not None and _locked(candidate, now):
        return _locked_out(candidate, now)
    checkable = found is not None and found.active and (named is None or named.id == found.id)
    return LoginAttempt(
        restaurant=restaurant_view(restaurant),
        named_id=named.id if named is not None else None,
        found_id=found.id if found is not None else None,
        pin_hash=found.pin_hash if checkable and found is not None else None,
    )


def check_pin(attempt: LoginAttempt, pin: str) -> PinCheck:
    """A login's expensive step: argon2 (about 22 ms of a core at ``PIN_HASHER``'s settings;
    more for a hash made with older ones). Touches no database; argon2 releases the GIL."""
    if attempt.pin_hash is None:
        return PinCheck(matches=False)
    try:
        PIN_HASHER.verify(attempt.pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return PinCheck(matches=False)
    renewed = hash_pin(pin) if PIN_HASHER.check_needs_rehash(attempt.pin_hash) else None
    return PinCheck(matches=True, new_hash=renewed)


def _verify(pin_hash: str, pin: str) -> bool:
    """Whether ``pin`` matches ``pin_hash`` (argon2: see ``check_pin`` for its cost)."""
    try:
        return PIN_HASHER.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


def finish_login(
    uow: UnitOfWork, attempt: LoginAttempt, check: PinCheck, *, source: str, ttl_s: int
) -> LoginResult | NotAuthenticated | LockedOut:
    """A login's last step, in a writing unit: lock the staff member's row, refuse if they
    were locked out or given a new PIN since the first step, then count a wrong PIN or
    open the session. Returns (not raises) refusals so the caller can commit the counters.
    """
    uow.scope_to(attempt.restaurant.id)
    now = utcnow()
    named = _named_staff(uow, attempt.named_id)
    found = _named_staff(uow, attempt.found_id) if check.matches else None
    # Attempts on one staff member take turns (their row is locked, in id order), so every
    # wrong PIN fired at once still counts and no login undoes a lockout it did not see.
    for row in sorted({r.id: r for r in (named, found) if r is not None}.values(), key=_id):
        uow.session.refresh(row, with_for_update=True)
    candidate = named or found
    if candidate is not None and _locked(candidate, now):
        return _locked_out(candidate, now)
    if (
        found is None
        or not found.active
        or found.pin_hash != attempt.pin_hash  # a new PIN since the first step
        or (named is not None and named.id != found.id)
    ):
        if named is not None:
            named.failed_pin_attempts += 1
            if named.failed_pin_attempts >= MAX_WRONG_PINS:
                named.locked_until = now + timedelta(seconds=LOCKOUT_SECONDS)
                named.failed_pin_attempts = 0
                uow.audit("staff.locked", "staff", named.id, after_wrong_pins=MAX_WRONG_PINS)
        else:
            _count_wrong_pin_from(uow, attempt.restaurant.id, source, now)
        return NotAuthenticated("Wrong PIN. Try again.")

    found.failed_pin_attempts = 0
    found.locked_until = None
    if check.new_hash is not None:
        found.pin_hash = check.new_hash
    token = secrets.token_urlsafe(32)
    uow.session.add(
        m.StaffSession(
            id=new_id("ses"),
            restaurant_id=attempt.restaurant.id,
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
        restaurant=attempt.restaurant,
        expires_in_s=ttl_s,
    )


def _terminal_paused(throttle: m.LoginThrottle | None, now: datetime) -> bool:
    return (
        throttle is not None
        and now - throttle.window_started_at <= ANONYMOUS_WINDOW
        and throttle.failures >= ANONYMOUS_WRONG_PINS
    )


def _terminal_locked_out() -> LockedOut:
    return LockedOut("Too many wrong PINs from this terminal. Wait five minutes.")


def _locked(staff: m.Staff, now: datetime) -> bool:
    return staff.locked_until is not None and staff.locked_until > now


def _locked_out(staff: m.Staff, now: datetime) -> LockedOut:
    assert staff.locked_until is not None
    minutes = max(1, int((staff.locked_until - now).total_seconds() // 60) + 1)
    return LockedOut(
        f"{staff.name} is locked after {MAX_WRONG_PINS} wrong PINs. "
        f"Ask a manager to unlock, or wait {minutes} min."
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


# --- a manager's approval, on the spot ------------------------------------------------------


@dataclass(frozen=True)
class Approval:
    """A manager's PIN typed on the terminal of the staff member who asked, and that
    terminal's address (a wrong PIN counts against it, as a wrong login PIN does)."""

    pin: str
    source: str


def approving_manager(
    uow: UnitOfWork, who: Principal, approval: Approval | None
) -> StaffView | None:
    """The active manager of ``who``'s restaurant whose PIN ``approval`` carries; None
    without an approval, or when ``who`` is a manager (nobody else need approve).

    The PIN is checked as at login, in this unit: 422 when it is not 4 to 8 digits, 429
    while this terminal is paused after ten wrong PINs in five minutes (logins and
    approvals count together) or while that manager is locked out, and 403
    ``approval_refused`` for a PIN of no active manager. A refused PIN is counted against
    the terminal and that count is committed before refusing, so call this before the
    unit writes anything: the action asked for then changes nothing.
    """
    if approval is None or who.role in MANAGER_ROLES:
        return None
    validate_pin(approval.pin)
    now = utcnow()
    if _terminal_paused(StaffRepository.of(uow).throttle(approval.source), now):
        raise _terminal_locked_out()
    found = StaffRepository.of(uow).by_pin_lookup(
        pin_lookup(installation_key(uow), who.restaurant_id, approval.pin)
    )
    if found is not None and _locked(found, now):
        raise _locked_out(found, now)
    if (
        found is None
        or not found.active
        or Role(found.role) not in MANAGER_ROLES
        or not _verify(found.pin_hash, approval.pin)
    ):
        _count_wrong_pin_from(uow, who.restaurant_id, approval.source, now)
        uow.commit()  # the count only: nothing else has been written yet
        raise NotAllowed(
            "That PIN is not an active manager's. Nothing was changed; "
            "a manager can enter their PIN again.",
            code="approval_refused",
        )
    return StaffView(id=found.id, name=found.name, role=found.role)


def require_manager(who: Principal, approver: StaffView | None, doing: str) -> None:
    """403 ``manager_approval_required`` unless ``who`` is a manager or a manager approved."""
    if who.role in MANAGER_ROLES or approver is not None:
        return
    raise NotAllowed(
        f"Only a manager can {doing}: ask a manager to approve it with their PIN.",
        code="manager_approval_required",
    )


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
        pin_hash=hash_pin(pin),
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
    staff.pin_hash = hash_pin(pin)
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


# --- stand-ins: staff records for who is not staff --------------------------------------------


def stand_in(uow: UnitOfWork, kind: str, name: str) -> Principal:
    """The staff record that someone who is not staff acts as (``kind`` "guest": a guest
    paying at the table), in the unit's restaurant, made on first use.

    A stand-in is a server who can never log in: it is never active (so it is in no staff
    list and no login accepts it) and its PIN lookup is no PIN's. What it does is recorded
    under its name, as a staff member's is (a payment's ``created_by``, audit entries)."""
    who = stand_in_of(uow.restaurant, kind, name)
    if uow.session.get(m.Staff, who.staff_id) is None:
        dialect = uow.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        uow.session.execute(
            insert(m.Staff)
            .values(
                id=who.staff_id,
                restaurant_id=who.restaurant_id,
                name=name,
                role=Role.SERVER.value,
                pin_lookup=f"stand-in:{kind}",  # an HMAC is 64 hex digits: no PIN's
                pin_hash="!",  # no argon2 hash: nothing verifies against it
                failed_pin_attempts=0,
                active=False,
                created_at=utcnow(),
            )
            .on_conflict_do_nothing()  # made by a concurrent unit meanwhile
        )
    return who


def stand_in_of(restaurant_id: str, kind: str, name: str) -> Principal:
    """The stand-in ``stand_in`` made (staff records are never deleted), without asking
    the database: for the hot path of someone acting as it."""
    staff_id = "stf_" + kind + "_" + hashlib.sha256(restaurant_id.encode()).hexdigest()[:24]
    return Principal(restaurant_id=restaurant_id, staff_id=staff_id, role=Role.SERVER, name=name)
