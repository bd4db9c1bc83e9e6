"""Idempotency keys: the request's fingerprint, a lease while it runs, its final response.

Semantics (API.md "Payments"): a key is looked up before anything else. Same key, same
body, final outcome stored → that outcome again, nothing charged. Same key, other body →
422. Same key while its first request still runs (lease held) → 409. A lease that lapsed
(the request answered 504, or its process died) may be taken over by a retry or by
recovery — exactly one of them at a time.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, select, text, update

from tableside.core import batched
from tableside.core import models as m
from tableside.core.errors import Conflict, DomainError, InvalidRequest
from tableside.core.models import new_id, utcnow
from tableside.core.rows import KeyRow
from tableside.core.unit_of_work import UnitOfWork

MAX_KEY_LENGTH = 255
RETENTION = timedelta(hours=72)


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: dict[str, Any]


def fingerprint(operation: str, target_id: str, body: dict[str, Any]) -> str:
    canonical = json.dumps(
        {"operation": operation, "target": target_id, "body": body},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def validate_key(key: str | None) -> str:
    if key is None or key == "":
        raise MissingKey("Send an Idempotency-Key header (1–255 characters) with every payment.")
    if len(key) > MAX_KEY_LENGTH:
        raise MissingKey("The Idempotency-Key header is longer than 255 characters.")
    return key


class MissingKey(DomainError):
    """No usable Idempotency-Key header (400)."""

    code = "idempotency_key_required"


def in_progress() -> Conflict:
    return Conflict(
        "This payment is still being processed. Wait a moment and retry with the same key.",
        code="payment_in_progress",
    )


# Built once (they run on every payment), with bound parameters, as Core statements: keys
# are read and written on every payment, and plain rows cost a third of ORM entities.
_KEYS = cast(Table, m.IdempotencyKey.__table__)
_TRY_LOCK = text("SELECT pg_try_advisory_xact_lock(hashtextextended(:scope, 0))")
_COLUMNS = select(
    _KEYS.c.id,
    _KEYS.c.operation,
    _KEYS.c.fingerprint,
    _KEYS.c.resource_id,
    _KEYS.c.response_status,
    _KEYS.c.response_body,
    _KEYS.c.locked_until,
)
_BY_KEY = _COLUMNS.where(
    _KEYS.c.restaurant_id == bindparam("restaurant_id"), _KEYS.c.key == bindparam("key")
).with_for_update(nowait=True)
_BY_RESOURCE = _COLUMNS.where(
    _KEYS.c.restaurant_id == bindparam("restaurant_id"),
    _KEYS.c.resource_id == bindparam("resource_id"),
)
_BY_RESOURCE_LOCKED = _BY_RESOURCE.with_for_update()
_INSERT = insert(_KEYS)
_SET_LEASE = (
    update(_KEYS)
    .where(_KEYS.c.id == bindparam("key_id"))
    .values(locked_until=bindparam("until", type_=_KEYS.c.locked_until.type))
)
_FINISH = (
    update(_KEYS)
    .where(_KEYS.c.id == bindparam("key_id"))
    .values(
        response_status=bindparam("status", type_=_KEYS.c.response_status.type),
        response_body=bindparam("body", type_=_KEYS.c.response_body.type),
        locked_until=None,
    )
)
_RELEASE = update(_KEYS).where(_KEYS.c.id == bindparam("key_id")).values(locked_until=None)


def _row(found: Any) -> KeyRow | None:
    return None if found is None else KeyRow(*found)


def find(uow: UnitOfWork, key: str) -> KeyRow | None:
    """The key's row, with the key held for this transaction.

    Two requests with one key must meet before either acts on it: the second answers 409
    at once instead of racing past a row the first has not committed yet. On PostgreSQL a
    transaction-scoped advisory lock on (restaurant, key) is that meeting point (SQLite
    serializes writers at BEGIN); a caller that already holds a row lock every request
    with this key takes first reads the key with ``find_read`` instead (a settle: its check).
    Either way the lookup is a statement of its own, after the lock: its snapshot must
    include what the request that held the lock before us committed.
    """
    connection = uow.connection()
    if not uow.db.is_sqlite:
        held = connection.scalar(_TRY_LOCK, {"scope": f"idempotency:{uow.restaurant}:{key}"})
        if not held:
            raise in_progress()
    return found(connection.execute(*find_read(uow, key)).all())


def check_same_request(row: KeyRow, operation: str, fingerprint: str) -> None:
    if row.operation != operation or row.fingerprint != fingerprint:
        raise InvalidRequest(
            "This Idempotency-Key was already used for a different request. "
            "Use a new key for a new payment.",
            code="idempotency_key_reused",
        )


def stored(row: KeyRow) -> StoredResponse | None:
    if row.response_status is None or row.response_body is None:
        return None
    return StoredResponse(row.response_status, row.response_body)


def lease_active(row: KeyRow, now: datetime) -> bool:
    return row.locked_until is not None and row.locked_until > now


@dataclass(frozen=True)
class Resume:
    """A key whose first request never finished: this request takes it over."""

    resource_id: str


def find_read(uow: UnitOfWork, key: str) -> batched.Read:
    """``find``'s read, for a caller that holds the lock every request with this key takes
    first, to read it in one round trip with its other reads (a settle: the check's)."""
    return _BY_KEY, {"restaurant_id": uow.restaurant, "key": key}


def find_for_resource_read(uow: UnitOfWork, resource_id: str) -> batched.Read:
    """``find_for_resource``'s read (locked), to read it with others."""
    return _BY_RESOURCE_LOCKED, {"restaurant_id": uow.restaurant, "resource_id": resource_id}


def found(rows: batched.Rows) -> KeyRow | None:
    """The key row a ``find_read`` or ``find_for_resource_read`` read, if any."""
    return _row(rows[0]) if rows else None


def found_for_resource(rows: batched.Rows, resource_id: str) -> KeyRow:
    """The key row a ``find_for_resource_read`` read: every attempt is recorded with its key."""
    row = found(rows)
    if row is None:
        raise RuntimeError(f"no idempotency key recorded for {resource_id}")
    return row


def judge(
    uow: UnitOfWork, existing: KeyRow | None, operation: str, fingerprint: str, lease_s: float
) -> StoredResponse | Resume | None:
    """What a key already seen means for this request; None when the key is new.

    Its stored final response (replayed as is); or the attempt to finish, with the lapsed
    lease taken over (the caller commits). Raises 422 when the key was used for another
    request and 409 while its first request still holds the lease. ``existing``: the key's
    row, read under the lock every request with this key takes first (``find``).
    """
    if existing is None:
        return None
    check_same_request(existing, operation, fingerprint)
    replay = stored(existing)
    if replay is not None:
        return replay
    if not take_lease(uow, existing, lease_s):
        raise in_progress()
    assert existing.resource_id is not None
    return Resume(existing.resource_id)


def take_lease(uow: UnitOfWork, row: KeyRow, lease_s: float) -> bool:
    """Hold the key for ``lease_s`` unless another request or recovery holds it now.

    ``row`` must have been read with its row lock in this unit (``find``, ``find_for_resource``).
    """
    now = utcnow()
    if lease_active(row, now):
        return False
    uow.defer(_SET_LEASE, {"key_id": row.id, "until": now + timedelta(seconds=lease_s)})
    return True


def create(
    uow: UnitOfWork,
    key: str,
    operation: str,
    fingerprint: str,
    resource_id: str,
    lease_s: float,
    *,
    response: StoredResponse | None = None,
) -> KeyRow:
    """Record a new key for ``resource_id``: held for ``lease_s`` while its request runs,
    or, given the ``response``, final at once (a request finished in one transaction)."""
    now = utcnow()
    row = KeyRow(
        id=new_id("idk"),
        operation=operation,
        fingerprint=fingerprint,
        resource_id=resource_id,
        response_status=None if response is None else response.status_code,
        response_body=None if response is None else response.body,
        locked_until=now + timedelta(seconds=lease_s) if response is None else None,
    )
    uow.defer(
        _INSERT,
        {
            "id": row.id,
            "restaurant_id": uow.restaurant,
            "key": key,
            "operation": operation,
            "fingerprint": fingerprint,
            "resource_id": resource_id,
            "response_status": row.response_status,
            "response_body": row.response_body,
            "locked_until": row.locked_until,
            "created_at": now,
        },
    )
    return row


def find_for_resource(uow: UnitOfWork, resource_id: str) -> KeyRow:
    """The key of ``resource_id`` (an attempt, a refund), its row locked."""
    return found_for_resource(
        uow.connection().execute(*find_for_resource_read(uow, resource_id)).all(), resource_id
    )


def finish(uow: UnitOfWork, row: KeyRow, response: StoredResponse | None) -> None:
    """Store the final response (None: not final, e.g. 504) and release the lease."""
    if response is None:
        uow.defer(_RELEASE, {"key_id": row.id})
    else:
        uow.defer(
            _FINISH, {"key_id": row.id, "status": response.status_code, "body": response.body}
        )


def prune(uow: UnitOfWork, older_than: timedelta = RETENTION) -> int:
    """Forget finished keys older than ``older_than`` (72 h: longer than any retry)."""
    cutoff = utcnow() - older_than
    result = uow.connection().execute(
        delete(_KEYS).where(_KEYS.c.created_at < cutoff, _KEYS.c.response_status.is_not(None))
    )
    return int(result.rowcount)
