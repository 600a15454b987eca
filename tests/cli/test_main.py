"""The command line end to end: exit codes, stderr, JSON on stdout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write_csv


def tradeguard(*args: str, db: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tradeguard", "--db", db, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_init_import_and_summary(db_url: str, tmp_path: Path) -> None:
    assert (
        tradeguard(
            "init", "--org", "Acme", "--base-currency", "EUR", db=db_url, cwd=tmp_path
        ).returncode
        == 0
    )
    buyers = write_csv(tmp_path, "buyers.csv", "buyer_id,name,country,industry\nB1,Alpha,DE,retail")
    invoices = write_csv(
        tmp_path,
        "invoices.csv",
        "invoice_id,buyer_id,issue_date,due_date,amount,currency\n"
        "I1,B1,2024-01-01,2024-01-31,100.00,EUR\nI2,B1,2024-02-01,2024-03-02,50.00,EUR",
    )
    done = tradeguard("import", "buyers", str(buyers), "--format", "json", db=db_url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["inserted"] == 1
    assert tradeguard("import", "invoices", str(invoices), db=db_url, cwd=tmp_path).returncode == 0
    report = tradeguard(
        "summary", "--as-of", "2024-03-01", "--format", "json", db=db_url, cwd=tmp_path
    )
    assert report.returncode == 0, report.stderr
    summary = json.loads(report.stdout)
    assert summary["open_receivables"] == "150.00"
    assert summary["overdue"] == "100.00"
    assert [b["amount"] for b in summary["ageing"]][:2] == ["50.00", "100.00"]


def test_bad_file_exits_1_and_lists_problems_on_stderr(db_url: str, tmp_path: Path) -> None:
    tradeguard("init", "--org", "Acme", db=db_url, cwd=tmp_path)
    bad = write_csv(
        tmp_path, "buyers.csv", "buyer_id,name,country,industry\nB1,Alpha,ZZ,retail\nB2,,DE,retail"
    )
    done = tradeguard("import", "buyers", str(bad), db=db_url, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    assert "row 2, column country: unknown country code 'ZZ' (ISO 3166 alpha-2)" in done.stderr
    assert "row 3, column name: missing value" in done.stderr


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_several_organisations_require_org(db_url: str, tmp_path: Path) -> None:
    tradeguard("init", "--org", "Acme", db=db_url, cwd=tmp_path)
    tradeguard("init", "--org", "Beta", "--base-currency", "USD", db=db_url, cwd=tmp_path)
    done = tradeguard("summary", db=db_url, cwd=tmp_path)
    assert done.returncode == 1
    assert "several organisations: choose one with --org (choices: Acme, Beta)" in done.stderr
    assert tradeguard("summary", "--org", "Beta", db=db_url, cwd=tmp_path).returncode == 0


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_uninitialised_database_is_a_clear_error(db_url: str, tmp_path: Path) -> None:
    done = tradeguard("summary", db=db_url, cwd=tmp_path)
    assert done.returncode == 1
    assert "run `tradeguard init` first" in done.stderr
