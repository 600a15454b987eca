"""ASGI application: the dashboard pages and the JSON API over the same services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tradeguard import __version__
from tradeguard.domain.access import Org
from tradeguard.serialisation import to_jsonable
from tradeguard.services.daily_cycle import latest_snapshot
from tradeguard.services.summary import portfolio_summary
from tradeguard.web import api, credit, pages, problems, reports
from tradeguard.web.deps import Reader, units_of_work_limiter

_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def _summary(session: Session, org: Org, as_of: dt.date | None) -> dict[str, Any]:
    if as_of is None and (snapshot := latest_snapshot(session, org)) is not None:
        return snapshot
    result: dict[str, Any] = to_jsonable(portfolio_summary(session, org, as_of or dt.date.today()))
    return result


def create_app(engine: Engine) -> FastAPI:
    app = FastAPI(
        title="TradeGuard",
        version=__version__,
        description="Bad-debt protection for companies that sell on credit. "
        "Authenticate with `Authorization: Bearer <token>` (`tradeguard token create EMAIL`).",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.units_of_work = units_of_work_limiter()
    problems.install(app)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers.update(_SECURITY_HEADERS)
        return response

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/v1/summary", tags=["reports"], responses=problems.PROBLEM_RESPONSES)
    async def summary(reader: Reader, as_of: dt.date | None = None) -> dict[str, Any]:
        """Portfolio summary of the caller's organisation: the latest daily cycle, or any date."""
        return await reader.call(_summary, as_of)

    app.include_router(api.router)
    app.include_router(credit.router)
    app.include_router(reports.router)
    app.include_router(pages.router)
    return app
