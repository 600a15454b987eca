"""The ``/reports`` page: ageing, DSO and payment behaviour drawn with Plotly (served
locally at ``/static/plotly.js``, never a CDN); clicking an ageing bar lists that
bucket's invoices."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from tradeguard.identity.dependencies import Caller, Reader
from tradeguard.kit.bounds import AsOf, PageOffset
from tradeguard.kit.rendering import render_page
from tradeguard.receivables import service as reports
from tradeguard.receivables.endpoints import MAX_BUCKETS, report_day

router = APIRouter(tags=["reports"])


PAGE_SIZE = 50


@router.get("/reports", include_in_schema=False)
async def reports_page(
    request: Request,
    reader: Reader,
    as_of: AsOf = None,
    bucket: Annotated[int | None, Query(ge=0, le=MAX_BUCKETS)] = None,
    offset: PageOffset = 0,
) -> HTMLResponse:
    def page(session: Session, caller: Caller) -> HTMLResponse:
        report = reports.dashboard_report(
            session, caller.org, report_day(as_of), bucket=bucket, limit=PAGE_SIZE, offset=offset
        )
        r = report.model_dump(mode="json")
        return render_page(request, caller, "reports.html", r=r, page_size=PAGE_SIZE)

    return await reader.run(page)
