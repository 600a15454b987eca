"""The credit manager's page: first in the navigation, the day's alerts by severity with
their forms, the decisions waiting, in English and Chinese; roles and organisations kept."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient

from tests.web.conftest import World
from tests.web.test_error_pages import HTML, sign_in
from tradeguard.cycle.service import run_cycle
from tradeguard.kit.db import unit_of_work
from tradeguard.monitoring import service as monitoring


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def _monitored(world: World) -> None:
    """The cycle of 15 March 2024, alerting on invoices more than 30 days overdue."""
    with unit_of_work(world.engine) as session:
        monitoring.save_settings(session, world.org, {"overdue_days": 30}, "t")
        run_cycle(session, world.org, dt.date(2024, 3, 15), "t")


def test_the_day_with_its_alerts_and_their_forms(world: World, client: TestClient) -> None:
    _monitored(world)
    sign_in(client, "credit_manager@acme.test")
    page = client.get("/today", headers=HTML)
    assert page.status_code == 200
    header = page.text[page.text.index("<header>") : page.text.index("</header>")]
    assert header.index('href="/today"') < header.index('href="/"')  # first in the navigation
    overdue = re.search(r'<tr id="alert-(\d+)">(?:(?!</tr>).)*invoice overdue', page.text, re.S)
    assert overdue is not None, page.text
    alert_id = overdue.group(1)
    assert 'href="/buyers/B1"' in page.text
    assert "days overdue 44" in page.text

    acked = client.post(
        f"/today/alerts/{alert_id}/ack",
        data={"csrf_token": _csrf(page.text), "comment": "called them"},
        headers=HTML,
        follow_redirects=False,
    )
    assert (acked.status_code, acked.headers["location"]) == (303, "/today?done=alert-acknowledged")
    page = client.get("/today?done=alert-acknowledged", headers=HTML)
    assert "Alert acknowledged." in page.text
    row = re.search(rf'<tr id="alert-{alert_id}">(?:(?!</tr>).)*', page.text, re.S)
    assert row is not None
    assert "acknowledged · user:credit_manager@acme.test" in row.group(0)
    again = client.post(
        f"/today/alerts/{alert_id}/ack", data={"csrf_token": _csrf(page.text)}, headers=HTML
    )
    assert again.status_code == 409
    assert "Nothing was changed." in again.text
    resolved = client.post(
        f"/today/alerts/{alert_id}/resolve",
        data={"csrf_token": _csrf(page.text)},
        headers=HTML,
        follow_redirects=False,
    )
    assert resolved.status_code == 303
    assert f'id="alert-{alert_id}"' not in client.get("/today", headers=HTML).text


def test_the_day_in_chinese_and_for_a_viewer(world: World, client: TestClient) -> None:
    _monitored(world)
    sign_in(client, "viewer@acme.test", "zh")
    page = client.get("/today", headers=HTML)
    assert "今日工作" in page.text
    assert "发票逾期" in page.text
    assert "逾期天数 44" in page.text
    assert "/today/alerts/" not in page.text  # a viewer sees the day, without the forms
    alert_id = re.search(r'<tr id="alert-(\d+)">', page.text).group(1)  # type: ignore[union-attr]
    refused = client.post(
        f"/today/alerts/{alert_id}/resolve", data={"csrf_token": _csrf(page.text)}, headers=HTML
    )
    assert refused.status_code == 403


def test_the_other_organisation_sees_none_of_it(world: World, client: TestClient) -> None:
    _monitored(world)
    sign_in(client, "admin@rival.test")
    page = client.get("/today", headers=HTML)
    assert page.status_code == 200
    assert "No open alert." in page.text
    with unit_of_work(world.engine) as session:
        [first, *_] = monitoring.unresolved_alerts(session, world.org)
    refused = client.post(
        f"/today/alerts/{first.id}/resolve", data={"csrf_token": _csrf(page.text)}, headers=HTML
    )
    assert refused.status_code == 404


def test_an_order_screened_from_the_page_and_put_on_hold_is_listed(
    world: World, client: TestClient
) -> None:
    _monitored(world)
    sign_in(client, "sales@acme.test")
    page = client.get("/today", headers=HTML)
    assert 'id="screening-form"' in page.text
    assert "/today/alerts/" not in page.text  # sales screen orders; they do not handle alerts
    answer = client.post(
        "/screen",
        data={
            "csrf_token": _csrf(page.text),
            "buyer_id": "B1",
            "amount": "500",
            "order_id": "SO-1",
        },
        headers=HTML,
    )
    assert answer.status_code == 200
    assert "hold" in answer.text.lower()
    page = client.get("/today", headers=HTML)
    hold = re.search(r'<tr id="hold-\d+">(?:(?!</tr>).)*', page.text, re.S)
    assert hold is not None, page.text
    assert "SO-1" in hold.group(0)
    assert 'href="/buyers/B1"' in hold.group(0)
    assert "overdue" in hold.group(0)
