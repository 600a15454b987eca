"""Receivables KPIs on a date: DSO (standard, countback), best possible DSO, ADD, CEI,
bad-debt ratio, overdue share and concentration (largest buyer, top 10, HHI).

The formulas are in ``docs/analytics.md`` with the published worked examples they are
tested against. The scalar functions take plain numbers so that those examples can be
checked exactly; ``kpis`` feeds them from a ``Positions`` frame in one pass.

Where published sources disagree, the convention is a setting (``KpiSettings``):
countback months are calendar months (default) or 30-day months; CEI takes the credit
sales of the whole period (default) or their average per 30-day month.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl

from tradeguard.domain.dates import months_back
from tradeguard.domain.ledger.snapshot import LedgerSnapshot
from tradeguard.domain.receivables.ageing import Positions, positions

CountbackMonths = Literal["calendar", "30-day"]
CeiSales = Literal["total", "monthly_average"]
TREND_QUARTERS = 8
_TOP = 10


@dataclass(frozen=True, slots=True)
class KpiSettings:
    period_days: int = 90
    countback_months: CountbackMonths = "calendar"
    cei_sales: CeiSales = "total"

    def __post_init__(self) -> None:
        if self.period_days < 1:
            raise ValueError("the period must be at least one day")
        if self.countback_months not in ("calendar", "30-day"):
            raise ValueError("countback months are 'calendar' or '30-day'")
        if self.cei_sales not in ("total", "monthly_average"):
            raise ValueError("CEI sales are 'total' or 'monthly_average'")


@dataclass(frozen=True, slots=True)
class Kpis:
    """One date's KPIs. Amounts in base minor units; None where a ratio has no denominator."""

    as_of: dt.date
    receivables: int
    current_receivables: int
    overdue_receivables: int
    opening_receivables: int
    credit_sales: int
    write_offs: int
    dso: float | None
    dso_countback: float | None
    best_possible_dso: float | None
    add: float | None
    cei: float | None
    bad_debt_ratio: float | None
    overdue_share: float | None
    largest_buyer_share: float | None
    top10_share: float | None
    hhi: float | None


def standard_dso(receivables: float, credit_sales: float, days: int) -> float | None:
    """Receivables at the end / credit sales of the period × days in the period."""
    return receivables / credit_sales * days if credit_sales > 0 else None


def best_possible_dso(current: float, credit_sales: float, days: int) -> float | None:
    """DSO if every customer paid on terms: only not-yet-due receivables remain."""
    return standard_dso(current, credit_sales, days)


def countback_dso(receivables: float, months: Sequence[tuple[float, int]]) -> float | None:
    """Walk back month by month (latest first), consuming each month's sales.

    ``months`` holds (credit sales, days) per month, latest first. A month whose sales
    are covered by the remaining receivables counts in full; the month that exhausts
    them counts pro rata. None when the history's sales cannot cover the receivables.
    """
    remaining = receivables
    days = 0.0
    for sales, length in months:
        if remaining <= 0:
            return days
        if sales >= remaining:
            return days + remaining / sales * length
        remaining -= sales
        days += length
    return days if remaining <= 0 else None


def cei(
    opening: float,
    credit_sales: float,
    closing: float,
    closing_current: float,
    *,
    period_days: int,
    convention: CeiSales = "total",
) -> float | None:
    """Collection effectiveness index in percent.

    (opening + sales − closing) / (opening + sales − closing current) × 100, with the
    sales of the whole period, or with the average sales of a 30-day month of it
    (``monthly_average``: sales × 30 / period days) as some sources teach.
    """
    sales = credit_sales if convention == "total" else credit_sales * 30 / period_days
    collectable = opening + sales - closing_current
    return (opening + sales - closing) / collectable * 100 if collectable > 0 else None


def countback_windows(
    as_of: dt.date, earliest: dt.date, convention: CountbackMonths
) -> list[dt.date]:
    """Ends of the countback months, latest first: as_of, then one month earlier each,
    down to the first end before ``earliest`` (the first month that holds no sales)."""
    ends = [as_of]
    while ends[-1] >= earliest:
        step = len(ends)
        ends.append(
            months_back(as_of, step)
            if convention == "calendar"
            else as_of - dt.timedelta(days=30 * step)
        )
    return ends


def _countback(pos: Positions, receivables: int, convention: CountbackMonths) -> float | None:
    issued = pos.frame.select("issue_date", "amount_base")
    if issued.height == 0:
        return None
    earliest = issued["issue_date"].min()
    assert isinstance(earliest, dt.date)  # a non-empty Date column
    ends = countback_windows(pos.as_of, earliest, convention)
    # Month k covers (ends[k + 1], ends[k]]; ascending bounds make it a sorted search.
    bounds = pl.lit(pl.Series([*reversed(ends)], dtype=pl.Date))
    sales = (
        issued.with_columns(
            month=pl.lit(len(ends) - 1, dtype=pl.Int64)
            - bounds.search_sorted(pl.col("issue_date"), side="left").cast(pl.Int64)
        )
        .group_by("month")
        .agg(pl.col("amount_base").sum())
    )
    per_month = np.zeros(len(ends) - 1, dtype=np.int64)
    per_month[sales["month"].to_numpy()] = sales["amount_base"].to_numpy()
    lengths = [(ends[k] - ends[k + 1]).days for k in range(len(ends) - 1)]
    return countback_dso(receivables, list(zip(per_month.tolist(), lengths, strict=True)))


def kpis(pos: Positions, settings: KpiSettings) -> Kpis:
    """The KPIs of ``pos.as_of`` over the period (opening, as_of] of ``pos``."""
    days = (pos.as_of - pos.opening).days
    if days != settings.period_days:
        raise ValueError("positions were built for another period")
    frame = pos.frame
    totals = frame.select(
        receivables=pl.col("open_base").sum(),
        current=pl.col("open_base").filter(pl.col("days_overdue") <= 0).sum(),
        opening=pl.col("opening_open_base").sum(),
        sales=pl.col("amount_base").filter(pl.col("issue_date") > pos.opening).sum(),
        write_offs=pl.col("written_off_base").sum(),
    ).row(0, named=True)
    receivables, current, sales = totals["receivables"], totals["current"], totals["sales"]
    exposure = (
        frame.filter(pl.col("open_base") > 0)
        .group_by("buyer_id")
        .agg(pl.col("open_base").sum())["open_base"]
    )
    shares = exposure.sort(descending=True) / receivables if receivables > 0 else None
    dso = standard_dso(receivables, sales, days)
    best = best_possible_dso(current, sales, days)
    return Kpis(
        as_of=pos.as_of,
        receivables=receivables,
        current_receivables=current,
        overdue_receivables=receivables - current,
        opening_receivables=totals["opening"],
        credit_sales=sales,
        write_offs=totals["write_offs"],
        dso=dso,
        dso_countback=_countback(pos, receivables, settings.countback_months),
        best_possible_dso=best,
        add=dso - best if dso is not None and best is not None else None,
        cei=cei(
            totals["opening"],
            sales,
            receivables,
            current,
            period_days=days,
            convention=settings.cei_sales,
        ),
        bad_debt_ratio=totals["write_offs"] / sales if sales > 0 else None,
        overdue_share=(receivables - current) / receivables if receivables > 0 else None,
        largest_buyer_share=float(shares[0]) if shares is not None else None,
        top10_share=float(shares.head(_TOP).sum()) if shares is not None else None,
        hhi=float((shares**2).sum()) if shares is not None else None,
    )


def trend_dates(as_of: dt.date, quarters: int = TREND_QUARTERS) -> list[dt.date]:
    """``as_of`` and the same day 3, 6, ... months earlier, oldest first."""
    return [months_back(as_of, 3 * k) for k in reversed(range(quarters))]


def kpi_trend(
    snapshot: LedgerSnapshot,
    as_of: dt.date,
    settings: KpiSettings,
    quarters: int = TREND_QUARTERS,
) -> list[Kpis]:
    """The KPIs on each of the last ``quarters`` quarterly dates ending on ``as_of``."""
    return [
        kpis(positions(snapshot, day, settings.period_days), settings)
        for day in trend_dates(as_of, quarters)
    ]
