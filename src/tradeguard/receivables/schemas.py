"""The reports' answers: ageing, a bucket's invoices, KPIs, payment behaviour, the reports
page and the portfolio summary.

The services return these models and the endpoints answer them as they are, so their
fields are the API's schema; the CLI's ``--format json`` writes their JSON form and the
pages read it; the daily cycle stores the summary's JSON (``cycle_runs.result``) and
reads it back with ``PortfolioSummary.model_validate``. Amounts are ``Decimal`` in the
base currency unless named otherwise, decimal strings in JSON; days and ratios are
numbers rounded for reading (days to 2 decimals, shares to 4, HHI to 6); dates are ISO
dates. Fields are declared in the order the answers have always had.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from tradeguard.domain.receivables.kpis import CeiSales, CountbackMonths


def _absent(value: object) -> bool:
    return value is None


class _Answer(BaseModel):
    model_config = ConfigDict(frozen=True)


class BucketTotal(_Answer):
    """One ageing bucket: how many invoices are open in it, and their open amount."""

    label: str
    min_days: int | None  # None: no lower bound (the current bucket)
    max_days: int | None  # None: no upper bound (the oldest bucket)
    count: int
    amount: Decimal


class AgeingGroup(_Answer):
    """One group's ageing: a buyer, a country, an industry or a credit grade."""

    group: str | int | None  # the grade of graded buyers; None: buyers without a grade
    # Only when grouped by buyer (every buyer has a name); absent from other groupings.
    name: str | None = Field(default=None, exclude_if=_absent)
    buckets: list[BucketTotal]
    total: Decimal


class AgeingReport(_Answer):
    as_of: dt.date
    currency: str
    buckets: list[BucketTotal]
    total: Decimal
    groups: list[AgeingGroup]  # largest total first; empty unless grouped


class BucketInvoice(_Answer):
    invoice_id: str
    buyer_id: str
    issue_date: dt.date
    due_date: dt.date
    days_overdue: int
    invoice_currency: str
    open_amount: Decimal  # in the invoice's currency
    open_base: Decimal


class BucketPage(_Answer):
    """One page of a bucket's open invoices, most overdue first (the drill-down)."""

    as_of: dt.date
    currency: str
    bucket_index: int
    bucket: str
    total: int
    limit: int
    offset: int
    items: list[BucketInvoice]


class KpiFigures(_Answer):
    """One date's KPIs; a ratio without a denominator (no sales, nothing owed) is None."""

    as_of: dt.date
    receivables: Decimal
    current_receivables: Decimal
    overdue_receivables: Decimal
    opening_receivables: Decimal
    credit_sales: Decimal
    write_offs: Decimal
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


class KpiConventions(_Answer):
    """How the KPIs were computed where published sources disagree."""

    countback_months: CountbackMonths
    cei_sales: CeiSales


class KpiHeading(_Answer):
    currency: str
    period_days: int
    settings: KpiConventions


# Fields in the answer's order: the heading's, then the figures', then the trend.
class KpiReport(KpiFigures, KpiHeading):
    """The KPIs of the period ending on the date and, when asked for, on each of the last
    8 quarterly dates (the trend)."""

    trend: list[KpiFigures] | None = Field(default=None, exclude_if=_absent)


class BuyerBehaviour(_Answer):
    """How one buyer pays over the trailing 12 months; None where nothing shows it yet."""

    buyer_id: str
    avg_days_beyond_terms: float | None
    trend_days_per_month: float | None
    late_share: float | None
    max_delay_days: int | None
    disputes: int


class BehaviourReport(_Answer):
    as_of: dt.date
    buyers: list[BuyerBehaviour]


class LargestBuyer(_Answer):
    buyer_id: str
    name: str
    exposure: Decimal
    share: float  # of the open receivables


class DashboardReport(_Answer):
    """What the reports page shows: ageing, the KPIs with their trend, the largest
    exposures and, for a chosen bucket, a page of its invoices."""

    as_of: dt.date
    currency: str
    buckets: list[BucketTotal]
    total: Decimal
    kpis: KpiReport
    largest_buyers: list[LargestBuyer]
    drill_down: BucketPage | None
    ledger_starts: dt.date | None  # the first invoice's issue date; None: no invoice yet


class SummaryBuyer(_Answer):
    buyer_id: str
    name: str
    country: str
    exposure: Decimal
    share: float  # of the open receivables


class PortfolioSummary(_Answer):
    """The portfolio at a glance on ``as_of``: what is owed, what is overdue, and by whom."""

    as_of: dt.date
    organisation: str
    currency: str
    buyers: int
    invoices: int
    open_invoices: int
    open_receivables: Decimal
    overdue: Decimal
    overdue_share: float
    ageing: list[BucketTotal]
    largest_buyers: list[SummaryBuyer]  # the 10 largest exposures
