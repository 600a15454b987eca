"""``tradeguard dispute open|resolve|list``."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated

import typer

from tradeguard.disputes import service as disputes
from tradeguard.domain.disputes import DisputeOutcome, DisputeStatus
from tradeguard.domain.identity.access import Permission
from tradeguard.identity.commands import STATE, org_session
from tradeguard.kit.options import (
    DATE_METAVAR,
    BuyerOption,
    DbOption,
    FormatOption,
    OrgOption,
    parse_amount,
    parse_date,
)
from tradeguard.kit.output import (
    AmountFormat,
    OutputFormat,
    emit_json,
    key_value_table,
    rows_table,
)
from tradeguard.kit.serialisation import to_jsonable

dispute_app = typer.Typer(help="Disputes over invoices: open, resolve, list.", no_args_is_help=True)

OnOption = Annotated[
    dt.date | None,
    typer.Option("--on", parser=parse_date, metavar=DATE_METAVAR, help="Default: today"),
]


@dispute_app.command("open")
def dispute_open(
    invoice_id: Annotated[str, typer.Argument()],
    reason: Annotated[str, typer.Option("--reason", help="What the buyer objects to")],
    amount: Annotated[
        str | None,
        typer.Option(
            "--amount", help="In the invoice's currency; default: what was open on it that day"
        ),
    ] = None,
    on: OnOption = None,
    dispute_id: Annotated[
        str | None, typer.Option("--id", help='Default: generated ("D-" and 12 hex digits)')
    ] = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Open a dispute on an invoice (audited)."""
    value = None if amount is None else parse_amount(amount)
    with org_session(db, org, Permission.WRITE_LEDGER) as (session, organisation):
        record = disputes.open_dispute(
            session,
            organisation,
            invoice_id,
            reason,
            STATE.actor,
            opened_on=on or dt.date.today(),
            amount=value,
            dispute_id=dispute_id,
        )
        locale = organisation.locale
    _print(record, output, locale)


@dispute_app.command("resolve")
def dispute_resolve(
    dispute_id: Annotated[str, typer.Argument()],
    outcome: Annotated[
        DisputeOutcome,
        typer.Option(
            "--outcome", help="valid: the buyer must pay; justified: a credit note follows"
        ),
    ],
    on: OnOption = None,
    comment: Annotated[str | None, typer.Option("--comment", help="Kept in the audit log")] = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Resolve an open dispute, once (audited)."""
    with org_session(db, org, Permission.WRITE_LEDGER) as (session, organisation):
        record = disputes.resolve_dispute(
            session,
            organisation,
            dispute_id,
            outcome.value,
            STATE.actor,
            resolved_on=on or dt.date.today(),
            comment=comment,
        )
        locale = organisation.locale
    _print(record, output, locale)


@dispute_app.command("list")
def dispute_list(
    status: Annotated[
        DisputeStatus | None, typer.Option("--status", help="open or resolved; default both")
    ] = None,
    buyer: BuyerOption = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Disputes, oldest first."""
    with org_session(db, org) as (session, organisation):
        records = disputes.list_disputes(session, organisation, status=status, buyer_id=buyer)
        locale = organisation.locale
    if output is OutputFormat.JSON:
        emit_json([asdict(r) for r in records])
        return
    rows_table(
        "Disputes",
        [
            *("dispute", "invoice", "buyer", "opened", "amount"),
            *("status", "resolved", "outcome", "reason"),
        ],
        [
            [
                r.dispute_id,
                r.invoice_id,
                r.buyer_id,
                r.opened_on,
                ""
                if r.amount is None
                else f"{AmountFormat(r.currency, locale).amount(r.amount)} {r.currency}",
                r.status,
                r.resolved_on,
                r.outcome,
                r.reason,
            ]
            for r in records
        ],
        keys=3,
        notes=1,
    )


def _print(record: disputes.DisputeRecord, output: OutputFormat, locale: str) -> None:
    if output is OutputFormat.JSON:
        emit_json(asdict(record))
        return
    shown = {
        **to_jsonable(asdict(record)),
        "amount": AmountFormat(record.currency, locale).amount(record.amount),
    }
    key_value_table(f"Dispute {record.dispute_id}", list(shown.items()))


def register(app: typer.Typer) -> None:
    """Add ``dispute`` to the ``tradeguard`` application."""
    app.add_typer(dispute_app, name="dispute")
