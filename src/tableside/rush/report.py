"""The night's tally, kept by every terminal at once, and the summary printed at the end.

An *outcome* is what a terminal was answered, as a label: the status (``201``), with the
error's code when there is one (``409 payment_in_progress``), or ``lost`` (the connection
broke after the request was sent, so its fate is unknown) or ``unreachable`` (no server
answered for a long while). A *violation* is an answer, or a state, that breaks the
contract (API.md, DESIGN.md): any one of them fails the rush.
"""

from __future__ import annotations

import math
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

LOST = "lost"
UNREACHABLE = "unreachable"
MAX_LISTED = 40  # violations printed; the JSON summary holds them all


def dollars(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) // 100:,}.{abs(cents) % 100:02d}"


@dataclass
class CheckResult:
    """What ``tableside check`` (``payments.invariants.verify``) found."""

    ok: bool
    checked: dict[str, int]
    violations: list[str]
    warnings: list[str]


@dataclass
class Settled:
    """The keys that were answered non-final (504, 409 in progress, lost...): those the
    terminals retried to the end during the walk, and those left unfinished when it ended,
    retried to their final outcomes at closing."""

    needed_retry: int = 0
    resolved_in_walk: int = 0
    unfinished: int = 0
    resolved: int = 0
    attempts: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    unresolved: list[str] = field(default_factory=list)


class Tally:
    """Counters every terminal and the chaos write to at once (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.actions: dict[str, Counter[str]] = defaultdict(Counter)
        self.violations: list[str] = []
        self.faults_switched: Counter[str] = Counter()  # mode → times armed
        self.faults_armed: Counter[str] = Counter()  # mode → charges it was armed for
        self.faults_taken: Counter[str] = Counter()  # mode → charges that took it
        self.kills = 0
        self.restarts = 0
        self.same_key_retries = 0  # during the walk
        self.replays = 0
        self.captured: Counter[str] = Counter()  # tender → cents (amount)
        self.tips: Counter[str] = Counter()  # tender → cents
        self.payments: Counter[str] = Counter()  # tender → captured payments
        self.refunded_cents = 0
        self.refunded_card_cents = 0
        self.refunds = 0
        # Every answered request's time, sent to answered, in ms (the closing's included).
        self.request_ms: list[float] = []

    def answered(self, ms: float) -> None:
        with self._lock:
            self.request_ms.append(ms)

    def latency(self) -> dict[str, float | int]:
        """Requests answered and their p50/p99/max in ms (nearest rank)."""
        with self._lock:
            times = sorted(self.request_ms)
        if not times:
            return {"requests": 0}

        def rank(q: float) -> float:
            return round(times[min(len(times) - 1, max(0, math.ceil(q * len(times)) - 1))], 1)

        return {"requests": len(times), "p50": rank(0.5), "p99": rank(0.99), "max": rank(1.0)}

    def action(self, kind: str, outcome: str) -> None:
        with self._lock:
            self.actions[kind][outcome] += 1

    def violation(self, text: str) -> None:
        with self._lock:
            self.violations.append(text)

    def fault(self, mode: str, count: int) -> None:
        with self._lock:
            self.faults_switched[mode] += 1
            self.faults_armed[mode] += count

    def fault_taken(self, mode: str, count: int) -> None:
        with self._lock:
            self.faults_taken[mode] += count

    def kill(self) -> None:
        with self._lock:
            self.kills += 1

    def restart(self) -> None:
        with self._lock:
            self.restarts += 1

    def retried(self) -> None:
        with self._lock:
            self.same_key_retries += 1

    def replayed(self) -> None:
        with self._lock:
            self.replays += 1

    def captured_payment(self, tender: str, amount_cents: int, tip_cents: int) -> None:
        with self._lock:
            self.payments[tender] += 1
            self.captured[tender] += amount_cents
            self.tips[tender] += tip_cents

    def refunded(self, cents: int, tender: str) -> None:
        with self._lock:
            self.refunds += 1
            self.refunded_cents += cents
            if tender == "card":
                self.refunded_card_cents += cents

    @property
    def action_count(self) -> int:
        return sum(sum(outcomes.values()) for outcomes in self.actions.values())


@dataclass
class Summary:
    """Everything the rush reports; ``ok`` decides its exit code."""

    seed: int
    plan: str  # a fingerprint of the planned actions and chaos: same seed, same plan
    terminals: int
    servers: int
    database: str
    actions: int
    duration_s: float  # the whole night: the walk, settling, looking around, the check
    walk_s: float  # the terminals' walk alone
    tally: Tally
    settled: Settled
    processor_charged_cents: int | None
    processor_refunded_cents: int | None
    check: CheckResult | None
    data_dir: str

    @property
    def violations(self) -> list[str]:
        return self.tally.violations

    @property
    def ok(self) -> bool:
        return not self.violations and self.check is not None and self.check.ok

    def as_json(self) -> dict[str, Any]:
        t = self.tally
        return {
            "ok": self.ok,
            "seed": self.seed,
            "plan": self.plan,
            "terminals": self.terminals,
            "servers": self.servers,
            "database": self.database,
            "actions": self.actions,
            "duration_s": round(self.duration_s, 2),
            "walk_s": round(self.walk_s, 2),
            "actions_per_s": round(self.actions / self.walk_s, 2) if self.walk_s else 0,
            "latency_ms": t.latency(),
            "actions_by_kind": {kind: dict(outcomes) for kind, outcomes in t.actions.items()},
            "faults": {
                "switches": sum(t.faults_switched.values()),
                "armed": dict(t.faults_armed),
                "taken": dict(t.faults_taken),
                "injected": sum(v for k, v in t.faults_taken.items() if k != "none"),
            },
            "kills": t.kills,
            "restarts": t.restarts,
            "retries": {
                "keys_answered_non_final": self.settled.needed_retry,
                "resolved_during_walk": self.settled.resolved_in_walk,
                "same_key_during_walk": t.same_key_retries,
                "replays": t.replays,
                "unfinished_at_end": self.settled.unfinished,
                "resolved": self.settled.resolved,
                "attempts": self.settled.attempts,
                "final_outcomes": dict(self.settled.outcomes),
                "unresolved": self.settled.unresolved,
            },
            "money": {
                "payments": dict(t.payments),
                "captured_cents": dict(t.captured),
                "tips_cents": dict(t.tips),
                "taken_cents": sum(t.captured.values()) + sum(t.tips.values()),
                "refunds": t.refunds,
                "refunded_cents": t.refunded_cents,
                "processor_charged_cents": self.processor_charged_cents,
                "processor_refunded_cents": self.processor_refunded_cents,
            },
            "violations": self.violations,
            "check": None
            if self.check is None
            else {
                "ok": self.check.ok,
                "checked": self.check.checked,
                "violations": self.check.violations,
                "warnings": self.check.warnings,
            },
            "data_dir": self.data_dir,
        }

    def render(self) -> str:
        t = self.tally
        rate = self.actions / self.walk_s if self.walk_s else 0.0
        out = [
            f"tableside rush: {self.actions} actions by {self.terminals} terminals on "
            f"{self.servers} server process(es), {self.database}, seed {self.seed} "
            f"(plan {self.plan})",
            f"  {self.duration_s:.1f} s: the walk {self.walk_s:.1f} s ({rate:.1f} actions/s), "
            f"then settling, looking around and the check",
            _latency_line(t.latency()),
            "",
            "actions (kind: count, then outcomes):",
        ]
        for kind in sorted(t.actions):
            outcomes = t.actions[kind]
            listed = ", ".join(f"{label} ×{n}" for label, n in outcomes.most_common())
            out.append(f"  {kind:<12} {sum(outcomes.values()):>6}  {listed}")
        injected = sum(v for k, v in t.faults_taken.items() if k != "none")
        by_mode = ", ".join(
            f"{mode} {t.faults_taken[mode]}/{armed}"
            for mode, armed in sorted(t.faults_armed.items())
            if mode != "none"
        )
        finals = ", ".join(f"{o} ×{n}" for o, n in self.settled.outcomes.most_common())
        out += [
            "",
            f"faults: switched {sum(t.faults_switched.values())} times; "
            f"{injected} charges took one" + (f" ({by_mode}; taken/armed)" if by_mode else ""),
            f"kills: {t.kills} server process(es) SIGKILLed, {t.restarts} restarted",
            f"retries: {self.settled.needed_retry} keys answered non-final (504, 409 in "
            f"progress, lost): {self.settled.resolved_in_walk} retried to their end during the "
            f"walk ({t.same_key_retries} same-key retries), {self.settled.unfinished} left "
            f"unfinished, {self.settled.resolved} resolved at closing in "
            f"{self.settled.attempts} attempts"
            + (f" ({finals})" if finals else "")
            + f"; {t.replays} replays of final keys",
        ]
        taken = sum(t.captured.values()) + sum(t.tips.values())
        out.append(
            f"money: {dollars(taken)} taken in {sum(t.payments.values())} payments "
            + ", ".join(
                f"({tender} {dollars(t.captured[tender])} + {dollars(t.tips[tender])} tips "
                f"in {t.payments[tender]})"
                for tender in sorted(t.payments)
            )
            + f"; {t.refunds} refunds {dollars(t.refunded_cents)}"
        )
        if self.processor_charged_cents is not None:
            out.append(
                f"  the processor holds {dollars(self.processor_charged_cents)} charged, "
                f"{dollars(self.processor_refunded_cents or 0)} refunded"
            )
        out.append("")
        if self.check is None:
            out.append("check: not run")
        else:
            counts = ", ".join(f"{n} {what}" for what, n in self.check.checked.items())
            out.append(f"check: checked {counts}")
            for warning in self.check.warnings[:MAX_LISTED]:
                out.append(f"  warning: {warning}")
            for violation in self.check.violations[:MAX_LISTED]:
                out.append(f"  VIOLATION: {violation}")
            out.append(
                "  OK: money and tables agree"
                if self.check.ok
                else f"  {len(self.check.violations)} violation(s)"
            )
        if self.violations:
            out.append(f"contract: {len(self.violations)} violation(s)")
            for violation in self.violations[:MAX_LISTED]:
                out.append(f"  VIOLATION: {violation}")
            if len(self.violations) > MAX_LISTED:
                out.append(f"  … and {len(self.violations) - MAX_LISTED} more")
        else:
            out.append("contract: every answer kept it")
        out.append("")
        out.append("RUSH OK" if self.ok else f"RUSH FAILED (servers' logs: {self.data_dir}/logs)")
        return "\n".join(out)


def _latency_line(latency: dict[str, float | int]) -> str:
    if not latency.get("requests"):
        return "  no request answered"
    return (
        f"  {latency['requests']} requests answered: p50 {latency['p50']} ms, "
        f"p99 {latency['p99']} ms, max {latency['max']} ms"
    )
