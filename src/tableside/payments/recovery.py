"""Recovery: finish every card payment left pending (its request timed out or its process
died between asking the processor and recording the answer).

For each pending attempt whose request has certainly given up (older than the processor
timeout, lease lapsed), take the lease, ask the processor what became of the attempt, and
complete it through the same ``Settlement.complete`` a live request uses: captured → applied
(and the table freed if that settles the check); no charge at the processor → failed,
nothing charged; still unknown → left pending for the next pass. Runs at start-up, every
few seconds in the background, and as ``tableside recover``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from tableside.core import idempotency as keys
from tableside.core import models as m
from tableside.core.models import utcnow
from tableside.core.unit_of_work import Database
from tableside.payments.processor import CardProcessor, ChargeOutcome, ChargeResult, RefundOutcome
from tableside.payments.refunds import Refunds
from tableside.payments.rules import PaymentStatus, RefundStatus, Tender
from tableside.payments.settlement import Settlement

log = logging.getLogger("tableside.recovery")


@dataclass
class RecoveryReport:
    examined: int = 0
    captured: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    declined: list[str] = field(default_factory=list)
    still_pending: list[str] = field(default_factory=list)
    refunds_finished: int = 0

    def summary(self) -> str:
        return (
            f"examined {self.examined} pending card payment(s): "
            f"{len(self.captured)} captured, {len(self.declined)} declined, "
            f"{len(self.failed)} failed (nothing charged), "
            f"{len(self.still_pending)} still pending; "
            f"{self.refunds_finished} pending refund(s) finished"
        )


class Recovery:
    def __init__(
        self,
        db: Database,
        settlement: Settlement,
        processor: CardProcessor,
        processor_timeout_s: float,
        *,
        search_lag_s: float = 0.0,
        refunds: Refunds | None = None,
    ) -> None:
        self.db = db
        self.refunds = refunds
        self.settlement = settlement
        self.processor = processor
        # The original request has certainly given up on the processor after this long.
        self.grace = timedelta(seconds=processor_timeout_s + 1.0)
        # "The processor holds no charge" is only believed once its search has caught up
        # (Stripe's search may lag writes by a minute; the emulator's never does).
        self.conclude_nothing_charged_after = self.grace + timedelta(seconds=search_lag_s)

    def run_once(self) -> RecoveryReport:
        report = RecoveryReport()
        for restaurant_id, payment_id in self._candidates():
            report.examined += 1
            if not self._take_lease(restaurant_id, payment_id):
                continue
            result = self.processor.lookup(payment_id)
            if result is None and not self._old_enough_to_conclude(restaurant_id, payment_id):
                result = ChargeResult(ChargeOutcome.UNKNOWN)
            if result is None:
                result = ChargeResult(
                    ChargeOutcome.FAILED,
                    message="The processor holds no charge for this attempt; nothing was charged.",
                )
            self.settlement.complete(restaurant_id, payment_id, result)
            bucket = {
                ChargeOutcome.CAPTURED: report.captured,
                ChargeOutcome.DECLINED: report.declined,
                ChargeOutcome.FAILED: report.failed,
                ChargeOutcome.UNKNOWN: report.still_pending,
            }[result.outcome]
            bucket.append(payment_id)
        if self.refunds is not None:
            for restaurant_id, refund_id, processor_payment_id, amount in self._refunds():
                if not self._take_lease(restaurant_id, refund_id):
                    continue
                # Asking again under the refund's own key never refunds twice.
                outcome = self.processor.refund(refund_id, processor_payment_id, amount)
                self.refunds.complete(restaurant_id, refund_id, outcome)
                report.refunds_finished += outcome.outcome is not RefundOutcome.UNKNOWN
        if report.examined or report.refunds_finished:
            log.info("recovery: %s", report.summary())
        return report

    def _refunds(self) -> list[tuple[str, str, str, int]]:
        cutoff = utcnow() - self.grace
        with self.db.reader() as uow:
            rows = uow.session.execute(
                select(
                    m.Refund.restaurant_id,
                    m.Refund.id,
                    m.Payment.processor_payment_id,
                    m.Refund.amount_cents,
                )
                .join(m.Payment, m.Payment.id == m.Refund.payment_id)
                .where(m.Refund.status == RefundStatus.PENDING.value, m.Refund.created_at < cutoff)
                .limit(500)
            ).all()
        return [(r[0], r[1], r[2] or "", r[3]) for r in rows]

    def _candidates(self) -> list[tuple[str, str]]:
        cutoff = utcnow() - self.grace
        with self.db.reader() as uow:
            rows = uow.session.execute(
                select(m.Payment.restaurant_id, m.Payment.id)
                .where(
                    m.Payment.status == PaymentStatus.PENDING.value,
                    m.Payment.tender == Tender.CARD.value,
                    m.Payment.created_at < cutoff,
                )
                .order_by(m.Payment.created_at)
                .limit(500)
            ).all()
        return [(row[0], row[1]) for row in rows]

    def _old_enough_to_conclude(self, restaurant_id: str, payment_id: str) -> bool:
        with self.db.reader(restaurant_id) as uow:
            payment = uow.session.get(m.Payment, payment_id)
            assert payment is not None
            return payment.created_at < utcnow() - self.conclude_nothing_charged_after

    def _take_lease(self, restaurant_id: str, payment_id: str) -> bool:
        """Exactly one of recovery and a client retry works on an attempt at a time."""
        try:
            with self.db.unit(restaurant_id) as uow:
                row = keys.find_for_resource(uow, payment_id)
                if row.response_status is not None:
                    return False
                if not keys.take_lease(uow, row, self.settlement.lease_s):
                    return False
                uow.commit()
                return True
        except Exception:  # a competing retry holds the row right now: next pass
            log.debug("recovery: %s is busy", payment_id, exc_info=True)
            return False


class RecoveryLoop:
    """Runs recovery at start-up and then every ``interval_s`` seconds, in one thread, and
    after it each of ``chores`` (work of the capabilities above payments that must not wait
    for a request, such as calling off guests' orders nobody paid)."""

    def __init__(
        self, recovery: Recovery, interval_s: float, chores: Sequence[Callable[[], object]] = ()
    ) -> None:
        self.recovery = recovery
        self.interval_s = interval_s
        self.chores = tuple(chores)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tableside-recovery", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        passes = 0
        while not self._stop.is_set():
            try:
                self.recovery.run_once()
                for chore in self.chores:
                    chore()
                passes += 1
                if passes % 1800 == 1:  # at start-up, then about hourly
                    with self.recovery.db.unit() as uow:
                        pruned = keys.prune(uow)
                        uow.commit()
                    if pruned:
                        log.info("pruned %d idempotency keys older than 72 h", pruned)
            except Exception:  # keep the loop alive; the next pass tries again
                log.exception("recovery pass failed")
            self._stop.wait(self.interval_s)
