"""The outbox read as the restaurant's durable event log: pages in seq order, the resync
signal, and retention.

Every event a terminal receives — over GET /api/v1/events or the WebSocket — is read here
from the outbox table, never from memory: a wake-up only says "look now". Sequence numbers
come from ``outbox_counters``, which is never pruned, so a number is never handed out twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, func, select

from tableside.core.models import OutboxCounter, OutboxEvent, utcnow
from tableside.core.unit_of_work import Database, UnitOfWork
from tableside.realtime.repository import Events

log = logging.getLogger(__name__)

PRUNE_BATCH = 5000
MAX_SEQ = 10**18 - 1  # the largest seq a terminal may name (a PostgreSQL bigint holds it)


class EventView(BaseModel):
    """One event as every terminal sees it, over HTTP and over the WebSocket."""

    seq: int
    type: str
    at: datetime
    data: dict[str, Any]


@dataclass(frozen=True)
class WireEvent:
    """An event serialized once, ready to go to every terminal of its restaurant.
    ``ends_sessions_of``: the staff member whose sessions the change ended (deactivated,
    or given a new PIN): their own terminals' feeds close once it is sent."""

    seq: int
    text: str
    ends_sessions_of: str | None = None


class ResyncRequired(Exception):
    """The events after the terminal's seq are no longer all in the log (pruned), or its seq
    is ahead of the log (the database was restored). It must reload the floor and continue
    from ``last_seq``."""

    def __init__(self, after: int, last_seq: int, oldest_seq: int | None) -> None:
        super().__init__(f"events after {after} are not in the log any more")
        self.after = after
        self.last_seq = last_seq
        self.oldest_seq = oldest_seq

    def message(self) -> dict[str, Any]:
        return {
            "type": "resync_required",
            "after": self.after,
            "last_seq": self.last_seq,
            "oldest_seq": self.oldest_seq,
        }


def view(row: OutboxEvent) -> EventView:
    return EventView(seq=row.seq, type=row.type, at=row.at, data=row.data)


def wire(row: OutboxEvent) -> WireEvent:
    # staff.service.end_sessions: a PIN change or a deactivation.
    staff_id = row.data.get("staff_id") if row.type == "staff.sessions_ended" else None
    return WireEvent(
        row.seq, view(row).model_dump_json(), staff_id if isinstance(staff_id, str) else None
    )


@dataclass(frozen=True)
class Page:
    events: list[EventView]
    last_seq: int  # the newest seq in the restaurant when the page was read
    has_more: bool


def read_page(uow: UnitOfWork, after: int, limit: int) -> Page:
    """Up to ``limit`` events after ``after``, oldest first, or ResyncRequired."""
    # The counter is read first: on PostgreSQL each statement sees its own snapshot, so
    # rows read afterwards are at least as new as the counter, and a missing ``after + 1``
    # can only mean it was pruned.
    last_seq = uow.last_event_seq()
    rows = Events.of(uow).after(after, limit + 1)
    first = rows[0].seq if rows else None
    if after > last_seq or (after < last_seq and first != after + 1):
        raise ResyncRequired(after, last_seq, oldest_seq(uow))
    return Page([view(r) for r in rows[:limit]], last_seq, has_more=len(rows) > limit)


def read_after(
    db: Database, restaurant_id: str, after: int, limit: int, *, contiguous: bool = True
) -> list[WireEvent]:
    """Up to ``limit`` events after ``after``, oldest first, for one restaurant.

    With ``contiguous``, raises ResyncRequired if the first one is not ``after + 1``
    (pruned meanwhile). The hub reads without it: each connection checks for itself.
    """
    with db.reader(restaurant_id) as uow:
        rows = Events.of(uow).after(after, limit)
        if contiguous and rows and rows[0].seq != after + 1:
            raise ResyncRequired(after, uow.last_event_seq(), oldest_seq(uow))
        return [wire(r) for r in rows]


def check_position(db: Database, restaurant_id: str, after: int) -> int:
    """The restaurant's newest seq, after checking that everything after ``after`` is kept."""
    with db.reader(restaurant_id) as uow:
        return read_page(uow, after, 1).last_seq


def newest_seqs(db: Database, restaurant_ids: list[str]) -> dict[str, int]:
    """Each restaurant's last handed-out seq (0 if it has none yet)."""
    if not restaurant_ids:
        return {}
    with db.reader() as uow:
        rows = uow.session.execute(
            select(OutboxCounter.restaurant_id, OutboxCounter.last_seq).where(
                OutboxCounter.restaurant_id.in_(restaurant_ids)
            )
        ).all()
    found = {r: int(s) for r, s in rows}
    return {r: found.get(r, 0) for r in restaurant_ids}


def oldest_seq(uow: UnitOfWork) -> int | None:
    seq = uow.session.scalar(
        select(func.min(OutboxEvent.seq)).where(OutboxEvent.restaurant_id == uow.restaurant)
    )
    return None if seq is None else int(seq)


def prune(db: Database, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete each restaurant's events older than ``older_than``; returns how many.

    Guarantees: only a prefix of each restaurant's log goes (oldest seqs first), so what
    is kept is still gap-free; the newest event of every restaurant is always kept; the
    counters are untouched, so pruning never makes a seq be reused. A terminal asking for
    events from before the oldest kept one is told to resync (ResyncRequired).
    """
    cutoff = (now or utcnow()) - older_than
    with db.reader() as uow:
        old = uow.session.execute(
            select(OutboxEvent.restaurant_id, func.max(OutboxEvent.seq))
            .where(OutboxEvent.at < cutoff)
            .group_by(OutboxEvent.restaurant_id)
        ).all()
        newest = dict(
            uow.session.execute(select(OutboxCounter.restaurant_id, OutboxCounter.last_seq)).all()
        )
    total = 0
    for restaurant_id, newest_old in old:
        upto = min(int(newest_old), int(newest.get(restaurant_id, 0)) - 1)
        total += _prune_restaurant(db, restaurant_id, upto)
    if total:
        log.info("pruned %d outbox events older than %s", total, cutoff.isoformat())
    return total


def _prune_restaurant(db: Database, restaurant_id: str, upto: int) -> int:
    # In batches, each its own short transaction: on SQLite a delete holds the one write
    # lock, and the floor must not wait behind housekeeping.
    deleted = 0
    while True:
        with db.unit(restaurant_id) as uow:
            lowest = oldest_seq(uow)
            if lowest is None or lowest > upto:
                return deleted
            high = min(upto, lowest + PRUNE_BATCH - 1)
            result = uow.session.execute(
                delete(OutboxEvent).where(
                    OutboxEvent.restaurant_id == restaurant_id, OutboxEvent.seq <= high
                )
            )
            uow.commit()
        deleted += int(getattr(result, "rowcount", 0) or 0)
