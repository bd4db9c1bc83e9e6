"""Every idempotency key the terminals sent (payments and refunds), what it was answered,
and settling the unfinished ones at the end.

A key's answers are judged as API.md states them:

- *final*: a payment's 201, 402 or 502, a refund's 201 or 502. The first final answer is
  the key's outcome; every later answer to the same key and body must be the same answer
  (status and body), and never a charge again.
- *unfinished*: 504, 409 ``payment_in_progress``, 503, or a lost connection. The key must
  be retried, with the same body, until it is final.
- *refused*: any other 4xx (the amount is more than is payable, the check closed...). The
  request was refused before anything was recorded; the key holds nothing. But a key whose
  attempt was recorded (a 504 named its payment) can never be refused afterwards.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from tableside.rush.report import Settled, Tally
from tableside.rush.terminal import Answer, Lost, Terminal, outcome_of

Kind = Literal["payment", "refund"]
State = Literal["new", "final", "unfinished", "refused"]

FINAL = {"payment": frozenset({201, 402, 502}), "refund": frozenset({201, 502})}
RETRY_CODES = frozenset({"payment_in_progress", "busy", "concurrent_change"})


@dataclass
class KeyRecord:
    key: str
    kind: Kind
    path: str
    body: dict[str, Any]
    owner: str  # the terminal that sent it first
    check_id: str | None = None
    payment_id: str | None = None  # a refund's payment; a payment's own, once known
    tender: str | None = None
    state: State = "new"
    final: Answer | None = None
    recorded: bool = False  # an answer proved the attempt exists (it named it)
    needed_retry: bool = False  # some answer to it was not final
    answers: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return f"{self.kind} key {self.key} ({self.path}, answers: {', '.join(self.answers)})"


class Book:
    """The keys of one rush, shared by every terminal (thread-safe)."""

    def __init__(self, tally: Tally) -> None:
        self.tally = tally
        self._lock = threading.Lock()
        self._records: dict[str, KeyRecord] = {}

    def new(self, record: KeyRecord) -> KeyRecord:
        with self._lock:
            self._records[record.key] = record
        return record

    def judge(self, record: KeyRecord, result: Answer | Lost) -> State:
        """Record one answer to ``record``'s key, hold it to the key's contract, and say
        where the key stands. Returns the state this answer alone puts it in."""
        label = outcome_of(result)
        with self._lock:
            record.answers.append(label)
            if isinstance(result, Lost):
                if record.state != "final":
                    record.state = "unfinished"
                    record.needed_retry = True
                return "unfinished"
            state = self._classify(record, result)
            named = _named_id(record.kind, result)
            if named is not None and state in ("final", "unfinished"):
                record.recorded = True
                if record.kind == "payment":
                    if record.payment_id not in (None, named):
                        self.tally.violation(
                            f"{record.describe()}: answered for payment {named}, but it "
                            f"was payment {record.payment_id} before"
                        )
                    record.payment_id = named
            if state == "final":
                if record.final is None:
                    record.final = result
                    self._count_money(record, result)
                elif (record.final.status, record.final.body) != (result.status, result.body):
                    self.tally.violation(
                        f"{record.describe()}: replayed as {result.label} "
                        f"{_brief(result.body)} but its first final answer was "
                        f"{record.final.label} {_brief(record.final.body)}"
                    )
                record.state = "final"
            elif state == "refused":
                if record.recorded:
                    self.tally.violation(
                        f"{record.describe()}: refused with {result.label} after an answer "
                        "named its attempt (the key is looked up before anything else)"
                    )
                if record.state != "final":
                    record.state = "refused"
                elif record.final is not None:
                    self.tally.violation(
                        f"{record.describe()}: answered {result.label} after its final "
                        f"answer {record.final.label}"
                    )
            elif record.state != "final":
                record.state = "unfinished"
                record.needed_retry = True
            return state

    def _count_money(self, record: KeyRecord, answer: Answer) -> None:
        """A key's first final answer: the money it says moved, counted once."""
        if answer.status != 201:
            return
        if record.kind == "payment":
            payment = answer.json()["payment"]
            self.tally.captured_payment(
                payment["tender"], payment["amount_cents"], payment["tip_cents"]
            )
        else:
            self.tally.refunded(record.body["amount_cents"], record.tender or "")

    @staticmethod
    def _classify(record: KeyRecord, answer: Answer) -> State:
        if answer.status in FINAL[record.kind]:
            return "final"
        if answer.status in (503, 504) or (answer.status == 409 and answer.code in RETRY_CODES):
            return "unfinished"
        return "refused"

    def unfinished(self, owner: str | None = None) -> list[KeyRecord]:
        with self._lock:
            return [
                r
                for r in self._records.values()
                if r.state == "unfinished" and (owner is None or r.owner == owner)
            ]

    def finals(self) -> list[KeyRecord]:
        with self._lock:
            return [r for r in self._records.values() if r.state == "final"]

    def all(self) -> list[KeyRecord]:
        with self._lock:
            return list(self._records.values())


def settle(book: Book, terminal: Terminal, timeout_s: float) -> Settled:
    """Retry every unfinished key with its own body until it is final (or refused, when
    nothing was ever recorded under it), for at most ``timeout_s``."""
    pending = book.unfinished()
    settled = Settled(unfinished=len(pending))
    deadline = time.monotonic() + timeout_s
    pause = 0.2
    while pending and time.monotonic() < deadline:
        still: list[KeyRecord] = []
        for record in pending:
            result = terminal.call("POST", record.path, record.body, key=record.key)
            settled.attempts += 1
            state = book.judge(record, result)
            if state == "unfinished":
                still.append(record)
            else:
                settled.resolved += 1
                settled.outcomes[outcome_of(result)] += 1
        pending = still
        if pending:
            time.sleep(pause)
            pause = min(pause * 1.5, 2.0)
    for record in pending:
        settled.unresolved.append(record.describe())
        book.tally.violation(f"{record.describe()}: still not final after {timeout_s:.0f} s")
    retried = [r for r in book.all() if r.needed_retry]
    settled.needed_retry = len(retried)
    settled.resolved_in_walk = len(retried) - settled.unfinished
    return settled


def _named_id(kind: Kind, answer: Answer) -> str | None:
    """The payment (or refund) an answer names, if it does."""
    body = answer.body if isinstance(answer.body, dict) else {}
    if kind == "payment":
        payment = body.get("payment")
        if isinstance(payment, dict) and isinstance(payment.get("id"), str):
            named: str = payment["id"]
            return named
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("payment_id"), str):
            named = error["payment_id"]
            return named
        return None
    refund = body.get("refund")
    if isinstance(refund, dict) and isinstance(refund.get("id"), str):
        named = refund["id"]
        return named
    error = body.get("error")
    if isinstance(error, dict) and isinstance(error.get("refund_id"), str):
        named = error["refund_id"]
        return named
    return None


def _brief(body: Any) -> str:
    text = repr(body)
    return text if len(text) < 160 else text[:157] + "..."
