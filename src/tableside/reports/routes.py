"""Managers' reports: the day's numbers (reports/service.py says what counts where)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import WithJsonSchema

from tableside.checks.rules import CheckType
from tableside.core.access import Principal
from tableside.core.http import read
from tableside.core.schemas import Documented
from tableside.core.unit_of_work import UnitOfWork
from tableside.reports import export
from tableside.reports import service as reports
from tableside.reports.service import DayReport
from tableside.restaurants import service as restaurants
from tableside.staff.dependencies import Manager, Owner

router = APIRouter(prefix="/api/v1", tags=["reports"])

# What reports/service.py's parse_day takes (shown in the OpenAPI document): a day from
# 1970-01-01 to 9998-12-31, or nothing (today).
_YEAR = "(19[7-9][0-9]|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])"
DAY_SCHEMA = {
    "anyOf": [
        {"type": "string", "format": "date", "pattern": rf"^{_YEAR}-[0-9]{{2}}-[0-9]{{2}}$"},
        {"type": "string", "maxLength": 0},
    ]
}
DayParam = Annotated[
    str | None,
    WithJsonSchema(DAY_SCHEMA),
    Query(
        alias="date",
        max_length=40,
        description="The business day, YYYY-MM-DD; default: today in the restaurant's timezone",
        examples=["2025-11-28"],
    ),
]

TypeParam = Annotated[
    Annotated[str, Documented(enum=["", *(t.value for t in CheckType)])] | None,
    Query(
        max_length=40,
        description="Only this order type's checks: dine_in, takeout, online or kiosk; "
        "default: every type",
        examples=["takeout"],
    ),
]


@router.get(
    "/reports/day",
    response_model=DayReport,
    responses={
        403: {"description": "Not a manager"},
        422: {"description": "Not a day written YYYY-MM-DD, or not an order type"},
    },
)
async def day(caller: Manager, date: DayParam = None, type: TypeParam = None) -> DayReport:
    """Manager: checks closed, covers, sales, discounts, tax, total, tips, takings by tender,
    refunds and the total net of them, what is still open or pending, each void, discount,
    comp and refund with who did it, who approved it and why, the figures per server and
    per order type — in integer cents, this restaurant only; with ``type``, only that order
    type's checks (reports/service.py says what counts where)."""

    def _report(uow: UnitOfWork, who: Principal) -> DayReport:
        today = reports.today_in(restaurants.current(uow))
        return reports.day_report(uow, reports.parse_day(date, today), reports.parse_type(type))

    return await read(caller, _report)


@router.get(
    "/restaurant/export",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"application/json": {}},
            "description": "The restaurant's data as one JSON document, sent as a download"
            " (docs/export.md describes it)",
        },
        403: {"description": "Not the owner"},
    },
)
async def export_data(caller: Owner) -> StreamingResponse:
    """Owner: download the restaurant's data — settings, tax rates, menu (archived items
    too), floor, staff (no PINs), every check with its lines, discounts, payments and
    refunds, and the audit log — as one JSON document, written out as it is read."""
    start = await read(caller, lambda uow, who: export.begin(uow, who))
    return StreamingResponse(
        export.stream(caller.db, start.restaurant_id),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{start.filename}"'},
    )
