"""``/api/v1/dunning/...``, ``/api/v1/promises``, ``/api/v1/phone-tasks``,
``/api/v1/agency-handovers`` and a buyer's contact history.

Reading needs ``read_ledger`` (every role); running the ladder, recording promises and
call outcomes, marking letters printed and hand-overs sent and changing the settings
need ``write_ledger`` (credit managers, admins), audited by the service.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Body, Path, Query, Request, status
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from tradeguard.collections import letters, outbox
from tradeguard.collections import service as collections
from tradeguard.collections.handover import CSV_TYPE, XLSX_TYPE, handover_csv, handover_xlsx
from tradeguard.collections.schemas import (
    CallOutcomeCreate,
    CallRead,
    ContactRead,
    DunningRunCreate,
    DunningRunRead,
    DunningSettingsRead,
    PromiseCreate,
    PromiseRead,
    StepEffectRead,
    WorklistRead,
)
from tradeguard.identity.dependencies import Caller, Reader, Writer
from tradeguard.kit.bounds import AsOf
from tradeguard.kit.problems import PROBLEM_RESPONSES
from tradeguard.ledger.repository import load_snapshot

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)

RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _file(content: bytes, media_type: str, filename: str, *, inline: bool = False) -> Response:
    disposition = "inline" if inline else "attachment"
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'{disposition}; filename="{filename}"'},
    )


def _file_answer(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI entry of an endpoint that answers a file rather than JSON."""
    return {200: {"description": description, "content": {media_type: {}}}}


@router.post("/dunning/run", tags=["collections"])
async def run_dunning(
    writer: Writer,
    request: Request,
    background: BackgroundTasks,
    body: DunningRunCreate | None = None,
) -> DunningRunRead:
    """Take each open invoice's due step on ``as_of`` (default today); a second run for
    the same day takes nothing twice. Answers what the run did, like the CLI's JSON; the
    e-mails it queued leave after the answer, through the outbox (SMTP when configured)."""
    day = (body.as_of if body else None) or dt.date.today()
    actors: list[tuple[int, str]] = []

    def run(session: Session, caller: Caller) -> DunningRunRead:
        snapshot = load_snapshot(session.connection(), caller.org.id, caller.org.base_currency)
        actors.append((caller.org.id, caller.actor))
        return DunningRunRead.of(
            collections.run_dunning(session, caller.org, day, caller.actor, snapshot)
        )

    answer = await writer.run(run)  # committed by now
    [(org_id, actor)] = actors
    background.add_task(outbox.send_queued, request.app.state.engine, org_id, actor=actor)
    return answer


@router.get("/dunning/worklist", tags=["collections"])
async def worklist(reader: Reader, as_of: AsOf = None) -> WorklistRead:
    """What is left to do on ``as_of`` (default today) from the runs up to it."""
    return WorklistRead.of(await reader.call(collections.worklist, as_of or dt.date.today()))


@router.get("/dunning/effectiveness", tags=["collections"])
async def effectiveness(reader: Reader, as_of: AsOf = None) -> list[StepEffectRead]:
    """Per quarter and step, the share of the amount at the step collected within the
    settings' window after it, in the base currency at ``as_of`` (default today)."""
    day = as_of or dt.date.today()

    def read(session: Session, caller: Caller) -> list[StepEffectRead]:
        snapshot = load_snapshot(session.connection(), caller.org.id, caller.org.base_currency)
        effects = collections.step_effectiveness(session, caller.org, day, snapshot)
        return [StepEffectRead.of(e, caller.org.base_currency) for e in effects]

    return await reader.run(read)


@router.get("/promises", tags=["collections"])
async def list_promises(
    reader: Reader,
    buyer: Annotated[str | None, Query(max_length=64)] = None,
    status_: Annotated[Literal["open", "kept", "broken"] | None, Query(alias="status")] = None,
) -> list[PromiseRead]:
    """Promises to pay, latest date first; of one buyer, in one status."""
    found = await reader.call(collections.list_promises, buyer_id=buyer, status=status_)
    return [PromiseRead.of(p) for p in found]


@router.post("/promises", tags=["collections"], status_code=status.HTTP_201_CREATED)
async def add_promise(body: PromiseCreate, writer: Writer) -> PromiseRead:
    """Record a buyer's promise to pay, made today: the ladder of the invoices it covers
    (the one named, else all the buyer's open ones) waits until its date."""

    def add(session: Session, caller: Caller) -> PromiseRead:
        return PromiseRead.of(
            collections.add_promise(
                session,
                caller.org,
                buyer_id=body.buyer_id,
                amount=body.amount,
                promised_for=body.promised_for,
                made_on=dt.date.today(),
                actor=caller.actor,
                invoice_id=body.invoice_id,
                note=body.note,
            )
        )

    return await writer.run(add)


@router.post("/phone-tasks/{task_id}/outcome", tags=["collections"])
async def record_call(task_id: RowId, body: CallOutcomeCreate, writer: Writer) -> CallRead:
    """The outcome of a call, once (409 the second time): a promise records the promise
    to pay (amount and date), a dispute opens it on the invoice (invoice and reason)."""
    promise = (
        None
        if body.promise_amount is None or body.promise_date is None
        else (body.promise_amount, body.promise_date)
    )
    dispute = (
        None
        if body.dispute_invoice_id is None or body.dispute_reason is None
        else (body.dispute_invoice_id, body.dispute_reason)
    )

    def record(session: Session, caller: Caller) -> CallRead:
        return CallRead.of(
            collections.record_call(
                session,
                caller.org,
                task_id,
                body.outcome,
                caller.actor,
                on=dt.date.today(),
                note=body.note,
                promise=promise,
                promise_invoice=body.promise_invoice_id,
                dispute=dispute,
            )
        )

    return await writer.run(record)


@router.post(
    "/dunning/documents/{document_id}/printed",
    tags=["collections"],
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
)
async def mark_printed(document_id: RowId, writer: Writer) -> None:
    """The letter has been printed and posted: it leaves the worklist (409 when it
    already has, 404 when the document has no letter)."""
    await writer.run(
        lambda session, caller: collections.mark_printed(
            session, caller.org, document_id, caller.actor
        )
    )


@router.get(
    "/dunning/documents/{document_id}/letter.pdf",
    tags=["collections"],
    response_class=Response,
    responses=_file_answer("application/pdf", "The letter, as PDF"),
)
async def letter_pdf(document_id: RowId, reader: Reader) -> Response:
    """The document's letter as the buyer receives it, in the buyer's language."""

    def render(session: Session, caller: Caller) -> Response:  # in the worker thread
        document = collections.document_of(session, caller.org, document_id)
        return _file(
            letters.letter_pdf(document),
            "application/pdf",
            f"dunning-{document_id}.pdf",
            inline=True,
        )

    return await reader.run(render)


@router.get(
    "/dunning/documents/{document_id}/letter.html",
    tags=["collections"],
    response_class=HTMLResponse,
    responses=_file_answer("text/html", "The letter, as HTML"),
)
async def letter_html(document_id: RowId, reader: Reader) -> HTMLResponse:
    """The document's letter as a web page (print it from the browser)."""

    def render(session: Session, caller: Caller) -> HTMLResponse:
        return HTMLResponse(
            letters.letter_html(collections.document_of(session, caller.org, document_id))
        )

    return await reader.run(render)


@router.get(
    "/agency-handovers/{handover_id}/file.csv",
    tags=["collections"],
    response_class=Response,
    responses=_file_answer("text/csv", "One row per invoice handed over"),
)
async def handover_file_csv(handover_id: RowId, reader: Reader) -> Response:
    """The agency's file: the buyer, each invoice handed over, the documents sent about
    it and the contact history; amounts and dates as text."""

    def build(session: Session, caller: Caller) -> Response:
        rows = collections.handover_rows(session, caller.org, handover_id)
        return _file(handover_csv(rows).encode("utf-8"), CSV_TYPE, f"handover-{handover_id}.csv")

    return await reader.run(build)


@router.get(
    "/agency-handovers/{handover_id}/file.xlsx",
    tags=["collections"],
    response_class=Response,
    responses=_file_answer(XLSX_TYPE, "One row per invoice handed over"),
)
async def handover_file_xlsx(handover_id: RowId, reader: Reader) -> Response:
    """The agency's file as an Excel workbook: amounts as numbers, dates as dates."""

    def build(session: Session, caller: Caller) -> Response:
        rows = collections.handover_rows(session, caller.org, handover_id)
        return _file(handover_xlsx(rows), XLSX_TYPE, f"handover-{handover_id}.xlsx")

    return await reader.run(build)


@router.post(
    "/agency-handovers/{handover_id}/sent",
    tags=["collections"],
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
)
async def mark_handed_over(handover_id: RowId, writer: Writer) -> None:
    """The file has gone to the agency: the hand-over leaves the worklist (409 twice)."""
    await writer.run(
        lambda session, caller: collections.mark_handed_over(
            session, caller.org, handover_id, caller.actor
        )
    )


@router.get("/buyers/{buyer_id}/contact-history", tags=["collections"])
async def contact_history(buyer_id: str, reader: Reader) -> list[ContactRead]:
    """The buyer's dunning documents, calls and their outcomes, promises and disputes,
    newest first."""
    return [ContactRead.of(c) for c in await reader.call(collections.contact_history, buyer_id)]


@router.get("/dunning/settings", tags=["collections"])
async def get_settings(reader: Reader) -> DunningSettingsRead:
    """The ladder per credit class and the letterhead (defaults where never changed)."""
    settings = await reader.call(collections.load_settings)
    return DunningSettingsRead.model_validate(settings.as_dict())


@router.put("/dunning/settings", tags=["collections"])
async def put_settings(
    writer: Writer,
    document: Annotated[
        dict[str, Any],
        Body(
            examples=[
                {
                    "promise_grace_days": 3,
                    "letterhead": {"name": "Acme Exports Ltd", "email": "ar@acme.test"},
                    "policies": {"C": {"catch_up": "one_step", "min_gap_days": 5}},
                }
            ]
        ),
    ],
) -> DunningSettingsRead:
    """Replace the whole settings document (what it leaves out takes the default), the
    same as ``tradeguard dunning-settings set --file``; validated whole, audited."""

    def save(session: Session, caller: Caller) -> DunningSettingsRead:
        collections.save_settings(session, caller.org, document, caller.actor, replace_all=True)
        return DunningSettingsRead.model_validate(
            collections.load_settings(session, caller.org).as_dict()
        )

    return await writer.run(save)
