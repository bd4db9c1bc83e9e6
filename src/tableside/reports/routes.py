"""Managers' reports: the day's numbers (reports/service.py says what counts where)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import WithJsonSchema

from tableside.core.access import Principal
from tableside.core.http import read
from tableside.core.unit_of_work import UnitOfWork
from tableside.reports import service as reports
from tableside.reports.service import DayReport
from tableside.restaurants import service as restaurants
from tableside.staff.dependencies import Manager

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


@router.get(
    "/reports/day",
    response_model=DayReport,
    responses={
        403: {"description": "Not a manager"},
        422: {"description": "Not a day written YYYY-MM-DD"},
    },
)
async def day(caller: Manager, date: DayParam = None) -> DayReport:
    """Manager: checks closed, covers, sales, discounts, tax, total, tips, takings by tender,
    refunds and the total net of them, what is still open or pending, each void, discount,
    comp and refund with who did it, who approved it and why, and the figures per server —
    in integer cents, this restaurant only (reports/service.py says what counts where)."""

    def _report(uow: UnitOfWork, who: Principal) -> DayReport:
        today = reports.today_in(restaurants.current(uow))
        return reports.day_report(uow, reports.parse_day(date, today))

    return await read(caller, _report)
