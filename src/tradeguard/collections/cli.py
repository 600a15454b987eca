"""``tradeguard dunning run|list|call|letter|handover|history|effectiveness``,
``tradeguard promise add|list``, ``tradeguard dunning-settings show|set`` and
``tradeguard outbox list|send|resend|export``."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from tradeguard.collections import outbox
from tradeguard.collections import service as collections
from tradeguard.collections.handover import handover_csv, handover_xlsx
from tradeguard.collections.letters import letter_html, letter_pdf
from tradeguard.domain.identity.access import Permission
from tradeguard.identity.commands import STATE, org_session
from tradeguard.kit.options import (
    DATE_METAVAR,
    AsOfOption,
    BuyerOption,
    DbOption,
    FormatOption,
    OrgOption,
    as_of_date,
    parse_amount,
    parse_date,
    setting_changes,
)
from tradeguard.kit.output import (
    OutputFormat,
    emit_json,
    key_value_table,
    plain,
    rows_table,
    stderr,
)
from tradeguard.kit.serialisation import to_jsonable
from tradeguard.ledger.repository import load_snapshot

dunning_app = typer.Typer(
    help="The dunning ladder: run it, and today's worklist.", no_args_is_help=True
)
promise_app = typer.Typer(help="Promises to pay: add, list.", no_args_is_help=True)
settings_app = typer.Typer(
    help="The dunning policies per credit class and the letterhead.", no_args_is_help=True
)
outbox_app = typer.Typer(
    help="The dunning e-mails: list, send, resend one that did not arrive, export.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add ``dunning``, ``promise``, ``dunning-settings`` and ``outbox`` to ``tradeguard``."""
    app.add_typer(dunning_app, name="dunning")
    app.add_typer(promise_app, name="promise")
    app.add_typer(settings_app, name="dunning-settings")
    app.add_typer(outbox_app, name="outbox")


def send_after_commit(db: str | None, org_id: int) -> None:
    """Send what a committed run queued; the report on stderr, so that stdout stays the
    run's own output (a send that fails leaves the messages to the next one)."""
    report = outbox.send_queued(STATE.engine(db), org_id, actor=STATE.actor)
    if not report.empty:
        plain(report.describe())


def _money(amounts: dict[str, Decimal]) -> str:
    return " + ".join(f"{amount:,} {currency}" for currency, amount in amounts.items())


@dunning_app.command("run")
def dunning_run(
    as_of: AsOfOption = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Take each open invoice's due step (twice for a date does nothing twice)."""
    day = as_of_date(as_of)
    with org_session(db, org, Permission.WRITE_LEDGER) as (session, organisation):
        snapshot = load_snapshot(session.connection(), organisation.id, organisation.base_currency)
        run = collections.run_dunning(session, organisation, day, STATE.actor, snapshot)
        org_id = organisation.id
    if output is OutputFormat.JSON:
        emit_json(
            {
                "as_of": day,
                "actions": [to_jsonable(asdict(a)) for a in run.actions],
                **run.summary(),
            }
        )
    else:
        _print_run(day, run)
    send_after_commit(db, org_id)


def _print_run(day: dt.date, run: collections.DunningRun) -> None:
    rows_table(
        f"Dunning {day.isoformat()} ({len(run.actions)} actions, {run.documents} documents)",
        ["invoice", "days", "amount", "buyer", "step", "status"],
        [
            [
                a.invoice_id,
                a.days_overdue,
                f"{a.amount:,} {a.currency}",
                a.buyer_id,
                f"{a.step} ({a.channel})",
                a.status + (" (promise broken)" if a.escalated else ""),
            ]
            for a in run.actions
        ],
        notes=3,
    )


@dunning_app.command("list")
def dunning_list(
    as_of: AsOfOption = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Today's worklist: calls to make, letters to print, hand-overs to send, promises
    due, e-mails that did not leave."""
    day = as_of_date(as_of)
    with org_session(db, org) as (session, organisation):
        work = collections.worklist(session, organisation, day)
    if output is OutputFormat.JSON:
        emit_json(to_jsonable(asdict(work)))
        return
    for title, items in (
        ("Calls to make", work.calls),
        ("Letters to print", work.letters),
        ("Hand-overs to send", work.handovers),
        ("Promises due", work.promises),
        ("E-mails not sent", work.emails),
    ):
        rows_table(
            f"{title} ({len(items)})",
            ["id", "since", "amount", "buyer", "step", "detail"],
            [
                [
                    i.id,
                    i.since,
                    _money(i.amounts),
                    f"{i.buyer_id} {i.buyer_name}",
                    i.step or "",
                    "; ".join(f"{k}: {v}" for k, v in i.detail.items() if v),
                ]
                for i in items
            ],
            notes=3,
        )


@promise_app.command("add")
def promise_add(
    buyer: Annotated[str, typer.Option("--buyer", help="The buyer who promises")],
    amount: Annotated[str, typer.Option("--amount", help="In the invoices' currency")],
    date: Annotated[
        dt.date,
        typer.Option("--date", parser=parse_date, metavar=DATE_METAVAR, help="Paid by this day"),
    ],
    invoice: Annotated[
        str | None, typer.Option("--invoice", help="Only this invoice (default: all open)")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="What was said")] = None,
    made_on: Annotated[
        dt.date | None,
        typer.Option("--on", parser=parse_date, metavar=DATE_METAVAR, help="Default: today"),
    ] = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Record a promise to pay: the ladder of its invoices waits until the date (audited)."""
    with org_session(db, org, Permission.WRITE_LEDGER) as (session, organisation):
        promise = collections.add_promise(
            session,
            organisation,
            buyer_id=buyer,
            amount=parse_amount(amount),
            promised_for=date,
            made_on=as_of_date(made_on),
            actor=STATE.actor,
            invoice_id=invoice,
            note=note,
        )
    if output is OutputFormat.JSON:
        emit_json(to_jsonable(asdict(promise)))
    else:
        stderr.print(
            f"promise {promise.id}: {promise.buyer_id} pays {promise.amount:,} "
            f"{promise.currency} by {promise.promised_for.isoformat()} "
            f"({len(promise.invoice_ids)} invoice(s))"
        )


@promise_app.command("list")
def promise_list(
    buyer: BuyerOption = None,
    status: Annotated[str | None, typer.Option("--status", help="open, kept or broken")] = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Promises to pay, latest date first."""
    with org_session(db, org) as (session, organisation):
        promises = collections.list_promises(session, organisation, buyer_id=buyer, status=status)
    if output is OutputFormat.JSON:
        emit_json([to_jsonable(asdict(p)) for p in promises])
        return
    rows_table(
        f"Promises ({len(promises)})",
        ["id", "buyer", "amount", "by", "made", "status", "invoices"],
        [
            [
                p.id,
                p.buyer_id,
                f"{p.amount:,} {p.currency}",
                p.promised_for,
                p.made_on,
                p.status,
                ", ".join(p.invoice_ids),
            ]
            for p in promises
        ],
        notes=1,
    )


@settings_app.command("show")
def settings_show(
    output: FormatOption = OutputFormat.TABLE, db: DbOption = None, org: OrgOption = None
) -> None:
    """The policies per credit class and the letterhead (defaults where never changed)."""
    with org_session(db, org) as (session, organisation):
        values = collections.load_settings(session, organisation).as_dict()
    if output is OutputFormat.JSON:
        emit_json(values)
        return
    for credit_class, policy in values["policies"].items():
        rows_table(
            f"Class {credit_class}: catch_up={policy['catch_up']}, "
            f"min_gap_days={policy['min_gap_days']}",
            ["step", "days", "channel", "required", "own wording"],
            [
                [
                    s["name"],
                    s["days"],
                    ", ".join(s["channel"]),
                    "yes" if s["required"] else "no",
                    ", ".join(s["templates"]) or "-",
                ]
                for s in policy["steps"]
            ],
        )
    rows: list[tuple[str, Any]] = [(f"letterhead.{k}", v) for k, v in values["letterhead"].items()]
    rows += [
        ("promise_grace_days", values["promise_grace_days"]),
        ("effectiveness_window_days", values["effectiveness_window_days"]),
    ]
    key_value_table("Dunning settings", rows)


@settings_app.command("set")
def settings_set(
    values: Annotated[
        list[str] | None,
        typer.Argument(help="NAME=VALUE, e.g. promise_grace_days=3 letterhead.name='ACME Ltd'"),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            exists=True,
            dir_okay=False,
            help="A TOML file with the whole settings (policies.A.steps = [...]; see "
            "docs/collections.md); what it leaves out takes the default",
        ),
    ] = None,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Change the dunning settings, by name or from a TOML file (audited)."""
    if (file is None) == (not values):
        raise typer.BadParameter("give NAME=VALUE pairs or --file, one of the two")
    if file is not None:
        try:
            changes = tomllib.loads(file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise typer.BadParameter(f"{file}: {error}", param_hint="--file") from None
    else:
        changes = setting_changes(values or [])
    with org_session(db, org, Permission.WRITE_LEDGER) as (session, organisation):
        collections.save_settings(
            session, organisation, changes, STATE.actor, replace_all=file is not None
        )
    stderr.print(f"changed {', '.join(sorted(changes))}")


@dunning_app.command("call")
def dunning_call(
    task_id: Annotated[int, typer.Argument(min=1, help="The phone task (dunning list)")],
    outcome: Annotated[
        collections.CallOutcome, typer.Option("--outcome", help="What came of the call")
    ],
    note: Annotated[str | None, typer.Option("--note", help="What was said")] = None,
    amount: Annotated[str | None, typer.Option("--amount", help="Promised amount")] = None,
    date: Annotated[
        dt.date | None,
        typer.Option("--date", parser=parse_date, metavar=DATE_METAVAR, help="Promised date"),
    ] = None,
    invoice: Annotated[
        str | None,
        typer.Option("--invoice", help="The disputed invoice, or the one the promise is for"),
    ] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="What is disputed")] = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Record a call's outcome: reached, promise (--amount, --date [--invoice]),
    dispute (--invoice, --reason) or no_answer (audited)."""
    promise = None
    if amount is not None or date is not None:
        if amount is None or date is None:
            raise typer.BadParameter("a promise needs both --amount and --date")
        promise = (parse_amount(amount), date)
    dispute = None
    if reason is not None:
        if invoice is None:
            raise typer.BadParameter("a dispute needs both --invoice and --reason")
        dispute = (invoice, reason)
    with org_session(db, org, Permission.WRITE_LEDGER) as (session, organisation):
        call = collections.record_call(
            session,
            organisation,
            task_id,
            outcome,
            STATE.actor,
            on=dt.date.today(),
            note=note,
            promise=promise,
            promise_invoice=invoice if promise is not None and dispute is None else None,
            dispute=dispute,
        )
    if output is OutputFormat.JSON:
        emit_json(to_jsonable(asdict(call)))
    else:
        stderr.print(f"call {call.id} to {call.buyer_id}: {call.outcome}")


@dunning_app.command("letter")
def dunning_letter(
    document_id: Annotated[int, typer.Argument(min=1, help="The letter (dunning list)")],
    out: Annotated[Path, typer.Option("--out", help="A .pdf or .html file to write")],
    printed: Annotated[
        bool, typer.Option("--printed", help="Also mark it printed (it leaves the worklist)")
    ] = False,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Write a dunning letter as PDF or HTML, in the buyer's language."""
    if out.suffix.lower() not in {".pdf", ".html"}:
        raise typer.BadParameter("write a .pdf or an .html file", param_hint="--out")
    permission = Permission.WRITE_LEDGER if printed else Permission.READ_LEDGER
    with org_session(db, org, permission) as (session, organisation):
        document = collections.document_of(session, organisation, document_id)
        if out.suffix.lower() == ".pdf":
            out.write_bytes(letter_pdf(document))
        else:
            out.write_text(letter_html(document), encoding="utf-8")
        if printed:
            collections.mark_printed(session, organisation, document_id, STATE.actor)
    stderr.print(f"wrote {out}")


@dunning_app.command("handover")
def dunning_handover(
    handover_id: Annotated[int, typer.Argument(min=1, help="The hand-over (dunning list)")],
    out: Annotated[Path, typer.Option("--out", help="A .csv or .xlsx file to write")],
    sent: Annotated[bool, typer.Option("--sent", help="Also mark it sent to the agency")] = False,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Write the agency's hand-over file: the debt per invoice, the documents, the
    contact history."""
    if out.suffix.lower() not in {".csv", ".xlsx"}:
        raise typer.BadParameter("write a .csv or an .xlsx file", param_hint="--out")
    permission = Permission.WRITE_LEDGER if sent else Permission.READ_LEDGER
    with org_session(db, org, permission) as (session, organisation):
        rows = collections.handover_rows(session, organisation, handover_id)
        if out.suffix.lower() == ".csv":
            out.write_text(handover_csv(rows), encoding="utf-8")
        else:
            out.write_bytes(handover_xlsx(rows))
        if sent:
            collections.mark_handed_over(session, organisation, handover_id, STATE.actor)
    stderr.print(f"wrote {out} ({len(rows)} invoices)")


@dunning_app.command("history")
def dunning_history(
    buyer: Annotated[str, typer.Option("--buyer", help="The buyer")],
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """A buyer's contact history: letters, e-mails, calls, promises, disputes."""
    with org_session(db, org) as (session, organisation):
        history = collections.contact_history(session, organisation, buyer)
    if output is OutputFormat.JSON:
        emit_json(
            [
                {
                    "on": c.on,
                    "kind": c.kind,
                    "step": c.step,
                    "summary": c.summary,
                    "status": c.status,
                }
                for c in history
            ]
        )
        return
    rows_table(
        f"Contact history of {buyer} ({len(history)})",
        ["on", "kind", "step", "what", "status"],
        [[c.on, c.kind, c.step or "", c.summary, c.status or ""] for c in history],
        notes=3,
    )


@dunning_app.command("effectiveness")
def dunning_effectiveness(
    as_of: AsOfOption = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Per quarter and step: the share of the amount at the step collected within the
    window after it (15 days by default)."""
    day = as_of_date(as_of)
    with org_session(db, org) as (session, organisation):
        snapshot = load_snapshot(session.connection(), organisation.id, organisation.base_currency)
        effects = collections.step_effectiveness(session, organisation, day, snapshot)
        base = organisation.base_currency
    if output is OutputFormat.JSON:
        emit_json(
            {"as_of": day, "currency": base, "steps": [to_jsonable(asdict(e)) for e in effects]}
        )
        return
    rows_table(
        f"Dunning effectiveness ({base})",
        ["quarter", "step", "steps", "amount", "collected", "share", "complete"],
        [
            [
                e.quarter,
                e.step,
                e.steps,
                f"{e.amount:,}",
                f"{e.collected:,}",
                "" if e.share is None else f"{e.share:.1%}",
                "yes" if e.complete else "not yet",
            ]
            for e in effects
        ],
    )


# ---- the outbox --------------------------------------------------------------------------

StatusOption = Annotated[
    str | None,
    typer.Option("--status", help="queued, sending, sent, failed or unconfirmed (default: all)"),
]


def _message_json(m: outbox.MessageRecord) -> Any:
    return to_jsonable(asdict(m))


@outbox_app.command("list")
def outbox_list(
    status: StatusOption = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """The e-mails in the order they were queued, with what became of each."""
    with org_session(db, org) as (session, organisation):
        messages = outbox.list_messages(session, organisation, status)
    if output is OutputFormat.JSON:
        emit_json([_message_json(m) for m in messages])
        return
    rows_table(
        f"Outbox ({len(messages)})",
        ["id", "queued", "buyer", "step", "recipient", "status", "tries", "subject / error"],
        [
            [
                m.id,
                m.as_of,
                m.buyer_id,
                m.step,
                m.recipient,
                m.status,
                m.attempts,
                "; ".join(part for part in (m.subject, m.last_error) if part),
            ]
            for m in messages
        ],
        notes=1,
    )


@outbox_app.command("send")
def outbox_send(
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Send at most this many")
    ] = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Send the waiting e-mails through TRADEGUARD_SMTP_HOST (a failed one is tried again;
    an unconfirmed one only after `outbox resend`)."""
    with org_session(db, org, Permission.WRITE_LEDGER) as (_, organisation):
        org_id = organisation.id
    report = outbox.send_queued(STATE.engine(db), org_id, limit=limit, actor=STATE.actor)
    if output is OutputFormat.JSON:
        emit_json(asdict(report))
    else:
        plain(report.describe())


@outbox_app.command("resend")
def outbox_resend(
    message_id: Annotated[int, typer.Argument(help="The message's id (`outbox list`)")],
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Queue an unconfirmed or failed e-mail again, once you have checked that it did not
    arrive (audited); the next send sends it."""
    with org_session(db, org, Permission.WRITE_LEDGER) as (session, organisation):
        message = outbox.resend(session, organisation, message_id, STATE.actor)
    if output is OutputFormat.JSON:
        emit_json(_message_json(message))
    else:
        plain(f"message {message.id} to {message.recipient} is queued again")


@outbox_app.command("export")
def outbox_export(
    out: Annotated[
        Path,
        typer.Option("--out", file_okay=False, help="The folder the .eml files are written to"),
    ],
    status: StatusOption = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Write each e-mail as an .eml file (outbox-ID.eml), to send or keep elsewhere; their
    status does not change."""
    with org_session(db, org) as (session, organisation):
        messages = outbox.export(session, organisation, status)
    out.mkdir(parents=True, exist_ok=True)
    for message in messages:
        (out / f"outbox-{message.record.id}.eml").write_bytes(message.eml)
    if output is OutputFormat.JSON:
        emit_json(
            [
                {
                    **_message_json(m.record),
                    "subject": m.subject,
                    "text": m.text,
                    "html": m.html,
                    "file": str(out / f"outbox-{m.record.id}.eml"),
                }
                for m in messages
            ]
        )
    else:
        plain(f"{len(messages)} e-mail(s) written to {out}")
