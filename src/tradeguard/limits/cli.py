"""``tradeguard limit request|approve|reject|list`` and ``stop-shipment set|lift``."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated

import typer

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
    stderr,
)
from tradeguard.kit.serialisation import to_jsonable
from tradeguard.limits import service as limits

limit_app = typer.Typer(help="Credit limit requests and decisions.", no_args_is_help=True)


stop_app = typer.Typer(help="Stop shipments to a buyer, or lift the stop.", no_args_is_help=True)


ReasonOption = Annotated[str, typer.Option("--reason", help="Why (kept in the history)")]


# Click reads "-5" as an unknown option; kept as an argument, it is refused as an amount.
_NEGATIVE_AMOUNTS = {"ignore_unknown_options": True}


@limit_app.command("request", context_settings=_NEGATIVE_AMOUNTS)
def limit_request(
    buyer_id: Annotated[str, typer.Argument()],
    amount: Annotated[str, typer.Argument(help="In the base currency, more than 0")],
    reason: ReasonOption = "",
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Ask for a credit limit on a buyer (pending until approved or rejected)."""
    value = parse_amount(amount)
    with org_session(db, org, Permission.REQUEST_LIMITS) as (session, organisation):
        result = limits.request_limit(
            session, organisation, buyer_id, value, reason or None, STATE.actor
        )
        locale = organisation.locale
    _print_request(result, output, locale)


def _decide(
    request_id: int,
    decision: str,
    reason: str,
    amount: str | None,
    output: OutputFormat,
    db: str | None,
    org: str | None,
    override_reason: str | None = None,
) -> None:
    value = None if amount is None else parse_amount(amount)
    with org_session(db, org, Permission.WRITE_LEDGER) as (session, organisation):
        result = limits.decide(
            session,
            organisation,
            request_id,
            decision,
            reason,
            STATE.actor,
            value,
            override_reason=override_reason,
            today=dt.date.today(),
        )
        locale = organisation.locale
    _print_request(result, output, locale)


@limit_app.command("approve")
def limit_approve(
    request_id: Annotated[int, typer.Argument()],
    reason: ReasonOption,
    amount: Annotated[str | None, typer.Option("--amount", help="Approve another amount")] = None,
    override_reason: Annotated[
        str | None,
        typer.Option(
            "--override-reason", help="Why to approve a grade 9-10 or class C buyer (required then)"
        ),
    ] = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Approve a pending request: the limit comes into force. Above the four-eyes amount
    the requester may not approve their own request."""
    _decide(request_id, "approve", reason, amount, output, db, org, override_reason)


@limit_app.command("reject")
def limit_reject(
    request_id: Annotated[int, typer.Argument()],
    reason: ReasonOption,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Reject a pending request."""
    _decide(request_id, "reject", reason, None, output, db, org)


@limit_app.command("list")
def limit_list(
    buyer: BuyerOption = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Limit requests and their decisions (the history), oldest first."""
    with org_session(db, org) as (session, organisation):
        rows = limits.history(session, organisation, buyer)
        locale = organisation.locale
    if output is OutputFormat.JSON:
        emit_json([asdict(r) for r in rows])
        return
    rows_table(
        "Limit requests",
        ["id", "buyer", "requested", "status", "approved", "requested by", "decided by", "reason"],
        [
            [
                r.id,
                r.buyer_id,
                f"{AmountFormat(r.currency, locale).amount(r.amount)} {r.currency}",
                r.status,
                ""
                if r.approved_amount is None
                else AmountFormat(r.currency, locale).amount(r.approved_amount),
                r.requested_by,
                r.decided_by,
                r.decision_reason or r.reason,
            ]
            for r in rows
        ],
    )


def _print_request(request: limits.LimitRequestRecord, output: OutputFormat, locale: str) -> None:
    if output is OutputFormat.JSON:
        emit_json(asdict(request))
        return
    numbers = AmountFormat(request.currency, locale)
    shown = {
        **to_jsonable(asdict(request)),
        "amount": numbers.amount(request.amount),
        "approved_amount": numbers.amount(request.approved_amount),
    }
    key_value_table(f"Limit request {request.id}", list(shown.items()))


@stop_app.command("set")
def stop_set(
    buyer_id: Annotated[str, typer.Argument()],
    reason: ReasonOption,
    until: Annotated[
        dt.date | None,
        typer.Option(
            "--until", parser=parse_date, metavar=DATE_METAVAR, help="Temporary, up to this date"
        ),
    ] = None,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Stop shipments to a buyer: until a date (today or later), or permanently.

    A temporary stop never replaces a permanent one: lift that first.
    """
    with org_session(db, org, Permission.WRITE_LEDGER) as (session, organisation):
        limits.stop_shipment(
            session, organisation, buyer_id, reason, STATE.actor, until, today=dt.date.today()
        )
    stderr.print(f"shipments to {buyer_id} stopped" + (f" until {until:%Y-%m-%d}" if until else ""))


@stop_app.command("lift")
def stop_lift(
    buyer_id: Annotated[str, typer.Argument()],
    reason: ReasonOption,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Lift a buyer's stop-shipment, temporary or permanent (audited, with the reason)."""
    with org_session(db, org, Permission.WRITE_LEDGER) as (session, organisation):
        limits.lift_stop(session, organisation, buyer_id, reason, STATE.actor)
    stderr.print(f"shipments to {buyer_id} may resume")


def register(app: typer.Typer) -> None:
    """Add ``limit`` and ``stop-shipment`` to the ``tradeguard`` application."""
    app.add_typer(limit_app, name="limit")
    app.add_typer(stop_app, name="stop-shipment")
