"""``/collections`` (the dunning worklist and its forms), ``/collections/effectiveness``
and ``/settings/dunning`` (the ladders and the letterhead).

Every role reads them; credit managers and admins (``write_ledger``) record call
outcomes, mark letters printed and hand-overs sent, run the ladder and change the
settings, each audited by the service. A refusal shows the page again with the reason
next to the form and what was typed (404, 409 or 422); nothing of it is kept.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from tradeguard.collections import outbox
from tradeguard.collections import service as collections
from tradeguard.collections.service import CallOutcome
from tradeguard.domain.collections.policy import CREDIT_CLASSES, CatchUp
from tradeguard.identity.dependencies import Caller, Reader, Writer
from tradeguard.kit.forms import (
    FormValueError,
    Refusal,
    attempt,
    form_amount,
    form_day,
    form_day_or_today,
    page_day,
    query_string,
)
from tradeguard.kit.rendering import DONE_MESSAGES, render_page
from tradeguard.kit.schemas import MAX_AMOUNT
from tradeguard.ledger.repository import load_snapshot
from tradeguard.locale import N_

router = APIRouter(include_in_schema=False)

RowId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]

# Words the templates pass to t() as data: the shipped steps' names, the channels, the
# statuses and outcomes the worklist and the contact history show.
PAGE_MESSAGES = (
    N_("pre_due_reminder"),
    N_("reminder_letter"),
    N_("phone_call"),
    N_("agency_handover"),
    N_("email"),
    N_("letter"),
    N_("phone"),
    N_("agency"),
    N_("call"),
    N_("handover"),
    N_("promise"),
    N_("dispute"),
    N_("to_print"),
    N_("printed"),
    N_("queued"),
    N_("sending"),
    N_("sent"),
    N_("unconfirmed"),
    N_("failed"),
    N_("done"),
    N_("kept"),
    N_("broken"),
    N_("reached"),
    N_("no_answer"),
    N_("Dunning run done."),
    N_("Call outcome recorded."),
    N_("Letter marked printed."),
    N_("Hand-over marked sent."),
    N_("Promise to pay recorded."),
)


# What each way of catching up after missed days is called on the settings page.
CATCH_UP_LABELS = {
    CatchUp.HIGHEST.value: N_("only the highest step due (a required one not yet taken first)"),
    CatchUp.ONE_STEP.value: N_("one step per run"),
}


def _whole(text: str, field: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise FormValueError(f"{field}: not a whole number: {text!r}") from None


def _worklist_link(day: dt.date, **params: str | None) -> str:
    """The worklist seen on ``day`` (today's without a date), with ``done`` and the like."""
    on = None if day == dt.date.today() else day.isoformat()
    return "/collections" + query_string({"as_of": on, **params})


# ---- the worklist -----------------------------------------------------------------------


def _worklist_page(
    request: Request,
    day: dt.date,
    session: Session,
    caller: Caller,
    *,
    done: str | None = None,
    refusal: Refusal | None = None,
) -> HTMLResponse:
    response = render_page(
        request,
        caller,
        "collections_worklist.html",
        work=collections.worklist(session, caller.org, day),
        as_of=day,
        outcomes=[o.value for o in CallOutcome],
        done=DONE_MESSAGES.get(done or ""),
        refusal=refusal,
    )
    if refusal is not None:
        response.status_code = refusal.status_code
    return response


@router.get("/collections")
async def worklist_page(
    request: Request,
    reader: Reader,
    as_of: Annotated[str | None, Query(max_length=10)] = None,
    done: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    """Calls to make (with their outcome forms), letters to print, hand-overs to send,
    promises falling due and e-mails that did not leave, on ``as_of`` (today by default)."""
    return await reader.run(partial(_worklist_page, request, page_day(as_of), done=done))


def _after_worklist_form(
    request: Request,
    session: Session,
    caller: Caller,
    day: dt.date,
    form: str,
    values: Mapping[str, str],
    action: Callable[[], object],
    done: str,
) -> Response:
    """Post/redirect/get back to the worklist of the same day, or the page again with
    the refusal next to the form."""
    error = attempt(session, action)
    if error is None:
        return RedirectResponse(_worklist_link(day, done=done), status_code=303)
    return _worklist_page(request, day, session, caller, refusal=Refusal.of(form, error, values))


def _form_day(text: str) -> dt.date:
    """The worklist's day a form came from (hidden ``as_of``); today without one."""
    return form_day(text, "as_of") if text else dt.date.today()


@router.post("/collections/run")
async def run_form(
    request: Request,
    writer: Writer,
    background: BackgroundTasks,
    as_of: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Take each open invoice's due step on the day (the daily cycle does the same); the
    e-mails it queued leave after the page has answered, as from the API."""

    def work(session: Session, caller: Caller) -> Response:
        def run() -> None:
            day = _form_day(as_of)
            snapshot = load_snapshot(session.connection(), caller.org.id, caller.org.base_currency)
            collections.run_dunning(session, caller.org, day, caller.actor, snapshot)

        error = attempt(session, run)
        day = form_day_or_today(as_of)
        if error is not None:
            return _worklist_page(
                request, day, session, caller, refusal=Refusal.of("run", error, {"as_of": as_of})
            )
        background.add_task(  # runs after the answer, so after the unit of work committed
            outbox.send_queued, request.app.state.engine, caller.org.id, actor=caller.actor
        )
        return RedirectResponse(_worklist_link(day, done="dunning-run"), status_code=303)

    return await writer.run(work)


@router.post("/collections/calls/{task_id}/outcome")
async def call_outcome_form(
    request: Request,
    task_id: RowId,
    writer: Writer,
    outcome: Annotated[CallOutcome, Form()],
    note: Annotated[str, Form(max_length=2000)] = "",
    promise_amount: Annotated[str, Form(max_length=40)] = "",
    promise_date: Annotated[str, Form(max_length=10)] = "",
    promise_invoice: Annotated[str, Form(max_length=64)] = "",
    dispute_invoice: Annotated[str, Form(max_length=64)] = "",
    dispute_reason: Annotated[str, Form(max_length=2000)] = "",
    as_of: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """The outcome of a call; a promise records the promise to pay, a dispute opens it."""
    values = {
        "outcome": outcome.value,
        "note": note,
        "promise_amount": promise_amount,
        "promise_date": promise_date,
        "promise_invoice": promise_invoice,
        "dispute_invoice": dispute_invoice,
        "dispute_reason": dispute_reason,
    }

    def record() -> tuple[Decimal, dt.date] | None:
        if outcome is not CallOutcome.PROMISE or not (promise_amount.strip() or promise_date):
            return None
        return (
            form_amount(promise_amount, "promise_amount", MAX_AMOUNT, positive=True),
            form_day(promise_date, "promise_date"),
        )

    def work(session: Session, caller: Caller) -> Response:
        def act() -> None:
            dispute = None
            if outcome is CallOutcome.DISPUTE and (dispute_invoice.strip() or dispute_reason):
                dispute = (dispute_invoice.strip(), dispute_reason.strip())
            collections.record_call(
                session,
                caller.org,
                task_id,
                outcome,
                caller.actor,
                on=dt.date.today(),
                note=note.strip() or None,
                promise=record(),
                promise_invoice=promise_invoice.strip() or None,
                dispute=dispute,
            )

        return _after_worklist_form(
            request,
            session,
            caller,
            form_day_or_today(as_of),
            f"call-{task_id}",
            values,
            act,
            "call-recorded",
        )

    return await writer.run(work)


@router.post("/collections/letters/{document_id}/printed")
async def printed_form(
    request: Request,
    document_id: RowId,
    writer: Writer,
    as_of: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """The letter has been printed and posted."""

    def work(session: Session, caller: Caller) -> Response:
        return _after_worklist_form(
            request,
            session,
            caller,
            form_day_or_today(as_of),
            f"letter-{document_id}",
            {},
            lambda: collections.mark_printed(session, caller.org, document_id, caller.actor),
            "letter-printed",
        )

    return await writer.run(work)


@router.post("/collections/handovers/{handover_id}/sent")
async def handover_sent_form(
    request: Request,
    handover_id: RowId,
    writer: Writer,
    as_of: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """The hand-over file has gone to the agency."""

    def work(session: Session, caller: Caller) -> Response:
        return _after_worklist_form(
            request,
            session,
            caller,
            form_day_or_today(as_of),
            f"handover-{handover_id}",
            {},
            lambda: collections.mark_handed_over(session, caller.org, handover_id, caller.actor),
            "handover-sent",
        )

    return await writer.run(work)


# ---- effectiveness ------------------------------------------------------------------------


@router.get("/collections/effectiveness")
async def effectiveness_page(
    request: Request,
    reader: Reader,
    as_of: Annotated[str | None, Query(max_length=10)] = None,
) -> HTMLResponse:
    """Per quarter and step, how much of what was open at the step was collected within
    the window after it (base currency)."""
    day = page_day(as_of)

    def work(session: Session, caller: Caller) -> HTMLResponse:
        snapshot = load_snapshot(session.connection(), caller.org.id, caller.org.base_currency)
        return render_page(
            request,
            caller,
            "collections_effectiveness.html",
            effects=collections.step_effectiveness(session, caller.org, day, snapshot),
            window_days=collections.load_settings(session, caller.org).effectiveness_window_days,
            as_of=day,
        )

    return await reader.run(work)


# ---- settings -------------------------------------------------------------------------------

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def _toml_value(value: Any) -> str:
    if isinstance(value, Mapping):  # only an empty one is written inline
        return "{}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    # a JSON string is a TOML basic string: the same escapes (\n, \", \\, \uXXXX)
    return json.dumps(str(value), ensure_ascii=False)


def _is_table(value: Any) -> bool:
    """Written as a [table] or [[array of tables]] rather than as ``key = value``."""
    return (isinstance(value, Mapping) and bool(value)) or (
        isinstance(value, list) and bool(value) and isinstance(value[0], Mapping)
    )


def _toml_table(table: Mapping[str, Any], path: str, lines: list[str]) -> None:
    lines.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in table.items() if not _is_table(v))
    for key, value in table.items():
        name = f"{path}.{_toml_key(key)}" if path else _toml_key(key)
        if isinstance(value, Mapping) and _is_table(value):
            if not all(_is_table(v) for v in value.values()):  # [policies] alone says nothing
                lines.extend(["", f"[{name}]"])
            _toml_table(value, name, lines)
        elif _is_table(value):
            for element in value:
                lines.extend(["", f"[[{name}]]"])
                _toml_table(element, name, lines)


def settings_toml(values: Mapping[str, Any]) -> str:
    """The settings document as TOML, to edit and paste back (``tomllib`` reads it as
    ``values``); the standard library reads TOML but does not write it."""
    lines: list[str] = []
    _toml_table(values, "", lines)
    return "\n".join(lines).strip() + "\n"


def _settings_page(
    request: Request,
    session: Session,
    caller: Caller,
    *,
    done: str | None = None,
    refusal: Refusal | None = None,
) -> HTMLResponse:
    values = collections.load_settings(session, caller.org).as_dict()
    typed = dict(refusal.values) if refusal else {}
    response = render_page(
        request,
        caller,
        "collections_settings.html",
        settings=values,
        classes=CREDIT_CLASSES,
        catch_ups=CATCH_UP_LABELS,
        field=lambda name, current: typed.get(name, str(current)),
        document=typed.get("document", settings_toml(values)),
        done=DONE_MESSAGES.get(done or ""),
        refusal=refusal,
    )
    if refusal is not None:
        response.status_code = refusal.status_code
    return response


@router.get("/settings/dunning")
async def settings_page(
    request: Request, reader: Reader, done: Annotated[str | None, Query(max_length=40)] = None
) -> HTMLResponse:
    """Each credit class's ladder, the letterhead and the grace days."""
    return await reader.run(partial(_settings_page, request, done=done))


LETTERHEAD_FIELDS = ("name", "address", "email", "phone")


@router.post("/settings/dunning")
async def save_settings_form(request: Request, writer: Writer) -> Response:
    """Save the letterhead, the grace and window days and each class's catch-up and gap
    (validated together, audited); the steps are changed with a TOML document."""
    form = await request.form()
    names = [f"letterhead.{n}" for n in LETTERHEAD_FIELDS]
    names += ["promise_grace_days", "effectiveness_window_days"]
    names += [f"{c}.{f}" for c in CREDIT_CLASSES for f in ("catch_up", "min_gap_days")]
    typed = {name: str(form.get(name, ""))[:2000] for name in names if name in form}

    def work(session: Session, caller: Caller) -> Response:
        def save() -> None:
            current = collections.load_settings(session, caller.org).as_dict()
            letterhead = dict(current["letterhead"])
            for name in LETTERHEAD_FIELDS:
                if f"letterhead.{name}" in typed:
                    letterhead[name] = typed[f"letterhead.{name}"].strip()
            policies = current["policies"]
            for credit_class in CREDIT_CLASSES:
                policy = policies[credit_class]
                if f"{credit_class}.catch_up" in typed:
                    policy["catch_up"] = typed[f"{credit_class}.catch_up"]
                if f"{credit_class}.min_gap_days" in typed:
                    gap = f"{credit_class}.min_gap_days"
                    policy["min_gap_days"] = _whole(typed[gap], f"policies.{gap}")
            changes: dict[str, Any] = {"letterhead": letterhead, "policies": policies}
            for name in ("promise_grace_days", "effectiveness_window_days"):
                if name in typed:
                    changes[name] = _whole(typed[name], name)
            collections.save_settings(session, caller.org, changes, caller.actor)

        error = attempt(session, save)
        if error is None:
            return RedirectResponse("/settings/dunning?done=settings-saved", status_code=303)
        return _settings_page(request, session, caller, refusal=Refusal.of("form", error, typed))

    return await writer.run(work)


@router.post("/settings/dunning/document")
async def replace_settings_form(
    request: Request,
    writer: Writer,
    document: Annotated[str, Form(max_length=200_000)],
) -> Response:
    """Replace the whole settings with a TOML document (what it leaves out takes the
    default), the same as ``tradeguard dunning-settings set --file``."""

    def work(session: Session, caller: Caller) -> Response:
        def replace() -> None:
            try:
                values = tomllib.loads(document)
            except tomllib.TOMLDecodeError as error:
                raise FormValueError(f"TOML: {error}") from None
            collections.save_settings(session, caller.org, values, caller.actor, replace_all=True)

        error = attempt(session, replace)
        if error is None:
            return RedirectResponse("/settings/dunning?done=settings-saved", status_code=303)
        refusal = Refusal.of("document", error, {"document": document})
        return _settings_page(request, session, caller, refusal=refusal)

    return await writer.run(work)
