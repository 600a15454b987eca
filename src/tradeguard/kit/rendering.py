"""Server-rendered pages: every capability's templates under one layout (``base.html``),
with the helpers the templates format with in the reader's language.

Each capability keeps its templates in its own ``templates/`` folder; their names are
unique across the site, so one loader searches them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from tradeguard.domain.identity.access import Permission, Role, can
from tradeguard.kit import i18n

PACKAGE = Path(__file__).parent.parent
TEMPLATES = Jinja2Templates(directory=sorted(PACKAGE.glob("*/templates")))


class Viewer(Protocol):
    """Who reads a page: the site's header and menu depend on their role and language."""

    @property
    def principal(self) -> Signed: ...

    @property
    def csrf_token(self) -> str | None: ...


class Signed(Protocol):
    @property
    def role(self) -> Role: ...

    @property
    def language(self) -> str: ...


def render(
    request: Request, template: str, caller: Viewer | None, language: str, **context: Any
) -> HTMLResponse:
    helpers = {
        "t": partial(i18n.translate, language),
        "fmt_money": partial(i18n.money, language),
        "fmt_number": partial(i18n.number, language),
        "fmt_percent": partial(i18n.percent, language),
        "fmt_date": partial(i18n.date, language),
        "fmt_bucket": partial(i18n.bucket, language),
        "language": language,
        "caller": caller,
        "csrf": caller.csrf_token if caller else None,
        "can_import": caller is not None and can(caller.principal.role, Permission.WRITE_LEDGER),
        "can_audit": caller is not None and can(caller.principal.role, Permission.READ_AUDIT),
        "fmt_industry": partial(i18n.industry, language),
        "fmt_model": partial(i18n.model, language),
        "fmt_rule": partial(i18n.alert_rule, language),
        "fmt_evidence": partial(i18n.evidence_field, language),
        "can_decide_limits": caller is not None
        and can(caller.principal.role, Permission.WRITE_LEDGER),
        "can_screen": caller is not None and can(caller.principal.role, Permission.SCREEN_ORDERS),
    }
    return TEMPLATES.TemplateResponse(request, template, {**helpers, **context})


def render_page(request: Request, caller: Viewer, template: str, **context: Any) -> HTMLResponse:
    """A page of the site in the caller's language, with the common layout."""
    return render(request, template, caller, caller.principal.language, **context)


def render_error(
    request: Request,
    caller: Viewer | None,
    language: str,
    status: int,
    headers: Mapping[str, str] | None,
    **context: Any,
) -> HTMLResponse:
    """The error page in ``language``; the site's header only when the caller is known."""
    response = render(request, "error.html", caller, language, status=status, **context)
    response.status_code = status
    response.headers.update(headers or {})
    return response


# What a form that succeeded says on the page it redirects to (``?done=KEY``).
DONE_MESSAGES = {
    "limit-requested": "Limit requested: it waits for a credit manager's decision.",
    "limit-approved": "Limit approved: it is now in force.",
    "limit-rejected": "Limit request rejected.",
    "shipments-stopped": "Shipments stopped.",
    "stop-lifted": "Stop-shipment lifted.",
    "alert-acknowledged": "Alert acknowledged.",
    "alert-resolved": "Alert resolved.",
    "settings-saved": "Settings saved.",
    "dunning-run": "Dunning run done.",
    "call-recorded": "Call outcome recorded.",
    "letter-printed": "Letter marked printed.",
    "handover-sent": "Hand-over marked sent.",
    "promise-recorded": "Promise to pay recorded.",
    "policy-loaded": "Policy loaded.",
    "notification-recorded": "Overdue notification recorded: shipments to the buyer are stopped.",
    "claim-opened": "Claim opened as a draft.",
    "document-recorded": "Checklist updated.",
    "claim-moved": "Claim status changed.",
    "recovery-recorded": "Recovery recorded.",
}
