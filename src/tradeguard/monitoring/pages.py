"""``/settings/monitoring``: the alert and limit-rule thresholds, shown to every role and
changed by credit managers (audited)."""

from __future__ import annotations

from dataclasses import fields
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from tradeguard.domain.errors import InvalidInputError
from tradeguard.domain.monitoring.settings import MonitoringSettings
from tradeguard.identity.dependencies import Caller, Reader, Writer
from tradeguard.kit.rendering import DONE_MESSAGES, render_page
from tradeguard.monitoring import service as monitoring

router = APIRouter(include_in_schema=False)

FIELDS = [f.name for f in fields(MonitoringSettings)]


def _page(
    request: Request,
    session: Session,
    caller: Caller,
    *,
    done: str | None = None,
    refusal: str | None = None,
    typed: dict[str, str] | None = None,
) -> HTMLResponse:
    values = monitoring.load_settings(session, caller.org).as_dict()
    return render_page(
        request,
        caller,
        "monitoring_settings.html",
        values={name: (typed or {}).get(name, str(values[name])) for name in FIELDS},
        done=DONE_MESSAGES.get(done or ""),
        refusal=refusal,
    )


@router.get("/settings/monitoring")
async def settings_page(
    request: Request, reader: Reader, done: Annotated[str | None, Query(max_length=40)] = None
) -> HTMLResponse:
    def work(session: Session, caller: Caller) -> HTMLResponse:
        return _page(request, session, caller, done=done)

    return await reader.run(work)


def _number(name: str, text: str) -> int | float:
    """A form field as the setting's type (whole numbers stay whole)."""
    kind = MonitoringSettings.__dataclass_fields__[name].type
    try:
        return int(text) if kind == "int" else float(text)
    except ValueError:
        raise InvalidInputError(f"{name}: {text!r} is not a number", field=name) from None


@router.post("/settings/monitoring")
async def save_settings_form(request: Request, writer: Writer) -> Response:
    """Save the thresholds the form sent (all validated together, audited)."""
    form = await request.form()
    typed = {name: str(form.get(name, "")).strip()[:40] for name in FIELDS if name in form}

    def work(session: Session, caller: Caller) -> Response:
        try:
            with session.begin_nested():
                changes = {name: _number(name, text) for name, text in typed.items()}
                monitoring.save_settings(session, caller.org, changes, caller.actor)
        except InvalidInputError as error:
            response = _page(request, session, caller, refusal=str(error), typed=typed)
            response.status_code = 422
            return response
        return RedirectResponse("/settings/monitoring?done=settings-saved", status_code=303)

    return await writer.run(work)
