"""The credit API on both databases: the limit workflow, stop-shipments, settings (the
model mode) and the country market-risk report; every change audited with the user."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web.conftest import World, bearer
from tradeguard.audit.models import AuditEntry
from tradeguard.kit.db import unit_of_work


def _audit(world: World, entity: str) -> list[AuditEntry]:
    with unit_of_work(world.engine) as session:
        rows = list(
            session.scalars(
                select(AuditEntry)
                .where(AuditEntry.org_id == world.org.id, AuditEntry.entity == entity)
                .order_by(AuditEntry.id)
            )
        )
        session.expunge_all()
    return rows


def test_limit_request_approve_reject_and_history(client: TestClient, world: World) -> None:
    manager, sales = bearer(world, "credit_manager"), bearer(world, "sales")
    created = client.post(
        "/api/v1/buyers/B1/limit-requests",
        headers=manager,
        json={"amount": "50000", "reason": "new order"},
    )
    assert created.status_code == 201, created.text
    first = created.json()
    assert (first["status"], first["amount"], first["currency"]) == ("pending", "50000.00", "EUR")
    assert first["requested_by"] == "user:credit_manager@acme.test"
    second = client.post(
        "/api/v1/buyers/B1/limit-requests", headers=manager, json={"amount": "90000"}
    ).json()

    # sales and viewers may read but not decide
    assert (
        client.post(
            f"/api/v1/limit-requests/{first['id']}/approve", headers=sales, json={"reason": "ok"}
        ).status_code
        == 403
    )
    # B1 is in default (an invoice 90+ days past due): approving needs an override reason
    unexplained = client.post(
        f"/api/v1/limit-requests/{first['id']}/approve",
        headers=bearer(world, "admin"),
        json={"reason": "good payer", "amount": "40000"},
    )
    assert unexplained.status_code == 422  # an override reason is missing
    assert "grade 10, class C (invoice" in unexplained.json()["detail"]
    assert "override_reason" in unexplained.json()["detail"]
    # above the four-eyes amount the requester may not decide their own request
    own = client.post(
        f"/api/v1/limit-requests/{first['id']}/approve",
        headers=manager,
        json={"reason": "good payer", "amount": "40000", "override_reason": "guarantee"},
    )
    assert own.status_code == 403  # four eyes: the requester may not decide
    assert "four eyes" in own.json()["detail"]
    approved = client.post(
        f"/api/v1/limit-requests/{first['id']}/approve",
        headers=bearer(world, "admin"),
        json={"reason": "good payer", "amount": "40000", "override_reason": "parent guarantee"},
    )
    assert approved.status_code == 200, approved.text
    assert (
        approved.json()["status"],
        approved.json()["approved_amount"],
        approved.json()["override_reason"],
    ) == ("approved", "40000.00", "parent guarantee")
    rejected = client.post(
        f"/api/v1/limit-requests/{second['id']}/reject",
        headers=bearer(world, "admin"),
        json={"reason": "too much for grade 6"},
    )
    assert rejected.json()["decided_by"] == "user:admin@acme.test"
    # a decided request cannot be decided again; a reject takes no amount; a reason is needed
    again = client.post(
        f"/api/v1/limit-requests/{first['id']}/reject", headers=manager, json={"reason": "x"}
    )
    assert again.status_code == 409
    assert again.json()["detail"] == f"request {first['id']} is already approved"
    assert (
        client.post(
            f"/api/v1/limit-requests/{second['id']}/reject",
            headers=manager,
            json={"reason": "x", "amount": "1"},
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/api/v1/limit-requests/{second['id']}/approve", headers=manager, json={"reason": ""}
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/api/v1/limit-requests/{second['id']}/cancel", headers=manager, json={"reason": "x"}
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/api/v1/buyers/B1/limit-requests", headers=manager, json={"amount": "-1"}
        ).status_code
        == 422
    )

    for amount, code in (("12.345", 422), ("1e13", 422), ("NaN", 422)):
        answer = client.post(
            "/api/v1/buyers/B1/limit-requests", headers=manager, json={"amount": amount}
        )
        assert answer.status_code == code, (amount, answer.text)

    status = client.get("/api/v1/buyers/B1/limits", headers=sales).json()
    assert status["limit"]["amount"] == "40000.00"
    assert status["limit"]["request_id"] == first["id"]
    assert [r["status"] for r in status["requests"]] == ["approved", "rejected"]
    assert status["stop_shipment"] is None
    actions = [(a.action, a.actor) for a in _audit(world, "credit_limit_requests")]
    assert actions == [
        ("request", "user:credit_manager@acme.test"),
        ("request", "user:credit_manager@acme.test"),
        ("approve", "user:admin@acme.test"),
        ("reject", "user:admin@acme.test"),
    ]
    assert [a.action for a in _audit(world, "credit_limits")] == ["insert"]


def test_other_organisation_sees_404(client: TestClient, world: World) -> None:
    manager, rival = bearer(world, "credit_manager"), bearer(world, "other_admin")
    request_id = client.post(
        "/api/v1/buyers/B1/limit-requests", headers=manager, json={"amount": "100"}
    ).json()["id"]
    client.put("/api/v1/buyers/B1/stop-shipment", headers=manager, json={"reason": "fraud"})
    before = len(_audit(world, "credit_limit_requests")), len(_audit(world, "stop_shipments"))
    assert client.get("/api/v1/buyers/B1/limits", headers=rival).status_code == 404
    assert (
        client.post(
            "/api/v1/buyers/B1/limit-requests", headers=rival, json={"amount": "1"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/limit-requests/{request_id}/approve", headers=rival, json={"reason": "x"}
        ).status_code
        == 404
    )
    assert (
        client.put(
            "/api/v1/buyers/B1/stop-shipment", headers=rival, json={"reason": "x"}
        ).status_code
        == 404
    )
    assert (
        client.delete("/api/v1/buyers/B1/stop-shipment?reason=x", headers=rival).status_code == 404
    )
    assert (len(_audit(world, "credit_limit_requests")), len(_audit(world, "stop_shipments"))) == (
        before
    )
    status = client.get("/api/v1/buyers/B1/limits", headers=manager).json()
    assert status["requests"][0]["status"] == "pending"
    assert status["stop_shipment"]["kind"] == "permanent"


def test_stop_shipment_temporary_permanent_and_lifted(client: TestClient, world: World) -> None:
    manager = bearer(world, "credit_manager")
    assert (
        client.put(
            "/api/v1/buyers/B2/stop-shipment", headers=bearer(world, "viewer"), json={"reason": "x"}
        ).status_code
        == 403
    )
    until = dt.date.today() + dt.timedelta(days=10)
    temporary = client.put(
        "/api/v1/buyers/B2/stop-shipment",
        headers=manager,
        json={"reason": "overdue 60 days", "until": until.isoformat()},
    )
    assert temporary.status_code == 200, temporary.text
    assert temporary.json() | {"set_at": None} == {
        "kind": "temporary",
        "until": until.isoformat(),
        "reason": "overdue 60 days",
        "set_by": "user:credit_manager@acme.test",
        "set_at": None,
        "active": True,
    }
    past = client.put(
        "/api/v1/buyers/B2/stop-shipment",
        headers=manager,
        json={"reason": "was short", "until": "2020-01-01"},
    )
    assert past.status_code == 422
    assert "2020-01-01 is in the past" in past.json()["detail"]
    permanent = client.put(
        "/api/v1/buyers/B2/stop-shipment", headers=manager, json={"reason": "insolvent"}
    ).json()
    assert (permanent["kind"], permanent["until"], permanent["active"]) == (
        "permanent",
        None,
        True,
    )
    shorter = client.put(
        "/api/v1/buyers/B2/stop-shipment",
        headers=manager,
        json={"reason": "paid half", "until": until.isoformat()},
    )
    assert shorter.status_code == 409  # the permanent stop stays until lifted
    assert "lift it first" in shorter.json()["detail"]
    shown = client.get("/api/v1/buyers/B2/limits", headers=bearer(world, "viewer")).json()
    assert shown["stop_shipment"]["reason"] == "insolvent"
    assert client.delete("/api/v1/buyers/B2/stop-shipment", headers=manager).status_code == 422
    assert (
        client.delete(
            "/api/v1/buyers/B2/stop-shipment?reason=x", headers=bearer(world, "sales")
        ).status_code
        == 403
    )
    lifted = client.delete("/api/v1/buyers/B2/stop-shipment?reason=paid", headers=manager)
    assert lifted.status_code == 204
    assert client.get("/api/v1/buyers/B2/limits", headers=manager).json()["stop_shipment"] is None
    assert (
        client.delete("/api/v1/buyers/B2/stop-shipment?reason=paid", headers=manager).status_code
        == 404
    )
    entries = _audit(world, "stop_shipments")
    assert [a.action for a in entries] == ["stop_shipment"] * 2 + ["lift_stop_shipment"]
    assert {a.actor for a in entries} == {"user:credit_manager@acme.test"}
    assert client.put(
        "/api/v1/buyers/NOPE/stop-shipment", headers=manager, json={"reason": "x"}
    ).status_code == (404)


def test_settings_model_mode(client: TestClient, world: World) -> None:
    viewer, manager = bearer(world, "viewer"), bearer(world, "credit_manager")
    assert client.get("/api/v1/credit/settings", headers=viewer).json()["mode"] == "expert"
    assert (
        client.put("/api/v1/credit/settings", headers=viewer, json={"mode": "fitted"}).status_code
        == 403
    )
    changed = client.put("/api/v1/credit/settings", headers=manager, json={"mode": "fitted"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["mode"] == "fitted"
    assert client.get("/api/v1/credit/settings", headers=viewer).json()["mode"] == "fitted"
    wrong = client.put("/api/v1/credit/settings", headers=manager, json={"mode": "magic"})
    assert wrong.status_code == 422
    assert "mode" in wrong.json()["detail"]
    for wrong_kind in ({"colour": 1}, {"grade_bounds": "abc"}, {"class_a_max_grade": "x"}):
        answer = client.put("/api/v1/credit/settings", headers=manager, json=wrong_kind)
        assert answer.status_code == 422, wrong_kind
    # another organisation keeps its own settings
    assert (
        client.get("/api/v1/credit/settings", headers=bearer(world, "other_admin")).json()["mode"]
        == "expert"
    )
    (entry,) = _audit(world, "credit_settings")
    assert (entry.actor, entry.before, entry.after) == (
        "user:credit_manager@acme.test",
        {"mode": "expert"},
        {"mode": "fitted"},
    )


def test_country_report_html_and_pdf(client: TestClient, world: World) -> None:
    viewer = bearer(world, "viewer")
    html = client.get("/api/v1/countries/cn/report", headers=viewer)
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert "Market risk report: China (CN)" in html.text
    assert "OECD country risk category" in html.text
    assert "Worldwide Governance Indicators" in html.text
    assert "2022-03-11" in html.text  # the OECD review date
    zh = client.get("/api/v1/countries/CN/report?lang=zh", headers=viewer)
    assert "市场风险报告：中国 (CN)" in zh.text
    assert "政治风险" in zh.text
    pdf = client.get("/api/v1/countries/DE/report?format=pdf", headers=viewer)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    # the Chinese PDF and its embedded font: tests/credit/test_country_pdf.py
    assert client.get("/api/v1/countries/XX/report", headers=viewer).status_code == 404
    assert client.get("/api/v1/countries/DE/report?format=doc", headers=viewer).status_code == 422
    assert client.get("/api/v1/countries/DE/report").status_code == 401


def test_concurrent_decisions_over_http_one_wins_the_other_gets_409(
    client: TestClient, world: World
) -> None:
    """Approve and reject sent at once: exactly one is decided, the other is told so."""
    request_id = client.post(
        "/api/v1/buyers/B2/limit-requests", headers=bearer(world, "sales"), json={"amount": "500"}
    ).json()["id"]
    calls = {
        "approve": (bearer(world, "credit_manager"), {"reason": "ok", "override_reason": "known"}),
        "reject": (bearer(world, "admin"), {"reason": "no"}),
    }

    def send(decision: str) -> tuple[str, int, str]:
        headers, body = calls[decision]
        answer = client.post(
            f"/api/v1/limit-requests/{request_id}/{decision}", headers=headers, json=body
        )
        return decision, answer.status_code, answer.json().get("detail", "")

    with ThreadPoolExecutor(2) as pool:
        results = sorted(pool.map(send, calls), key=lambda r: r[1])
    assert [code for _, code, _ in results] == [200, 409]
    assert results[1][2] in {
        f"request {request_id} was decided by someone else meanwhile",
        f"request {request_id} is already {'approved' if results[0][0] == 'approve' else 'rejected'}",
    }
    decided = [a.action for a in _audit(world, "credit_limit_requests") if a.action != "request"]
    assert decided == [results[0][0]]
    shown = client.get("/api/v1/buyers/B2/limits", headers=bearer(world, "viewer")).json()
    assert shown["requests"][-1]["status"] == ("approved" if decided == ["approve"] else "rejected")


def test_the_buyer_limits_name_the_shipping_status(client: TestClient, world: World) -> None:
    manager = bearer(world, "credit_manager")
    shipping = client.get("/api/v1/buyers/B1/limits", headers=manager).json()["shipping"]
    assert shipping["status"] == "cash_before_delivery"
    assert shipping["reasons"][0]["code"] == "DEFAULT_DAYS_OVERDUE"
    assert "days past due (default at 90)" in shipping["reasons"][0]["message"]
    client.put("/api/v1/buyers/B1/stop-shipment", headers=manager, json={"reason": "fraud"})
    stopped = client.get("/api/v1/buyers/B1/limits", headers=manager).json()["shipping"]
    assert stopped["status"] == "stopped"
    assert stopped["reasons"][0] == {
        "code": "STOP_SHIPMENT",
        "message": "shipments stopped permanently: fraud",
    }
    score = client.get("/api/v1/buyers/B1/score", headers=manager).json()
    assert score["reasons"][0]["message"] == shipping["reasons"][0]["message"]
