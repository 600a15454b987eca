"""A hostile probe: bad files of every kind are refused by row, column and problem.

Each file goes through the API (``POST /api/v1/imports/{kind}``) on both databases, into
an organisation that already holds rows of every kind; one file of each kind of problem
also goes through the real CLI (``python -m tradeguard import``, a process each), and
the header-only ones into an empty organisation too.
Every one must be refused whole with exactly the expected problems: exit code 1 or 422,
never a traceback, a 500 or a wrong accept.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import Engine, func, select

from tests.conftest import write_csv
from tests.web.conftest import World, bearer, client, world  # noqa: F401 (fixtures)
from tradeguard.identity.organisations import create_or_get
from tradeguard.imports.service import import_file
from tradeguard.kit.db import unit_of_work
from tradeguard.tables import metadata

HEADERS = {
    "buyers": "buyer_id,name,country,industry",
    "invoices": "invoice_id,buyer_id,issue_date,due_date,amount,currency",
    "payments": "payment_id,buyer_id,date,amount,currency",
    "credit-notes": "credit_note_id,buyer_id,date,amount,currency",
    "write-offs": "invoice_id,date,amount",
    "financials": "buyer_id,fiscal_year,total_assets,current_assets,current_liabilities,"
    "total_liabilities,retained_earnings,ebit,sales,equity",
    "fx": "date,currency,rate",
    "countries": "country,grade",
}
NO_ROWS = (2, "file", "the file has no rows below the header")
LARGEST = 10**15 - 1  # minor units of one amount
INT64_MAX = 2**63 - 1
# Rows of the largest EUR amount that, with the 150.00 EUR already held, pass int64.
OVERFLOWING_ROWS = (INT64_MAX - 15000) // LARGEST + 1

Expected = list[tuple[int, str, str]]


@dataclass(frozen=True)
class Case:
    name: str
    kind: str
    file: str
    content: str | Callable[[Path], None]  # CSV text, or writes the file
    expected: Expected
    cli: bool = False  # also through the CLI (a process each: one case per kind of problem)


def _csv(kind: str, *rows: str) -> str:
    return "\n".join((HEADERS[kind], *rows)) + "\n"


def _xlsx(*rows: tuple[object, ...]) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        for row in rows:
            sheet.append(list(row))
        book.save(path)

    return write


def _invoice(amount: str, currency: str = "EUR", issue: str = "2024-01-01") -> str:
    return _csv("invoices", f"N1,B1,{issue},2024-12-31,{amount},{currency}")


def _many_largest_invoices() -> str:
    rows = (f"L{i},B1,2024-01-01,2024-12-31,9999999999999.99,EUR" for i in range(OVERFLOWING_ROWS))
    return _csv("invoices", *rows)


def _financials(total_assets: str, year: str = "2023") -> str:
    return _csv("financials", f"B2,{year},{total_assets},1,1,1,1,1,1,1")


CASES = [
    *(
        Case(f"header only: {kind}", kind, f"{kind}.csv", _csv(kind), [NO_ROWS], cli=kind == "fx")
        for kind in HEADERS
    ),
    Case(
        "header only: xlsx",
        "buyers",
        "b.xlsx",
        _xlsx(tuple(HEADERS["buyers"].split(","))),
        [NO_ROWS],
        cli=True,
    ),
    Case(
        "fullwidth digits in an amount",
        "invoices",
        "i.csv",
        _invoice("１００"),
        [(2, "amount", "not a number: '１００'")],
    ),
    Case(
        "Arabic-Indic digits in an amount",
        "payments",
        "p.csv",
        _csv("payments", "N1,B1,2024-02-01,١٠٠,EUR"),
        [(2, "amount", "not a number: '١٠٠'")],
        cli=True,
    ),
    Case(
        "Devanagari digits in a rate",
        "fx",
        "f.csv",
        _csv("fx", "2024-02-01,USD,१००.००"),
        [(2, "rate", "not a number: '१००.००'")],
    ),
    Case(
        "fullwidth digits in a date",
        "credit-notes",
        "c.csv",
        _csv("credit-notes", "N1,B1,２０２４-01-01,5,EUR"),
        [(2, "date", "not a date in YYYY-MM-DD form: '２０２４-01-01'")],
    ),
    Case(
        "Devanagari digits in a whole number",
        "countries",
        "c.csv",
        _csv("countries", "FR,३"),
        [(2, "grade", "not a whole number >= 0: '३'")],
    ),
    Case(
        "fullwidth digits in a fiscal year",
        "financials",
        "f.csv",
        _financials("100", year="２０２３"),
        [(2, "fiscal_year", "not a whole number >= 0: '２０２３'")],
    ),
    Case(
        "the same column twice",
        "buyers",
        "b.csv",
        "buyer_id,name,country,industry,name\nB9,X,DE,retail,Y\n",
        [(1, "name", "duplicate column")],
    ),
    Case(
        "the same column in two cases",
        "buyers",
        "b.csv",
        "buyer_id,name,Name ,country,industry\nB9,X,Y,DE,retail\n",
        [(1, "name", "duplicate column")],
        cli=True,
    ),
    Case(
        "the same column twice in a spreadsheet",
        "buyers",
        "b.xlsx",
        _xlsx(("buyer_id", "name", "country", "industry", "NAME"), ("B9", "X", "DE", "x", "Y")),
        [(1, "name", "duplicate column")],
        cli=True,
    ),
    Case(
        "a row with too many cells",
        "buyers",
        "b.csv",
        _csv("buyers", "B8,X,DE,retail", "B9,Y,DE,retail,extra"),
        [(3, "file", "row has 5 cells, the header has 4")],
        cli=True,
    ),
    Case(
        "a row with too few cells",
        "invoices",
        "i.csv",
        _csv("invoices", "N1,B1,2024-01-01,2024-12-31,5", "N2,B1,2024-01-01,2024-12-31,5,EUR"),
        [(2, "file", "row has 5 cells, the header has 6")],
    ),
    Case(
        "a spreadsheet row beyond the header",
        "buyers",
        "b.xlsx",
        _xlsx(("buyer_id", "name", "country", "industry"), ("B9", "X", "DE", "x", None, "Z")),
        [(2, "file", "row has 6 cells, the header has 4")],
    ),
    Case(
        "year 0000",
        "invoices",
        "i.csv",
        _invoice("5", issue="0000-01-01"),
        [(2, "issue_date", "the year of '0000-01-01' is not between 1900 and 2200")],
        cli=True,
    ),
    Case(
        "year 2201",
        "payments",
        "p.csv",
        _csv("payments", "N1,B1,2201-01-01,5,EUR"),
        [(2, "date", "the year of '2201-01-01' is not between 1900 and 2200")],
    ),
    Case(
        "no such day",
        "fx",
        "f.csv",
        _csv("fx", "2023-02-29,USD,0.9"),
        [(2, "date", "not a date in YYYY-MM-DD form: '2023-02-29'")],
    ),
    Case(
        "a NUL byte in a name",
        "buyers",
        "b.csv",
        _csv("buyers", "B9,Al\x00pha,DE,retail"),
        [(2, "name", "contains a control character")],
        cli=True,
    ),
    Case(
        "a control character in an id",
        "invoices",
        "i.csv",
        _csv("invoices", "N\x1b1,B1,2024-01-01,2024-12-31,5,EUR"),
        [(2, "invoice_id", "contains a control character")],
    ),
    Case(
        "an amount over the bound in a 4-decimal currency",
        "invoices",
        "i.csv",
        _invoice("999999999999999.9999", "CLF"),
        [
            (
                2,
                "amount",
                "amount too large: '999999999999999.9999' "
                "(the most one amount can be is 99999999999.9999)",
            )
        ],
        cli=True,
    ),
    Case(
        "an amount just over the bound",
        "credit-notes",
        "c.csv",
        _csv("credit-notes", "N1,B1,2024-02-01,10000000000000.00,EUR"),
        [
            (
                2,
                "amount",
                "amount too large: '10000000000000.00' "
                "(the most one amount can be is 9999999999999.99)",
            )
        ],
    ),
    Case(
        "a statement line over the bound",
        "financials",
        "f.csv",
        _financials("-99999999999999999"),
        [
            (
                2,
                "total_assets",
                "amount too large: '-99999999999999999' "
                "(the most one amount can be is 9999999999999.99)",
            )
        ],
    ),
    Case(
        "valid amounts whose total passes int64",
        "invoices",
        "many.csv",
        _many_largest_invoices(),
        [
            (
                OVERFLOWING_ROWS + 1,
                "amount",
                "the EUR total of amount in invoices would pass 9223372036854775807 minor "
                "units, the most a total can hold",
            )
        ],
        cli=True,
    ),
    Case(
        "a base rate a hair above 1",
        "fx",
        "f.csv",
        _csv("fx", "2024-02-01,EUR,1.0000000000000000001"),
        [(2, "rate", "rate '1.0000000000000000001' has more than 12 decimal places")],
        cli=True,
    ),
    Case(
        "a base rate of 1.000000000001",
        "fx",
        "f.csv",
        _csv("fx", "2024-02-01,EUR,1.000000000001"),
        [(2, "rate", "the base currency EUR has rate 1")],
    ),
    Case(
        "a 400-digit rate",
        "fx",
        "f.csv",
        _csv("fx", "2024-02-01,USD," + "9" * 400),
        [(2, "rate", f"rate '{'9' * 400}' has more than 9 digits before the decimal point")],
        cli=True,
    ),
    Case(
        "a rate of zero",
        "fx",
        "f.csv",
        _csv("fx", "2024-02-01,USD,0.000"),
        [(2, "rate", "must be greater than zero")],
    ),
]


@pytest.fixture
def probed(world: World, tmp_path: Path) -> World:  # noqa: F811
    """The web world plus stored rows of every kind, and an organisation with none."""
    ledger = {
        "credit-notes": _csv("credit-notes", "CN1,B1,2024-02-01,10.00,EUR"),
        "write-offs": _csv("write-offs", "I2,2024-06-01,5.00"),
        "financials": _financials("1000"),
        "countries": _csv("countries", "DE,2"),
    }
    with unit_of_work(world.engine) as session:
        for kind, content in ledger.items():
            path = write_csv(tmp_path, f"ledger-{kind}.csv", content)
            import_file(session, world.org, kind, path, "test")
        create_or_get(session, "Empty Co", "EUR", "test")
    return world


def _write(case: Case, folder: Path) -> Path:
    path = folder / case.file
    if isinstance(case.content, str):
        path.write_text(case.content, encoding="utf-8")
    else:
        case.content(path)
    return path


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in metadata.tables.items()
        }


def _cli(db_url: str, org: str, case: Case, folder: Path) -> str | None:
    """What is wrong with the CLI's answer to the case, or None."""
    path = _write(case, folder)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tradeguard",
            "--db",
            db_url,
            "--org",
            org,
            "import",
            case.kind,
            str(path),
        ],
        capture_output=True,
        text=True,
        cwd=folder,
        check=False,
    )
    lines = [f"row {r}, column {c}: {m}" for r, c, m in case.expected]
    shown = [line for line in done.stderr.splitlines() if line.startswith("row ")]
    if done.returncode != 1 or shown != lines or "Traceback" in done.stderr:
        return f"{case.name} ({org}): exit {done.returncode}, stderr {done.stderr[-2000:]!r}"
    return None


def test_bad_files_are_refused_by_the_cli(probed: World, db_url: str, tmp_path: Path) -> None:
    before = _counts(probed.engine)
    runs = [
        (org, case, tmp_path / f"{org[:1]}{number}")
        for number, case in enumerate(CASES)
        if case.cli
        for org in ("Acme Exports", "Empty Co")
        if org == "Acme Exports" or case.name.startswith("header only")
    ]
    for _, _, folder in runs:
        folder.mkdir()
    with ThreadPoolExecutor(max_workers=4) as pool:
        wrong = [
            w
            for w in pool.map(lambda run: _cli(db_url, run[0], run[1], run[2]), runs)
            if w is not None
        ]
    assert wrong == []
    assert _counts(probed.engine) == before


def test_bad_files_are_refused_by_the_api(
    probed: World,
    client: TestClient,  # noqa: F811
    tmp_path: Path,
) -> None:
    before = _counts(probed.engine)
    wrong = []
    for number, case in enumerate(CASES):
        folder = tmp_path / str(number)
        folder.mkdir()
        path = _write(case, folder)
        response = client.post(
            f"/api/v1/imports/{case.kind}",
            headers=bearer(probed, "admin"),
            files={"file": (case.file, path.read_bytes())},
        )
        expected = [{"name": c, "reason": m, "row": r} for r, c, m in case.expected]
        if response.status_code != 422 or response.json().get("invalid_params") != expected:
            wrong.append(f"{case.name}: {response.status_code} {response.text[:2000]}")
    assert wrong == []
    assert _counts(probed.engine) == before
