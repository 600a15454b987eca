"""Errors on the pages: HTML in the site's layout and the user's language; the API keeps
problem JSON. Also the offline API docs, the favicon, report dates and the Chinese names."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.web.conftest import PASSWORD, World, bearer
from tradeguard.demo.generator import _INDUSTRIES
from tradeguard.domain.credit.scorecard import INDUSTRY_RISK
from tradeguard.imports.formats import FORMATS
from tradeguard.kit import i18n

HTML = {"Accept": "text/html,application/xhtml+xml"}
TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()
ERROR_URLS = {
    "/buyers/NOPE": (404, "no buyer &#39;NOPE&#39;"),
    "/reports?as_of=2026-13-45": (422, "<code>as_of</code>: not a date in YYYY-MM-DD form"),
    "/reports?bucket=99": (422, "<code>bucket</code>: at most 50"),
    "/nonexistent": (404, None),
    f"/reports?as_of={TOMORROW}": (422, "as_of"),
}


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def sign_in(client: TestClient, email: str, language: str = "en") -> None:
    """A browser session for ``email``, switched to ``language`` the way a user does it."""
    form = client.get("/login", headers=HTML)
    client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": _csrf(form.text)},
        follow_redirects=False,
    )
    if language != "en":
        overview = client.get("/", headers=HTML)
        client.post(
            "/language",
            data={"language": language, "csrf_token": _csrf(overview.text), "next": "/"},
            headers=HTML,
        )


def _title(page: str) -> str:
    found = re.search(r"<title>(.*?)</title>", page, re.S)
    assert found is not None
    return found.group(1).strip()


@pytest.mark.parametrize(("url", "expected"), ERROR_URLS.items())
def test_error_pages_are_html_in_english(
    client: TestClient, url: str, expected: tuple[int, str | None]
) -> None:
    status, mentioned = expected
    sign_in(client, "viewer@acme.test")
    response = client.get(url, headers=HTML)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert 'id="error-title"' in page
    assert "<header>" in page  # the site's layout, with its menu
    assert "viewer@acme.test" in page
    assert _title(page).startswith(f"{status} · ")
    assert 'id="error-back"' in page
    if mentioned:
        assert mentioned in page
    if url.startswith(f"/reports?as_of={TOMORROW}"):
        assert "<code>as_of</code>: the date is in the future" in page


@pytest.mark.parametrize(("url", "expected"), ERROR_URLS.items())
def test_error_pages_are_html_in_chinese(
    client: TestClient, url: str, expected: tuple[int, str | None]
) -> None:
    status, _mentioned = expected
    sign_in(client, "viewer@acme.test", "zh")
    response = client.get(url, headers=HTML)
    assert response.status_code == status
    page = response.text
    assert '<html lang="zh-Hans">' in page
    title = {404: "未找到", 422: "输入无效"}[status]
    assert f"{status} · {title}" in page
    assert "Not found" not in page
    assert "Invalid input" not in page
    if url.startswith(f"/reports?as_of={TOMORROW}"):
        assert "<code>as_of</code>: 该日期在未来" in page
    if "2026-13-45" in url:
        assert "<code>as_of</code>: 不是 YYYY-MM-DD 格式的日期" in page
    if "bucket" in url:
        assert "<code>bucket</code>: 最大为 50" in page


def test_forbidden_page_is_html(client: TestClient) -> None:
    sign_in(client, "viewer@acme.test", "zh")
    response = client.get("/import", headers=HTML)
    assert response.status_code == 403
    assert "403 · 无权访问" in response.text
    assert "您的角色无权访问此页面或执行此操作。" in response.text


def test_without_a_session_the_language_comes_from_the_browser(client: TestClient) -> None:
    english = client.get("/nonexistent", headers=HTML)
    assert english.status_code == 404
    assert "404 · Not found" in english.text
    assert "<header>" not in english.text  # nobody is signed in: no menu
    chinese = client.get(
        "/nonexistent", headers={**HTML, "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
    )
    assert "404 · 未找到" in chinese.text


def test_the_api_and_other_clients_keep_problem_json(client: TestClient, world: World) -> None:
    api = client.get("/api/v1/buyers/NOPE", headers={**HTML, **bearer(world, "viewer")})
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"
    assert api.json()["title"] == "Not found"
    sign_in(client, "viewer@acme.test")
    for url, (status, _mentioned) in ERROR_URLS.items():
        plain = client.get(url, headers={"Accept": "application/json"})
        assert plain.status_code == status, url
        assert plain.headers["content-type"] == "application/problem+json", url
    future = client.get(
        "/api/v1/reports/kpis", params={"as_of": TOMORROW}, headers=bearer(world, "viewer")
    )
    assert future.status_code == 422
    assert future.json()["invalid_params"] == [
        {"name": "as_of", "reason": "as_of: the date is in the future"}
    ]


def test_a_database_failure_on_the_error_page_falls_back_to_english(
    client: TestClient, world: World
) -> None:
    sign_in(client, "viewer@acme.test", "zh")
    assert "概览" in client.get("/", headers=HTML).text
    with world.engine.begin() as connection:  # the sessions' table is gone
        connection.execute(text("DROP TABLE web_sessions"))
    response = client.get("/nonexistent", headers=HTML)
    assert response.status_code == 404
    assert "404 · Not found" in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/reports/ageing",
        "/api/v1/reports/ageing/0/invoices",
        "/api/v1/reports/kpis",
        "/api/v1/reports/behaviour",
        "/api/v1/summary",
    ],
)
def test_future_report_dates_are_refused(client: TestClient, world: World, path: str) -> None:
    response = client.get(path, params={"as_of": TOMORROW}, headers=bearer(world, "viewer"))
    assert response.status_code == 422
    assert response.json()["detail"] == "as_of: the date is in the future"
    today = client.get(
        path, params={"as_of": dt.date.today().isoformat()}, headers=bearer(world, "viewer")
    )
    assert today.status_code == 200


def test_a_date_before_the_ledger_says_no_data(client: TestClient, world: World) -> None:
    sign_in(client, "viewer@acme.test")
    before = client.get("/reports?as_of=2023-06-30", headers=HTML)
    assert before.status_code == 200
    assert "No data on that date (the ledger starts on 1 Jan 2024)." in before.text
    assert 'id="ageing-chart"' not in before.text
    during = client.get("/reports?as_of=2024-03-01", headers=HTML)
    assert 'id="no-data"' not in during.text
    assert 'id="ageing-chart"' in during.text
    # the API answers its normal, empty report, with the same fields as on a valid date
    early = client.get(
        "/api/v1/reports/kpis", params={"as_of": "2023-06-30"}, headers=bearer(world, "viewer")
    ).json()
    valid = client.get(
        "/api/v1/reports/kpis", params={"as_of": "2024-03-01"}, headers=bearer(world, "viewer")
    ).json()
    assert early.keys() == valid.keys()
    assert (early["receivables"], early["dso"], early["cei"]) == ("0.00", None, None)


def test_chinese_reports_page_explains_kpis_with_units(client: TestClient) -> None:
    sign_in(client, "viewer@acme.test", "zh")
    page = client.get("/reports?as_of=2024-03-01", headers=HTML).text
    for explanation in ("应收账款周转天数", "平均逾期天数", "回款有效性指数", "风险敞口的赫芬达尔"):
        assert explanation in page
    dso = re.search(r'id="kpi-dso">([^<]*)<', page)
    assert dso is not None
    assert dso.group(1).endswith(" 天")
    assert 'locale: "zh-CN"' in page
    assert '<script src="/static/site/plotly-locale-zh-cn.js">' in page
    assert client.get("/static/site/plotly-locale-zh-cn.js").status_code == 200
    assert _title(page) == "报表 · Acme Exports · TradeGuard"
    before = client.get("/reports?as_of=2023-06-30", headers=HTML).text
    assert "该日期无数据（账簿始于 2024年1月1日）。" in before


def test_english_reports_page_shows_days(client: TestClient) -> None:
    sign_in(client, "viewer@acme.test")
    page = client.get("/reports?as_of=2024-03-01", headers=HTML).text
    dso = re.search(r'id="kpi-dso">([^<]*)<', page)
    assert dso is not None
    assert dso.group(1).endswith(" days")
    assert "Days sales outstanding" in page
    assert "locale:" not in page


def test_page_titles(client: TestClient) -> None:
    sign_in(client, "admin@acme.test")
    assert _title(client.get("/", headers=HTML).text) == "Overview · Acme Exports · TradeGuard"
    assert _title(client.get("/import", headers=HTML).text) == "Import · Acme Exports · TradeGuard"
    assert (
        _title(client.get("/audit", headers=HTML).text) == "Audit log · Acme Exports · TradeGuard"
    )
    client.cookies.clear()
    assert _title(client.get("/login?lang=zh", headers=HTML).text) == "登录 · TradeGuard"


def test_chinese_import_and_audit_pages_name_kinds_actions_entities(client: TestClient) -> None:
    sign_in(client, "admin@acme.test", "zh")
    imports = client.get("/import", headers=HTML).text
    assert '<option value="credit-notes" >贷项通知单</option>' in imports
    assert ">buyers<" not in imports
    audit = client.get("/audit", headers=HTML).text
    assert 'title="import">导入</td>' in audit
    assert 'title="invoices">发票</td>' in audit
    assert 'title="users">用户</td>' in audit


def test_favicon(client: TestClient) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_api_docs_work_offline(client: TestClient) -> None:
    moved = client.get("/docs", follow_redirects=False)
    assert moved.status_code in (307, 308)
    assert moved.headers["location"] == "/api/v1/docs"
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']|url: ?['"]([^'"]+)['"]""", docs.text)
    found = [a or b for a, b in urls]
    assert "/static/swagger/swagger-ui-bundle.js" in found
    assert "/static/swagger/swagger-ui.css" in found
    assert "/api/v1/openapi.json" in found
    assert "http" not in " ".join(found)  # nothing from another site
    assert "cdn" not in docs.text
    for url in found:
        assert client.get(url).status_code == 200, url


def test_every_industry_and_model_has_a_chinese_name() -> None:
    names = [*INDUSTRY_RISK, *(name for name, _risk in _INDUSTRIES)]
    for name in names:
        chinese = i18n.industry("zh", name)
        assert chinese != name, name
        assert i18n.industry("en", name) == name
    assert i18n.industry("zh", "food & beverage") == "食品饮料"
    assert i18n.industry("zh", "Underwater basket weaving") == "Underwater basket weaving"
    assert i18n.model("zh", "expert") == "专家评分卡"
    assert i18n.model("zh", "fitted:3") == "拟合模型 3"
    assert i18n.model("en", "fitted:3") == "Fitted model 3"
    for kind in FORMATS:
        assert i18n.translate("zh", kind) != kind, kind
