"""Imports on both databases: idempotent, audited, allocated by the documented rule."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine, func, select

from tests.conftest import write_csv
from tradeguard.audit.models import AuditEntry
from tradeguard.identity.models import Organisation
from tradeguard.imports.service import import_file
from tradeguard.kit.db import unit_of_work
from tradeguard.ledger.models import Allocation, Buyer, Invoice

BUYERS = """
buyer_id,name,country,industry,currency,terms_days
B1,Alpha GmbH,DE,machinery,EUR,60
B2,Beta Ltd,GB,retail,GBP,30
"""
INVOICES = """
invoice_id,buyer_id,issue_date,due_date,amount,currency
I1,B1,2024-01-10,2024-03-10,1000.00,EUR
I2,B1,2024-01-05,2024-02-05,400.00,EUR
I3,B1,2024-02-01,2024-04-01,300.00,EUR
I4,B2,2024-01-10,2024-02-10,250.00,GBP
"""


def _import(engine: Engine, org: Organisation, kind: str, path: Path) -> dict[str, int]:
    with unit_of_work(engine) as session:
        return import_file(session, org, kind, path, "tester").as_dict()


def _allocations(engine: Engine) -> set[tuple[str, str, str, dt.date, int]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                Allocation.invoice_id,
                Allocation.source_type,
                Allocation.source_id,
                Allocation.date,
                Allocation.amount,
            )
        )
        return {tuple(r) for r in rows}  # type: ignore[misc]


@pytest.fixture
def ledger(engine: Engine, org: Organisation, tmp_path: Path) -> Organisation:
    _import(engine, org, "buyers", write_csv(tmp_path, "buyers.csv", BUYERS))
    _import(engine, org, "invoices", write_csv(tmp_path, "invoices.csv", INVOICES))
    return org


def test_reimporting_the_same_file_changes_nothing(
    engine: Engine, ledger: Organisation, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, "invoices.csv", INVOICES)
    with engine.connect() as connection:
        audit_before = connection.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    result = _import(engine, ledger, "invoices", path)
    assert result == {"kind": "invoices", "rows": 4, "inserted": 0, "updated": 0, "unchanged": 4}
    with engine.connect() as connection:
        assert (
            connection.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
            == audit_before
        )
        assert connection.execute(select(func.count()).select_from(Invoice)).scalar_one() == 4


def test_changed_row_is_updated_and_audited_with_before_and_after(
    engine: Engine, ledger: Organisation, tmp_path: Path
) -> None:
    changed = INVOICES.replace(
        "I3,B1,2024-02-01,2024-04-01,300.00", "I3,B1,2024-02-01,2024-04-15,350.10"
    )
    result = _import(engine, ledger, "invoices", write_csv(tmp_path, "v2.csv", changed))
    assert (result["inserted"], result["updated"], result["unchanged"]) == (0, 1, 3)
    with engine.connect() as connection:
        invoice = connection.execute(select(Invoice).where(Invoice.invoice_id == "I3")).one()
        assert (invoice.amount, invoice.due_date) == (35010, dt.date(2024, 4, 15))
        entry = connection.execute(select(AuditEntry).where(AuditEntry.action == "update")).one()
    assert (entry.actor, entry.entity, entry.entity_key) == ("tester", "invoices", "I3")
    assert entry.before == {"due_date": "2024-04-01", "amount": "300.00"}
    assert entry.after == {"due_date": "2024-04-15", "amount": "350.10"}


def test_unallocated_payment_settles_oldest_invoice_first_and_overpayment_stays_credit(
    engine: Engine, ledger: Organisation, tmp_path: Path
) -> None:
    payments = write_csv(
        tmp_path,
        "payments.csv",
        """
        payment_id,buyer_id,date,amount,currency,invoice_id
        P1,B1,2024-02-20,1200.00,EUR,
        P2,B1,2024-03-01,100.00,EUR,I3
        P3,B2,2024-02-15,300.00,GBP,
        """,
    )
    _import(engine, ledger, "payments", payments)
    assert _allocations(engine) == {
        # P2 names I3 and is applied first; P1 then pays I2 (issued 5 Jan), I1 (10 Jan), I3
        ("I3", "payment", "P2", dt.date(2024, 3, 1), 10000),
        ("I2", "payment", "P1", dt.date(2024, 2, 20), 40000),
        ("I1", "payment", "P1", dt.date(2024, 2, 20), 80000),
        # P3 overpays B2 by 50 GBP: kept as credit, not allocated
        ("I4", "payment", "P3", dt.date(2024, 2, 15), 25000),
    }
    # A later invoice of B2 consumes the credit on its issue date.
    more = write_csv(
        tmp_path,
        "more.csv",
        "invoice_id,buyer_id,issue_date,due_date,amount,currency\nI5,B2,2024-04-01,2024-05-01,80.00,GBP",
    )
    _import(engine, ledger, "invoices", more)
    assert ("I5", "payment", "P3", dt.date(2024, 4, 1), 5000) in _allocations(engine)


def test_credit_notes_and_write_offs_settle_their_invoice(
    engine: Engine, ledger: Organisation, tmp_path: Path
) -> None:
    _import(
        engine,
        ledger,
        "credit-notes",
        write_csv(
            tmp_path,
            "cn.csv",
            """
            credit_note_id,buyer_id,date,amount,currency,invoice_id,reason
            CN1,B1,2024-01-20,50.00,EUR,I1,"damaged goods, partial"
            """,
        ),
    )
    _import(
        engine,
        ledger,
        "write-offs",
        write_csv(tmp_path, "wo.csv", "invoice_id,date,amount\nI1,2024-09-30,950.00"),
    )
    assert _allocations(engine) == {
        ("I1", "credit_note", "CN1", dt.date(2024, 1, 20), 5000),
        ("I1", "write_off", "I1", dt.date(2024, 9, 30), 95000),
    }


def test_xlsx_import_reads_dates_and_numbers(
    engine: Engine, org: Organisation, tmp_path: Path
) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["buyer_id", "name", "country", "industry", "terms_days"])
    sheet.append(["X1", "Xylo SARL", "FR", "chemicals", 45])
    sheet.append(["X2", "Ypsilon 株式会社", "JP", "electronics", 60])
    workbook.save(tmp_path / "buyers.xlsx")
    _import(engine, org, "buyers", tmp_path / "buyers.xlsx")
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["invoice_id", "buyer_id", "issue_date", "due_date", "amount", "currency"])
    sheet.append(["XI1", "X2", dt.datetime(2024, 5, 1), dt.date(2024, 6, 30), 150000, "JPY"])
    sheet.append(["XI2", "X1", dt.datetime(2024, 5, 2), dt.date(2024, 6, 16), 99.95, "EUR"])
    workbook.save(tmp_path / "invoices.xlsx")
    assert _import(engine, org, "invoices", tmp_path / "invoices.xlsx")["inserted"] == 2
    with engine.connect() as connection:
        rows = dict(connection.execute(select(Invoice.invoice_id, Invoice.amount)).all())
        names = dict(connection.execute(select(Buyer.buyer_id, Buyer.name)).all())
    assert rows == {"XI1": 150000, "XI2": 9995}
    assert names["X2"] == "Ypsilon 株式会社"


def test_organisations_never_see_each_others_rows(
    engine: Engine,
    ledger: Organisation,  # noqa: ARG001 (the fixture fills the first organisation)
    tmp_path: Path,
) -> None:
    from tradeguard.identity.organisations import create_or_get

    with unit_of_work(engine) as session:
        other, _ = create_or_get(session, "Other Seller", "USD", "test")
    # The same buyer ids are free in another organisation, and its invoices cannot name ours.
    _import(engine, other, "buyers", write_csv(tmp_path, "ob.csv", BUYERS))
    path = write_csv(
        tmp_path,
        "op.csv",
        "payment_id,buyer_id,date,amount,currency,invoice_id\nP1,B1,2024-02-01,5,EUR,I1",
    )
    from tradeguard.domain.errors import ImportRejectedError

    with pytest.raises(ImportRejectedError, match="1 problem"), unit_of_work(engine) as session:
        import_file(session, other, "payments", path, "test")


def _many_invoices(first: int, count: int, buyers: int, amount: str = "100.00") -> str:
    lines = ["invoice_id,buyer_id,issue_date,due_date,amount,currency"]
    for n in range(first, first + count):
        buyer = f"M{n % buyers}"
        lines.append(f"MI{n:04d},{buyer},2024-01-{1 + n % 28:02d},2024-03-01,{amount},EUR")
    return "\n".join(lines)


def test_large_ledger_paths_read_only_the_rows_they_need(
    engine: Engine, org: Organisation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files much smaller than the stored ledger: key tables and buyer lists, same results."""
    from tradeguard.imports import service as imports
    from tradeguard.ledger import allocation
    from tradeguard.ledger.allocation import reallocate

    buyers = "buyer_id,name,country,industry,currency,terms_days\n" + "\n".join(
        f"M{n},Buyer {n},DE,machinery,EUR,30" for n in range(10)
    )
    _import(engine, org, "buyers", write_csv(tmp_path, "mb.csv", buyers))
    _import(engine, org, "invoices", write_csv(tmp_path, "m1.csv", _many_invoices(0, 100, 10)))
    monkeypatch.setattr(imports, "_KEY_CHUNK", 1)  # files over 20 rows take the bulk paths
    monkeypatch.setattr(allocation, "_MANY_BUYERS", 2)
    monkeypatch.setattr(allocation, "_IN_CHUNK", 2)
    # 25 rows against 100 stored: 5 changed, 20 unchanged, then 5 new ones
    rest = _many_invoices(80, 20, 10).split("\n", 1)[1]
    changed = _many_invoices(75, 5, 10, "120.00") + "\n" + rest
    result = _import(engine, org, "invoices", write_csv(tmp_path, "m2.csv", changed))
    assert (result["inserted"], result["updated"], result["unchanged"]) == (0, 5, 20)
    result = _import(
        engine, org, "invoices", write_csv(tmp_path, "m3.csv", _many_invoices(100, 25, 10))
    )
    assert (result["inserted"], result["updated"], result["unchanged"]) == (25, 0, 0)
    # payments of 3 of the 10 buyers, naming 30 invoices: allocation reads those buyers only
    payments = ["payment_id,buyer_id,date,amount,currency,invoice_id"]
    payments += [
        f"MP{n},M{n % 10},2024-02-15,50.00,EUR,MI{n:04d}" for n in range(100) if n % 10 < 3
    ]
    _import(engine, org, "payments", write_csv(tmp_path, "mp.csv", "\n".join(payments)))
    partial = _allocations(engine)
    assert len(partial) == 30
    with unit_of_work(engine) as session:
        reallocate(session, org.id)
    assert _allocations(engine) == partial


def test_imports_in_one_unit_of_work_see_each_others_rows(
    engine: Engine, org: Organisation, tmp_path: Path
) -> None:
    """Reads inside a transaction that has written take the driver path, not a snapshot."""
    payments = "payment_id,buyer_id,date,amount,currency,invoice_id\nP1,B1,2024-02-20,1200.00,EUR,"
    with unit_of_work(engine) as session:
        import_file(session, org, "buyers", write_csv(tmp_path, "b.csv", BUYERS), "t")
        import_file(session, org, "invoices", write_csv(tmp_path, "i.csv", INVOICES), "t")
        again = import_file(session, org, "invoices", tmp_path / "i.csv", "t")
        import_file(session, org, "payments", write_csv(tmp_path, "p.csv", payments), "t")
    assert (again.inserted, again.unchanged) == (0, 4)
    assert {(a[0], a[4]) for a in _allocations(engine)} == {
        ("I2", 40000),
        ("I1", 80000),
    }


def test_bulk_reads_agree_on_every_path(engine: Engine, ledger: Organisation) -> None:
    """ADBC or COPY (nothing written yet), the raw driver (after a write), SQLAlchemy rows."""
    import polars as pl
    from sqlalchemy import literal

    from tradeguard.kit import bulk

    statement = select(
        literal("it's"),
        Invoice.invoice_id,
        Invoice.invoice_id,
        Invoice.amount,
        Invoice.issue_date,
        Invoice.delivery_date,
    ).where(Invoice.org_id == ledger.id)
    schema = {
        "label": pl.String,
        "invoice_id": pl.String,
        "again": pl.String,
        "amount": pl.Int64,
        "issue_date": pl.Date,
        "delivery_date": pl.Date,
    }
    with engine.connect() as connection:
        generic = bulk._read_generic(connection, statement, schema).sort("invoice_id")
        fresh = bulk.read_frame(connection, statement, schema).sort("invoice_id")
    with unit_of_work(engine) as session:
        connection = session.connection()
        connection.execute(Invoice.__table__.delete().where(Invoice.invoice_id == "I4"))
        written = bulk.read_frame(connection, statement, schema).sort("invoice_id")
        session.rollback()
    assert generic.height == 4
    assert generic["delivery_date"].null_count() == 4
    assert fresh.equals(generic)
    assert written.equals(generic.filter(pl.col("invoice_id") != "I4"))
