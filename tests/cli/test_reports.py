"""``tradeguard report ageing|kpis|behaviour``: JSON on stdout as the issue specifies."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from tests.conftest import write_csv
from tradeguard.cli.main import app, main
from tradeguard.identity.models import Organisation
from tradeguard.imports.service import import_file
from tradeguard.kit.db import unit_of_work


@pytest.fixture
def ledger(engine: Engine, org: Organisation, tmp_path: Path) -> Organisation:
    files = {
        "buyers": "buyer_id,name,country,industry\nB1,Alpha,DE,retail\nB2,Beta,FR,chemicals",
        "invoices": "invoice_id,buyer_id,issue_date,due_date,amount,currency\n"
        "I1,B1,2024-01-01,2024-01-31,100.00,EUR\nI2,B2,2024-02-01,2024-03-02,50.00,EUR",
        "payments": "payment_id,buyer_id,date,amount,currency\nP1,B1,2024-02-05,40.00,EUR",
    }
    with unit_of_work(engine) as session:
        for kind, text in files.items():
            import_file(session, org, kind, write_csv(tmp_path, f"{kind}.csv", text), "test")
    return org


def _json(db_url: str, *args: str) -> Any:
    result = CliRunner().invoke(app, ["--db", db_url, "report", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.usefixtures("ledger")
def test_ageing_json(db_url: str) -> None:
    document = _json(
        db_url, "ageing", "--as-of", "2024-03-01", "--buckets", "0,30", "--by", "country"
    )
    assert document == {
        "as_of": "2024-03-01",
        "currency": "EUR",
        "buckets": [
            {"label": "current", "min_days": None, "max_days": 0, "count": 1, "amount": "50.00"},
            {"label": "1-30", "min_days": 1, "max_days": 30, "count": 1, "amount": "60.00"},
            {"label": "over 30", "min_days": 31, "max_days": None, "count": 0, "amount": "0.00"},
        ],
        "total": "110.00",
        "groups": [
            {
                "group": "DE",
                "buckets": [
                    {
                        "label": "current",
                        "min_days": None,
                        "max_days": 0,
                        "count": 0,
                        "amount": "0.00",
                    },
                    {"label": "1-30", "min_days": 1, "max_days": 30, "count": 1, "amount": "60.00"},
                    {
                        "label": "over 30",
                        "min_days": 31,
                        "max_days": None,
                        "count": 0,
                        "amount": "0.00",
                    },
                ],
                "total": "60.00",
            },
            {
                "group": "FR",
                "buckets": [
                    {
                        "label": "current",
                        "min_days": None,
                        "max_days": 0,
                        "count": 1,
                        "amount": "50.00",
                    },
                    {"label": "1-30", "min_days": 1, "max_days": 30, "count": 0, "amount": "0.00"},
                    {
                        "label": "over 30",
                        "min_days": 31,
                        "max_days": None,
                        "count": 0,
                        "amount": "0.00",
                    },
                ],
                "total": "50.00",
            },
        ],
    }


@pytest.mark.usefixtures("ledger")
def test_kpis_and_behaviour_json(db_url: str) -> None:
    kpis = _json(db_url, "kpis", "--as-of", "2024-03-01", "--period-days", "60", "--trend")
    # Sales of (1 Jan, 1 Mar]: I2 50.00 (I1 was issued on the opening day). AR 110.00.
    assert (kpis["receivables"], kpis["credit_sales"]) == ("110.00", "50.00")
    assert kpis["dso"] == round(110 / 50 * 60, 2)
    for name in ("dso_countback", "best_possible_dso", "add", "cei", "bad_debt_ratio"):
        assert isinstance(kpis[name], float)
    assert (kpis["overdue_share"], kpis["top10_share"]) == (round(60 / 110, 4), 1.0)
    assert len(kpis["trend"]) == 8
    behaviour = _json(db_url, "behaviour", "--as-of", "2024-03-01")
    assert behaviour["as_of"] == "2024-03-01"
    assert [b["buyer_id"] for b in behaviour["buyers"]] == ["B1", "B2"]
    assert set(behaviour["buyers"][0]) == {
        "buyer_id",
        "avg_days_beyond_terms",
        "trend_days_per_month",
        "late_share",
        "max_delay_days",
        "disputes",
    }
    assert behaviour["buyers"][0]["max_delay_days"] == 30


@pytest.mark.usefixtures("ledger")
def test_grade_is_a_clear_error(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        sys, "argv", ["tradeguard", "--db", db_url, "report", "ageing", "--by", "grade"]
    )
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 1
    assert "error: grades are not computed yet: run scoring" in capsys.readouterr().err
