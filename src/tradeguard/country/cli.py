"""``tradeguard country show|report``: a country's risk grade and its market-risk report."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from tradeguard.country import report as risk_report
from tradeguard.country import service as countries
from tradeguard.country.schemas import CountryRiskRead
from tradeguard.identity.commands import org_session
from tradeguard.kit.options import (
    DbOption,
    FormatOption,
    OrgOption,
)
from tradeguard.kit.output import (
    OutputFormat,
    emit_json,
    key_value_table,
    stderr,
)

country_app = typer.Typer(help="Country risk: grades and political risk.", no_args_is_help=True)


OutOption = Annotated[Path, typer.Option("--out", help="Where to write the HTML report")]


@country_app.command("show")
def country_show(
    code: Annotated[str, typer.Argument(help="ISO 3166 alpha-2 code")],
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """A country's grade, political risk and the indicators behind them."""
    with org_session(db, org) as (session, organisation):
        risk = countries.country_risk(session, organisation, code)
    if output is OutputFormat.JSON:
        emit_json(CountryRiskRead.of(risk).model_dump(mode="json"))
        return
    key_value_table(
        f"{risk.name} ({risk.country})",
        [
            ("grade (1 lowest risk - 10)", risk.grade),
            ("political risk", risk.political_risk),
            ("transfer and convertibility", risk.transfer_risk),
            ("expropriation", risk.expropriation_risk),
            ("war and civil disturbance", risk.war_risk),
            *asdict(risk.indicators).items(),
            ("income group", risk.income_group),
            ("fragile or conflict-affected", risk.fragile),
            ("source", risk.source),
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
    today = dt.date.today()
    if report_format is ReportFormat.PDF:
        out.write_bytes(risk_report.country_pdf(risk, language.value, today))
    else:
        out.write_text(risk_report.country_html(risk, language.value, today), encoding="utf-8")
    stderr.print(f"wrote {out}")


def register(app: typer.Typer) -> None:
    """Add ``country show|report`` to the ``tradeguard`` application."""
    app.add_typer(country_app, name="country")
