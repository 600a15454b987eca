"""Scoring buyers from the ledger on both databases: history, countries, CLI and API."""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import asdict
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update
from typer.testing import Result

from tests.conftest import write_csv
from tradeguard.audit.models import AuditEntry
from tradeguard.country import service as countries
from tradeguard.country.models import CountryOverride
from tradeguard.credit import service as credit
from tradeguard.credit.models import CreditScore
from tradeguard.domain.errors import ImportRejectedError
from tradeguard.domain.identity.access import Role
from tradeguard.domain.receivables.ageing import GradesNotComputedError
from tradeguard.identity import service as users
from tradeguard.identity.models import Organisation
from tradeguard.imports.service import import_file
from tradeguard.kit.db import unit_of_work
from tradeguard.receivables import service as reports
from tradeguard.web.app import create_app

AS_OF = dt.date(2024, 6, 30)
BUYERS = """
buyer_id,name,country,industry
B1,Alpha Maschinen GmbH,DE,Machinery
B2,Beta Varejo Ltda,BR,Retail
B3,Gamma Werke AG,DE,Machinery
"""
INVOICES = """
invoice_id,buyer_id,issue_date,due_date,amount,currency
I1,B1,2024-01-10,2024-03-10,1000.00,EUR
I2,B2,2024-02-01,2024-03-02,500.00,EUR
I3,B3,2024-01-01,2024-02-01,800.00,EUR
"""
PAYMENTS = """
payment_id,buyer_id,date,amount,currency,invoice_id
P1,B1,2024-03-15,1000.00,EUR,I1
P2,B2,2024-03-02,500.00,EUR,I2
"""
STATEMENT = "2023,1000000,400000,250000,600000,150000,80000,1500000,400000"
FINANCIALS = f"""
buyer_id,fiscal_year,total_assets,current_assets,current_liabilities,total_liabilities,retained_earnings,ebit,sales,equity
B1,{STATEMENT}
B2,{STATEMENT}
B1,2024,1,1,1,1,1,1,1,1
"""


@pytest.fixture
def ledger(engine: Engine, org: Organisation, tmp_path: Path) -> Organisation:
    with unit_of_work(engine) as session:
        for kind, text in (
            ("buyers", BUYERS),
            ("invoices", INVOICES),
            ("payments", PAYMENTS),
            ("financials", FINANCIALS),
        ):
            import_file(session, org, kind, write_csv(tmp_path, f"{kind}.csv", text), "test")
    return org


def test_scores_altman_variants_default_and_country(engine: Engine, ledger: Organisation) -> None:
    with unit_of_work(engine) as session:
        rows = {r.buyer_id: r for r in credit.score_buyers(session, ledger, AS_OF)}
    b1, b2, b3 = rows["B1"], rows["B2"], rows["B3"]
    # B1: private manufacturer in a high-income country -> Z' (FY2024 is not known yet)
    # 0.717*0.15 + 0.847*0.15 + 3.107*0.08 + 0.42*(400/600) + 0.998*1.5 = 2.26016
    assert b1.altman is not None
    assert asdict(b1.altman) == {
        "variant": "Z'",
        "value": pytest.approx(2.2602, abs=1e-4),
        "zone": "grey",
    }
    # B2: retailer in Brazil (upper middle income) -> Z''
    # 6.56*0.15 + 3.26*0.15 + 6.72*0.08 + 1.05*(400/600) = 2.7106
    assert b2.altman is not None
    assert asdict(b2.altman) == {
        "variant": "Z''",
        "value": pytest.approx(2.7106, abs=1e-4),
        "zone": "safe",
    }
    assert b3.altman is None
    # B3: 800.00 unpaid 150 days past due -> in default
    assert (b3.grade, b3.credit_class, b3.pd, str(b3.limit_recommended)) == (
        10,
        "C",
        1.0,
        "0.00",
    )
    assert b1.country_grade == countries.table()["DE"].grade
    assert b2.country_grade == countries.table()["BR"].grade
    # the default trigger comes first, before the five scorecard reasons
    assert b3.reasons[0].as_dict() | {"value": None} == {
        "code": "DEFAULT_DAYS_OVERDUE",
        "factor": "In default: 90+ days overdue",
        "value": None,
        "subscore": None,
        "impact": 0.0,
        "direction": "lowers",
        "message": "invoice 150 days past due (default at 90)",
    }
    for row in rows.values():
        assert 1 <= row.grade <= 10
        assert row.credit_class in {"A", "B", "C"}
        defaults = [r for r in row.reasons if r.code.startswith("DEFAULT_")]
        assert len(row.reasons) == 5 + len(defaults)
        assert bool(defaults) == (row.grade == 10)
        assert {"code", "factor", "value", "impact"} <= set(row.reasons[0].as_dict())


def test_history_one_row_per_date_and_distribution(engine: Engine, ledger: Organisation) -> None:
    with unit_of_work(engine) as session:
        credit.score_buyers(session, ledger, AS_OF)
        credit.score_buyers(session, ledger, AS_OF)  # a rerun replaces, never duplicates
        credit.score_buyers(session, ledger, AS_OF + dt.timedelta(days=30))
    with unit_of_work(engine) as session:
        count = session.scalar(select(func.count()).select_from(CreditScore))
        history = credit.score_history(session, ledger, "B1")
        stored = credit.buyer_score(session, ledger, "B1", AS_OF, today=dt.date.today())
        distribution = credit.grade_distribution(session, ledger)
    assert count == 6
    assert [p.as_of for p in history] == [AS_OF, AS_OF + dt.timedelta(days=30)]
    assert stored.altman is not None
    assert stored.altman.variant == "Z'"
    assert distribution.as_of == AS_OF + dt.timedelta(days=30)
    assert sum(g.buyers for g in distribution.grades) == 3
    assert distribution.grades[9].buyers == 1


def test_ageing_by_grade_uses_the_latest_scores(engine: Engine, ledger: Organisation) -> None:
    later = AS_OF + dt.timedelta(days=30)
    with unit_of_work(engine) as session:
        with pytest.raises(GradesNotComputedError):
            reports.ageing_report(session, ledger, AS_OF, by="grade")
        credit.score_buyers(session, ledger, AS_OF - dt.timedelta(days=30), buyer_id="B3")
        on_date = {r.buyer_id: r.grade for r in credit.score_buyers(session, ledger, AS_OF)}
        # an earlier score is superseded by AS_OF's; a later one is not known on AS_OF
        credit.score_buyers(session, ledger, later, buyer_id="B3")
        session.execute(update(CreditScore).where(CreditScore.as_of == later).values(grade=1))
        result = reports.ageing_report(session, ledger, AS_OF, by="grade").model_dump()
        at_later = reports.ageing_report(session, ledger, later, by="grade").model_dump()
    # B1 and B2 are paid: only B3's 800.00 is open
    assert [(g["group"], str(g["total"])) for g in result["groups"]] == [(on_date["B3"], "800.00")]
    assert [g["group"] for g in at_later["groups"]] == [1]
    assert sum(b["amount"] for b in result["groups"][0]["buckets"]) == result["total"]


def test_settings_change_the_classes_and_are_audited(engine: Engine, ledger: Organisation) -> None:
    with unit_of_work(engine) as session:
        before = {r.buyer_id: r for r in credit.score_buyers(session, ledger, AS_OF, save=False)}
        credit.save_settings(session, ledger, {"class_a_max_grade": 1, "class_b_max_grade": 2}, "t")
        after = {r.buyer_id: r for r in credit.score_buyers(session, ledger, AS_OF, save=False)}
        audited = session.scalar(select(AuditEntry).where(AuditEntry.entity == "credit_settings"))
    assert before["B1"].grade == after["B1"].grade > 2
    assert after["B1"].credit_class == "C"
    assert audited is not None
    assert audited.after == {"class_a_max_grade": 1, "class_b_max_grade": 2}


def test_country_overrides_import_all_or_nothing(
    engine: Engine, ledger: Organisation, tmp_path: Path
) -> None:
    bad = write_csv(
        tmp_path,
        "bad.csv",
        "country,grade,political_risk\nDE,11,low\nXX,3,low\nFR,2,extreme\nIT,4,",
    )
    with pytest.raises(ImportRejectedError) as rejected, unit_of_work(engine) as session:
        import_file(session, ledger, "countries", bad, "test")
    assert [(e.row, e.column) for e in rejected.value.errors] == [
        (2, "grade"),
        (3, "country"),
        (4, "political_risk"),
    ]
    good = write_csv(
        tmp_path, "good.csv", "country,grade,political_risk,note\nDE,4,medium,own experience"
    )
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(CountryOverride)) == 0
        import_file(session, ledger, "countries", good, "test")
    with unit_of_work(engine) as session:
        risk = countries.country_risk(session, ledger, "de")
        rows = {r.buyer_id: r for r in credit.score_buyers(session, ledger, AS_OF, save=False)}
    assert (risk.grade, risk.political_risk, risk.source, risk.table_grade) == (
        4,
        "medium",
        "override",
        countries.table()["DE"].grade,
    )
    assert rows["B1"].country_grade == 4


def test_api_score_and_country(engine: Engine, ledger: Organisation) -> None:
    with unit_of_work(engine) as session:
        user = users.add_user(session, ledger, "v@acme.test", Role.VIEWER, "x" * 16, "t")
        token = users.create_token(session, user, "t")
        credit.score_buyers(session, ledger, AS_OF)
    client = TestClient(create_app(engine))
    auth = {"Authorization": f"Bearer {token}"}
    answer = client.get("/api/v1/buyers/B1/score", headers=auth)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["altman"]["variant"] == "Z'"
    assert body["as_of"] == AS_OF.isoformat()
    assert isinstance(body["limit_recommended"], str)
    assert {"buyer_id", "pd", "grade", "credit_class", "country_grade", "reasons"} <= set(body)
    assert client.get("/api/v1/buyers/B1/score-history", headers=auth).json()[0]["as_of"] == (
        AS_OF.isoformat()
    )
    computed = client.get("/api/v1/buyers/B2/score?as_of=2024-05-31", headers=auth)
    assert computed.status_code == 200
    assert computed.json()["as_of"] == "2024-05-31"
    assert client.get("/api/v1/buyers/NOPE/score", headers=auth).status_code == 404
    assert client.get("/api/v1/buyers/B1/score").status_code == 401
    country = client.get("/api/v1/countries/BR", headers=auth).json()
    assert country["grade"] == countries.table()["BR"].grade
    grades = client.get("/api/v1/credit/grades", headers=auth).json()
    assert sum(g["buyers"] for g in grades["grades"]) == 3


def test_every_iso_country_has_a_grade_and_political_risk() -> None:
    import pycountry

    table = countries.table()
    assert set(table) == {c.alpha_2 for c in pycountry.countries}
    assert all(1 <= r.grade <= 10 for r in table.values())
    assert {r.political_risk for r in table.values()} <= {"low", "medium", "high", "very high"}
    assert table["DE"].grade == 1
    assert table["AF"].grade == 10
    assert table["AF"].political_risk == "very high"


def test_cli_score_and_country_show(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tradeguard.cli.main import app
    from tradeguard.domain.errors import NotFoundError

    db = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, ["--db", db, *args])

    assert run("init", "--org", "Acme").exit_code == 0
    for kind, text in (("buyers", BUYERS), ("invoices", INVOICES), ("financials", FINANCIALS)):
        done = run("import", kind, str(write_csv(tmp_path, f"{kind}.csv", text)))
        assert done.exit_code == 0, done.output
    done = run("score", "--as-of", "2024-06-30", "--buyer", "B1", "--format", "json")
    assert done.exit_code == 0, done.output
    (row,) = json.loads(done.stdout)["buyers"]
    assert row["buyer_id"] == "B1"
    assert row["altman"]["variant"] == "Z'"
    assert set(row) >= {"pd", "grade", "credit_class", "limit_recommended", "country_grade"}
    shown = run("country", "show", "JP", "--format", "json")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["country"] == "JP"
    report = tmp_path / "jp.html"
    assert run("country", "report", "JP", "--out", str(report)).exit_code == 0
    assert "Market risk report: Japan" in report.read_text()
    pdf = tmp_path / "jp.pdf"  # the Chinese PDF and its font: tests/credit/test_country_pdf.py
    done = run("country", "report", "JP", "--format", "pdf", "--out", str(pdf))
    assert done.exit_code == 0, done.output
    assert pdf.read_bytes().startswith(b"%PDF")
    zh = tmp_path / "jp-zh.html"
    assert run("country", "report", "JP", "--lang", "zh", "--out", str(zh)).exit_code == 0
    assert "市场风险报告：日本 (JP)" in zh.read_text(encoding="utf-8")
    assert isinstance(run("country", "show", "XX").exception, NotFoundError)
    aged = run("report", "ageing", "--as-of", "2024-06-30", "--by", "grade", "--format", "json")
    assert aged.exit_code == 0, aged.output
    groups = {g["group"]: g["total"] for g in json.loads(aged.stdout)["groups"]}
    assert groups == {row["grade"]: "1000.00", None: "1300.00"}  # only B1 was scored


def test_interest_expense_feeds_the_interest_cover_factor(
    engine: Engine, org: Organisation, tmp_path: Path
) -> None:
    """The optional financials columns interest_expense and net_income reach the score."""
    from tradeguard.domain.credit.assess import factor_values
    from tradeguard.domain.credit.scorecard import FACTORS

    statements = (
        "buyer_id,fiscal_year,total_assets,current_assets,current_liabilities,"
        "total_liabilities,retained_earnings,ebit,sales,equity,interest_expense,net_income\n"
        f"B1,{STATEMENT},20000.00,55000.50\n"
        f"B2,{STATEMENT},,\n"
    )
    with unit_of_work(engine) as session:
        for kind, text in (("buyers", BUYERS), ("financials", statements)):
            import_file(session, org, kind, write_csv(tmp_path, f"{kind}.csv", text), "test")
        settings = credit.load_settings(session, org)
        evidence = credit.gather(session, org, AS_OF, settings)
    index = {b: i for i, b in enumerate(evidence.buyer_ids)}
    lines = evidence.inputs.statements
    assert lines.interest_expense[index["B1"]] == 20000.0
    assert lines.net_income[index["B1"]] == 55000.5
    values, _ = factor_values(evidence.inputs, settings)
    column = [f.name for f in FACTORS].index("interest_cover")
    assert values[index["B1"], column] == pytest.approx(80000 / 20000)  # EBIT / interest
    assert math.isnan(values[index["B2"], column])  # not given: unknown, not zero
    client = TestClient(create_app(engine))
    with unit_of_work(engine) as session:
        admin = users.add_user(session, org, "fin@acme.test", Role.VIEWER, "x" * 12, "test")
        token = users.create_token(session, admin, "test")
    listed = client.get(
        "/api/v1/financials?buyer_id=B1", headers={"Authorization": f"Bearer {token}"}
    ).json()["items"]
    assert (listed[0]["interest_expense"], listed[0]["net_income"]) == ("20000.00", "55000.50")
