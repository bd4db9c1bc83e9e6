"""The event log of the caller's restaurant, in commit order (the outbox)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from tableside.api.deps import DB, Who, read

router = APIRouter(prefix="/api/v1", tags=["events"])

PAGE = 500


class EventView(BaseModel):
    seq: int
    type: str
    at: datetime
    data: dict[str, Any]


class EventsResponse(BaseModel):
    events: list[EventView]
    last_seq: int  # the newest seq in this restaurant when the page was read
    has_more: bool


@router.get("/events", response_model=EventsResponse)
def events(
    who: Who,
    db: DB,
    after: int = Query(default=0, ge=0, description="The last seq this terminal saw"),
    limit: int = Query(default=PAGE, ge=1, le=PAGE),
) -> EventsResponse:
    """Everything after ``after``, oldest first, at most ``limit``; page on with the last seq."""

    def _page(uow: Any) -> EventsResponse:
        rows = uow.events.after(after, limit + 1)
        return EventsResponse(
            events=[EventView(seq=r.seq, type=r.type, at=r.at, data=r.data) for r in rows[:limit]],
            last_seq=uow.last_event_seq(),
            has_more=len(rows) > limit,
        )

    return read(db, who, _page)
