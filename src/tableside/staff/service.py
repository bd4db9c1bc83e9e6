"""PIN login, bearer tokens, staff management.

Guarantees: a wrong PIN counts against the address it came from and against its
restaurant's budget (staff/rules.py), never against a staff member: nobody can lock
someone else out, and a paused login is refused whatever the PIN. Tokens are random,
stored as their SHA-256 only, and survive restarts until they expire, are revoked, or
their holder's PIN changes (``end_sessions``).

A login is three steps, so that its expensive part holds nothing the floor needs:
``begin_login`` reads who the PIN and the tile name (no lock); ``check_pin`` checks the
PIN against that staff member's argon2 hash (CPU only: no connection, no lock, on threads
of its own, see staff/routes.py); ``finish_login`` counts a wrong PIN, or locks the staff
member's row, looks again at what may have changed meanwhile (a pause, a new PIN) and
opens the session; the caller commits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from tableside.core import models as m
from tableside.core.access import MANAGER_ROLES, Principal, Role
from tableside.core.errors import (
    Conflict,
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
from tableside.staff import rules
from tableside.staff.repository import STAND_IN, StaffRepository, TokenHolder
from tableside.staff.rules import may_manage
from tableside.staff.schemas import RestaurantView, StaffMemberView, StaffView

# argon2id at OWASP's recommended minimum (19 MiB of memory, 2 passes, 1 lane): about
# 22 ms of one core per check on a 2-core server, against 150-180 ms for argon2-cffi's
# default (64 MiB, 3 passes, 4 lanes). A PIN has at most 10^8 values, so no hash cost keeps
# a stolen PIN hash secret for long; what keeps PINs safe is the database staying private
# and the budgets of wrong PINs (staff/rules.py). A hash made with other settings is
# replaced at its next login.
PIN_HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)


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
    """What a login's first step found, without locking anything: the restaurant of the code
    typed (None: no restaurant has it), the tile tapped (if it is a staff member there), the
    staff member the PIN belongs to, and the hash to check the PIN against (None: there is
    nothing to check, the login is wrong whatever the PIN)."""

    restaurant_code: str
    restaurant: RestaurantView | None
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
        uow.commit()  # wrong PINs are counted even when the login is refused
    return outcome


def begin_login(
    uow: UnitOfWork,
    restaurant_slug: str,
    pin: str,
    *,
    source: str,
    staff_id: str | None = None,
) -> LoginAttempt | LockedOut:
    """A login's first step, a read: the restaurant, the tile, whose PIN this is, and the
    refusal that needs no PIN check (a pause of this source's or this restaurant's budget
    of wrong PINs, staff/rules.py), whatever the PIN.

    ``source`` is the address the request came from. ``staff_id`` (the tile tapped) only
    narrows whose PIN this may be: a wrong PIN on a tile costs the source and the
    restaurant, never the person on the tile.
    """
    validate_pin(pin)
    now = utcnow()
    restaurant = restaurants.by_code(uow, restaurant_slug)
    paused = _paused(uow, source, restaurant.id if restaurant else None, now)
    if paused is not None:
        return paused
    if restaurant is None:
        return LoginAttempt(restaurant_slug, None, None, None, None)
    uow.scope_to(restaurant.id)
    named = _named_staff(uow, staff_id)
    key = _known_installation_key(uow)
    found = None
    if key is not None and not (staff_id and named is None):
        # A tile of no one here (or of another restaurant) is a wrong login whatever the PIN.
        found = StaffRepository.of(uow).by_pin_lookup(pin_lookup(key, restaurant.id, pin))
    checkable = found is not None and found.active and (named is None or named.id == found.id)
    return LoginAttempt(
        restaurant_code=restaurant_slug,
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
    """A login's last step, in a writing unit: count a wrong PIN against the source and the
    restaurant, or (the PIN right) lock the staff member's row, refuse if their PIN changed
    or a pause began since the first step, and open the session. Returns (not raises)
    refusals so the caller can commit the counts.

    The budgets' rows are locked while counting, so wrong PINs fired at once are each
    counted and none is let through once a budget is spent.
    """
    now = utcnow()
    if attempt.restaurant is None:
        refused = _count_wrong_pin(uow, source, None, now)
        return refused or NotAuthenticated(
            f"No restaurant {attempt.restaurant_code!r}. Check the restaurant code."
        )
    restaurant_id = attempt.restaurant.id
    uow.scope_to(restaurant_id)
    found = _named_staff(uow, attempt.found_id) if check.matches else None
    if found is not None:
        # A PIN change waits for this login to commit (and then ends its session), or this
        # login sees the new PIN.
        uow.session.refresh(found, with_for_update=True)
    if (
        found is None
        or not found.active
        or found.pin_hash != attempt.pin_hash  # a new PIN since the first step
        or (attempt.named_id is not None and attempt.named_id != found.id)
    ):
        refused = _count_wrong_pin(uow, source, restaurant_id, now)
        return refused or NotAuthenticated("Wrong PIN. Try again.")
    paused = _paused(uow, source, restaurant_id, now, lock=True)
    if paused is not None:
        return paused

    if check.new_hash is not None:
        found.pin_hash = check.new_hash
    token = secrets.token_urlsafe(32)
    uow.session.add(
        m.StaffSession(
            id=new_id("ses"),
            restaurant_id=restaurant_id,
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


# --- the budgets of wrong PINs (staff/rules.py) ---------------------------------------------

SOURCE, RESTAURANT = "source", "restaurant"


def _budgets(source: str, restaurant_id: str | None) -> list[tuple[str, str, rules.Budget]]:
    """The budgets a wrong PIN from ``source`` for ``restaurant_id`` costs, in the order
    their rows are locked."""
    found = [(SOURCE, source[:64], rules.SOURCE)]
    if restaurant_id is not None:
        found.append((RESTAURANT, restaurant_id, rules.RESTAURANT))
    return found


def _paused(
    uow: UnitOfWork, source: str, restaurant_id: str | None, now: datetime, *, lock: bool = False
) -> LockedOut | None:
    """The refusal of a login (or an approval) while the source's or the restaurant's
    budget is paused; None when neither is. ``lock``: read their rows locked."""
    repository = StaffRepository.of(uow)
    for scope, subject, _ in _budgets(source, restaurant_id):
        if lock:
            row = repository.locked_throttle(scope, subject, create=False)
        else:
            row = repository.throttle(scope, subject)
        left = rules.pause_left(_state(row), now)
        if left is not None:
            return _pause_refusal(scope, left)
    return None


def _count_wrong_pin(
    uow: UnitOfWork, source: str, restaurant_id: str | None, now: datetime
) -> LockedOut | None:
    """Count one wrong PIN (or unknown restaurant code) against the source's budget and the
    restaurant's, their rows locked; the refusal instead if one of them was paused
    meanwhile (then nothing is counted)."""
    repository = StaffRepository.of(uow)
    rows = []
    for scope, subject, budget in _budgets(source, restaurant_id):
        row = repository.locked_throttle(scope, subject, create=True)
        assert row is not None
        left = rules.pause_left(_state(row), now)
        if left is not None:
            return _pause_refusal(scope, left)
        rows.append((row, budget))
    for row, budget in rows:
        state = rules.after_wrong_pin(_state(row) or rules.fresh(now), budget, now)
        row.failures, row.window_started_at = state.failures, state.window_started_at
        row.paused_until, row.pauses = state.paused_until, state.pauses
    return None


def _state(row: m.LoginThrottle | None) -> rules.Throttle | None:
    if row is None:
        return None
    return rules.Throttle(
        failures=row.failures,
        window_started_at=row.window_started_at,
        paused_until=row.paused_until,
        pauses=row.pauses,
    )


def _pause_refusal(scope: str, left: timedelta) -> LockedOut:
    seconds = rules.retry_after_s(left)
    wait = f"{seconds} seconds" if seconds < 120 else f"{-(-seconds // 60)} minutes"
    if scope == SOURCE:
        message = f"Too many wrong PINs from this terminal. Try again in {wait}."
    else:
        message = (
            "Too many wrong PINs for this restaurant, from several terminals: logins are "
            f"paused. Try again in {wait}; terminals already logged in keep working."
        )
    return LockedOut(message, retry_after_s=seconds)


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
    while this terminal's or this restaurant's budget of wrong PINs is paused (logins and
    approvals count together, staff/rules.py), and 403 ``approval_refused`` for a PIN of no
    active manager. A refused PIN is counted and that count is committed before refusing,
    so call this before the unit writes anything: the action asked for then changes
    nothing.
    """
    if approval is None or who.role in MANAGER_ROLES:
        return None
    validate_pin(approval.pin)
    now = utcnow()
    paused = _paused(uow, approval.source, who.restaurant_id, now)
    if paused is not None:
        raise paused
    found = StaffRepository.of(uow).by_pin_lookup(
        pin_lookup(installation_key(uow), who.restaurant_id, approval.pin)
    )
    if (
        found is None
        or not found.active
        or Role(found.role) not in MANAGER_ROLES
        or not _verify(found.pin_hash, approval.pin)
    ):
        refused = _count_wrong_pin(uow, approval.source, who.restaurant_id, now)
        uow.commit()  # the count only: nothing else has been written yet
        if refused is not None:
            raise refused
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


# --- managing staff ---------------------------------------------------------------------
#
# A manager manages servers and the kitchen; the owner manages everyone (rules.may_manage).
# Every change is audited (who, what, before → after; never a PIN) and announced
# (``staff.updated``) in its own unit of work. Deactivating someone, or giving them a new
# PIN, ends every session they have at once: their next request answers 401 and their live
# feed is closed (realtime/connection.py). Nobody is ever deleted: checks, payments and the
# audit log keep naming them.


def _may_manage(who: Principal, role: str, doing: str) -> None:
    who.require(MANAGER_ROLES, doing)
    if not may_manage(who.role.value, role):
        raise NotAllowed(
            f"Only the owner can {doing} here: managers and owners are the owner's to add, "
            "change, give a new PIN or deactivate. Ask the owner.",
            code="forbidden",
        )


def _pin_taken() -> Conflict:
    return Conflict("That PIN is taken; choose another.", code="pin_taken")


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not 1 <= len(name) <= 80:
        raise InvalidRequest("A name is 1 to 80 characters.", code="invalid_name")
    return name


def member_view(staff: m.Staff) -> StaffMemberView:
    return StaffMemberView(id=staff.id, name=staff.name, role=staff.role, active=staff.active)


def _announce(uow: UnitOfWork, staff: m.Staff, change: str, *, sessions_ended: bool) -> None:
    uow.emit(
        "staff.updated",
        {
            "staff_id": staff.id,
            "name": staff.name,
            "role": staff.role,
            "active": staff.active,
            "change": change,
            "sessions_ended": sessions_ended,
        },
    )


def _flushed(uow: UnitOfWork) -> None:
    """Write now: a PIN another unit gave someone meanwhile is a 409, not a crash."""
    try:
        uow.session.flush()
    except IntegrityError as error:
        raise _pin_taken() from error


def add_staff(uow: UnitOfWork, who: Principal, name: str, role: Role, pin: str) -> StaffMemberView:
    """A new staff member, active, with a PIN unique within the restaurant (409 if taken).
    A manager adds servers and the kitchen; the owner adds anyone."""
    _may_manage(who, role.value, "add staff")
    validate_pin(pin)
    name = _clean_name(name)
    lookup = pin_lookup(installation_key(uow), who.restaurant_id, pin)
    if StaffRepository.of(uow).by_pin_lookup(lookup) is not None:
        raise _pin_taken()
    staff = m.Staff(
        id=new_id("stf"),
        restaurant_id=who.restaurant_id,
        name=name,
        role=role.value,
        pin_lookup=lookup,
        pin_hash=hash_pin(pin),
        active=True,
        created_at=utcnow(),
    )
    uow.session.add(staff)
    _flushed(uow)
    uow.audit("staff.added", "staff", staff.id, name=name, role=role.value)
    _announce(uow, staff, "added", sessions_ended=False)
    return member_view(staff)


def reset_pin(uow: UnitOfWork, who: Principal, staff_id: str, pin: str) -> StaffMemberView:
    """A new PIN (unique within the restaurant: 409 if taken). Every session the person has
    ends with it: they log in again with the new PIN."""
    who.require(MANAGER_ROLES, "reset PINs")
    staff = StaffRepository.of(uow).member(staff_id, lock=True)
    _may_manage(who, staff.role, "reset PINs")
    validate_pin(pin)
    lookup = pin_lookup(installation_key(uow), who.restaurant_id, pin)
    holder = StaffRepository.of(uow).by_pin_lookup(lookup)
    if holder is not None and holder.id != staff.id:
        raise _pin_taken()
    staff.pin_lookup = lookup
    staff.pin_hash = hash_pin(pin)
    _flushed(uow)  # the staff row first: a login finishing now waits, then is ended
    # Every terminal hears of it before the person's own feeds close with their sessions.
    _announce(uow, staff, "pin_reset", sessions_ended=True)
    ended = end_sessions(uow, staff.id)
    uow.audit("staff.pin_reset", "staff", staff.id, name=staff.name, sessions_ended=ended)
    return member_view(staff)


def change_staff(
    uow: UnitOfWork, who: Principal, staff_id: str, name: str | None, role: Role | None
) -> StaffMemberView:
    """A new name or role. Giving or taking the owner's or a manager's role is the owner's;
    the restaurant always keeps an active owner (409 ``last_owner``)."""
    who.require(MANAGER_ROLES, "change staff")
    staff = StaffRepository.of(uow).member(staff_id, lock=True)
    _may_manage(who, staff.role, "change staff")
    wanted: dict[str, str] = {}
    if name is not None:
        wanted["name"] = _clean_name(name)
    if role is not None:
        _may_manage(who, role.value, "change staff")
        wanted["role"] = role.value
    before = {k: getattr(staff, k) for k, v in wanted.items() if getattr(staff, k) != v}
    after = {k: wanted[k] for k in before}
    if after.get("role") and staff.role == Role.OWNER.value and staff.active:
        _keep_an_owner(uow, staff, "give them another role")
    if after:
        for field, value in after.items():
            setattr(staff, field, value)
        uow.audit("staff.changed", "staff", staff.id, name=staff.name, before=before, after=after)
        _announce(uow, staff, "changed", sessions_ended=False)
    return member_view(staff)


def _keep_an_owner(uow: UnitOfWork, staff: m.Staff, doing: str) -> None:
    owners = [
        s
        for s in StaffRepository.of(uow).roster()
        if s.role == Role.OWNER.value and s.active and s.id != staff.id
    ]
    if not owners:
        raise Conflict(
            f"{staff.name} is the restaurant's only active owner: make someone else owner "
            f"first, then {doing}.",
            code="last_owner",
        )


def deactivate(uow: UnitOfWork, who: Principal, staff_id: str) -> StaffMemberView:
    """They stop working here: every session they have ends at once (their next request is
    a 401, their live feed closes), their PIN logs nobody in, and their history stays."""
    who.require(MANAGER_ROLES, "deactivate staff")
    staff = StaffRepository.of(uow).member(staff_id, lock=True)
    if staff.id == who.staff_id:
        raise InvalidRequest(
            "You cannot deactivate yourself; ask the owner (or another owner).",
            code="cannot_deactivate_self",
        )
    _may_manage(who, staff.role, "deactivate staff")
    if staff.active:
        if staff.role == Role.OWNER.value:
            _keep_an_owner(uow, staff, "deactivate them")
        staff.active = False
        _announce(uow, staff, "deactivated", sessions_ended=True)
        ended = end_sessions(uow, staff.id)
        uow.audit(
            "staff.deactivated", "staff", staff.id, name=staff.name,
            before={"active": True}, after={"active": False}, sessions_ended=ended,
        )  # fmt: skip
    return member_view(staff)


def reactivate(uow: UnitOfWork, who: Principal, staff_id: str) -> StaffMemberView:
    """Back at work, with the PIN they had (sessions ended stay ended: they log in)."""
    who.require(MANAGER_ROLES, "reactivate staff")
    staff = StaffRepository.of(uow).member(staff_id, lock=True)
    _may_manage(who, staff.role, "reactivate staff")
    if not staff.active:
        staff.active = True
        uow.audit(
            "staff.reactivated", "staff", staff.id, name=staff.name,
            before={"active": False}, after={"active": True},
        )  # fmt: skip
        _announce(uow, staff, "reactivated", sessions_ended=False)
    return member_view(staff)


def end_sessions(uow: UnitOfWork, staff_id: str) -> int:
    """End every session of one staff member of the unit's restaurant, in the unit's
    transaction (a PIN change, a deactivation): their tokens are refused from the commit
    on, and their live connections are closed then (realtime checks each connection's
    token again on ``staff.sessions_ended``). Returns how many sessions were open."""
    ended = StaffRepository.of(uow).revoke_sessions(staff_id, utcnow())
    uow.emit("staff.sessions_ended", {"staff_id": staff_id})
    return ended


def list_staff(uow: UnitOfWork, who: Principal) -> list[StaffView]:
    """The restaurant's active staff, by name."""
    return [
        StaffView(id=s.id, name=s.name, role=s.role)
        for s in StaffRepository.of(uow).all()
        if s.active
    ]


def roster(uow: UnitOfWork, who: Principal) -> list[StaffMemberView]:
    """Everyone who works or worked here, active or not, by name (managers and owners)."""
    who.require(MANAGER_ROLES, "manage staff")
    return roster_view(uow)


def roster_view(uow: UnitOfWork) -> list[StaffMemberView]:
    """What ``roster`` shows, for a screen that has checked who is asking itself."""
    return [member_view(s) for s in StaffRepository.of(uow).roster()]


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
                pin_lookup=f"{STAND_IN}{kind}",  # an HMAC is 64 hex digits: no PIN's
                pin_hash="!",  # no argon2 hash: nothing verifies against it
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
