"""``tradeguard report ...``: receivables analytics from the command line."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import typer

from tradeguard.identity.commands import org_session
from tradeguard.kit.options import AsOfOption, DbOption, FormatOption, OrgOption, as_of_date
from tradeguard.kit.output import (
    AmountFormat,
    OutputFormat,
    emit_json,
    key_value_table,
    rows_table,
)
from tradeguard.receivables import service as reports
from tradeguard.receivables.schemas import (
    AgeingReport,
    BehaviourReport,
    BucketTotal,
    BuyerBehaviour,
    PortfolioSummary,
)

report_app = typer.Typer(
    help="Receivables reports (ageing, KPIs, payment behaviour).", no_args_is_help=True
)


BucketsOption = Annotated[
    str | None,
    typer.Option("--buckets", help="Upper edges in days overdue (default 0,30,60,90,180)"),
]


ByOption = Annotated[
    str | None, typer.Option("--by", help="Also per buyer, country, industry or grade")
]


LimitOption = Annotated[
    int | None, typer.Option("--limit", min=1, help="Only the first N buyers (default all)")
]


def _bucket_table(title: str, rows: list[BucketTotal], numbers: AmountFormat) -> None:
    rows_table(
        title,
        ["bucket", "invoices", f"amount ({numbers.currency})"],
        [[b.label, numbers.count(b.count), numbers.amount(b.amount)] for b in rows],
    )


def _ageing_matrix(title: str, by: str, result: AgeingReport, numbers: AmountFormat) -> None:
    """One row per group (largest total first, as the report orders them), one column
    per bucket and the total; the last row is the whole portfolio."""
    named = by == "buyer"
    keys = [by, "name"] if named else [by]
    rows = [
        [
            "(none)" if group.group is None else group.group,
            *([group.name] if named else []),
            *(numbers.amount(b.amount) for b in group.buckets),
            numbers.amount(group.total),
        ]
        for group in result.groups
    ]
    total = [
        "all",
        *([""] if named else []),
        *(numbers.amount(b.amount) for b in result.buckets),
        numbers.amount(result.total),
    ]
    labels = [b.label for b in result.buckets]
    rows_table(title, [*keys, *labels, "total"], rows, keys=len(keys), total=total)


@report_app.command()
def ageing(
    as_of: AsOfOption = None,
    buckets: BucketsOption = None,
    by: ByOption = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Open receivables by days overdue, on any past date."""
    day = as_of_date(as_of)
    edges = reports.bucket_edges(buckets)
    with org_session(db, org) as (session, organisation):
        result = reports.ageing_report(session, organisation, day, edges, by)
        numbers = AmountFormat(organisation.base_currency, organisation.locale)
    if output is OutputFormat.JSON:
        emit_json(result.model_dump(mode="json"))
        return
    title = f"Ageing on {day.isoformat()} ({numbers.currency})"
    if by is None:
        _bucket_table(title, result.buckets, numbers)
    else:
        _ageing_matrix(f"{title} by {by}", by, result, numbers)


@report_app.command()
def kpis(
    as_of: AsOfOption = None,
    period_days: Annotated[int, typer.Option("--period-days", help="Days in the period")] = 90,
    countback_months: Annotated[
        str, typer.Option("--countback-months", help="calendar or 30-day")
    ] = "calendar",
    cei_sales: Annotated[
        str, typer.Option("--cei-sales", help="total or monthly_average")
    ] = "total",
    trend: Annotated[bool, typer.Option("--trend", help="Also the last 8 quarters")] = False,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """DSO (standard and countback), best possible DSO, ADD, CEI, bad debt, concentration."""
    day = as_of_date(as_of)
    settings = reports.kpi_settings(period_days, countback_months, cei_sales)
    with org_session(db, org) as (session, organisation):
        result = reports.kpis_report(session, organisation, day, settings, trend=trend)
        numbers = AmountFormat(organisation.base_currency, organisation.locale)
    if output is OutputFormat.JSON:
        emit_json(result.model_dump(mode="json"))
        return
    skip = {"as_of", "currency", "settings", "trend"}
    key_value_table(
        f"KPIs on {day.isoformat()} ({result.currency}, {period_days} days)",
        [
            (name, numbers.amount(value) if isinstance(value, Decimal) else value)
            for name, value in result.model_dump().items()
            if name not in skip
        ],
    )
    if result.trend is not None:
        names = ["dso", "dso_countback", "add", "cei", "bad_debt_ratio", "largest_buyer_share"]
        rows_table(
            "Trend",
            ["as of", *names],
            [[point.as_of, *(getattr(point, n) for n in names)] for point in result.trend],
        )


@report_app.command()
def behaviour(
    as_of: AsOfOption = None,
    limit: LimitOption = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Each buyer's payment behaviour over the trailing 12 months, worst payers first."""
    day = as_of_date(as_of)
    with org_session(db, org) as (session, organisation):
        report = reports.behaviour_report(session, organisation, day)
    result = BehaviourReport(as_of=report.as_of, buyers=worst_first(report.buyers)[:limit])
    if output is OutputFormat.JSON:
        emit_json(result.model_dump(mode="json"))
        return
    columns = [
        "buyer_id",
        "avg_days_beyond_terms",
        "trend_days_per_month",
        "late_share",
        "max_delay_days",
        "disputes",
    ]
    rows_table(
        f"Payment behaviour, 12 months to {day.isoformat()}",
        columns,
        [[getattr(row, c) for c in columns] for row in result.buyers],
    )


def worst_first(buyers: list[BuyerBehaviour]) -> list[BuyerBehaviour]:
    """Highest average days beyond terms first, then the longest delay, then buyer id;
    buyers without evidence (no paid or overdue invoice in the window) last."""

    def badness(row: BuyerBehaviour) -> tuple[bool, float, int, str]:
        average, delay = row.avg_days_beyond_terms, row.max_delay_days
        return (average is None, -(average or 0.0), -(delay or 0), row.buyer_id)

    return sorted(buyers, key=badness)


def print_summary(summary: PortfolioSummary, numbers: AmountFormat) -> None:
    currency = summary.currency
    key_value_table(
        f"{summary.organisation} on {summary.as_of.isoformat()}",
        [
            ("buyers", numbers.count(summary.buyers)),
            ("invoices", numbers.count(summary.invoices)),
            ("open invoices", numbers.count(summary.open_invoices)),
            (f"open receivables ({currency})", numbers.amount(summary.open_receivables)),
            (f"overdue ({currency})", numbers.amount(summary.overdue)),
            ("overdue share", f"{summary.overdue_share:.1%}"),
        ],
    )
    rows_table(
        "Ageing",
        ["bucket", "invoices", f"amount ({currency})"],
        [[b.label, numbers.count(b.count), numbers.amount(b.amount)] for b in summary.ageing],
    )


def summary(
    as_of: AsOfOption = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Open receivables, overdue and ageing on a date."""
    day = as_of_date(as_of)
    with org_session(db, org) as (session, organisation):
        result = reports.portfolio_summary(session, organisation, day)
        numbers = AmountFormat(organisation.base_currency, organisation.locale)
    if output is OutputFormat.JSON:
        emit_json(result.model_dump(mode="json"))
    else:
        print_summary(result, numbers)


def register(app: typer.Typer) -> None:
    """Add ``summary`` and the ``report`` commands to the ``tradeguard`` application."""
    app.command()(summary)
    app.add_typer(report_app, name="report")
