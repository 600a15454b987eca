"""ASGI application: the dashboard page and the JSON API over the same services."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine, select

from tradeguard import __version__
from tradeguard.serialisation import to_jsonable
from tradeguard.services.daily_cycle import latest_snapshot
from tradeguard.services.summary import portfolio_summary
from tradeguard.store.db import unit_of_work
from tradeguard.store.models import Organisation
from tradeguard.web import reports

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")


def create_app(engine: Engine) -> FastAPI:
    app = FastAPI(
        title="TradeGuard",
        version=__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    app.state.engine = engine
    app.include_router(reports.router)

    def summaries(as_of: dt.date | None) -> list[dict[str, Any]]:
        with unit_of_work(engine) as session:
            orgs = list(session.scalars(select(Organisation).order_by(Organisation.name)))
            result = []
            for org in orgs:
                if as_of is not None:
                    result.append(to_jsonable(portfolio_summary(session, org, as_of)))
                elif (snapshot := latest_snapshot(session, org)) is not None:
                    result.append(snapshot)
            return result

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/v1/summary")
    def summary(as_of: dt.date | None = None) -> list[dict[str, Any]]:
        """Portfolio summary per organisation: the latest daily cycle, or any date."""
        return summaries(as_of)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def overview(request: Request) -> HTMLResponse:
        try:
            items = summaries(None)
        except Exception as error:  # pragma: no cover - shown to the operator
            raise HTTPException(500, str(error)) from error
        return TEMPLATES.TemplateResponse(request, "overview.html", {"summaries": items})

    return app
