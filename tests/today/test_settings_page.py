"""The monitoring settings page: every role sees the thresholds, a credit manager changes
them (all validated together, a refusal keeps nothing), Chinese too."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web.conftest import World
from tests.web.test_error_pages import HTML, sign_in
from tradeguard.audit.models import AuditEntry
from tradeguard.kit.db import unit_of_work
from tradeguard.monitoring import service as monitoring


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_a_credit_manager_changes_the_thresholds(world: World, client: TestClient) -> None:
    sign_in(client, "credit_manager@acme.test")
    page = client.get("/settings/monitoring", headers=HTML)
    assert 'id="setting-overdue_days" value="59"' in page.text
    bad = client.post(
        "/settings/monitoring",
        data={"csrf_token": _csrf(page.text), "overdue_days": "45", "cut_share": "2"},
        headers=HTML,
    )
    assert bad.status_code == 422
    assert "cut_share: a share above 0, at most 1" in bad.text
    assert 'id="setting-cut_share" value="2"' in bad.text  # what was typed, shown again
    not_a_number = client.post(
        "/settings/monitoring",
        data={"csrf_token": _csrf(page.text), "overdue_days": "soon"},
        headers=HTML,
    )
    assert not_a_number.status_code == 422
    assert "overdue_days: &#39;soon&#39; is not a number" in not_a_number.text
    with unit_of_work(world.engine) as session:
        assert monitoring.load_settings(session, world.org).overdue_days == 59
    saved = client.post(
        "/settings/monitoring",
        data={"csrf_token": _csrf(page.text), "overdue_days": "45", "concentration_share": "0.5"},
        headers=HTML,
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert "Settings saved." in client.get(saved.headers["location"], headers=HTML).text
    with unit_of_work(world.engine) as session:
        settings = monitoring.load_settings(session, world.org)
        audited = session.scalar(
            select(AuditEntry.actor).where(AuditEntry.entity == "monitoring_settings")
        )
        rival = monitoring.load_settings(session, world.other)
    assert (settings.overdue_days, settings.concentration_share) == (45, 0.5)
    assert audited == "user:credit_manager@acme.test"
    assert rival.overdue_days == 59


def test_a_viewer_reads_the_thresholds_and_cannot_change_them(client: TestClient) -> None:
    sign_in(client, "viewer@acme.test", "zh")
    page = client.get("/settings/monitoring", headers=HTML)
    assert "监控设置" in page.text
    assert 'id="save-settings"' not in page.text
    refused = client.post(
        "/settings/monitoring",
        data={"csrf_token": _csrf(page.text), "overdue_days": "45"},
        headers=HTML,
    )
    assert refused.status_code == 403
