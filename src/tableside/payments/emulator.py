"""A local, Stripe-compatible card processor: the embedded default for demos and tests.

It answers the slice of Stripe's REST API that ``StripeCardProcessor`` uses through the
official ``stripe`` library (PaymentIntents with ``confirm=true``, refunds, list, search),
with Stripe's idempotency semantics on the ``Idempotency-Key`` header, and a fault switch
(``POST /_faults``) that makes the next charge requests decline, fail, hang or crawl, so the
real adapter code can be driven through every failure the payment flow must survive.

Charges, refunds and stored idempotent responses live in a SQLite file (the *ledger*), so
they survive a restart of the emulator; the fault switch lives in memory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response

JsonObject = dict[str, Any]
_INTEGER = re.compile(r"-?[0-9]{1,18}")

# A held request ("does not answer until the client gives up") is answered anyway after this
# long, so a client without any timeout cannot pin a connection forever.
HOLD_LIMIT_S = 120.0
_DISCONNECT_POLL_S = 0.05
DEFAULT_SLOW_DELAY_MS = 3000
LEDGER_FILENAME = "processor-emulator.db"  # the name `tableside demo` uses too

FAULT_MODES = frozenset(
    {"none", "decline", "error_500", "timeout_before_charge", "timeout_after_charge", "slow"}
)


def default_ledger_path(data_dir: Path) -> Path:
    """Where the emulator keeps its ledger inside Tableside's data directory."""
    return data_dir / LEDGER_FILENAME


# --------------------------------------------------------------------------------------
# Stripe-shaped errors
# --------------------------------------------------------------------------------------


class StripeApiError(Exception):
    """An error answered in Stripe's shape: ``{"error": {"type", "code", "message", ...}}``."""

    def __init__(
        self,
        status: int,
        type_: str,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        extra: JsonObject | None = None,
        should_retry: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: JsonObject = {"error": {"type": type_, "message": message}}
        if code is not None:
            self.body["error"]["code"] = code
        if param is not None:
            self.body["error"]["param"] = param
        if extra:
            self.body["error"].update(extra)
        self.should_retry = should_retry


def _invalid(message: str, *, param: str | None = None, code: str | None = None) -> StripeApiError:
    return StripeApiError(400, "invalid_request_error", message, param=param, code=code)


def _missing_resource(kind: str, id_: str, *, param: str | None = None) -> StripeApiError:
    # Stripe answers 404 for the resource in the URL and 400 for a reference in the body.
    return StripeApiError(
        400 if param else 404,
        "invalid_request_error",
        f"No such {kind}: '{id_}'",
        code="resource_missing",
        param=param or "id",
    )


# --------------------------------------------------------------------------------------
# Form decoding: Stripe's nested keys, ``metadata[k]=v``, ``expand[0]=x``
# --------------------------------------------------------------------------------------


def decode_form(pairs: Iterable[tuple[str, str]]) -> JsonObject:
    """Turn form pairs with bracketed keys into nested dicts; all-numeric levels become lists."""
    root: JsonObject = {}
    for raw_key, value in pairs:
        path = _split_key(raw_key)
        node = root
        for i, part in enumerate(path):
            last = i == len(path) - 1
            if part == "":  # "expand[]" style: append
                part = str(len(node))
            if last:
                node[part] = value
            else:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise _invalid(f"Invalid parameter: {raw_key}", param=raw_key)
                node = child
    result = _listify(root)
    assert isinstance(result, dict)
    return result


def _split_key(key: str) -> list[str]:
    head, sep, rest = key.partition("[")
    if not sep:
        return [key]
    parts = [head]
    for piece in ("[" + rest).split("[")[1:]:
        if not piece.endswith("]"):
            raise _invalid(f"Invalid parameter: {key}", param=key)
        parts.append(piece[:-1])
    return parts


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {k: _listify(v) for k, v in node.items()}
    if converted and all(k.isdigit() for k in converted):
        return [converted[k] for k in sorted(converted, key=int)]
    return converted


def _fingerprint(method: str, path: str, params: JsonObject) -> str:
    return json.dumps([method, path, params], sort_keys=True, separators=(",", ":"))


# --------------------------------------------------------------------------------------
# Parameter readers (all form values arrive as strings)
# --------------------------------------------------------------------------------------


def _check_known(params: JsonObject, known: set[str]) -> None:
    for name in params:
        if name not in known:
            raise _invalid(
                f"Received unknown parameter: {name}", param=name, code="parameter_unknown"
            )


def _int(params: JsonObject, name: str, *, required: bool = False) -> int | None:
    raw = params.get(name)
    if raw is None:
        if required:
            raise _invalid(f"Missing required param: {name}.", param=name, code="parameter_missing")
        return None
    if not isinstance(raw, str) or not _INTEGER.fullmatch(raw):
        raise _invalid(f"Invalid integer: {raw}", param=name, code="parameter_invalid_integer")
    return int(raw)


def _str(params: JsonObject, name: str, *, required: bool = False) -> str | None:
    raw = params.get(name)
    if raw is None or raw == "":
        if required:
            raise _invalid(f"Missing required param: {name}.", param=name, code="parameter_missing")
        return None
    if not isinstance(raw, str):
        raise _invalid(f"Invalid string: {name}", param=name)
    return raw


def _bool(params: JsonObject, name: str) -> bool | None:
    raw = params.get(name)
    if raw is None:
        return None
    if raw not in ("true", "false"):
        raise _invalid(f"Invalid boolean: {raw}", param=name)
    return bool(raw == "true")


def _str_list(params: JsonObject, name: str) -> list[str] | None:
    raw = params.get(name)
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise _invalid(f"Invalid array: {name}", param=name)
    return list(raw)


def _metadata(params: JsonObject) -> dict[str, str]:
    raw = params.get("metadata")
    if raw is None or raw == "":
        return {}
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise _invalid("Invalid object", param="metadata")
    # Stripe's documented limits; the emulator enforces them so nothing works here that
    # would fail against the real service.
    if len(raw) > 50:
        raise _invalid("You can only have up to 50 metadata keys.", param="metadata")
    for key, value in raw.items():
        if len(key) > 40:
            raise _invalid(
                f"Metadata keys must be at most 40 characters ({key!r}).", param=f"metadata[{key}]"
            )
        if len(value) > 500:
            raise _invalid(
                "Metadata values must be at most 500 characters.", param=f"metadata[{key}]"
            )
    return {k: v for k, v in raw.items() if v != ""}  # "" unsets a key on Stripe


def _expand(params: JsonObject, *, allowed: set[str]) -> set[str]:
    fields = set(_str_list(params, "expand") or [])
    for item in fields:
        if item not in allowed:
            raise _invalid(f"This property cannot be expanded ({item}).", param="expand")
    return fields


def _page_limit(params: JsonObject) -> int:
    limit = _int(params, "limit")
    if limit is None:
        return 10
    if not 1 <= limit <= 100:
        raise _invalid("Invalid integer: limit must be between 1 and 100.", param="limit")
    return limit


# --------------------------------------------------------------------------------------
# Test payment methods (Stripe's documented test tokens)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TestCard:
    brand: str
    last4: str
    decline_code: str | None  # None: the card approves


TEST_CARDS: dict[str, TestCard] = {
    "pm_card_visa": TestCard("visa", "4242", None),
    "pm_card_mastercard": TestCard("mastercard", "4444", None),
    "pm_card_amex": TestCard("amex", "8431", None),
    "pm_card_chargeDeclined": TestCard("visa", "0002", "generic_decline"),
    "pm_card_visa_chargeDeclined": TestCard("visa", "0002", "generic_decline"),
    "pm_card_chargeDeclinedInsufficientFunds": TestCard("visa", "9995", "insufficient_funds"),
}

DECLINE_MESSAGES = {
    "generic_decline": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
}


# --------------------------------------------------------------------------------------
# The fault switch (in memory: a restart clears it)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    mode: str
    delay_ms: int


class FaultSwitch:
    """The next ``count`` charge requests behave as ``mode``; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._mode = "none"
        self._count = 0
        self._delay_ms = DEFAULT_SLOW_DELAY_MS

    def set(self, mode: str, count: int, delay_ms: int) -> None:
        with self._lock:
            self._mode, self._count, self._delay_ms = mode, count, delay_ms
            if mode == "none" or count == 0:
                self._mode, self._count = "none", 0

    def take(self) -> Fault | None:
        """Consume one armed fault for a charge request, or None when the switch is off."""
        with self._lock:
            if self._mode == "none" or self._count <= 0:
                return None
            fault = Fault(self._mode, self._delay_ms)
            self._count -= 1
            if self._count == 0:
                self._mode = "none"
            return fault

    def state(self) -> JsonObject:
        with self._lock:
            return {"mode": self._mode, "count": self._count, "delay_ms": self._delay_ms}


# --------------------------------------------------------------------------------------
# Rendering in Stripe's JSON shapes
# --------------------------------------------------------------------------------------


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(18).replace('-', 'x').replace('_', 'z')[:24]}"


def _dollars(cents: int) -> str:
    return f"${cents // 100}.{cents % 100:02d}"


def _render_payment_method(pi: sqlite3.Row) -> JsonObject:
    return {
        "id": pi["payment_method_id"],
        "object": "payment_method",
        "type": "card",
        "card": {"brand": pi["card_brand"], "last4": pi["card_last4"]},
        "livemode": False,
    }


def _render_charge(pi: sqlite3.Row) -> JsonObject:
    succeeded = pi["status"] == "succeeded"
    decline_code = pi["decline_code"]
    return {
        "id": pi["charge_id"],
        "object": "charge",
        "amount": pi["amount"],
        "amount_captured": pi["amount"] if succeeded else 0,
        "amount_refunded": pi["amount_refunded"],
        "balance_transaction": None,
        "captured": succeeded,
        "created": pi["created"],
        "currency": pi["currency"],
        "description": pi["description"],
        "failure_code": None if succeeded else "card_declined",
        "failure_message": None if succeeded else DECLINE_MESSAGES.get(decline_code),
        "livemode": False,
        "metadata": json.loads(pi["metadata"]),
        "outcome": {
            "network_status": "approved_by_network" if succeeded else "declined_by_network",
            "reason": decline_code,
            "seller_message": "Payment complete." if succeeded else "The bank declined it.",
            "type": "authorized" if succeeded else "issuer_declined",
        },
        "paid": succeeded,
        "payment_intent": pi["id"],
        "payment_method": pi["payment_method_id"],
        "refunded": succeeded and pi["amount_refunded"] >= pi["amount"],
        "status": "succeeded" if succeeded else "failed",
    }


def _last_payment_error(pi: sqlite3.Row) -> JsonObject | None:
    code = pi["decline_code"]
    if code is None:
        return None
    return {
        "type": "card_error",
        "code": "card_declined",
        "decline_code": code,
        "message": DECLINE_MESSAGES.get(code, "Your card was declined."),
        "charge": pi["charge_id"],
        "doc_url": "https://stripe.com/docs/error-codes/card-declined",
        "payment_method": _render_payment_method(pi),
    }


def _render_payment_intent(pi: sqlite3.Row, *, expand_charge: bool = False) -> JsonObject:
    succeeded = pi["status"] == "succeeded"
    apm = pi["automatic_payment_methods"]
    return {
        "id": pi["id"],
        "object": "payment_intent",
        "amount": pi["amount"],
        "amount_capturable": 0,
        "amount_received": pi["amount"] if succeeded else 0,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": json.loads(apm) if apm else None,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": pi["capture_method"],
        "client_secret": pi["client_secret"],
        "confirmation_method": "automatic",
        "created": pi["created"],
        "currency": pi["currency"],
        "customer": None,
        "description": pi["description"],
        "last_payment_error": _last_payment_error(pi),
        "latest_charge": _render_charge(pi) if expand_charge else pi["charge_id"],
        "livemode": False,
        "metadata": json.loads(pi["metadata"]),
        "next_action": None,
        "on_behalf_of": None,
        # A declined attempt detaches the card, as on Stripe: the PI wants a new one.
        "payment_method": pi["payment_method_id"] if succeeded else None,
        "payment_method_types": json.loads(pi["payment_method_types"]),
        "processing": None,
        "receipt_email": None,
        "review": None,
        "setup_future_usage": None,
        "shipping": None,
        "source": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": pi["status"],
        "transfer_data": None,
        "transfer_group": None,
    }


def _render_refund(refund: sqlite3.Row) -> JsonObject:
    return {
        "id": refund["id"],
        "object": "refund",
        "amount": refund["amount"],
        "balance_transaction": None,
        "charge": refund["charge_id"],
        "created": refund["created"],
        "currency": refund["currency"],
        "metadata": json.loads(refund["metadata"]),
        "payment_intent": refund["payment_intent"],
        "reason": refund["reason"],
        "status": "succeeded",
    }


def _decline_error(pi: sqlite3.Row) -> StripeApiError:
    lpe = _last_payment_error(pi)
    assert lpe is not None
    return StripeApiError(
        402,
        "card_error",
        lpe["message"],
        code="card_declined",
        extra={
            "decline_code": lpe["decline_code"],
            "charge": pi["charge_id"],
            "doc_url": lpe["doc_url"],
            "payment_intent": _render_payment_intent(pi),
            "payment_method": lpe["payment_method"],
        },
        should_retry=False,
    )


# --------------------------------------------------------------------------------------
# The ledger: SQLite, WAL, one connection behind a lock
# --------------------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS payment_intents (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    created INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    capture_method TEXT NOT NULL,
    client_secret TEXT NOT NULL,
    payment_method_id TEXT NOT NULL,
    payment_method_token TEXT NOT NULL,
    card_brand TEXT NOT NULL,
    card_last4 TEXT NOT NULL,
    payment_method_types TEXT NOT NULL,
    automatic_payment_methods TEXT,
    metadata TEXT NOT NULL,
    description TEXT,
    charge_id TEXT NOT NULL UNIQUE,
    decline_code TEXT,
    idempotency_key TEXT,
    amount_refunded INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS refunds (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    created INTEGER NOT NULL,
    payment_intent TEXT NOT NULL REFERENCES payment_intents(id),
    charge_id TEXT NOT NULL,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    reason TEXT,
    metadata TEXT NOT NULL,
    idempotency_key TEXT
);
CREATE INDEX IF NOT EXISTS refunds_by_payment_intent ON refunds(payment_intent);
CREATE TABLE IF NOT EXISTS idempotent_responses (
    key TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created INTEGER NOT NULL
);
"""


@dataclass(frozen=True)
class StoredResponse:
    fingerprint: str
    status: int
    body: str


@dataclass(frozen=True)
class NewPaymentIntent:
    amount: int
    currency: str
    payment_method_token: str
    card: TestCard
    payment_method_types: list[str]
    automatic_payment_methods: JsonObject | None
    capture_method: str
    metadata: dict[str, str]
    description: str | None
    expand_charge: bool


@dataclass(frozen=True)
class SearchClause:
    field: str  # "metadata", "status", "currency" or "amount"
    key: str | None  # the metadata key for field == "metadata"
    value: str


class Ledger:
    """The emulator's durable state. Every write is one SQLite transaction; thread-safe."""

    def __init__(self, path: Path | str) -> None:
        path = Path(path)  # callers building paths from CLI arguments may pass a str
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        # One connection shared by all threads, serialized by the lock: SQLite allows one
        # writer anyway, and the emulator's traffic is tiny.
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _one(self, sql: str, args: tuple[Any, ...] = ()) -> sqlite3.Row | None:
        with self._lock:
            row: sqlite3.Row | None = self._db.execute(sql, args).fetchone()
            return row

    def _all(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return list(self._db.execute(sql, args).fetchall())

    # -- idempotency -------------------------------------------------------------------

    def stored_response(self, key: str) -> StoredResponse | None:
        row = self._one(
            "SELECT fingerprint, status, body FROM idempotent_responses WHERE key = ?", (key,)
        )
        return None if row is None else StoredResponse(row[0], row[1], row[2])

    @staticmethod
    def _store(
        db: sqlite3.Connection, key: str | None, fingerprint: str, status: int, body: JsonObject
    ) -> None:
        if key is not None:
            db.execute(
                "INSERT INTO idempotent_responses (key, fingerprint, status, body, created)"
                " VALUES (?, ?, ?, ?, ?)",
                (key, fingerprint, status, json.dumps(body), int(time.time())),
            )

    def store_response(self, key: str | None, fingerprint: str, error: StripeApiError) -> None:
        """Remember an error answer so the same key replays it (Stripe does this for 500s)."""
        with self._transaction() as db:
            self._store(db, key, fingerprint, error.status, error.body)

    # -- payment intents -----------------------------------------------------------------

    def create_payment_intent(
        self,
        new: NewPaymentIntent,
        *,
        key: str | None,
        fingerprint: str,
        force_decline: bool,
    ) -> tuple[int, JsonObject]:
        """Record the confirmed PaymentIntent and its stored answer in one transaction."""
        decline_code = new.card.decline_code or ("generic_decline" if force_decline else None)
        pi_id = _new_id("pi")
        with self._transaction() as db:
            db.execute(
                "INSERT INTO payment_intents (id, created, amount, currency, status,"
                " capture_method, client_secret, payment_method_id, payment_method_token,"
                " card_brand, card_last4, payment_method_types, automatic_payment_methods,"
                " metadata, description, charge_id, decline_code, idempotency_key)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    pi_id,
                    int(time.time()),
                    new.amount,
                    new.currency,
                    "requires_payment_method" if decline_code else "succeeded",
                    new.capture_method,
                    f"{pi_id}_secret_{secrets.token_hex(12)}",
                    _new_id("pm"),
                    new.payment_method_token,
                    new.card.brand,
                    new.card.last4,
                    json.dumps(new.payment_method_types),
                    json.dumps(new.automatic_payment_methods)
                    if new.automatic_payment_methods
                    else None,
                    json.dumps(new.metadata),
                    new.description,
                    _new_id("ch"),
                    decline_code,
                    key,
                ),
            )
            row = db.execute("SELECT * FROM payment_intents WHERE id = ?", (pi_id,)).fetchone()
            if decline_code:
                error = _decline_error(row)
                status, body = error.status, error.body
            else:
                status, body = 200, _render_payment_intent(row, expand_charge=new.expand_charge)
            self._store(db, key, fingerprint, status, body)
            return status, body

    def payment_intent(self, pi_id: str) -> sqlite3.Row | None:
        return self._one("SELECT * FROM payment_intents WHERE id = ?", (pi_id,))

    def payment_intent_by_charge(self, charge_id: str) -> sqlite3.Row | None:
        return self._one("SELECT * FROM payment_intents WHERE charge_id = ?", (charge_id,))

    def list_payment_intents(
        self,
        *,
        limit: int,
        starting_after: str | None,
        ending_before: str | None,
        created: dict[str, int],
    ) -> tuple[list[sqlite3.Row], bool]:
        """Newest first, Stripe's cursor paging; returns (page, has_more)."""
        where: list[str] = ["1=1"]
        args: list[Any] = []
        ops = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "eq": "="}
        for op, value in created.items():
            where.append(f"created {ops[op]} ?")
            args.append(value)
        ascending = False
        if starting_after is not None:
            where.append("seq < ?")
            args.append(self._seq_of(starting_after, "starting_after"))
        elif ending_before is not None:
            where.append("seq > ?")
            args.append(self._seq_of(ending_before, "ending_before"))
            ascending = True
        order = "ASC" if ascending else "DESC"
        rows = self._all(
            f"SELECT * FROM payment_intents WHERE {' AND '.join(where)}"
            f" ORDER BY seq {order} LIMIT ?",
            (*args, limit + 1),
        )
        page = rows[:limit]
        if ascending:
            page.reverse()
        return page, len(rows) > limit

    def _seq_of(self, pi_id: str, param: str) -> int:
        row = self._one("SELECT seq FROM payment_intents WHERE id = ?", (pi_id,))
        if row is None:
            raise _missing_resource("payment_intent", pi_id, param=param)
        return int(row[0])

    def search_payment_intents(
        self, clauses: list[SearchClause], *, limit: int, before_seq: int | None
    ) -> tuple[list[sqlite3.Row], bool]:
        where: list[str] = ["1=1"]
        args: list[Any] = []
        for clause in clauses:
            if clause.field == "metadata":
                where.append(
                    "EXISTS (SELECT 1 FROM json_each(payment_intents.metadata)"
                    " WHERE json_each.key = ? AND json_each.value = ?)"
                )
                args += [clause.key, clause.value]
            elif clause.field == "amount":
                where.append("amount = ?")
                args.append(int(clause.value))
            else:
                where.append(f"{clause.field} = ?")
                args.append(clause.value.lower())
        if before_seq is not None:
            where.append("seq < ?")
            args.append(before_seq)
        rows = self._all(
            f"SELECT * FROM payment_intents WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT ?",
            (*args, limit + 1),
        )
        return rows[:limit], len(rows) > limit

    def succeeded_payment_intents(self) -> list[sqlite3.Row]:
        return self._all("SELECT * FROM payment_intents WHERE status = 'succeeded' ORDER BY seq")

    # -- refunds ---------------------------------------------------------------------------

    def create_refund(
        self,
        *,
        pi_id: str,
        pi_param: str,
        amount: int | None,
        reason: str | None,
        metadata: dict[str, str],
        key: str | None,
        fingerprint: str,
    ) -> tuple[int, JsonObject]:
        """Refund at most what is left on the charge; the answer is stored under the key."""
        with self._transaction() as db:
            pi = db.execute("SELECT * FROM payment_intents WHERE id = ?", (pi_id,)).fetchone()
            if pi is None:
                # Bad input: not stored, as Stripe does not store validation failures.
                raise _missing_resource(pi_param, pi_id, param=pi_param)
            remaining = pi["amount"] - pi["amount_refunded"]
            refund_amount = remaining if amount is None else amount
            error: StripeApiError | None = None
            if pi["status"] != "succeeded":
                error = _invalid(
                    f"This PaymentIntent ({pi_id}) does not have a successful charge to refund.",
                    code="payment_intent_unexpected_state",
                    param=pi_param,
                )
            elif remaining <= 0:
                error = _invalid(
                    f"Charge {pi['charge_id']} has already been refunded.",
                    code="charge_already_refunded",
                )
            elif refund_amount > remaining:
                error = _invalid(
                    f"Refund amount ({_dollars(refund_amount)}) is greater than unrefunded"
                    f" amount on charge ({_dollars(remaining)})",
                    code="amount_too_large",
                    param="amount",
                )
            if error is not None:
                self._store(db, key, fingerprint, error.status, error.body)
                return error.status, error.body
            refund_id = _new_id("re")
            db.execute(
                "INSERT INTO refunds (id, created, payment_intent, charge_id, amount, currency,"
                " reason, metadata, idempotency_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    refund_id,
                    int(time.time()),
                    pi_id,
                    pi["charge_id"],
                    refund_amount,
                    pi["currency"],
                    reason,
                    json.dumps(metadata),
                    key,
                ),
            )
            db.execute(
                "UPDATE payment_intents SET amount_refunded = amount_refunded + ? WHERE id = ?",
                (refund_amount, pi_id),
            )
            row = db.execute("SELECT * FROM refunds WHERE id = ?", (refund_id,)).fetchone()
            body = _render_refund(row)
            self._store(db, key, fingerprint, 200, body)
            return 200, body

    def refund(self, refund_id: str) -> sqlite3.Row | None:
        return self._one("SELECT * FROM refunds WHERE id = ?", (refund_id,))

    def list_refunds(
        self, *, payment_intent: str | None, limit: int, starting_after: str | None
    ) -> tuple[list[sqlite3.Row], bool]:
        where: list[str] = ["1=1"]
        args: list[Any] = []
        if payment_intent is not None:
            where.append("payment_intent = ?")
            args.append(payment_intent)
        if starting_after is not None:
            row = self._one("SELECT seq FROM refunds WHERE id = ?", (starting_after,))
            if row is None:
                raise _missing_resource("refund", starting_after, param="starting_after")
            where.append("seq < ?")
            args.append(row[0])
        rows = self._all(
            f"SELECT * FROM refunds WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT ?",
            (*args, limit + 1),
        )
        return rows[:limit], len(rows) > limit


# --------------------------------------------------------------------------------------
# Search query language: ``metadata['k']:'v' AND status:'succeeded'``
# --------------------------------------------------------------------------------------

_SEARCH_FIELDS = {"status", "currency", "amount"}


def parse_search_query(query: str) -> list[SearchClause]:
    """Parse the subset of Stripe's search syntax the emulator supports: exact-match clauses
    on ``metadata['key']``, ``status``, ``currency`` and ``amount`` joined by ``AND``."""
    clauses: list[SearchClause] = []
    pos = 0

    def skip_spaces() -> None:
        nonlocal pos
        while pos < len(query) and query[pos].isspace():
            pos += 1

    def quoted() -> str:
        nonlocal pos
        if pos >= len(query) or query[pos] not in "'\"":
            raise _invalid(f"Expected a quoted string at position {pos} of the query.")
        quote, pos, chars = query[pos], pos + 1, []
        while pos < len(query) and query[pos] != quote:
            if query[pos] == "\\" and pos + 1 < len(query):
                pos += 1
            chars.append(query[pos])
            pos += 1
        if pos >= len(query):
            raise _invalid("Unterminated string in the query.")
        pos += 1
        return "".join(chars)

    while True:
        skip_spaces()
        key: str | None = None
        if query.startswith("metadata[", pos):
            pos += len("metadata[")
            key = quoted()
            if not query.startswith("]", pos):
                raise _invalid("Expected ']' after the metadata key in the query.")
            pos += 1
            field = "metadata"
        else:
            start = pos
            while pos < len(query) and (query[pos].isalnum() or query[pos] == "_"):
                pos += 1
            field = query[start:pos]
            if field not in _SEARCH_FIELDS:
                raise _invalid(
                    f"The emulator cannot search on {field or query[start:]!r}.", param="query"
                )
        skip_spaces()
        if not query.startswith(":", pos):
            raise _invalid("Only exact-match (':') clauses are supported.", param="query")
        pos += 1
        skip_spaces()
        if pos < len(query) and query[pos].isdigit():
            start = pos
            while pos < len(query) and query[pos].isdigit():
                pos += 1
            value = query[start:pos]
        else:
            value = quoted()
        if field == "amount" and not value.isdigit():
            raise _invalid("amount must be compared with an integer.", param="query")
        clauses.append(SearchClause(field, key, value))
        skip_spaces()
        if pos >= len(query):
            return clauses
        if not query.startswith("AND", pos):
            raise _invalid("Clauses must be joined with AND.", param="query")
        pos += 3


# --------------------------------------------------------------------------------------
# HTTP app
# --------------------------------------------------------------------------------------


class _KeyGate:
    """Keys whose first request is being processed right now (in memory: a restart frees them)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight: dict[str, tuple[str, object]] = {}  # key -> (fingerprint, owner)

    def try_enter(self, key: str, fingerprint: str, owner: object) -> str | None:
        """Take the key for ``owner``; when another request holds it, return its fingerprint."""
        with self._lock:
            held = self._in_flight.get(key)
            if held is None:
                self._in_flight[key] = (fingerprint, owner)
                return None
            return held[0]

    def leave(self, key: str | None, owner: object) -> None:
        """Free the key if ``owner`` still holds it (never someone else's later hold)."""
        if key is not None:
            with self._lock:
                held = self._in_flight.get(key)
                if held is not None and held[1] is owner:
                    del self._in_flight[key]


def _json(status: int, body: JsonObject, headers: dict[str, str] | None = None) -> JSONResponse:
    merged = {"Request-Id": _new_id("req"), **(headers or {})}
    return JSONResponse(body, status_code=status, headers=merged)


def _echo_key(key: str | None) -> dict[str, str]:
    return {"Idempotency-Key": key} if key is not None else {}


def _error_response(error: StripeApiError) -> JSONResponse:
    headers = {}
    if error.should_retry is not None:
        headers["Stripe-Should-Retry"] = "true" if error.should_retry else "false"
    return _json(error.status, error.body, headers)


def _require_api_key(request: Request) -> None:
    # Stripe refuses anonymous calls; any bearer key will do for the emulator.
    auth = request.headers.get("authorization", "")
    if not auth.startswith("Bearer ") or len(auth) <= len("Bearer "):
        raise StripeApiError(
            401,
            "invalid_request_error",
            "You did not provide an API key. Provide it as 'Authorization: Bearer <key>'.",
        )


def _idempotency_mismatch(key: str) -> StripeApiError:
    return StripeApiError(
        400,
        "idempotency_error",
        "Keys for idempotent requests can only be used with the same parameters they were"
        f" first used with. Try using a key other than '{key}' if you meant to execute a"
        " different request.",
    )


async def _hold_until_client_gives_up(request: Request, limit_s: float = HOLD_LIMIT_S) -> bool:
    """Sit on the request until the client disconnects (True) or ``limit_s`` passes (False)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while loop.time() < deadline:
        if await request.is_disconnected():
            return True
        await asyncio.sleep(_DISCONNECT_POLL_S)
    return False


async def _params(request: Request) -> JsonObject:
    if request.method == "GET":
        pairs = list(request.query_params.multi_items())
    else:
        body = (await request.body()).decode("utf-8", errors="replace")
        pairs = parse_qsl(body, keep_blank_values=True)
    return decode_form(pairs)


def _parse_new_payment_intent(params: JsonObject) -> NewPaymentIntent:
    _check_known(
        params,
        {
            "amount",
            "currency",
            "confirm",
            "payment_method",
            "payment_method_types",
            "allowed_payment_method_types",
            "automatic_payment_methods",
            "error_on_requires_action",
            "capture_method",
            "metadata",
            "description",
            "return_url",
            "expand",
        },
    )
    amount = _int(params, "amount", required=True)
    assert amount is not None
    if amount < 1:
        raise _invalid("This value must be greater than or equal to 1.", param="amount")
    if amount > 99_999_999:
        raise _invalid(
            "Amount must be no more than $999,999.99", param="amount", code="amount_too_large"
        )
    currency = _str(params, "currency", required=True)
    assert currency is not None
    if len(currency) != 3 or not currency.isalpha():
        raise _invalid(f"Invalid currency: {currency.lower()}.", param="currency")
    if _bool(params, "confirm") is not True:
        raise _invalid(
            "The emulator only supports creating PaymentIntents with confirm=true.",
            param="confirm",
        )
    token = _str(params, "payment_method", required=True)
    assert token is not None
    card = TEST_CARDS.get(token)
    if card is None:
        raise _missing_resource("PaymentMethod", token, param="payment_method")
    # Older API versions call it payment_method_types, newer ones allowed_payment_method_types.
    types_param = next(
        (n for n in ("allowed_payment_method_types", "payment_method_types") if n in params),
        "payment_method_types",
    )
    types = _str_list(params, types_param)
    apm_raw = params.get("automatic_payment_methods")
    apm: JsonObject | None = None
    if apm_raw is not None:
        if not isinstance(apm_raw, dict):
            raise _invalid("Invalid object", param="automatic_payment_methods")
        _check_known(apm_raw, {"enabled", "allow_redirects"})
        enabled = _bool(apm_raw, "enabled")
        redirects = _str(apm_raw, "allow_redirects") or "always"
        if redirects not in ("always", "never"):
            raise _invalid("Invalid allow_redirects", param="automatic_payment_methods")
        if enabled and redirects != "never" and _str(params, "return_url") is None:
            # What Stripe says when redirects are allowed but nowhere to return to is given.
            raise _invalid(
                "This PaymentIntent is configured to accept payment methods that may redirect;"
                " provide a return_url or set automatic_payment_methods[allow_redirects]=never.",
                param="return_url",
            )
        apm = {"enabled": bool(enabled), "allow_redirects": redirects}
    if types is not None and apm is not None:
        raise _invalid(
            f"You may only specify one of these parameters: automatic_payment_methods,"
            f" {types_param}.",
            param=types_param,
        )
    if types is not None and "card" not in types:
        raise _invalid(
            f"The PaymentMethod provided (card) is not allowed by {types_param}.",
            param=types_param,
        )
    # The test cards never ask for 3-D Secure, so error_on_requires_action changes nothing.
    _bool(params, "error_on_requires_action")
    capture_method = _str(params, "capture_method") or "automatic_async"
    if capture_method not in ("automatic", "automatic_async"):
        raise _invalid(
            "The emulator only captures automatically (capture_method=automatic).",
            param="capture_method",
        )
    return NewPaymentIntent(
        amount=amount,
        currency=currency.lower(),
        payment_method_token=token,
        card=card,
        payment_method_types=types or ["card"],
        automatic_payment_methods=apm,
        capture_method=capture_method,
        metadata=_metadata(params),
        description=_str(params, "description"),
        expand_charge="latest_charge" in _expand(params, allowed={"latest_charge"}),
    )


def _created_filter(params: JsonObject) -> dict[str, int]:
    raw = params.get("created")
    if raw is None:
        return {}
    if isinstance(raw, str):
        value = _int(params, "created")
        assert value is not None
        return {"eq": value}
    if not isinstance(raw, dict):
        raise _invalid("Invalid created filter", param="created")
    _check_known(raw, {"gt", "gte", "lt", "lte"})
    result = {}
    for op in raw:
        value = _int(raw, op)
        assert value is not None
        result[op] = value
    return result


def create_app(ledger_path: Path | str) -> FastAPI:
    """The emulator as an ASGI app over the ledger at ``ledger_path`` (created if missing)."""
    ledger = Ledger(ledger_path)
    faults = FaultSwitch()
    gate = _KeyGate()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        ledger.close()

    app = FastAPI(
        title="Tableside card processor emulator",
        description="A Stripe-compatible subset with switchable faults.",
        lifespan=lifespan,
    )
    app.state.ledger = ledger
    app.state.faults = faults

    async def idempotent(
        request: Request,
        params: JsonObject,
        execute: Callable[[str | None, str, object], Awaitable[Response]],
    ) -> Response:
        """Stripe's idempotency contract around one POST.

        A key already answered replays the stored answer (same status and body) and does
        nothing else; with different parameters it is an ``idempotency_error``; while its
        first request is still being processed it answers 409. ``execute(key, fingerprint,
        owner)`` runs only for a fresh key, and is itself responsible for storing its answer.
        """
        key = request.headers.get("idempotency-key")
        fingerprint = _fingerprint(request.method, request.url.path, params)
        owner = object()
        if key is not None and not 1 <= len(key) <= 255:
            raise _invalid("Idempotency-Key must be 1 to 255 characters.", param="Idempotency-Key")
        if key is not None:
            held = gate.try_enter(key, fingerprint, owner)
            if held is not None:
                if held != fingerprint:
                    raise _idempotency_mismatch(key)
                raise StripeApiError(
                    409,
                    "invalid_request_error",
                    "There is currently another in-progress request using this Idempotent"
                    " Key (that probably means you submitted twice, and the other request"
                    f" is still going through): {key}. Please try again later.",
                    code="idempotency_key_in_use",
                    should_retry=True,
                )
        try:
            # Looked up only once the key is ours, so two racing first requests cannot both
            # miss the stored answer and both execute.
            stored = ledger.stored_response(key) if key is not None else None
            if stored is not None:
                if stored.fingerprint != fingerprint:
                    raise _idempotency_mismatch(key or "")
                return Response(
                    stored.body,
                    status_code=stored.status,
                    media_type="application/json",
                    headers={
                        "Request-Id": _new_id("req"),
                        "Idempotent-Replayed": "true",
                        "Idempotency-Key": key or "",
                        # Replaying a stored failure would only repeat it.
                        "Stripe-Should-Retry": "false",
                    },
                )
            return await execute(key, fingerprint, owner)
        finally:
            gate.leave(key, owner)

    async def stripe_error(_request: Request, error: Exception) -> Response:
        assert isinstance(error, StripeApiError)
        return _error_response(error)

    app.add_exception_handler(StripeApiError, stripe_error)
    v1 = APIRouter(prefix="/v1", dependencies=[Depends(_require_api_key)])

    # -- PaymentIntents ------------------------------------------------------------------

    @v1.post("/payment_intents")
    async def create_payment_intent(request: Request) -> Response:
        params = await _params(request)

        async def execute(key: str | None, fingerprint: str, owner: object) -> Response:
            new = _parse_new_payment_intent(params)  # bad input is answered, never stored
            fault = faults.take()
            mode = fault.mode if fault else "none"
            if mode == "timeout_before_charge":
                # Nothing is recorded and the key is freed at once, so a retry that arrives
                # while this request still hangs is processed normally.
                gate.leave(key, owner)
                await _hold_until_client_gives_up(request)
                return _error_response(
                    StripeApiError(
                        500,
                        "api_error",
                        "The emulator held this request (timeout_before_charge); nothing was"
                        " charged.",
                    )
                )
            if mode == "error_500":
                error = StripeApiError(
                    500,
                    "api_error",
                    "An unknown error occurred while processing the charge (emulated"
                    " error_500); nothing was charged.",
                    should_retry=False,
                )
                ledger.store_response(key, fingerprint, error)
                return _error_response(error)
            status, body = ledger.create_payment_intent(
                new, key=key, fingerprint=fingerprint, force_decline=mode == "decline"
            )
            if mode == "timeout_after_charge":
                gate.leave(key, owner)  # the answer is stored: a retry replays it
                await _hold_until_client_gives_up(request)
            elif mode == "slow" and fault is not None:
                # The key stays in flight until the answer goes out, as on Stripe: a retry
                # in the meantime is told 409, and a caller that died does not undo anything.
                await asyncio.sleep(fault.delay_ms / 1000)
            return _json(status, body, _echo_key(key))

        return await idempotent(request, params, execute)

    @v1.get("/payment_intents")
    async def list_payment_intents(request: Request) -> Response:
        params = await _params(request)
        _check_known(params, {"limit", "starting_after", "ending_before", "created", "expand"})
        expand = _expand(params, allowed={"data.latest_charge"})
        rows, has_more = ledger.list_payment_intents(
            limit=_page_limit(params),
            starting_after=_str(params, "starting_after"),
            ending_before=_str(params, "ending_before"),
            created=_created_filter(params),
        )
        return _json(
            200,
            {
                "object": "list",
                "data": [
                    _render_payment_intent(r, expand_charge="data.latest_charge" in expand)
                    for r in rows
                ],
                "has_more": has_more,
                "url": "/v1/payment_intents",
            },
        )

    @v1.get("/payment_intents/search")
    async def search_payment_intents(request: Request) -> Response:
        params = await _params(request)
        _check_known(params, {"query", "limit", "page", "expand"})
        expand = _expand(params, allowed={"data.latest_charge"})
        query = _str(params, "query", required=True)
        assert query is not None
        page = _str(params, "page")
        before_seq: int | None = None
        if page is not None:
            if not page.startswith("seq:") or not page[4:].isdigit():
                raise _invalid("Invalid page token.", param="page")
            before_seq = int(page[4:])
        rows, has_more = ledger.search_payment_intents(
            parse_search_query(query), limit=_page_limit(params), before_seq=before_seq
        )
        return _json(
            200,
            {
                "object": "search_result",
                "data": [
                    _render_payment_intent(r, expand_charge="data.latest_charge" in expand)
                    for r in rows
                ],
                "has_more": has_more,
                "next_page": f"seq:{rows[-1]['seq']}" if has_more and rows else None,
                "url": "/v1/payment_intents/search",
            },
        )

    @v1.get("/payment_intents/{intent}")
    async def retrieve_payment_intent(intent: str, request: Request) -> Response:
        params = await _params(request)
        _check_known(params, {"expand", "client_secret"})
        expand = _expand(params, allowed={"latest_charge"})
        row = ledger.payment_intent(intent)
        if row is None:
            raise _missing_resource("payment_intent", intent)
        return _json(200, _render_payment_intent(row, expand_charge="latest_charge" in expand))

    @v1.get("/charges/{charge}")
    async def retrieve_charge(charge: str) -> Response:
        row = ledger.payment_intent_by_charge(charge)
        if row is None:
            raise _missing_resource("charge", charge)
        return _json(200, _render_charge(row))

    # -- Refunds -------------------------------------------------------------------------

    @v1.post("/refunds")
    async def create_refund(request: Request) -> Response:
        params = await _params(request)

        async def execute(key: str | None, fingerprint: str, _owner: object) -> Response:
            _check_known(
                params, {"payment_intent", "charge", "amount", "reason", "metadata", "expand"}
            )
            pi_id = _str(params, "payment_intent")
            charge_id = _str(params, "charge")
            if (pi_id is None) == (charge_id is None):
                raise _invalid(
                    "Provide exactly one of payment_intent or charge.", param="payment_intent"
                )
            pi_param = "payment_intent"
            if charge_id is not None:
                row = ledger.payment_intent_by_charge(charge_id)
                if row is None:
                    raise _missing_resource("charge", charge_id, param="charge")
                pi_id, pi_param = row["id"], "charge"
            assert pi_id is not None
            amount = _int(params, "amount")
            if amount is not None and amount < 1:
                raise _invalid("This value must be greater than or equal to 1.", param="amount")
            reason = _str(params, "reason")
            if reason not in (None, "duplicate", "fraudulent", "requested_by_customer"):
                raise _invalid(f"Invalid reason: {reason}", param="reason")
            status, body = ledger.create_refund(
                pi_id=pi_id,
                pi_param=pi_param,
                amount=amount,
                reason=reason,
                metadata=_metadata(params),
                key=key,
                fingerprint=fingerprint,
            )
            return _json(status, body, _echo_key(key))

        return await idempotent(request, params, execute)

    @v1.get("/refunds")
    async def list_refunds(request: Request) -> Response:
        params = await _params(request)
        _check_known(params, {"payment_intent", "limit", "starting_after"})
        rows, has_more = ledger.list_refunds(
            payment_intent=_str(params, "payment_intent"),
            limit=_page_limit(params),
            starting_after=_str(params, "starting_after"),
        )
        return _json(
            200,
            {
                "object": "list",
                "data": [_render_refund(r) for r in rows],
                "has_more": has_more,
                "url": "/v1/refunds",
            },
        )

    @v1.get("/refunds/{refund}")
    async def retrieve_refund(refund: str) -> Response:
        row = ledger.refund(refund)
        if row is None:
            raise _missing_resource("refund", refund)
        return _json(200, _render_refund(row))

    @v1.api_route("/{rest:path}", methods=["GET", "POST", "DELETE"])
    async def unknown_v1(rest: str, request: Request) -> Response:
        raise StripeApiError(
            404,
            "invalid_request_error",
            f"Unrecognized request URL ({request.method}: /v1/{rest}). The emulator implements"
            " only PaymentIntents, charges (read) and refunds.",
        )

    app.include_router(v1)

    # -- Test controls -------------------------------------------------------------------

    @app.get("/healthz")
    async def healthz() -> JsonObject:
        return {"status": "ok"}

    @app.get("/_faults")
    async def get_faults() -> JsonObject:
        return faults.state()

    @app.post("/_faults")
    async def set_faults(request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _fault_error('Send a JSON object like {"mode": "decline", "count": 1}.')
        mode = body.get("mode")
        count = body.get("count", 1)
        delay_ms = body.get("delay_ms", DEFAULT_SLOW_DELAY_MS)
        if mode not in FAULT_MODES:
            return _fault_error(f"mode must be one of {sorted(FAULT_MODES)}.")
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            return _fault_error("count must be a whole number, 0 or more.")
        if not isinstance(delay_ms, int) or isinstance(delay_ms, bool) or delay_ms < 0:
            return _fault_error("delay_ms must be a whole number of milliseconds, 0 or more.")
        faults.set(mode, count, delay_ms)
        return _json(200, faults.state())

    @app.post("/_reset")
    async def reset() -> JsonObject:
        """Clear the fault switch; the ledger is kept."""
        faults.set("none", 0, DEFAULT_SLOW_DELAY_MS)
        return faults.state()

    @app.get("/_charges")
    async def list_charges() -> JsonObject:
        return {
            "charges": [
                {
                    "id": r["id"],
                    "charge": r["charge_id"],
                    "amount": r["amount"],
                    "currency": r["currency"],
                    "status": "succeeded",
                    "amount_refunded": r["amount_refunded"],
                    "idempotency_key": r["idempotency_key"],
                    "metadata": json.loads(r["metadata"]),
                }
                for r in ledger.succeeded_payment_intents()
            ]
        }

    return app


def _fault_error(message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": "invalid_fault", "message": message}}, status_code=400)


# --------------------------------------------------------------------------------------
# Serving
# --------------------------------------------------------------------------------------


def _config(host: str, port: int, ledger_path: Path | str, *, own_logging: bool) -> uvicorn.Config:
    extra: dict[str, Any] = {}
    if not own_logging:
        # Inside another program (``tableside demo``) leave its logging setup alone: uvicorn's
        # default applies a process-wide dictConfig.
        extra["log_config"] = None
    return uvicorn.Config(
        create_app(ledger_path),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        # Held requests (timeout faults) must not keep a stopping emulator alive.
        timeout_graceful_shutdown=1,
        **extra,
    )


def serve(host: str, port: int, ledger_path: Path | str) -> None:
    """Serve the emulator until interrupted (blocking)."""
    uvicorn.Server(_config(host, port, ledger_path, own_logging=True)).run()


@dataclass
class EmulatorHandle:
    """A running in-process emulator; ``stop()`` shuts it down and waits for its thread."""

    host: str
    port: int
    _server: uvicorn.Server
    _thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self, timeout_s: float = 5.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout_s)


def start_in_thread(
    host: str, port: int, ledger_path: Path | str, *, startup_timeout_s: float = 10.0
) -> EmulatorHandle:
    """Start the emulator in a daemon thread; returns once it accepts connections.

    ``port=0`` picks a free port (see ``handle.port``). Raises ``RuntimeError`` when it
    cannot start (e.g. the port is taken).
    """
    server = uvicorn.Server(_config(host, port, ledger_path, own_logging=False))
    thread = threading.Thread(target=server.run, name="processor-emulator", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout_s
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"The card processor emulator could not start on {host}:{port}.")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("The card processor emulator did not start in time.")
        time.sleep(0.02)
    bound_port = port
    if port == 0:
        bound_port = int(server.servers[0].sockets[0].getsockname()[1])
    return EmulatorHandle(host, bound_port, server, thread)


def main(argv: list[str] | None = None) -> None:
    """``python -m tableside.payments.emulator --port 12111 --ledger PATH``."""
    parser = argparse.ArgumentParser(description="Stripe-compatible card processor emulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument(
        "--ledger",
        type=Path,
        default=None,
        help=f"SQLite ledger file (default: $TABLESIDE_DATA_DIR/{LEDGER_FILENAME})",
    )
    args = parser.parse_args(argv)
    ledger = args.ledger
    if ledger is None:
        from tableside.config import Settings

        ledger = default_ledger_path(Settings.from_env().data_dir)
    serve(args.host, args.port, ledger)


if __name__ == "__main__":
    main()
