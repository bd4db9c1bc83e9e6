"""The event log of the caller's restaurant, in commit order: paged over HTTP, live over a
WebSocket (docs/realtime.md)."""

from __future__ import annotations

from fastapi import APIRouter, Query, WebSocket
from pydantic import BaseModel

from tableside.core.access import Principal
from tableside.core.http import read
from tableside.core.unit_of_work import UnitOfWork
from tableside.realtime import connection
from tableside.realtime.outbox import MAX_SEQ, EventView, ResyncRequired, read_page
from tableside.staff.dependencies import AnyStaff

router = APIRouter(prefix="/api/v1", tags=["events"])

PAGE = 500


class EventsResponse(BaseModel):
    events: list[EventView]
    last_seq: int  # the newest seq in this restaurant when the page was read
    has_more: bool
    # True when events after ``after`` were pruned (or ``after`` is ahead of the log):
    # ``events`` is empty; reload the floor, then continue from ``last_seq``.
    resync_required: bool = False
    oldest_seq: int | None = None  # set with resync_required: the oldest event still kept


@router.get("/events", response_model=EventsResponse)
async def events(
    caller: AnyStaff,
    after: int = Query(default=0, ge=0, le=MAX_SEQ, description="The last seq this terminal saw"),
    limit: int = Query(default=PAGE, ge=1, le=PAGE),
) -> EventsResponse:
    """Everything after ``after``, oldest first, at most ``limit``; page on with the last seq.

    Events are kept for ``TABLESIDE_OUTBOX_RETENTION_DAYS`` (default 7); asking for older
    ones answers ``resync_required: true`` instead of a log with a hole in it.
    """

    def _page(uow: UnitOfWork, who: Principal) -> EventsResponse:
        try:
            page = read_page(uow, after, limit)
        except ResyncRequired as resync:
            return EventsResponse(
                events=[],
                last_seq=resync.last_seq,
                has_more=False,
                resync_required=True,
                oldest_seq=resync.oldest_seq,
            )
        return EventsResponse(events=page.events, last_seq=page.last_seq, has_more=page.has_more)

    return await read(caller, _page)


@router.websocket("/ws")
async def live_events(websocket: WebSocket) -> None:
    """``WS /api/v1/ws?after=<seq>``: the same events, live. Authenticate with the
    ``tableside_token`` cookie or by sending ``{"token": "..."}`` as the first message."""
    await connection.serve(websocket, websocket.app.state.hub)
