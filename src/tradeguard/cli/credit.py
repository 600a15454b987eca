"""Credit commands: ``score``, ``country show|report``, ``model fit|validate|report``,
``credit-settings show|set``, ``limit request|approve|reject|list``, ``stop-shipment set|lift``."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from tradeguard.cli.context import (
    DATE_METAVAR,
    STATE,
    AsOfOption,
    DbOption,
    FormatOption,
    OrgOption,
    as_of_date,
    org_session,
    parse_date,
)
from tradeguard.cli.output import (
    AmountFormat,
    OutputFormat,
    emit_json,
    key_value_table,
    rows_table,
    stderr,
)
from tradeguard.domain.access import Permission
from tradeguard.serialisation import to_jsonable
from tradeguard.services import country as countries
from tradeguard.services import credit, credit_model, credit_reports, limits

country_app = typer.Typer(help="Country risk: grades and political risk.", no_args_is_help=True)
model_app = typer.Typer(help="The credit model fitted on your own history.", no_args_is_help=True)
settings_app = typer.Typer(help="Credit settings of the organisation.", no_args_is_help=True)
limit_app = typer.Typer(help="Credit limit requests and decisions.", no_args_is_help=True)
stop_app = typer.Typer(help="Stop shipments to a buyer, or lift the stop.", no_args_is_help=True)
ReasonOption = Annotated[str, typer.Option("--reason", help="Why (kept in the history)")]

BuyerOption = Annotated[str | None, typer.Option("--buyer", help="Only this buyer")]
OutOption = Annotated[Path, typer.Option("--out", help="Where to write the HTML report")]


def register(app: typer.Typer) -> None:
    """Add the credit commands to the ``tradeguard`` application."""
    app.command("score")(score)
    app.add_typer(country_app, name="country")
    app.add_typer(model_app, name="model")
    app.add_typer(settings_app, name="credit-settings")
    app.add_typer(limit_app, name="limit")
    app.add_typer(stop_app, name="stop-shipment")


def score(
    as_of: AsOfOption = None,
    buyer: BuyerOption = None,
    save: Annotated[
        bool, typer.Option("--save/--no-save", help="Record the score history (default)")
    ] = True,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Score buyers: PD, grade 1-10, class A/B/C, recommended limit, Altman, reasons."""
    day = as_of_date(as_of)
    permission = Permission.WRITE_LEDGER if save else Permission.READ_LEDGER
    with org_session(db, org, permission) as (session, organisation):
        rows = credit.score_buyers(session, organisation, day, buyer_id=buyer, save=save)
        numbers = AmountFormat(organisation.base_currency, organisation.locale)
    if output is OutputFormat.JSON:
        emit_json({"as_of": day, "buyers": rows})
        return
    rows_table(
        f"Credit scores on {day.isoformat()} (limits in {numbers.currency})",
        ["buyer", "PD", "grade", "class", "limit", "Altman", "ctry", "main reason"],
        [
            [
                r["buyer_id"],
                f"{r['pd']:.2%}",
                r["grade"],
                r["credit_class"],
                numbers.amount(r["limit_recommended"]),
                "" if r["altman"] is None else f"{r['altman']['variant']} {r['altman']['value']}",
                r["country_grade"],
                r["reasons"][0]["code"] if r["reasons"] else "",
            ]
            for r in rows
        ],
        notes=1,
    )


@country_app.command("show")
def country_show(
    code: Annotated[str, typer.Argument(help="ISO 3166 alpha-2 code")],
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """A country's grade, political risk and the indicators behind them."""
    with org_session(db, org) as (session, organisation):
        risk = countries.country_risk(session, organisation, code).as_dict()
    if output is OutputFormat.JSON:
        emit_json(risk)
        return
    detail = risk["political_risk_detail"]
    key_value_table(
        f"{risk['name']} ({risk['country']})",
        [
            ("grade (1 lowest risk - 10)", risk["grade"]),
            ("political risk", risk["political_risk"]),
            ("transfer and convertibility", detail["transfer_and_convertibility"]),
            ("expropriation", detail["expropriation"]),
            ("war and civil disturbance", detail["war_and_civil_disturbance"]),
            *risk["indicators"].items(),
            ("income group", risk["income_group"]),
            ("fragile or conflict-affected", risk["fragile_or_conflict"]),
            ("source", risk["source"]),
        ],
    )


class ReportFormat(StrEnum):
    HTML = "html"
    PDF = "pdf"


class ReportLanguage(StrEnum):
    EN = "en"
    ZH = "zh"


@country_app.command("report")
def country_report(
    code: Annotated[str, typer.Argument(help="ISO 3166 alpha-2 code")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the report")],
    report_format: Annotated[
        ReportFormat, typer.Option("--format", help="html or pdf")
    ] = ReportFormat.HTML,
    language: Annotated[
        ReportLanguage, typer.Option("--lang", help="en or zh")
    ] = ReportLanguage.EN,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """The market risk report of a country (indicators, sources, a short text): HTML or PDF."""
    with org_session(db, org) as (session, organisation):
        risk = countries.country_risk(session, organisation, code)
    if report_format is ReportFormat.PDF:
        out.write_bytes(credit_reports.country_pdf(risk, language.value))
    else:
        out.write_text(credit_reports.country_html(risk, language.value), encoding="utf-8")
    stderr.print(f"wrote {out}")


@model_app.command("fit")
def model_fit(
    as_of: AsOfOption = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Fit the model on your history (out-of-time test on the latest year) and keep it."""
    day = as_of_date(as_of)
    with org_session(db, org, Permission.WRITE_LEDGER) as (session, organisation):
        row = credit_model.fit_model(session, organisation, day, STATE.actor)
        report: dict[str, Any] = {"model_id": row.id, **row.report}
    _print_report(report, output)


@model_app.command("validate")
def model_validate(
    as_of: AsOfOption = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """The latest model on the latest out-of-time year, beside the expert scorecard."""
    with org_session(db, org) as (session, organisation):
        report = credit_model.validate_model(session, organisation, as_of_date(as_of))
    _print_report(report, output)


@model_app.command("report")
def model_report(
    out: OutOption,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """The latest model's validation report as HTML."""
    with org_session(db, org) as (session, organisation):
        row = credit_model.latest_model(session, organisation)
        html = credit_reports.model_html(row.id, row.report)
    out.write_text(html, encoding="utf-8")
    stderr.print(f"wrote {out}")


def _print_report(report: dict[str, Any], output: OutputFormat) -> None:
    if output is OutputFormat.JSON:
        emit_json(report)
        return
    rows_table(
        f"Out-of-time test {report['test_date']}: {report['test_buyers']} buyers, "
        f"{report['test_defaults']} defaults",
        ["model", "AUC", "Gini", "KS", "Brier"],
        [
            [name, m["auc"], m["gini"], m["ks"], m["brier"]]
            for name, m in (("fitted", report["fitted"]), ("expert", report["expert"]))
        ],
    )


@settings_app.command("show")
def settings_show(
    output: FormatOption = OutputFormat.TABLE, db: DbOption = None, org: OrgOption = None
) -> None:
    """The organisation's credit settings (defaults where never changed)."""
    with org_session(db, org) as (session, organisation):
        values = credit.load_settings(session, organisation).as_dict()
    if output is OutputFormat.JSON:
        emit_json(values)
    else:
        key_value_table("Credit settings", list(to_jsonable(values).items()))


@settings_app.command("set")
def settings_set(
    values: Annotated[list[str], typer.Argument(help="NAME=JSON_VALUE, e.g. mode='\"fitted\"'")],
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Change settings, e.g. `mode=fitted class_a_max_grade=4` (audited)."""
    changes: dict[str, Any] = {}
    for item in values:
        name, _, text = item.partition("=")
        try:
            changes[name] = json.loads(text)
        except json.JSONDecodeError:
            changes[name] = text
    with org_session(db, org, Permission.WRITE_LEDGER) as (session, organisation):
        credit.save_settings(session, organisation, changes, STATE.actor)
    stderr.print(f"changed {', '.join(sorted(changes))}")


def _amount(text: str) -> Decimal:
    """A positive amount; a negative one is taken as the argument, not as an option."""
    try:
        amount = Decimal(text.strip())
    except InvalidOperation:
        raise typer.BadParameter(f"not an amount: {text!r}") from None
    if not amount.is_finite() or amount <= 0:
        raise typer.BadParameter(f"the amount must be positive, not {text}")
    return amount


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
    value = _amount(amount)
    with org_session(db, org, Permission.REQUEST_LIMITS) as (session, organisation):
        row = limits.request_limit(
            session, organisation, buyer_id, value, reason or None, STATE.actor
        )
        result = limits.request_as_dict(row)
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
    value = None if amount is None else _amount(amount)
    with org_session(db, org, Permission.WRITE_LEDGER) as (session, organisation):
        row = limits.decide(
            session,
            organisation,
            request_id,
            decision,
            reason,
            STATE.actor,
            value,
            override_reason=override_reason,
        )
        result = limits.request_as_dict(row)
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
        emit_json(rows)
        return
    rows_table(
        "Limit requests",
        ["id", "buyer", "requested", "status", "approved", "requested by", "decided by", "reason"],
        [
            [
                r["id"],
                r["buyer_id"],
                f"{AmountFormat(r['currency'], locale).amount(r['amount'])} {r['currency']}",
                r["status"],
                ""
                if r["approved_amount"] is None
                else AmountFormat(r["currency"], locale).amount(r["approved_amount"]),
                r["requested_by"],
                r["decided_by"],
                r["decision_reason"] or r["reason"],
            ]
            for r in rows
        ],
    )


def _print_request(result: dict[str, Any], output: OutputFormat, locale: str) -> None:
    if output is OutputFormat.JSON:
        emit_json(result)
        return
    numbers = AmountFormat(result["currency"], locale)
    shown = {
        **to_jsonable(result),
        "amount": numbers.amount(result["amount"]),
        "approved_amount": numbers.amount(result["approved_amount"]),
    }
    key_value_table(f"Limit request {result['id']}", list(shown.items()))


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
        limits.stop_shipment(session, organisation, buyer_id, reason, STATE.actor, until)
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
