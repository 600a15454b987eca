"""The dashboard in a browser-like client: login with CSRF, pages, language, logout."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, World
from tradeguard.credit import service as credit
from tradeguard.kit.db import unit_of_work
from tradeguard.limits import service as limits

HTML = {"Accept": "text/html"}


def _login(client: TestClient, email: str, password: str = PASSWORD) -> int:
    form = client.get("/login", headers=HTML)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    response = client.post(
        "/login",
        data={
            "email": email,
            "password": password,
            "csrf_token": token.group(1),
            "next": "/buyers",
        },
        follow_redirects=False,
    )
    return response.status_code


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_pages_need_a_login_and_redirect_to_it(client: TestClient) -> None:
    response = client.get("/buyers", headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/buyers"


def test_login_pages_language_and_logout(client: TestClient, world: World) -> None:
    assert _login(client, "viewer@acme.test") == 303
    cookie = client.cookies.get("tg_session")
    assert cookie
    overview = client.get("/", headers=HTML)
    assert overview.status_code == 200
    assert "Open receivables" in overview.text
    assert '<script src="/static/plotly.js">' in overview.text
    assert client.get("/static/plotly.js").status_code == 200
    buyers = client.get("/buyers?q=alpha", headers=HTML)
    assert "Alpha" in buyers.text
    assert "Beta" not in buyers.text
    buyer = client.get("/buyers/B1", headers=HTML)
    assert buyer.status_code == 200
    assert "I1" in buyer.text
    # another organisation's buyer does not exist for this user
    assert client.get("/buyers/RB1", headers=HTML).status_code == 404
    # a viewer can neither import nor read the audit log
    assert client.get("/import", headers=HTML).status_code == 403
    assert client.get("/audit", headers=HTML).status_code == 403
    # switching language needs the CSRF token of the session
    assert client.post("/language", data={"language": "zh"}).status_code == 403
    switched = client.post(
        "/language", data={"language": "zh", "csrf_token": _csrf(buyer.text), "next": "/"}
    )
    assert switched.status_code == 200
    assert "未收应收账款" in switched.text
    logout = client.post(
        "/logout", data={"csrf_token": _csrf(switched.text)}, follow_redirects=False
    )
    assert logout.status_code == 303
    assert client.get("/", headers=HTML, follow_redirects=False).status_code == 303
    del world


def test_import_page_uploads_and_shows_row_errors(client: TestClient, world: World) -> None:
    assert _login(client, "credit_manager@acme.test") == 303
    form = client.get("/import", headers=HTML)
    csrf = _csrf(form.text)
    bad = client.post(
        "/import",
        data={"kind": "buyers", "csrf_token": csrf},
        files={
            "file": ("b.csv", b"buyer_id,name,country,industry\nB7,Seven,QQ,retail\n", "text/csv")
        },
    )
    assert bad.status_code == 422
    assert "unknown country code &#39;QQ&#39;" in bad.text
    good = client.post(
        "/import",
        data={"kind": "buyers", "csrf_token": csrf},
        files={
            "file": ("b.csv", b"buyer_id,name,country,industry\nB7,Seven,IT,retail\n", "text/csv")
        },
    )
    assert good.status_code == 200
    assert 'id="import-result"' in good.text
    missing_csrf = client.post(
        "/import", data={"kind": "buyers"}, files={"file": ("b.csv", b"x", "text/csv")}
    )
    assert missing_csrf.status_code == 403
    audit = client.get("/audit", headers=HTML)
    assert "user:credit_manager@acme.test" in audit.text
    del world


def test_wrong_passwords_are_slowed_down(client: TestClient, world: World) -> None:
    for _ in range(5):
        assert _login(client, "sales@acme.test", "wrong password!") == 401
    # the sixth attempt must wait, even with the right password
    assert _login(client, "sales@acme.test") == 429
    del world


def test_buyer_page_shows_the_credit_assessment_in_both_languages(
    client: TestClient, world: World
) -> None:
    with unit_of_work(world.engine) as session:
        for day in (dt.date(2024, 3, 1), dt.date(2024, 6, 30)):
            credit.score_buyers(session, world.org, day)
        request = limits.request_limit(session, world.org, "B1", Decimal(5000), "new", "sales")
        limits.decide(
            session,
            world.org,
            request.id,
            "approve",
            "good payer",
            "cm",
            override_reason="parent guarantee",
            today=dt.date.today(),
        )
        limits.stop_shipment(
            session, world.org, "B1", "insolvency filed", "cm", today=dt.date.today()
        )
        score = credit.buyer_score(session, world.org, "B1", today=dt.date.today())
    assert _login(client, "viewer@acme.test") == 303
    page = client.get("/buyers/B1", headers=HTML)
    assert page.status_code == 200
    text = page.text
    assert f'id="buyer-grade">{score.grade} / 10<' in text
    assert f">{score.credit_class}</b>" in text
    assert f"{score.pd * 100:.2f}%" in text
    assert 'id="buyer-limit-in-force">€5,000.00<' in text
    assert 'id="buyer-altman">No financial statements.' in text
    for reason in score.reasons:
        assert reason.code in text
        assert reason.factor in text
    assert ("no data" in text) == any(r.value is None for r in score.reasons)
    assert 'class="flag stop" id="stop-shipment"' in text
    assert "insolvency filed" in text
    assert 'id="score-history-chart"' in text
    assert '"as_of": "2024-03-01"' in text
    assert '"as_of": "2024-06-30"' in text
    assert '<script src="/static/plotly.js">' in text
    assert "good payer" in text
    overview = client.get("/", headers=HTML)
    assert '<div id="grade-chart"' in overview.text
    assert '"credit_class": "A"' in overview.text
    switched = client.post(
        "/language", data={"language": "zh", "csrf_token": _csrf(text), "next": "/buyers/B1"}
    )
    assert switched.status_code == 200
    for words in (
        "信用评估",
        "等级",
        "违约概率（一年）",
        "已停止发货",
        "额度历史",
        "已批准",
        "评分历史",
    ):
        assert words in switched.text
    assert "等级分布" in client.get("/", headers=HTML).text


def test_buyer_page_without_scores_or_limits(client: TestClient, world: World) -> None:
    assert _login(client, "sales@acme.test") == 303
    page = client.get("/buyers/B2", headers=HTML)
    assert page.status_code == 200
    assert 'id="buyer-grade"' in page.text  # computed on the fly, not saved
    # B2's invoice has been unpaid since 2024: in default, so cash before delivery only
    assert 'data-status="cash_before_delivery"' in page.text
    assert "Shipments allowed" not in page.text
    assert "No limit requests." in page.text
    assert '<p id="score-history-chart">No score recorded yet' in page.text
    report = re.search(r'id="country-report" href="([^"]+)"', page.text)
    assert report is not None
    assert "Market risk report: France (FR)" in client.get(report.group(1)).text
    assert 'id="grade-chart">Not scored yet.' in client.get("/", headers=HTML).text
    del world
