"""Error pages, the Chinese audit log and reports, and the score chart in a real browser.

What a new user met: raw JSON for a wrong address, an audit log wider than the screen
in Chinese, KPI abbreviations without a word of explanation, a score-history chart
with a millisecond axis. Screenshots: artifacts/e2e/.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine

from tests.e2e.conftest import LiveServer, Shot
from tradeguard.credit import service as credit
from tradeguard.identity.models import Organisation
from tradeguard.kit.db import unit_of_work

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

SCREEN = {"width": 1440, "height": 900}
ERRORS = {
    "/buyers/NOPE": ("404 · Not found", "404 · 未找到"),
    "/reports?as_of=2026-13-45": ("422 · Invalid input", "422 · 输入无效"),
    "/reports?bucket=99": ("422 · Invalid input", "422 · 输入无效"),
    "/nonexistent": ("404 · Not found", "404 · 未找到"),
}


def _sign_in(page: Page, server: LiveServer) -> None:
    from playwright.sync_api import expect

    page.goto(f"{server.url}/login")
    page.fill("#email", server.email)
    page.fill("#password", server.password)
    page.click("#sign-in")
    expect(page.locator("header")).to_contain_text(server.email)


def _scroll_width(page: Page) -> int:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width


def test_error_pages_in_both_languages(live_server: LiveServer, page: Page, shot: Shot) -> None:
    from playwright.sync_api import expect

    _sign_in(page, live_server)
    for language in (0, 1):
        for url, titles in ERRORS.items():
            page.goto(f"{live_server.url}{url}")
            expect(page.locator("#error-title")).to_have_text(titles[language])
            expect(page.locator("header")).to_contain_text(live_server.email)  # site layout
            assert page.title().startswith(titles[language])
            shot(
                f"error-{'zh' if language else 'en'}-{url.strip('/').split('?')[0].replace('/', '-')}"
            )
        if language == 0:
            page.click("#switch-language")
            expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    page.click("#error-back")
    expect(page).to_have_url(f"{live_server.url}/")


def test_chinese_audit_log_and_reports_fit_the_screen(
    live_server: LiveServer, page: Page, shot: Shot
) -> None:
    from playwright.sync_api import expect

    page.set_viewport_size(SCREEN)
    _sign_in(page, live_server)
    page.click("#switch-language")
    page.goto(f"{live_server.url}/audit")
    expect(page.locator("#audit-table")).to_contain_text("导入")
    expect(page.locator("#audit-table")).to_contain_text("发票")
    shot("audit-zh")
    assert _scroll_width(page) <= SCREEN["width"]

    page.goto(f"{live_server.url}/reports?as_of=2025-07-01")
    kpis = page.locator(".kpis")
    for explanation in ("应收账款周转天数", "平均逾期天数", "回款有效性指数", "赫芬达尔"):
        expect(kpis).to_contain_text(explanation)
    expect(page.locator("#kpi-dso")).to_contain_text("天")
    expect(page.locator("#kpi-add")).to_contain_text("天")
    chart_locale = page.evaluate('document.getElementById("dso-chart")._context.locale')
    assert chart_locale == "zh-CN"
    months = page.locator("#dso-chart .xtick text").all_text_contents()
    assert months
    assert any("月" in label for label in months), months  # Plotly's zh-CN month names
    shot("reports-zh")
    assert _scroll_width(page) <= SCREEN["width"]

    page.goto(f"{live_server.url}/reports?as_of=2024-12-31")
    expect(page.locator("#no-data")).to_have_text("该日期无数据（账簿始于 2025年1月10日）。")
    expect(page.locator("#ageing-chart")).to_have_count(0)
    shot("reports-before-the-ledger")

    tomorrow = dt.date.today() + dt.timedelta(days=1)
    page.goto(f"{live_server.url}/reports?as_of={tomorrow.isoformat()}")
    expect(page.locator("#error-title")).to_have_text("422 · 输入无效")
    expect(page.locator("#error-params")).to_contain_text("该日期在未来")
    shot("reports-future-date")


def test_score_history_has_a_date_axis(
    live_server: LiveServer, page: Page, shot: Shot, engine: Engine, org: Organisation
) -> None:
    from playwright.sync_api import expect

    with unit_of_work(engine) as session:  # one score: the case that had a millisecond axis
        credit.score_buyers(session, org, dt.date(2025, 7, 1), buyer_id="B1")
    page.set_viewport_size(SCREEN)
    _sign_in(page, live_server)
    for language, day in (("en", "1 Jul 2025"), ("zh", "2025年7月1日")):
        page.goto(f"{live_server.url}/buyers/B1")
        chart = page.locator("#score-history-chart")
        expect(chart.locator(".xtick").first).to_be_visible()
        axis = page.evaluate(
            """() => {
                const axis = document.getElementById("score-history-chart")._fullLayout.xaxis;
                return {type: axis.type, range: axis.range, dtick: axis.dtick};
            }"""
        )
        assert axis["type"] == "date"
        assert axis["dtick"] == 86_400_000  # a tick a day, never a fraction of one
        ticks = chart.locator(".xtick text").all_text_contents()
        assert day in ticks, ticks
        assert not any(":" in tick for tick in ticks), ticks  # no times of day
        shot(f"score-history-{language}")
        if language == "en":
            page.click("#switch-language")
            expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
