"""Reports through the services on both databases, from imported files: partial
payments, a payment after the date, a credit note, an overpayment that becomes credit,
a write-off, a dispute and two currencies (as of 30 June 2024, base EUR)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, select

from tests.conftest import write_csv
from tradeguard.domain.errors import BadQueryError
from tradeguard.domain.ledger.snapshot import MissingFxRateError
from tradeguard.domain.receivables.ageing import GradesNotComputedError
from tradeguard.identity.models import Organisation
from tradeguard.imports.service import import_file
from tradeguard.kit.bulk import read_frame
from tradeguard.kit.db import unit_of_work
from tradeguard.ledger.models import Dispute, Invoice
from tradeguard.receivables import service as reports

AS_OF = dt.date(2024, 6, 30)
FILES = {
    "buyers": "buyer_id,name,country,industry\nB1,Alpha,DE,retail\nB2,Beta,US,machinery",
    "fx": "date,currency,rate\n2024-03-02,USD,0.92\n2024-06-28,USD,0.9\n2024-07-01,USD,0.5",
    "invoices": """invoice_id,buyer_id,issue_date,due_date,amount,currency
        I1,B1,2024-05-01,2024-05-31,1000.00,EUR
        I2,B1,2024-06-10,2024-07-10,500.00,EUR
        I3,B2,2024-03-01,2024-03-31,2000.00,USD
        I4,B2,2024-05-15,2024-06-14,800.00,USD
        I5,B1,2023-10-01,2023-10-31,300.00,EUR""",
    "payments": """payment_id,buyer_id,date,amount,currency,invoice_id
        P1,B1,2024-06-10,400.00,EUR,I1
        P2,B1,2024-07-05,600.00,EUR,I1
        P3,B2,2024-04-15,2500.00,USD,I3""",
    "credit-notes": """credit_note_id,buyer_id,date,amount,currency,invoice_id,reason
        C1,B1,2024-06-20,100.00,EUR,I2,price""",
    "write-offs": "invoice_id,date,amount\nI5,2024-02-01,300.00",
}


@pytest.fixture
def ledger(engine: Engine, org: Organisation, tmp_path: Path) -> Organisation:
    with unit_of_work(engine) as session:
        for kind, text in FILES.items():
            import_file(session, org, kind, write_csv(tmp_path, f"{kind}.csv", text), "test")
        session.add(
            Dispute(org_id=org.id, dispute_id="D1", invoice_id="I4", opened_on=dt.date(2024, 6, 1))
        )
    return org


def test_ageing_and_drill_down(engine: Engine, ledger: Organisation) -> None:
    with unit_of_work(engine) as session:
        result = reports.ageing_report(session, ledger, AS_OF, by="buyer").model_dump()
    # I1 600.00 open (400 paid, 600 after the date), 30 days; I2 400.00 current after the
    # credit note; I4 800 USD − 500 USD of credit left by P3's overpayment = 300 USD at
    # 0.9 (the rate of 28 June) = 270.00, 16 days; I3 paid, I5 written off.
    assert [(b["label"], b["count"], b["amount"]) for b in result["buckets"]] == [
        ("current", 1, Decimal("400.00")),
        ("1-30", 2, Decimal("870.00")),
        ("31-60", 0, Decimal("0.00")),
        ("61-90", 0, Decimal("0.00")),
        ("91-180", 0, Decimal("0.00")),
        ("over 180", 0, Decimal("0.00")),
    ]
    assert result["total"] == Decimal("1270.00")
    assert result["buckets"][-1]["max_days"] is None
    assert [(g["group"], g["name"], g["total"]) for g in result["groups"]] == [
        ("B1", "Alpha", Decimal("1000.00")),
        ("B2", "Beta", Decimal("270.00")),
    ]
    assert [b["amount"] for b in result["groups"][1]["buckets"]][:2] == [
        Decimal("0.00"),
        Decimal("270.00"),
    ]

    with unit_of_work(engine) as session:
        page = reports.bucket_invoices_report(
            session, ledger, AS_OF, 1, limit=1, offset=1
        ).model_dump()
    assert (page["bucket"], page["total"], page["limit"], page["offset"]) == ("1-30", 2, 1, 1)
    [item] = page["items"]  # the second most overdue: I1 (30 days) comes first
    assert (item["invoice_id"], item["days_overdue"], item["invoice_currency"]) == ("I4", 16, "USD")
    assert (item["open_amount"], item["open_base"]) == (Decimal("300.00"), Decimal("270.00"))


def test_kpis(engine: Engine, ledger: Organisation) -> None:
    with unit_of_work(engine) as session:
        k = reports.kpis_report(
            session, ledger, AS_OF, reports.kpi_settings(), trend=True
        ).model_dump()
    assert k["receivables"] == Decimal("1270.00")
    # Sales of (1 April, 30 June]: I1, I2 and I4 (800 USD at 0.9) = 2,220.00.
    assert k["credit_sales"] == Decimal("2220.00")
    # Opening: I3 2,000 USD (paid 15 April) at the as-of rate = 1,800.00; I5 written off.
    assert k["opening_receivables"] == Decimal("1800.00")
    assert k["write_offs"] == Decimal("0.00")
    assert k["dso"] == round(1270 / 2220 * 90, 2)
    assert k["best_possible_dso"] == round(400 / 2220 * 90, 2)
    assert k["add"] == round(870 / 2220 * 90, 2)
    assert k["cei"] == round(2750 / 3620 * 100, 2)
    assert k["bad_debt_ratio"] == 0.0
    assert k["overdue_share"] == round(870 / 1270, 4)
    assert k["largest_buyer_share"] == round(1000 / 1270, 4)
    assert k["top10_share"] == 1.0
    assert k["hhi"] == round((1000 / 1270) ** 2 + (270 / 1270) ** 2, 6)
    assert len(k["trend"]) == 8
    assert k["trend"][-1]["dso"] == k["dso"]


def test_behaviour(engine: Engine, ledger: Organisation) -> None:
    with unit_of_work(engine) as session:
        result = reports.behaviour_report(session, ledger, AS_OF).model_dump()
    b1, b2 = result["buyers"]
    assert b1 == {
        "buyer_id": "B1",
        "avg_days_beyond_terms": 30.0,  # I1 open 30 days; I2 not due; I5 written off
        "trend_days_per_month": None,
        "late_share": 1.0,
        "max_delay_days": 30,
        "disputes": 0,
    }
    # I3 paid 15 days late (1,800.00 EUR), I4 open 16 days (720.00).
    assert b2["avg_days_beyond_terms"] == round((1800 * 15 + 720 * 16) / 2520, 2)
    assert b2["trend_days_per_month"] == round(1 / (76 / (365.25 / 12)), 2)
    assert (b2["late_share"], b2["max_delay_days"], b2["disputes"]) == (1.0, 16, 1)


def test_missing_rate_and_bad_options(engine: Engine, ledger: Organisation) -> None:
    with (
        unit_of_work(engine) as session,
        pytest.raises(MissingFxRateError, match="no FX rate for USD on or before 2024-03-01"),
    ):
        reports.ageing_report(session, ledger, dt.date(2024, 3, 1))

    with pytest.raises(BadQueryError, match="buckets"):
        reports.bucket_edges("30,0")
    assert reports.bucket_edges("0,45") == (0, 45)
    with pytest.raises(BadQueryError, match="cei_sales"):
        reports.kpi_settings(cei_sales="average")
    with unit_of_work(engine) as session:
        with pytest.raises(GradesNotComputedError):
            reports.ageing_report(session, ledger, AS_OF, by="grade")
        with pytest.raises(BadQueryError, match="by"):
            reports.ageing_report(session, ledger, AS_OF, by="colour")
        with pytest.raises(BadQueryError, match="bucket_index"):
            reports.bucket_invoices_report(session, ledger, AS_OF, 6)


def test_uncommitted_writes_are_seen(engine: Engine, ledger: Organisation, tmp_path: Path) -> None:
    """Within one unit of work a report sees what was just imported (not yet committed)."""
    more = "invoice_id,buyer_id,issue_date,due_date,amount,currency\nI9,B1,2024-06-01,2024-06-05,5.00,EUR"
    with unit_of_work(engine) as session:
        import_file(session, ledger, "invoices", write_csv(tmp_path, "more.csv", more), "test")
        result = reports.ageing_report(session, ledger, AS_OF).model_dump()
    assert result["total"] == Decimal("1275.00")


def test_fast_read_equals_the_row_path(engine: Engine, ledger: Organisation) -> None:
    """The bulk read (raw cursor or COPY) equals what SQLAlchemy's own rows say."""
    statement = select(Invoice.invoice_id, Invoice.issue_date, Invoice.amount).where(
        Invoice.org_id == ledger.id
    )
    schema = {"invoice_id": pl.String, "issue_date": pl.Date, "amount": pl.Int64}
    with engine.connect() as connection:
        fast = read_frame(connection, statement, schema).sort("invoice_id")
        rows = pl.DataFrame(
            [tuple(r) for r in connection.execute(statement)], schema=schema, orient="row"
        ).sort("invoice_id")
    assert fast.height == 5
    assert fast.equals(rows)


def test_the_summary_agrees_with_the_reports(engine: Engine, ledger: Organisation) -> None:
    """One pipeline: the summary's ageing and exposures are the reports' own."""
    with unit_of_work(engine) as session:
        summary = reports.portfolio_summary(session, ledger, AS_OF)
        ageing = reports.ageing_report(session, ledger, AS_OF)
        page = reports.dashboard_report(session, ledger, AS_OF)
    assert summary.ageing == ageing.buckets == page.buckets
    assert summary.open_receivables == ageing.total == page.kpis.receivables
    assert summary.overdue == page.kpis.overdue_receivables == Decimal("870.00")
    assert summary.open_invoices == sum(b.count for b in ageing.buckets) == 3
    assert (summary.buyers, summary.invoices) == (2, 5)
    assert [
        (b.buyer_id, b.name, b.country, b.exposure, b.share) for b in summary.largest_buyers
    ] == [
        ("B1", "Alpha", "DE", Decimal("1000.00"), 0.7874),
        ("B2", "Beta", "US", Decimal("270.00"), 0.2126),
    ]
    assert [(b.buyer_id, b.exposure, b.share) for b in page.largest_buyers] == [
        (b.buyer_id, b.exposure, b.share) for b in summary.largest_buyers
    ]
