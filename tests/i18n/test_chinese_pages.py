"""Chinese pages through real HTTP (TestClient): the catalogue's Chinese, not the English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import write_csv
from tradeguard import locale
from tradeguard.domain.identity.access import Role
from tradeguard.identity import service as users
from tradeguard.identity.models import Organisation
from tradeguard.imports.service import import_file
from tradeguard.kit import i18n
from tradeguard.kit.db import unit_of_work
from tradeguard.web.app import create_app

HTML = {"Accept": "text/html"}
EMAIL = "viewer@acme.test"
PASSWORD = "correct horse battery staple"


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


@pytest.fixture
def client(engine: Engine, org: Organisation, tmp_path: Path) -> TestClient:
    with unit_of_work(engine) as session:
        users.add_user(session, org, EMAIL, Role.VIEWER, PASSWORD, "test")
        buyers = "buyer_id,name,country,industry\nB1,Alpha,DE,retail"
        import_file(session, org, "buyers", write_csv(tmp_path, "b.csv", buyers), "test")
    return TestClient(create_app(engine))


def test_the_login_page_and_its_error_in_chinese(client: TestClient) -> None:
    form = client.get("/login?lang=zh", headers=HTML)
    assert form.status_code == 200
    for chinese in ("登录", "电子邮箱", "密码"):
        assert chinese in form.text
    assert "E-mail" not in form.text
    refused = client.post(
        "/login",
        data={"email": EMAIL, "password": "wrong", "csrf_token": _csrf(form.text), "lang": "zh"},
    )
    assert "邮箱或密码错误。" in refused.text  # reaches t() as data (kit.i18n.RUNTIME_MESSAGES)
    assert "Wrong e-mail or password." not in refused.text


def test_the_pages_of_a_chinese_user_are_in_chinese(client: TestClient) -> None:
    form = client.get("/login", headers=HTML)
    signed_in = client.post(
        "/login",
        data={"email": EMAIL, "password": PASSWORD, "csrf_token": _csrf(form.text), "next": "/"},
    )
    assert signed_in.status_code == 200
    switched = client.post(
        "/language", data={"language": "zh", "csrf_token": _csrf(signed_in.text), "next": "/"}
    )
    assert switched.status_code == 200
    expected = {
        "/": ("概览", "未收应收账款", "最大买方"),
        "/buyers": ("买方", "搜索", "名称", "国家", "零售"),  # the industry "retail" too
        "/buyers/B1": ("行业", "零售"),
        # no invoices here: the reports page says so (its charts: tests/web/test_reports.py)
        "/reports": ("应收账款", "尚无数据：账簿中没有发票。"),
    }
    for path, chinese in expected.items():
        page = client.get(path, headers=HTML)
        assert page.status_code == 200, path
        for text in chinese:
            assert text in page.text, (path, text)
        for english in ("Overview", "Sign out", "Audit log"):  # the menu
            assert f">{english}<" not in page.text, (path, english)


def test_a_checkout_without_the_compiled_catalogue_fails_instead_of_showing_english(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(locale, "LOCALE_DIR", tmp_path)
    locale.translations.cache_clear()
    try:
        with pytest.raises(locale.CatalogueNotCompiledError, match=r"scripts/i18n\.py compile"):
            locale.translate("zh", "Buyers")
        assert locale.translate("en", "Buyers") == "Buyers"  # English needs no catalogue
    finally:
        locale.translations.cache_clear()


def test_model_and_industry_names_are_translated() -> None:
    assert i18n.model("zh", "expert") == "专家评分卡"
    assert i18n.model("zh", "fitted:3") == "拟合模型 3"
    assert i18n.model("en", "expert") == "Expert scorecard"
    assert i18n.industry("zh", "food & beverage") == "食品饮料"
    assert i18n.industry("zh", "unknown trade") == "unknown trade"
