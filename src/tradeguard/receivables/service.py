"""Receivables reports: ageing (with drill-down), KPIs with their trend, payment
behaviour, the reports page and the portfolio summary.

Each report loads the organisation's ledger snapshot once through the session's
connection, builds the positions on its date once (``domain.receivables.ageing``) and
returns one of the answers of ``receivables.schemas``. The ``*_of`` functions take a
snapshot already loaded, for callers that time or reuse the load.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import cast

import polars as pl
from sqlalchemy.orm import Session

from tradeguard.credit.service import latest_grades
from tradeguard.domain.errors import BadQueryError
from tradeguard.domain.identity.access import Org
from tradeguard.domain.ledger.snapshot import LedgerSnapshot
from tradeguard.domain.money import from_minor
from tradeguard.domain.receivables.ageing import (
    AGEING_GROUPS,
    DEFAULT_BUCKET_EDGES,
    Positions,
    ageing,
    bucket_invoices,
    buckets,
    open_items,
    positions,
)
from tradeguard.domain.receivables.behaviour import behaviour
from tradeguard.domain.receivables.kpis import (
    CeiSales,
    CountbackMonths,
    Kpis,
    KpiSettings,
    kpi_trend,
    kpis,
)
from tradeguard.ledger.repository import load_snapshot
from tradeguard.receivables.schemas import (
    AgeingGroup,
    AgeingReport,
    BehaviourReport,
    BucketInvoice,
    BucketPage,
    BucketTotal,
    DashboardReport,
    KpiConventions,
    KpiFigures,
    KpiReport,
    LargestBuyer,
    PortfolioSummary,
    SummaryBuyer,
)


def bucket_edges(text: str | None) -> tuple[int, ...]:
    """Upper bucket edges from "0,30,60,90,180" (the default when empty)."""
    if not text:
        return DEFAULT_BUCKET_EDGES
    try:
        edges = tuple(int(part) for part in text.split(","))
        buckets(edges)
    except ValueError:
        raise BadQueryError(
            "buckets", "give increasing whole numbers of days from 0, e.g. 0,30,60,90,180"
        ) from None
    return edges


def kpi_settings(
    period_days: int = 90, countback_months: str = "calendar", cei_sales: str = "total"
) -> KpiSettings:
    """Checked KPI settings; a bad value is a ``BadQueryError`` naming the setting."""
    if period_days < 1:
        raise BadQueryError("period_days", "must be at least 1")
    if countback_months not in ("calendar", "30-day"):
        raise BadQueryError("countback_months", "choose calendar or 30-day")
    if cei_sales not in ("total", "monthly_average"):
        raise BadQueryError("cei_sales", "choose total or monthly_average")
    return KpiSettings(
        period_days, cast(CountbackMonths, countback_months), cast(CeiSales, cei_sales)
    )


def _snapshot(session: Session, org: Org) -> LedgerSnapshot:
    return load_snapshot(session.connection(), org.id, org.base_currency)


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _bucket_rows(
    cells: pl.DataFrame, edges: Sequence[int], currency: str
) -> tuple[list[BucketTotal], Decimal]:
    """Every bucket in order, empty ones included, from the non-empty (bucket, count, amount)."""
    found = {row["bucket"]: row for row in cells.iter_rows(named=True)}
    rows = []
    for i, bucket in enumerate(buckets(edges)):
        cell = found.get(i)
        rows.append(
            BucketTotal(
                label=bucket.label,
                min_days=bucket.min_days,
                max_days=bucket.max_days,
                count=int(cell["count"]) if cell else 0,
                amount=from_minor(int(cell["amount"]) if cell else 0, currency),
            )
        )
    return rows, from_minor(int(cells["amount"].sum() or 0), currency)


def _largest_exposures(items: pl.LazyFrame, buyers: pl.DataFrame, count: int) -> pl.DataFrame:
    """The ``count`` buyers owing the most over ``items``, largest first (ties by buyer
    id): columns buyer_id, exposure (base minor units) and those of ``buyers``."""
    return (
        items.group_by("buyer_id")
        .agg(exposure=pl.col("open_base").sum())
        .sort(["exposure", "buyer_id"], descending=[True, False])
        .head(count)
        .join(buyers.lazy(), on="buyer_id", how="left")
        .sort(["exposure", "buyer_id"], descending=[True, False])
        .collect()
    )


def ageing_of(
    snapshot: LedgerSnapshot,
    as_of: dt.date,
    edges: Sequence[int] = DEFAULT_BUCKET_EDGES,
    by: str | None = None,
    grades: pl.DataFrame | None = None,
) -> AgeingReport:
    """The ageing report: totals per bucket and, with ``by``, per group (largest first);
    ``by="grade"`` groups by ``grades`` (each buyer's latest credit grade; null: none)."""
    if by is not None and by not in AGEING_GROUPS:
        raise BadQueryError("by", f"choose one of: {', '.join(AGEING_GROUPS)}")
    currency = snapshot.base_currency
    pos = positions(snapshot, as_of)
    rows, total = _bucket_rows(ageing(pos, edges), edges, currency)
    groups: list[AgeingGroup] = []
    if by is not None:
        per_group = ageing(pos, edges, by, grades)
        names = dict(snapshot.buyers.select("buyer_id", "name").iter_rows())
        for (key,), group_cells in per_group.group_by(["group"], maintain_order=True):
            group_rows, group_total = _bucket_rows(group_cells, edges, currency)
            groups.append(
                AgeingGroup(
                    group=key,
                    name=names.get(str(key)) if by == "buyer" else None,
                    buckets=group_rows,
                    total=group_total,
                )
            )
        groups.sort(key=lambda g: (-g.total, str(g.group)))
    return AgeingReport(as_of=as_of, currency=currency, buckets=rows, total=total, groups=groups)


def ageing_report(
    session: Session,
    org: Org,
    as_of: dt.date,
    edges: Sequence[int] = DEFAULT_BUCKET_EDGES,
    by: str | None = None,
) -> AgeingReport:
    grades = latest_grades(session, org, as_of) if by == "grade" else None
    return ageing_of(_snapshot(session, org), as_of, edges, by, grades)


def _bucket_page(
    pos: Positions, index: int, edges: Sequence[int], limit: int, offset: int
) -> BucketPage:
    labels = [bucket.label for bucket in buckets(edges)]
    if not 0 <= index < len(labels):
        raise BadQueryError("bucket_index", f"must be between 0 and {len(labels) - 1}")
    items = bucket_invoices(pos, index, edges)
    currency = pos.snapshot.base_currency
    return BucketPage(
        as_of=pos.as_of,
        currency=currency,
        bucket_index=index,
        bucket=labels[index],
        total=items.height,
        limit=limit,
        offset=offset,
        items=[
            BucketInvoice(
                invoice_id=row["invoice_id"],
                buyer_id=row["buyer_id"],
                issue_date=row["issue_date"],
                due_date=row["due_date"],
                days_overdue=row["days_overdue"],
                invoice_currency=row["currency"],
                open_amount=from_minor(row["open"], row["currency"]),
                open_base=from_minor(row["open_base"], currency),
            )
            for row in items.slice(offset, limit).iter_rows(named=True)
        ],
    )


def bucket_invoices_report(
    session: Session,
    org: Org,
    as_of: dt.date,
    index: int,
    edges: Sequence[int] = DEFAULT_BUCKET_EDGES,
    limit: int = 50,
    offset: int = 0,
) -> BucketPage:
    """One bucket's open invoices, most overdue first, one page at a time (the drill-down)."""
    if not 0 <= index <= len(edges):
        raise BadQueryError("bucket_index", f"must be between 0 and {len(edges)}")
    return _bucket_page(positions(_snapshot(session, org), as_of), index, edges, limit, offset)


def _kpi_figures(figures: Kpis, currency: str) -> KpiFigures:
    """One date's KPIs for reading: amounts in ``currency``; days and the CEI rounded to
    2 decimals, shares to 4, the HHI to 6."""

    def money(minor: int) -> Decimal:
        return from_minor(minor, currency)

    return KpiFigures(
        as_of=figures.as_of,
        receivables=money(figures.receivables),
        current_receivables=money(figures.current_receivables),
        overdue_receivables=money(figures.overdue_receivables),
        opening_receivables=money(figures.opening_receivables),
        credit_sales=money(figures.credit_sales),
        write_offs=money(figures.write_offs),
        dso=_rounded(figures.dso, 2),
        dso_countback=_rounded(figures.dso_countback, 2),
        best_possible_dso=_rounded(figures.best_possible_dso, 2),
        add=_rounded(figures.add, 2),
        cei=_rounded(figures.cei, 2),
        bad_debt_ratio=_rounded(figures.bad_debt_ratio, 4),
        overdue_share=_rounded(figures.overdue_share, 4),
        largest_buyer_share=_rounded(figures.largest_buyer_share, 4),
        top10_share=_rounded(figures.top10_share, 4),
        hhi=_rounded(figures.hhi, 6),
    )


def kpis_of(
    snapshot: LedgerSnapshot, as_of: dt.date, settings: KpiSettings, *, trend: bool = False
) -> KpiReport:
    """The KPIs of the period ending ``as_of``; with ``trend``, also on the last 8 quarters."""
    return _kpis_from(positions(snapshot, as_of, settings.period_days), settings, trend=trend)


def _kpis_from(pos: Positions, settings: KpiSettings, *, trend: bool) -> KpiReport:
    snapshot, currency = pos.snapshot, pos.snapshot.base_currency
    points = kpi_trend(snapshot, pos.as_of, settings) if trend else None
    return KpiReport(
        currency=currency,
        period_days=settings.period_days,
        settings=KpiConventions(
            countback_months=settings.countback_months, cei_sales=settings.cei_sales
        ),
        **dict(_kpi_figures(kpis(pos, settings), currency)),
        trend=None if points is None else [_kpi_figures(point, currency) for point in points],
    )


def kpis_report(
    session: Session,
    org: Org,
    as_of: dt.date,
    settings: KpiSettings,
    *,
    trend: bool = False,
) -> KpiReport:
    return kpis_of(_snapshot(session, org), as_of, settings, trend=trend)


def behaviour_of(snapshot: LedgerSnapshot, as_of: dt.date) -> BehaviourReport:
    """Each buyer's payment behaviour over the trailing 12 months."""
    table = behaviour(positions(snapshot, as_of)).with_columns(
        pl.col("avg_days_beyond_terms", "trend_days_per_month").round(2),
        pl.col("late_share").round(4),
    )
    return BehaviourReport.model_validate({"as_of": as_of, "buyers": table.to_dicts()})


def behaviour_report(session: Session, org: Org, as_of: dt.date) -> BehaviourReport:
    return behaviour_of(_snapshot(session, org), as_of)


def ledger_start(snapshot: LedgerSnapshot) -> dt.date | None:
    """The issue date of the ledger's first invoice; None while it has none."""
    first: dt.date | None = snapshot.invoices["issue_date"].min()  # type: ignore[assignment]
    return first


def dashboard_report(
    session: Session,
    org: Org,
    as_of: dt.date,
    *,
    bucket: int | None = None,
    limit: int = 50,
    offset: int = 0,
    largest: int = 20,
) -> DashboardReport:
    """What the reports page shows: ageing, the KPIs with their trend, the largest
    exposures (for a Pareto chart) and, with ``bucket``, a page of that bucket's invoices;
    ``ledger_starts`` (the first invoice's issue date, None for an empty ledger) lets the
    page say that a date before it has no data rather than draw empty charts.

    One snapshot load serves every part.
    """
    snapshot = _snapshot(session, org)
    currency = snapshot.base_currency
    pos = positions(snapshot, as_of)
    rows, total = _bucket_rows(ageing(pos), DEFAULT_BUCKET_EDGES, currency)
    exposure = _largest_exposures(
        pos.frame.lazy().filter(pl.col("open_base") > 0),
        snapshot.buyers.select("buyer_id", "name"),
        largest,
    )
    receivables = int(pos.frame["open_base"].sum())
    return DashboardReport(
        as_of=as_of,
        currency=currency,
        buckets=rows,
        total=total,
        kpis=_kpis_from(pos, KpiSettings(), trend=True),
        largest_buyers=[
            LargestBuyer(
                buyer_id=row["buyer_id"],
                name=row["name"],
                exposure=from_minor(row["exposure"], currency),
                share=round(row["exposure"] / receivables, 4),
            )
            for row in exposure.iter_rows(named=True)
        ],
        drill_down=None
        if bucket is None
        else _bucket_page(pos, bucket, DEFAULT_BUCKET_EDGES, limit, offset),
        ledger_starts=ledger_start(snapshot),
    )


def summary_of(snapshot: LedgerSnapshot, organisation: str, as_of: dt.date) -> PortfolioSummary:
    """Open receivables, overdue share, ageing and the 10 largest exposures on ``as_of``:
    the ageing report's buckets and the reports page's ranking, on the same positions."""
    currency = snapshot.base_currency
    pos = positions(snapshot, as_of)
    cells = ageing(pos)
    rows, _ = _bucket_rows(cells, DEFAULT_BUCKET_EDGES, currency)
    total = int(cells["amount"].sum() or 0)
    # The default buckets' first is "current" (not overdue): the others are overdue.
    overdue = int(cells.filter(pl.col("bucket") > 0)["amount"].sum() or 0)
    largest = _largest_exposures(
        open_items(pos), snapshot.buyers.select("buyer_id", "name", "country"), 10
    )
    return PortfolioSummary(
        as_of=as_of,
        organisation=organisation,
        currency=currency,
        buyers=snapshot.buyers.height,
        invoices=snapshot.invoices.height,
        open_invoices=int(cells["count"].sum() or 0),
        open_receivables=from_minor(total, currency),
        overdue=from_minor(overdue, currency),
        overdue_share=round(overdue / total, 4) if total else 0.0,
        ageing=rows,
        largest_buyers=[
            SummaryBuyer(
                buyer_id=row["buyer_id"],
                name=row["name"],
                country=row["country"],
                exposure=from_minor(row["exposure"], currency),
                share=round(row["exposure"] / total, 4) if total else 0.0,
            )
            for row in largest.iter_rows(named=True)
        ],
    )


def portfolio_summary(session: Session, org: Org, as_of: dt.date) -> PortfolioSummary:
    return summary_of(_snapshot(session, org), org.name, as_of)
