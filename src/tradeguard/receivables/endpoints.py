"""``/api/v1/reports/...``: ageing, a bucket's invoices, KPIs and payment behaviour.

Endpoints are thin: one service call through the caller's ``Access``
(``identity.dependencies``) does the work, and amounts leave as decimal strings.

A report's date may not be in the future: today's ledger cannot say what will be paid,
so such a report would show every open invoice as overdue by then (422). A date before
the first invoice answers the normal empty report; the page says so in words."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from tradeguard.domain.errors import BadQueryError
from tradeguard.identity.dependencies import Reader
from tradeguard.kit.bounds import AsOf, Limit, PageOffset
from tradeguard.kit.problems import PROBLEM_RESPONSES
from tradeguard.kit.serialisation import to_jsonable
from tradeguard.receivables import service as reports

router = APIRouter(tags=["reports"])


API = "/api/v1/reports"


MAX_BUCKETS = 50


Buckets = Annotated[
    str | None,
    Query(max_length=200, description="Upper edges in days overdue, e.g. 0,30,60,90,180"),
]


def report_day(as_of: dt.date | None) -> dt.date:
    """The date a report is for: today by default; a date after today is refused."""
    today = dt.date.today()
    if as_of is not None and as_of > today:
        raise BadQueryError("as_of", "the date is in the future")
    return as_of or today


def _json(result: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = to_jsonable(result)
    return document


@router.get(f"{API}/ageing", responses=PROBLEM_RESPONSES)
async def ageing(
    reader: Reader,
    as_of: AsOf = None,
    buckets: Buckets = None,
    by: Annotated[str | None, Query(max_length=20)] = None,
) -> dict[str, Any]:
    """Open receivables per ageing bucket in the base currency, optionally per group."""
    report = await reader.run(
        lambda session, caller: reports.ageing_report(
            session, caller.org, report_day(as_of), reports.bucket_edges(buckets), by
        )
    )
    return _json(report)


@router.get(f"{API}/ageing/{{bucket_index}}/invoices", responses=PROBLEM_RESPONSES)
async def ageing_invoices(
    bucket_index: Annotated[int, Path(ge=0, le=MAX_BUCKETS)],
    reader: Reader,
    as_of: AsOf = None,
    buckets: Buckets = None,
    limit: Limit = 50,
    offset: PageOffset = 0,
) -> dict[str, Any]:
    """The open invoices of one bucket (0 = current), most overdue first, paginated."""
    report = await reader.run(
        lambda session, caller: reports.bucket_invoices_report(
            session,
            caller.org,
            report_day(as_of),
            bucket_index,
            reports.bucket_edges(buckets),
            limit,
            offset,
        )
    )
    return _json(report)


@router.get(f"{API}/kpis", responses=PROBLEM_RESPONSES)
async def kpis(
    reader: Reader,
    as_of: AsOf = None,
    period_days: Annotated[int, Query(ge=1, le=3660)] = 90,
    countback_months: Annotated[str, Query(pattern="^(calendar|30-day)$")] = "calendar",
    cei_sales: Annotated[str, Query(pattern="^(total|monthly_average)$")] = "total",
    trend: bool = False,
) -> dict[str, Any]:
    """DSO (standard, countback), best possible DSO, ADD, CEI, bad debt and concentration."""
    report = await reader.run(
        lambda session, caller: reports.kpis_report(
            session,
            caller.org,
            report_day(as_of),
            reports.kpi_settings(period_days, countback_months, cei_sales),
            trend=trend,
        )
    )
    return _json(report)


@router.get(f"{API}/behaviour", responses=PROBLEM_RESPONSES)
async def behaviour(reader: Reader, as_of: AsOf = None) -> dict[str, Any]:
    """Each buyer's payment behaviour over the trailing 12 months."""
    return _json(
        await reader.run(
            lambda session, caller: reports.behaviour_report(session, caller.org, report_day(as_of))
        )
    )
