"""The ledger: the emulator's durable state in one SQLite file.

PaymentIntents (each with its one charge), refunds, and the stored answers of idempotent
requests, so all of them survive a restart of the emulator. The file runs in WAL mode
behind one connection and a lock; every write is one transaction, which records the
object and the answer stored under its Idempotency-Key together.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from processor_emulator.cards import TestCard
from processor_emulator.errors import JsonObject, StripeApiError, invalid, missing_resource
from processor_emulator.render import (
    decline_error,
    new_id,
    render_payment_intent,
    render_refund,
)
from processor_emulator.search import SearchClause

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
    """An answer stored under an Idempotency-Key, replayed for the same key."""

    fingerprint: str
    status: int
    body: str


@dataclass(frozen=True)
class NewPaymentIntent:
    """A PaymentIntent to create and confirm, its parameters already checked."""

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
        pi_id = new_id("pi")
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
                    new_id("pm"),
                    new.payment_method_token,
                    new.card.brand,
                    new.card.last4,
                    json.dumps(new.payment_method_types),
                    json.dumps(new.automatic_payment_methods)
                    if new.automatic_payment_methods
                    else None,
                    json.dumps(new.metadata),
                    new.description,
                    new_id("ch"),
                    decline_code,
                    key,
                ),
            )
            row = db.execute("SELECT * FROM payment_intents WHERE id = ?", (pi_id,)).fetchone()
            if decline_code:
                error = decline_error(row)
                status, body = error.status, error.body
            else:
                status, body = 200, render_payment_intent(row, expand_charge=new.expand_charge)
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
            raise missing_resource("payment_intent", pi_id, param=param)
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
                raise missing_resource(pi_param, pi_id, param=pi_param)
            remaining = pi["amount"] - pi["amount_refunded"]
            refund_amount = remaining if amount is None else amount
            error: StripeApiError | None = None
            if pi["status"] != "succeeded":
                error = invalid(
                    f"This PaymentIntent ({pi_id}) does not have a successful charge to refund.",
                    code="payment_intent_unexpected_state",
                    param=pi_param,
                )
            elif remaining <= 0:
                error = invalid(
                    f"Charge {pi['charge_id']} has already been refunded.",
                    code="charge_already_refunded",
                )
            elif refund_amount > remaining:
                error = invalid(
                    f"Refund amount ({_dollars(refund_amount)}) is greater than unrefunded"
                    f" amount on charge ({_dollars(remaining)})",
                    code="amount_too_large",
                    param="amount",
                )
            if error is not None:
                self._store(db, key, fingerprint, error.status, error.body)
                return error.status, error.body
            refund_id = new_id("re")
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
            body = render_refund(row)
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
                raise missing_resource("refund", starting_after, param="starting_after")
            where.append("seq < ?")
            args.append(row[0])
        rows = self._all(
            f"SELECT * FROM refunds WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT ?",
            (*args, limit + 1),
        )
        return rows[:limit], len(rows) > limit


def _dollars(cents: int) -> str:
    return f"${cents // 100}.{cents % 100:02d}"
