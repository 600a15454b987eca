"""The insurance pages on both databases: /insurance and its forms (a notification that
stops shipments, a claim opened), a claim through its documents, submission, payment
and a recovery shared with the insurer, the policy settings (TOML pasted, errors naming
the key), the buyer page's cover and /today's notifications; in English and Chinese,
roles and organisations kept apart.

The world (tests/web/conftest.py): B1 (DE) owes I1, 100.00 EUR issued 2024-01-01 due
2024-01-31, 40.00 paid, so 60.00 open; B2 (FR) owes I2, 50.00 EUR issued 2024-02-01 due
2024-03-02. The policy notifies within 60 days of the due date: I1 by 2024-03-31, I2 by
2024-05-01.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from decimal import Decimal
from html import unescape
from typing import Any

from fastapi.testclient import TestClient

from tests.web.conftest import World
from tests.web.test_error_pages import HTML, sign_in
from tradeguard.domain.insurance.claim import ClaimEvent
from tradeguard.insurance import claims
from tradeguard.insurance import service as insurance
from tradeguard.kit.db import unit_of_work

DAY = "2024-03-25"
TERMS = {
    "insurer": "Atradius",
    "number": "P-1",
    "currency": "EUR",
    "start": "2024-01-01",
    "end": (dt.date.today() + dt.timedelta(days=365)).isoformat(),  # in force on /today too
    "insured_percentage": "0.9",
    "political_insured_percentage": "0.95",
    "aggregate_first_loss": "0",
    "non_qualifying_loss": "0",
    "maximum_liability": "1000000",
    "maximum_credit_period_days": 90,
    "maximum_extension_period_days": 60,
    "notification_deadline_days": 60,
    "waiting_period_days": 180,
    "premium_rate": "0.0025",
    "minimum_premium": "500.00",
    "discretionary_limit": "20.00",
    "political_risk": False,
    "excluded_countries": ["RU"],
}


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def _row(page: str, row_id: str) -> str:
    found = re.search(rf'<tr id="{row_id}"[^>]*>(?:(?!</tr>).)*', page, re.S)
    assert found is not None, page
    return found.group(0)


def _insure(world: World) -> None:
    """The policy, and the insurer's limit of 1,000.00 on B1 (B2 has the discretionary 20)."""
    with unit_of_work(world.engine) as session:
        insurance.load_policy(session, world.org, TERMS, "test")
        insurance.set_insurer_limit(
            session, world.org, "B1", Decimal("1000"), "EUR", dt.date(2024, 1, 1), "test"
        )


def _post(client: TestClient, url: str, csrf: str, **data: str) -> Any:
    return client.post(url, data={"csrf_token": csrf, **data}, headers=HTML, follow_redirects=False)


def test_notifications_and_a_claim_from_draft_to_a_shared_recovery(
    client: TestClient, world: World
) -> None:
    sign_in(client, "credit_manager@acme.test")
    page = client.get("/insurance", headers=HTML)
    assert 'id="nav-insurance"' in page.text
    assert "No insurance policy is in force on this day." in page.text
    assert 'href="/settings/policy" id="load-policy-link"' in page.text
    _insure(world)
    page = client.get(f"/insurance?as_of={DAY}", headers=HTML)
    assert page.status_code == 200
    assert "Atradius" in page.text
    # I1: deadline 2024-03-31, 6 days after 2024-03-25; I2: 2024-05-01, 37 days after
    i1 = _row(page.text, "notification-I1")
    assert ">6<" in i1
    assert "Due" in i1
    assert 'href="/buyers/B1"' in i1
    assert "€60.00" in i1
    assert ">37<" in _row(page.text, "notification-I2")
    assert "Upcoming" in _row(page.text, "notification-I2")
    csrf = _csrf(page.text)
    notified = client.post(
        "/insurance/buyers/B1/notifications",
        data={"csrf_token": csrf, "notified_on": DAY, "reference": "AT-77", "as_of": DAY},
        headers=HTML,
        follow_redirects=False,
    )
    assert (notified.status_code, notified.headers["location"]) == (
        303,
        f"/insurance?as_of={DAY}&done=notification-recorded",
    )
    page = client.get(notified.headers["location"], headers=HTML)
    assert "shipments to the buyer are stopped" in page.text
    assert 'id="notification-I1"' not in page.text
    assert "AT-77" in page.text
    again = client.post(
        "/insurance/buyers/B1/notifications",
        data={"csrf_token": csrf, "notified_on": DAY, "as_of": DAY},
        headers=HTML,
    )
    assert again.status_code == 409
    assert "already notified" in again.text
    buyer = client.get(f"/buyers/B1?as_of={DAY}", headers=HTML)
    assert 'data-status="stopped"' in buyer.text  # the stop-shipment the notification set
    assert 'id="notified-on">25 Mar 2024<' in buyer.text
    assert 'id="delivery-limit" data-discretionary="false">not covered<' in buyer.text

    opened = client.post(
        "/insurance/claims",
        data={
            "csrf_token": csrf,
            "buyer_id": "B1",
            "event": "insolvency",
            "loss_date": DAY,
            "as_of": DAY,
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert opened.status_code == 303
    found = re.fullmatch(
        rf"/insurance/claims/(\d+)\?as_of={DAY}&done=claim-opened", opened.headers["location"]
    )
    assert found is not None
    claim = f"/insurance/claims/{found.group(1)}"
    page = client.get(opened.headers["location"], headers=HTML)
    assert "Claim opened as a draft." in page.text
    # I1's 60.00 open, covered under the insurer's 1,000.00: 60.00 × 0.9 = 54.00
    assert "€60.00" in _row(page.text, "step-outstanding")
    assert "Capped by the credit limit" in _row(page.text, "step-credit_limit")
    assert "€54.00" in _row(page.text, "step-indemnity")
    assert "Every unpaid invoice is covered." in page.text
    early = client.post(
        f"{claim}/transitions",
        data={"csrf_token": csrf, "to": "submitted", "on": "2024-03-26", "as_of": DAY},
        headers=HTML,
    )
    assert early.status_code == 422
    assert 'id="move-submitted-error"' in early.text
    assert "lacks documents" in early.text
    for document in claims.CHECKLIST:
        ticked = _post(client, f"{claim}/documents/{document}", csrf, provided="true", as_of=DAY)
        assert ticked.status_code == 303
    page = client.get(f"{claim}?as_of={DAY}", headers=HTML)
    assert "provided" in _row(page.text, "document-insolvency_proof")
    for to, on in (("submitted", "2024-03-26"), ("paid", "2024-04-05")):
        moved = _post(client, f"{claim}/transitions", csrf, to=to, on=on, as_of=DAY)
        assert (moved.status_code, moved.headers["location"]) == (
            303,
            f"{claim}?as_of={DAY}&done=claim-moved",
        )
    page = client.get(f"{claim}?as_of=2024-04-05", headers=HTML)
    assert 'data-status="paid"' in page.text
    assert 'id="claim-paid">€54.00<' in page.text  # the indemnity, no amount typed
    assert 'id="payout-days">10<' in page.text  # 2024-03-26 to 2024-04-05
    assert 'data-breached="false"' in page.text
    assert 'id="move-' not in page.text  # paid is final
    recovered = _post(
        client, f"{claim}/recoveries", csrf, amount="20", received_on="2024-05-01", as_of=DAY
    )
    assert recovered.status_code == 303
    page = client.get(f"{claim}?as_of=2024-05-01", headers=HTML)
    # pro rata: 20.00 × indemnity 54 / debt 60 = 18.00 to the insurer, 2.00 ours
    assert 'id="insurer-recovered">€18.00<' in page.text
    assert 'id="seller-recovered">€2.00<' in page.text
    listed = client.get("/insurance?as_of=2024-05-01", headers=HTML)
    row = _row(listed.text, f"claim-{found.group(1)}")
    assert "Paid" in row
    assert "€54.00" in row
    assert "10 / 15" in row
    assert 'id="true-up"' in listed.text


def test_the_policy_settings_page(client: TestClient, world: World) -> None:
    sign_in(client, "admin@acme.test")
    page = client.get("/settings/policy", headers=HTML)
    assert "No policy loaded yet." in page.text
    csrf = _csrf(page.text)
    lines = [f"{k} = {v!r}".replace("'", '"') for k, v in TERMS.items() if k != "political_risk"]
    document = "[policy]\n" + "\n".join([*lines, "political_risk = false", "colour = 1"])
    refused = client.post(
        "/settings/policy", data={"csrf_token": csrf, "document": document}, headers=HTML
    )
    assert refused.status_code == 422
    assert "unknown policy keys: colour" in refused.text
    assert "colour = 1</textarea>" in refused.text  # what was pasted, shown again
    broken = client.post(
        "/settings/policy", data={"csrf_token": csrf, "document": "[policy"}, headers=HTML
    )
    assert broken.status_code == 422
    assert "TOML:" in broken.text
    loaded = client.post(
        "/settings/policy",
        data={"csrf_token": csrf, "document": document.removesuffix("\ncolour = 1")},
        headers=HTML,
        follow_redirects=False,
    )
    assert (loaded.status_code, loaded.headers["location"]) == (
        303,
        "/settings/policy?done=policy-loaded",
    )
    page = client.get(loaded.headers["location"], headers=HTML)
    assert "Policy loaded." in page.text
    assert "in force today" in page.text
    shown = re.search(r'<textarea name="document"[^>]*>(.*?)</textarea>', page.text, re.S)
    assert shown is not None
    with unit_of_work(world.engine) as session:
        [record] = insurance.list_policies(session, world.org)
    assert tomllib.loads(unescape(shown.group(1)))["policy"] == record.policy.as_dict()
    other = document.removesuffix("\ncolour = 1").replace('"P-1"', '"P-2"')
    overlapping = client.post(
        "/settings/policy", data={"csrf_token": csrf, "document": other}, headers=HTML
    )
    assert overlapping.status_code == 409
    assert "overlaps policy P-1" in overlapping.text


def test_the_buyer_page_and_today_show_the_cover(client: TestClient, world: World) -> None:
    _insure(world)
    sign_in(client, "credit_manager@acme.test")
    page = client.get(f"/buyers/B1?as_of={DAY}", headers=HTML)
    assert 'id="insurance-cover"' in page.text
    assert 'id="insurer-limit">€1,000.00<' in page.text
    assert 'id="own-limit">none<' in page.text
    assert 'id="delivery-limit" data-discretionary="false">€1,000.00<' in page.text
    assert 'id="cover-covered">€60.00<' in page.text
    assert 'id="insurer-limits-table"' in page.text
    page = client.get(f"/buyers/B2?as_of={DAY}", headers=HTML)
    assert 'id="delivery-limit" data-discretionary="true">€20.00<' in page.text
    # I2's 50.00 under the discretionary 20.00: 20.00 covered, 30.00 above the limit
    row = _row(page.text, "cover-I2")
    assert "€20.00" in row
    assert "the part above the credit limit" in row
    assert 'id="cover-uncovered">€30.00<' in page.text
    today = client.get("/today", headers=HTML)
    assert 'id="insurance-missed">2<' in today.text  # both deadlines passed long ago
    assert "Missed" in _row(today.text, "insurance-I1")
    assert 'href="/buyers/B2"' in _row(today.text, "insurance-I2")


def test_the_pages_in_chinese_for_a_viewer(client: TestClient, world: World) -> None:
    _insure(world)
    with unit_of_work(world.engine) as session:
        claim = claims.open_claim(
            session, world.org, "B2", dt.date(2024, 3, 25), ClaimEvent.INSOLVENCY, "test"
        )
    sign_in(client, "viewer@acme.test", "zh")
    page = client.get(f"/insurance?as_of={DAY}", headers=HTML)
    assert page.status_code == 200
    assert "<title>信用保险 · TradeGuard</title>" in page.text
    assert "待通知" in _row(page.text, "notification-I1")
    assert "草稿" in _row(page.text, f"claim-{claim.id}")
    assert "/notifications" not in page.text  # a viewer sees the work, without the forms
    assert 'id="claim-form"' not in page.text
    page = client.get(f"/insurance/claims/{claim.id}?as_of={DAY}", headers=HTML)
    assert "赔款" in _row(page.text, "step-indemnity")
    assert "超出信用额度的部分" in _row(page.text, "excluded-I2")
    assert "破产证明" in page.text
    assert 'id="move-' not in page.text
    assert 'id="recovery-form"' not in page.text
    assert "保险保障" in client.get(f"/buyers/B2?as_of={DAY}", headers=HTML).text
    assert "已错过" in _row(client.get("/today", headers=HTML).text, "insurance-I1")
    settings = client.get("/settings/policy", headers=HTML)
    assert "保单设置" in settings.text
    assert 'id="load-policy"' not in settings.text
    csrf = _csrf(settings.text)
    for url, data in (
        ("/insurance/buyers/B1/notifications", {"as_of": DAY}),
        ("/insurance/claims", {"buyer_id": "B1", "event": "insolvency"}),
        (f"/insurance/claims/{claim.id}/transitions", {"to": "withdrawn"}),
        (f"/insurance/claims/{claim.id}/documents/invoices", {}),
        ("/settings/policy", {"document": "[policy]"}),
    ):
        assert client.post(url, data={"csrf_token": csrf, **data}, headers=HTML).status_code == 403


def test_another_organisation_sees_none_of_it(client: TestClient, world: World) -> None:
    _insure(world)
    with unit_of_work(world.engine) as session:
        claim = claims.open_claim(
            session, world.org, "B1", dt.date(2024, 3, 25), ClaimEvent.INSOLVENCY, "test"
        )
    sign_in(client, "admin@rival.test")
    page = client.get(f"/insurance?as_of={DAY}", headers=HTML)
    assert "No insurance policy is in force on this day." in page.text
    assert "No claim yet." in page.text
    assert client.get(f"/insurance/claims/{claim.id}", headers=HTML).status_code == 404
    csrf = _csrf(page.text)
    for url, data in (
        ("/insurance/buyers/B1/notifications", {"as_of": DAY}),
        (f"/insurance/claims/{claim.id}/transitions", {"to": "withdrawn"}),
        (f"/insurance/claims/{claim.id}/recoveries", {"amount": "1"}),
    ):
        assert client.post(url, data={"csrf_token": csrf, **data}, headers=HTML).status_code == 404
    with unit_of_work(world.engine) as session:
        assert claims.get_claim(session, world.org, claim.id, dt.date.today()).status == "draft"
