"""``/api/v1/countries/...``: a country's risk and its market-risk report (HTML or PDF)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from tradeguard.country import report as risk_report
from tradeguard.country import service as countries
from tradeguard.country.schemas import CountryRiskRead
from tradeguard.identity.dependencies import Caller, Reader
from tradeguard.kit.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)


@router.get("/countries/{code}", tags=["credit"])
async def country(code: str, reader: Reader) -> CountryRiskRead:
    """A country's grade, political risk and indicators, with their sources."""
    return CountryRiskRead.of(await reader.call(countries.country_risk, code))


@router.get(
    "/countries/{code}/report",
    tags=["credit"],
    response_class=Response,
    responses={
        200: {
            "description": "The report",
            "content": {"text/html": {}, "application/pdf": {}},
        }
    },
)
async def country_report(
    code: str,
    reader: Reader,
    format: Literal["html", "pdf"] = "html",
    lang: Literal["en", "zh"] | None = None,
) -> Response:
    """The country's market-risk report: indicators, sources and dates, and a short text;
    HTML or PDF, in ``lang`` (the caller's language without it)."""

    def report(session: Session, caller: Caller) -> Response:  # rendered in the worker thread
        risk = countries.country_risk(session, caller.org, code)
        language = lang or caller.principal.language
        today = dt.date.today()
        if format == "pdf":
            return Response(
                risk_report.country_pdf(risk, language, today),
                media_type="application/pdf",
                headers={
                    "Content-Disposition": f'inline; filename="market-risk-{risk.country}.pdf"'
                },
            )
        return HTMLResponse(risk_report.country_html(risk, language, today))

    return await reader.run(report)
