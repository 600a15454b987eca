"""``/api/v1/reports/...``: ageing, a bucket's invoices, KPIs and payment behaviour.

Endpoints are thin: one service call through the caller's ``Access``
(``identity.dependencies``) does the work and its answer (``receivables.schemas``) is the
response, amounts as decimal strings.

A report's date may not be in the future: today's ledger cannot say what will be paid,
so such a report would show every open invoice as overdue by then (422). A date before
the first invoice answers the normal empty report; the page says so in words."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query

from tradeguard.domain.errors import BadQueryError
from tradeguard.identity.dependencies import Reader
from tradeguard.kit.bounds import AsOf, Limit, PageOffset
from tradeguard.kit.problems import PROBLEM_RESPONSES
from tradeguard.receivables import service as reports
from tradeguard.receivables.schemas import AgeingReport, BehaviourReport, BucketPage, KpiReport

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


@router.get(f"{API}/ageing", responses=PROBLEM_RESPONSES)
async def ageing(
    reader: Reader,
    as_of: AsOf = None,
    buckets: Buckets = None,
    by: Annotated[str | None, Query(max_length=20)] = None,
) -> AgeingReport:
    """Open receivables per ageing bucket in the base currency, optionally per group."""
    return await reader.run(
        lambda session, caller: reports.ageing_report(
            session, caller.org, report_day(as_of), reports.bucket_edges(buckets), by
        )
    )


@router.get(f"{API}/ageing/{{bucket_index}}/invoices", responses=PROBLEM_RESPONSES)
async def ageing_invoices(
    bucket_index: Annotated[int, Path(ge=0, le=MAX_BUCKETS)],
    reader: Reader,
    as_of: AsOf = None,
    buckets: Buckets = None,
    limit: Limit = 50,
    offset: PageOffset = 0,
) -> BucketPage:
    """The open invoices of one bucket (0 = current), most overdue first, paginated."""
    return await reader.run(
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


@router.get(f"{API}/kpis", responses=PROBLEM_RESPONSES)
async def kpis(
    reader: Reader,
    as_of: AsOf = None,
    period_days: Annotated[int, Query(ge=1, le=3660)] = 90,
    countback_months: Annotated[str, Query(pattern="^(calendar|30-day)$")] = "calendar",
    cei_sales: Annotated[str, Query(pattern="^(total|monthly_average)$")] = "total",
    trend: bool = False,
) -> KpiReport:
    """DSO (standard, countback), best possible DSO, ADD, CEI, bad debt and concentration."""
    return await reader.run(
        lambda session, caller: reports.kpis_report(
            session,
            caller.org,
            report_day(as_of),
            reports.kpi_settings(period_days, countback_months, cei_sales),
            trend=trend,
        )
    )


@router.get(f"{API}/behaviour", responses=PROBLEM_RESPONSES)
async def behaviour(reader: Reader, as_of: AsOf = None) -> BehaviourReport:
    """Each buyer's payment behaviour over the trailing 12 months."""
    return await reader.run(
        lambda session, caller: reports.behaviour_report(session, caller.org, report_day(as_of))
    )
