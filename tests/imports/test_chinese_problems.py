"""Import problems are shown in the page's language; the CLI and the API keep English."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, World, bearer, client, world  # noqa: F401 (fixtures)
from tradeguard.kit.i18n import translate

HTML = {"Accept": "text/html"}
SOURCES = Path(__file__).resolve().parents[2] / "src" / "tradeguard"
BAD_INVOICES = (
    "invoice_id,buyer_id,issue_date,due_date,amount,currency\n"
    "N1,NOPE,2024-01-01,2024-02-01,１００,EUR\n"
    "N2,B1,0000-01-01,2024-02-01,5,EUR\n"
)


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_the_chinese_import_page_shows_chinese_problems(
    client: TestClient,  # noqa: F811
    world: World,  # noqa: F811
) -> None:
    form = client.get("/login", headers=HTML)
    client.post(
        "/login",
        data={"email": "admin@acme.test", "password": PASSWORD, "csrf_token": _csrf(form.text)},
    )
    page = client.get("/import", headers=HTML)
    client.post("/language", data={"language": "zh", "csrf_token": _csrf(page.text), "next": "/"})
    page = client.get("/import", headers=HTML)
    refused = client.post(
        "/import",
        headers=HTML,
        data={"kind": "invoices", "csrf_token": _csrf(page.text)},
        files={"file": ("invoices.csv", BAD_INVOICES.encode())},
    )
    assert refused.status_code == 422
    assert "不是数字：&#39;１００&#39;" in refused.text
    assert "未知的买方 &#39;NOPE&#39;" in refused.text
    assert "&#39;0000-01-01&#39; 的年份不在 1900 至 2200 之间" in refused.text
    assert "unknown buyer" not in refused.text
    # the API answers the same file in English, whatever the user's page language
    api = client.post(
        "/api/v1/imports/invoices",
        headers=bearer(world, "admin"),
        files={"file": ("invoices.csv", BAD_INVOICES.encode())},
    )
    assert {p["reason"] for p in api.json()["invalid_params"]} == {
        "not a number: '１００'",
        "unknown buyer 'NOPE'",
        "the year of '0000-01-01' is not between 1900 and 2200",
    }


def _templates() -> set[str]:
    """Every problem template written in the import code: ``Problems.add(frame, mask,
    column, TEMPLATE, ...)`` and ``RowError.of(row, column, TEMPLATE, ...)``."""
    found = set()
    files = [*(SOURCES / "imports").glob("*.py")]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            position = {"add": 3, "of": 2}.get(node.func.attr)
            if position is None or len(node.args) <= position:
                continue
            template = node.args[position]
            if isinstance(template, ast.Constant) and isinstance(template.value, str):
                found.add(template.value)
    return found


def test_every_import_problem_has_a_chinese_translation() -> None:
    templates = _templates()
    assert len(templates) > 30
    assert sorted(t for t in templates if translate("zh", t) == t) == []
