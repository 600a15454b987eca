"""ASGI application: the dashboard pages and the JSON API over the same services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tradeguard import __version__
from tradeguard.audit import endpoints as audit_endpoints
from tradeguard.audit import pages as audit_pages
from tradeguard.collections import endpoints as collections_endpoints
from tradeguard.collections import pages as collections_pages
from tradeguard.country import endpoints as country_endpoints
from tradeguard.credit import endpoints as credit_endpoints
from tradeguard.cycle import endpoints as cycle_endpoints
from tradeguard.disputes import endpoints as disputes_endpoints
from tradeguard.identity import endpoints as identity_endpoints
from tradeguard.identity import pages as identity_pages
from tradeguard.identity.dependencies import units_of_work_limiter
from tradeguard.imports import endpoints as imports_endpoints
from tradeguard.imports import pages as imports_pages
from tradeguard.imports.uploads import RequestSizeLimit, max_upload_bytes
from tradeguard.insurance import endpoints as insurance_endpoints
from tradeguard.insurance import pages as insurance_pages
from tradeguard.kit.short_reads import loop_bound_short_reads, sqlite_short_reads
from tradeguard.ledger import endpoints as ledger_endpoints
from tradeguard.limits import endpoints as limits_endpoints
from tradeguard.limits import pages as limits_pages
from tradeguard.monitoring import endpoints as monitoring_endpoints
from tradeguard.monitoring import pages as monitoring_pages
from tradeguard.portfolio import pages as portfolio_pages
from tradeguard.receivables import endpoints as receivables_endpoints
from tradeguard.receivables import pages as receivables_pages
from tradeguard.screening import endpoints as screening_endpoints
from tradeguard.screening import pages as screening_pages
from tradeguard.today import pages as today_pages
from tradeguard.web import assets, errors

# The site's own files (favicon, Plotly's zh-CN locale) and Swagger UI's, from the
# installed fastapi-offline package: the API docs work without the internet.
STATIC = Path(__file__).parent / "static"
SWAGGER_STATIC = Path(fastapi_offline.__file__).parent / "static"
API_DOCS = "/api/v1/docs"

# Every capability's routes: the API's (``/api/v1``), then the pages'.
ROUTERS = (
    ledger_endpoints.router,
    imports_endpoints.router,
    audit_endpoints.router,
    identity_endpoints.router,
    cycle_endpoints.router,
    credit_endpoints.router,
    country_endpoints.router,
    limits_endpoints.router,
    monitoring_endpoints.router,
    disputes_endpoints.router,
    receivables_endpoints.router,
    screening_endpoints.router,
    collections_endpoints.router,
    insurance_endpoints.router,
    assets.router,
    identity_pages.router,
    today_pages.router,
    monitoring_pages.router,
    portfolio_pages.router,
    limits_pages.router,
    imports_pages.router,
    audit_pages.router,
    receivables_pages.router,
    screening_pages.router,
    collections_pages.router,
    insurance_pages.router,
)
# The buyer page's sections from capabilities that limits (which renders it) cannot import.
BUYER_SECTIONS = (insurance_pages.BUYER_COVER,)

_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    """Adds the security headers to every HTTP response.

    Plain ASGI rather than ``@app.middleware("http")``: Starlette's ``BaseHTTPMiddleware``
    runs the rest of the application in a task of its own and streams the response
    through it, which cost more per request than the health check itself.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *_SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open what belongs to the server's event loop (PostgreSQL's short reads) and close it."""
    reads = None if app.state.short_reads else loop_bound_short_reads(app.state.engine)
    if reads is None:
        yield
        return
    app.state.short_reads = reads
    try:
        yield
    finally:
        app.state.short_reads = None
        await reads.close()


def create_app(engine: Engine) -> FastAPI:
    app = FastAPI(
        lifespan=_lifespan,
        title="TradeGuard",
        version=__version__,
        description="Bad-debt protection for companies that sell on credit. "
        "Authenticate with `Authorization: Bearer <token>` (`tradeguard token create EMAIL`).",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # FastAPI's own loads Swagger UI from a CDN: ``api_docs`` below
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.units_of_work = units_of_work_limiter()
    app.state.short_reads = sqlite_short_reads(engine)  # PostgreSQL's: in ``_lifespan``
    app.state.buyer_sections = BUYER_SECTIONS
    errors.install(app)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestSizeLimit, max_bytes=max_upload_bytes())

    app.mount("/static/site", StaticFiles(directory=STATIC), name="site-static")
    app.mount("/static/swagger", StaticFiles(directory=SWAGGER_STATIC), name="swagger-static")

    @app.get(API_DOCS, include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=str(app.openapi_url),
            title="TradeGuard API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/favicon.ico",
        )

    @app.get("/docs", include_in_schema=False)
    def docs() -> RedirectResponse:
        return RedirectResponse(API_DOCS)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(
            STATIC / "favicon.ico",
            media_type="image/x-icon",
            headers={"Cache-Control": "max-age=86400"},
        )

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    for routes in ROUTERS:
        app.include_router(routes)
    return app
