"""Every kind of bad input is reported by row and column, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from tests.conftest import write_csv
from tradeguard.audit.models import AuditEntry
from tradeguard.domain.errors import ImportRejectedError
from tradeguard.identity.models import Organisation
from tradeguard.imports.service import import_file
from tradeguard.kit.db import unit_of_work
from tradeguard.tables import metadata

BUYERS = """
buyer_id,name,country,industry,currency,terms_days
B1,Alpha GmbH,DE,machinery,EUR,60
B2,Beta Ltd,GB,retail,GBP,30
"""

INVOICES = """
invoice_id,buyer_id,issue_date,due_date,amount,currency
I1,B1,2024-01-01,2024-03-01,1000.00,EUR
I2,B2,2024-01-10,2024-02-10,250.00,GBP
"""


@pytest.fixture
def ledger(engine: Engine, org: Organisation, tmp_path: Path) -> Organisation:
    with unit_of_work(engine) as session:
        import_file(session, org, "buyers", write_csv(tmp_path, "b.csv", BUYERS), "test")
        import_file(session, org, "invoices", write_csv(tmp_path, "i.csv", INVOICES), "test")
    return org


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in metadata.tables.items()
        }


CASES = [
    (
        "invoices",
        "invoice_id,buyer_id,issue_date,amount,currency\nI9,B1,2024-01-01,5,EUR",
        [(1, "due_date", "required column is missing")],
    ),
    (
        "invoices",
        "invoice_id,buyer_id,issue_date,due_date,amount,currency\nI9,B1,2024-02-30,2024-03-01,5,EUR",
        [(2, "issue_date", "not a date in YYYY-MM-DD form: '2024-02-30'")],
    ),
    (
        "invoices",
        "invoice_id,buyer_id,issue_date,due_date,amount,currency\nI9,B1,01/02/2024,2024-03-01,5,EUR",
        [(2, "issue_date", "not a date in YYYY-MM-DD form: '01/02/2024'")],
    ),
    (
        "invoices",
        "invoice_id,buyer_id,issue_date,due_date,amount,currency\nI9,B1,2024-01-01,2024-03-01,-5,EUR",
        [(2, "amount", "negative amount: '-5'")],
    ),
    (
        "invoices",
        "invoice_id,buyer_id,issue_date,due_date,amount,currency\nI9,B1,2024-01-01,2024-03-01,1.2.3,EUR",
        [(2, "amount", "not a number: '1.2.3'")],
    ),
    (
        "invoices",
        "invoice_id,buyer_id,issue_date,due_date,amount,currency\nI9,B1,2024-01-01,2024-03-01,0,EUR",
        [(2, "amount", "must be greater than zero")],
    ),
    (
        "invoices",
        "invoice_id,buyer_id,issue_date,due_date,amount,currency\nI9,B1,2024-01-01,2024-03-01,10.555,EUR",
        [(2, "amount", "'10.555' has more decimal places than EUR allows")],
    ),
    (
        "invoices",
        "invoice_id,buyer_id,issue_date,due_date,amount,currency\nI9,B1,2024-01-01,2024-03-01,5,EUX",
        [(2, "currency", "unknown currency code 'EUX'")],
    ),
    (
        "invoices",
        "invoice_id,buyer_id,issue_date,due_date,amount,currency\nI9,B7,2024-01-01,2024-03-01,5,EUR",
        [(2, "buyer_id", "unknown buyer 'B7'")],
    ),
    (
        "invoices",
        "invoice_id,buyer_id,issue_date,due_date,amount,currency\nI9,B1,2024-03-01,2024-01-01,5,EUR",
        [(2, "due_date", "due date is before the issue date")],
    ),
    (
        "invoices",
        "invoice_id,buyer_id,issue_date,due_date,amount,currency\n"
        "I9,B1,2024-01-01,2024-03-01,5,EUR\nI8,B1,2024-01-01,2024-03-01,5,EUR\n"
        "I9,B1,2024-01-01,2024-03-01,6,EUR",
        [(4, "invoice_id", "duplicate invoice_id 'I9' (first on row 2)")],
    ),
    (
        "invoices",
        "invoice_id,buyer_id,issue_date,due_date,amount,currency\n,B1,2024-01-01,2024-03-01,5,EUR",
        [(2, "invoice_id", "missing value")],
    ),
    (
        "buyers",
        "buyer_id,name,country,industry\nB5,Gamma,XX,retail",
        [(2, "country", "unknown country code 'XX' (ISO 3166 alpha-2)")],
    ),
    (
        "buyers",
        "buyer_id,name,country,industry,terms_days\nB5,Gamma,FR,retail,thirty",
        [(2, "terms_days", "not a whole number >= 0: 'thirty'")],
    ),
    (
        "payments",
        "payment_id,buyer_id,date,amount,currency,invoice_id\nP1,B1,2024-02-01,5,EUR,I404",
        [(2, "invoice_id", "unknown invoice 'I404'")],
    ),
    (
        "payments",
        "payment_id,buyer_id,date,amount,currency,invoice_id\nP1,B1,2024-02-01,5,EUR,I2",
        [
            (2, "currency", "invoice 'I2' is in GBP"),
            (2, "invoice_id", "invoice 'I2' belongs to buyer 'B2'"),
        ],
    ),
    (
        "write-offs",
        "invoice_id,date,amount\nI1,2024-06-01,1000.01",
        [(2, "amount", "write-off is larger than the invoice amount")],
    ),
    (
        "write-offs",
        "invoice_id,date,amount\nI1,2023-06-01,10",
        [(2, "date", "write-off is dated before the invoice was issued")],
    ),
    (
        "fx",
        "date,currency,rate\n2024-01-01,GBP,0\n2024-01-01,EUR,1.1",
        [(2, "rate", "must be greater than zero"), (3, "rate", "the base currency EUR has rate 1")],
    ),
    (
        "financials",
        "buyer_id,fiscal_year,total_assets,current_assets,current_liabilities,total_liabilities,"
        "retained_earnings,ebit,sales,equity\nB1,2023,0,1,1,1,-5,-1,1,1",
        [(2, "total_assets", "must be greater than zero")],
    ),
]


@pytest.mark.parametrize(
    ("kind", "content", "expected"),
    CASES,
    ids=[f"{c[0]}-{c[2][0][1]}-{i}" for i, c in enumerate(CASES)],
)
def test_bad_file_is_refused_whole_with_row_and_column(
    engine: Engine,
    ledger: Organisation,
    tmp_path: Path,
    kind: str,
    content: str,
    expected: list[tuple[int, str, str]],
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content + "\n")
    before = _counts(engine)
    with pytest.raises(ImportRejectedError) as rejected, unit_of_work(engine) as session:
        import_file(session, ledger, kind, path, "test")
    assert [(e.row, e.column, e.message) for e in rejected.value.errors] == sorted(expected)
    assert _counts(engine) == before


def test_good_rows_are_not_written_when_one_row_is_bad(
    engine: Engine, ledger: Organisation, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path,
        "mixed.csv",
        """
        invoice_id,buyer_id,issue_date,due_date,amount,currency
        I10,B1,2024-01-01,2024-03-01,5,EUR
        I11,B1,2024-01-01,2024-03-01,5,EUR
        I12,B1,2024-01-01,2024-03-01,x,EUR
        """,
    )
    before = _counts(engine)
    with pytest.raises(ImportRejectedError) as rejected, unit_of_work(engine) as session:
        import_file(session, ledger, "invoices", path, "test")
    assert [str(e) for e in rejected.value.errors] == ["row 4, column amount: not a number: 'x'"]
    assert _counts(engine) == before
    with engine.connect() as connection:
        assert (
            connection.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
            == before["audit_log"]
        )


def test_amounts_become_exact_minor_units_of_their_currency(
    engine: Engine, ledger: Organisation, tmp_path: Path
) -> None:
    """Trailing zeros beyond the currency's decimals are fine (1.0 JPY, 2.500 EUR), and so is
    the largest amount (10^15 - 1 minor units)."""
    from tradeguard.ledger.models import Invoice

    path = write_csv(
        tmp_path,
        "amounts.csv",
        """
        invoice_id,buyer_id,issue_date,due_date,amount,currency
        A1,B1,2024-01-01,2024-03-01,1.0,JPY
        A2,B1,2024-01-01,2024-03-01,2.500,EUR
        A3,B1,2024-01-01,2024-03-01,0007.1,EUR
        A4,B1,2024-01-01,2024-03-01,150000,JPY
        A5,B2,2024-01-01,2024-03-01,9999999999999.99,GBP
        """,
    )
    with unit_of_work(engine) as session:
        import_file(session, ledger, "invoices", path, "test")
    with engine.connect() as connection:
        amounts = dict(
            connection.execute(
                select(Invoice.invoice_id, Invoice.amount).where(Invoice.invoice_id.like("A%"))
            ).all()
        )
    assert amounts == {"A1": 1, "A2": 250, "A3": 710, "A4": 150000, "A5": 999999999999999}


def test_every_duplicate_is_reported_against_its_first_row(
    engine: Engine, ledger: Organisation, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path,
        "dupes.csv",
        """
        invoice_id,buyer_id,issue_date,due_date,amount,currency
        D2,B1,2024-01-01,2024-03-01,5,EUR
        D1,B1,2024-01-01,2024-03-01,5,EUR
        D2,B1,2024-01-01,2024-03-01,6,EUR
        D1,B1,2024-01-01,2024-03-01,5,EUR
        D2,B1,2024-01-01,2024-03-01,5,EUR
        """,
    )
    with pytest.raises(ImportRejectedError) as rejected, unit_of_work(engine) as session:
        import_file(session, ledger, "invoices", path, "test")
    assert sorted(str(e) for e in rejected.value.errors) == [
        "row 4, column invoice_id: duplicate invoice_id 'D2' (first on row 2)",
        "row 5, column invoice_id: duplicate invoice_id 'D1' (first on row 3)",
        "row 6, column invoice_id: duplicate invoice_id 'D2' (first on row 2)",
    ]
