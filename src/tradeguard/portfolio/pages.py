"""The overview (``/``) and the buyers list (``/buyers``): the portfolio at a glance."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from tradeguard.credit import service as credit
from tradeguard.credit.schemas import GradeDistributionRead
from tradeguard.cycle.service import latest_snapshot
from tradeguard.identity.dependencies import (
    Caller,
    Reader,
)
from tradeguard.kit.bounds import PageOffset
from tradeguard.kit.forms import query_string, sort_link
from tradeguard.kit.rendering import render_page
from tradeguard.portfolio import service as portfolios
from tradeguard.receivables.service import portfolio_summary

router = APIRouter(include_in_schema=False)


PAGE_SIZE = 50


@router.get("/")
async def overview(request: Request, reader: Reader) -> HTMLResponse:
    def page(session: Session, caller: Caller) -> HTMLResponse:
        summary = latest_snapshot(session, caller.org)
        if summary is None:
            summary = portfolio_summary(session, caller.org, dt.date.today())
        grades = GradeDistributionRead.model_validate(
            credit.grade_distribution(session, caller.org)
        ).model_dump(mode="json")
        s = summary.model_dump(mode="json")
        return render_page(request, caller, "overview.html", s=s, grades=grades)

    return await reader.run(page)


@router.get("/buyers")
async def buyers_page(
    request: Request,
    reader: Reader,
    q: Annotated[str | None, Query(max_length=100)] = None,
    country: Annotated[str | None, Query(max_length=2)] = None,
    industry: Annotated[str | None, Query(max_length=100)] = None,
    credit_class: Annotated[Literal["", "A", "B", "C"], Query(alias="class")] = "",
    overdue: Annotated[Literal["", "0", "1"], Query()] = "",
    sort: Annotated[str, Query(max_length=20)] = "name",
    offset: PageOffset = 0,
) -> HTMLResponse:
    """Every buyer with its grade, class, exposure, limit and overdue amount today."""
    filters = {
        "q": q,
        "country": country,
        "industry": industry,
        "class": credit_class,
        "overdue": "1" if overdue == "1" else None,
    }

    def page(session: Session, caller: Caller) -> HTMLResponse:
        found = portfolios.portfolio(
            session,
            caller.org,
            dt.date.today(),
            q=q,
            country=country,
            industry=industry,
            credit_class=credit_class or None,
            overdue_only=overdue == "1",
            sort=sort,
            limit=PAGE_SIZE,
            offset=offset,
        )
        countries, industries = portfolios.buyer_facets(session, caller.org)
        params = {**filters, "sort": sort}
        return render_page(
            request,
            caller,
            "buyers.html",
            page=found,
            filters=filters,
            sort=sort,
            countries=countries,
            industries=industries,
            sort_link=partial(sort_link, "/buyers", filters, sort),
            offset_link=lambda to: "/buyers" + query_string({**params, "offset": to or None}),
        )

    return await reader.run(page)
