"""Closing time: once every key is final, what the floor, the checks, the processor and
``tableside check`` say must agree with every answer the terminals were given.

- The floor: a table is occupied exactly when it shows a check, and that check is open.
- Every check the night touched: its sums add up; one answered closed is still closed and
  paid in full; no payment is left pending; every payment on it was named by an answer, and
  stands as its key's final answer said (201 captured, 402 declined, 502 failed).
- The processor: what it charged and refunded is what the terminals were told.
- ``tableside check`` (``payments.invariants.verify``), which reconciles with the processor.
"""

from __future__ import annotations

from typing import Any

import httpx

from tableside.rush.contract import check_problems, floor_problems
from tableside.rush.floor import Floor
from tableside.rush.keys import Book
from tableside.rush.report import CheckResult, Tally
from tableside.rush.terminal import Answer, Terminal

STATUS_OF_FINAL = {201: {"captured"}, 402: {"declined"}, 502: {"failed", "voided"}}


def look_around(terminal: Terminal, floor: Floor, book: Book, tally: Tally) -> None:
    """Read the floor and every check the night touched, and hold them to the answers."""
    answer = terminal.call("GET", "/floor", safe=True)
    if not isinstance(answer, Answer) or answer.status != 200:
        tally.violation(f"closing: GET /floor did not answer ({answer})")
        return
    tables: list[dict[str, Any]] = answer.json()["tables"]
    for problem in floor_problems(tables):
        tally.violation(f"closing floor: {problem}")
    on_tables = {t["check_id"]: t for t in tables if t["check_id"]}
    ids = sorted(set(floor.checks) | set(on_tables))
    views: dict[str, dict[str, Any]] = {}
    for check_id in ids:
        read = terminal.call("GET", f"/checks/{check_id}", safe=True)
        if not isinstance(read, Answer) or read.status != 200:
            tally.violation(f"closing: check {check_id} could not be read ({read})")
            continue
        views[check_id] = view = read.json()
        for problem in check_problems(view):
            tally.violation(f"closing: {problem}")
        card = floor.checks.get(check_id)
        if card is not None and card.closed_at is not None and view["status"] != "closed":
            tally.violation(
                f"closing: check {check_id} was answered closed; it is {view['status']}"
            )
        table = on_tables.get(check_id)
        if table is not None and view["status"] != "open":
            tally.violation(
                f"closing: table {table['label']} is occupied by check {check_id}, "
                f"which is {view['status']} (a ghost table)"
            )
        if view["status"] == "open" and view.get("table_id") and table is None:
            tally.violation(
                f"closing: check {check_id} is open on table {view['table_id']}, "
                "which the floor shows free"
            )
        for payment in view["payments"]:
            if payment["status"] == "pending":
                tally.violation(
                    f"closing: payment {payment['id']} on check {check_id} is still pending "
                    "after every key was settled"
                )
    shown = {p["id"]: p for view in views.values() for p in view["payments"]}
    named: set[str] = set()
    for record in book.all():
        if record.kind != "payment" or record.payment_id is None:
            continue
        named.add(record.payment_id)
        payment = shown.get(record.payment_id)
        if payment is None:
            tally.violation(
                f"closing: {record.describe()} named payment {record.payment_id}, which no "
                "check shows"
            )
            continue
        if record.final is not None:
            expected = STATUS_OF_FINAL.get(record.final.status, set())
            if payment["status"] not in expected:
                tally.violation(
                    f"closing: {record.describe()} was answered {record.final.label}, but "
                    f"payment {record.payment_id} is {payment['status']}"
                )
    for payment_id in sorted(set(shown) - named):
        tally.violation(f"closing: payment {payment_id} was never named by any answer")


def processor_totals(emulator_url: str, tally: Tally) -> tuple[int, int]:
    """What the processor charged and refunded; compared with what terminals were told."""
    charges = httpx.get(f"{emulator_url}/_charges", timeout=30).json()["charges"]
    charged = sum(c["amount"] for c in charges)
    refunded = sum(c["amount_refunded"] for c in charges)
    told = tally.captured["card"] + tally.tips["card"]
    if charged != told:
        tally.violation(
            f"the processor holds {charged} cents of card charges, the terminals were told "
            f"{told} cents were captured by card"
        )
    if refunded != tally.refunded_card_cents:
        tally.violation(
            f"the processor refunded {refunded} cents, the terminals were told "
            f"{tally.refunded_card_cents} cents of card refunds succeeded"
        )
    return charged, refunded


def invariant_check(env: dict[str, str]) -> CheckResult:
    """``tableside check``: the invariants on the database, reconciled with the processor."""
    from tableside.config import Settings
    from tableside.core.database import make_engine
    from tableside.core.unit_of_work import Database
    from tableside.payments.invariants import verify
    from tableside.payments.stripe_card import StripeCardProcessor

    settings = Settings.from_env(env)
    engine = make_engine(
        settings.database_url, prepared_statements=not settings.pooled_per_transaction
    )
    try:
        processor = StripeCardProcessor.from_settings(settings)
        try:
            report = verify(Database(engine), processor)
        finally:
            processor.close()
    finally:
        engine.dispose()
    return CheckResult(report.ok, dict(report.checked), report.violations, report.warnings)
