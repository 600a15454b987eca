"""``POST /api/v1/orders/screen`` and the screening log, on both databases: each
decision, refusals, roles, organisations, the record kept, the interception KPI, the form."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.screening.conftest import PASSWORD, Seller
from tradeguard.kit.db import unit_of_work
from tradeguard.screening.models import OrderScreening


def screen(client: TestClient, seller: Seller, who: str = "sales", **body: Any) -> dict[str, Any]:
    answer = client.post(
        "/api/v1/orders/screen", json={"as_of": "2026-11-02", **body}, headers=seller.auth(who)
    )
    assert answer.status_code == 200, answer.text
    document: dict[str, Any] = answer.json()
    return document


def test_class_a_within_the_limit_is_approved_and_recorded(
    client: TestClient, seller: Seller
) -> None:
    answer = screen(
        client, seller, buyer_id="A1", amount="1000.00", terms_days=60, order_id="PO-17"
    )
    assert {k: answer[k] for k in answer if k not in ("screening_id", "screened_at")} == {
        "buyer_id": "A1",
        "order_id": "PO-17",
        "as_of": "2026-11-02",
        "screened_by": "user:sales@acme.test",
        "amount": "1000.00",
        "order_currency": "EUR",
        "terms_days": 60,
        "decision": "approve",
        "prepayment_share": None,
        "limit": "10000.00",
        # invoice 4,000 + open order 1,000 USD at 0.92 (the invoiced order not counted)
        "exposure_before": "4920.00",
        "exposure_after": "5920.00",
        "currency": "EUR",
        "insured": None,
        "grade": 3,
        "credit_class": "A",
        "high_risk": False,
        "reasons": [
            {
                "code": "WITHIN_LIMIT",
                "message": "class A (grade 3) within the limit: 4080.00 EUR of headroom left"
                " after this order",
            }
        ],
    }
    with unit_of_work(seller.engine) as session:
        row = session.get_one(OrderScreening, answer["screening_id"])
        kept = (row.buyer_id, row.order_id, row.amount, row.currency, row.terms_days)
        assert kept == ("A1", "PO-17", 100000, "EUR", 60)
        assert (row.decision, row.exposure_before, row.exposure_after, row.limit_amount) == (
            "approve",
            492000,
            592000,
            1000000,
        )
        assert (row.screened_by, row.high_risk, row.grade, row.credit_class) == (
            "user:sales@acme.test",
            False,
            3,
            "A",
        )
        assert row.reasons[0]["code"] == "WITHIN_LIMIT"


def test_an_order_in_another_currency_is_converted_at_the_latest_rate(
    client: TestClient, seller: Seller
) -> None:
    answer = screen(client, seller, buyer_id="A1", amount="100", currency="usd")
    assert (answer["amount"], answer["order_currency"]) == ("100.00", "USD")
    assert (answer["exposure_before"], answer["exposure_after"]) == ("4920.00", "5012.00")
    missing = client.post(
        "/api/v1/orders/screen",
        json={"buyer_id": "A1", "amount": "100", "currency": "JPY", "as_of": "2026-11-02"},
        headers=seller.auth("sales"),
    )
    assert missing.status_code == 409
    assert missing.json()["detail"] == "no FX rate for JPY on or before 2026-11-02"


def test_prepayment_cash_and_holds(client: TestClient, seller: Seller) -> None:
    over = screen(client, seller, buyer_id="A1", amount="6080.00")
    # 1,000 of 6,080 above the 5,080 headroom: 16.45%
    assert (over["decision"], over["prepayment_share"], over["high_risk"]) == (
        "approve_with_prepayment",
        0.1645,
        True,
    )
    assert over["reasons"][0]["code"] == "OVER_HEADROOM"
    class_b = screen(client, seller, buyer_id="B6", amount="1000")
    assert (class_b["decision"], class_b["prepayment_share"]) == ("approve_with_prepayment", 0.3)
    assert class_b["reasons"] == [
        {"code": "CLASS_B", "message": "class B (grade 6): 30% of the order paid in advance"}
    ]
    cash = screen(client, seller, buyer_id="C9", amount="1000")
    assert (cash["decision"], cash["prepayment_share"], cash["high_risk"]) == (
        "cash_before_delivery",
        None,
        True,
    )
    assert [r["code"] for r in cash["reasons"]] == ["CLASS_C"]
    held = {b: screen(client, seller, buyer_id=b, amount="10") for b in ("ST", "OD", "AL", "NS")}
    assert {b: a["decision"] for b, a in held.items()} == dict.fromkeys(held, "hold")
    assert held["ST"]["reasons"] == [
        {"code": "STOP_SHIPMENT", "message": "shipments stopped permanently: insolvency filed"}
    ]
    assert held["OD"]["reasons"] == [
        {
            "code": "OVERDUE_BEYOND_TOLERANCE",
            "message": "an invoice is 32 days overdue (tolerance 15 days)",
        }
    ]
    assert held["OD"]["exposure_before"] == "500.00"
    assert [r["message"] for r in held["AL"]["reasons"]] == [
        "high-severity alert open: insolvency_event (raised 2026-10-30)",
        "open alert: concentration (medium, raised 2026-10-30)",
    ]
    assert held["NS"]["reasons"][0]["code"] == "NOT_ASSESSED"
    assert (held["NS"]["grade"], held["NS"]["limit"]) == (None, None)
    assert (held["ST"]["high_risk"], held["AL"]["high_risk"]) == (True, False)
    # before the alert was raised, the same buyer is approved
    earlier = screen(client, seller, buyer_id="AL", amount="10", as_of="2026-10-29")
    assert earlier["decision"] == "approve"


def test_reasons_in_the_callers_language(client: TestClient, seller: Seller) -> None:
    answer = screen(client, seller, who="zh", buyer_id="B6", amount="1000")
    assert answer["reasons"] == [
        {"code": "CLASS_B", "message": "B 类（等级 6）：订单的 30% 须预付"}
    ]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"buyer_id": "NOPE", "amount": "10"}, 404),
        ({"buyer_id": "RB1", "amount": "10"}, 404),  # the rival's buyer
        ({"buyer_id": "A1", "amount": "0"}, 422),
        ({"buyer_id": "A1", "amount": "-5"}, 422),
        ({"buyer_id": "A1", "amount": "lots"}, 422),
        ({"buyer_id": "A1", "amount": "10.001"}, 422),  # finer than a cent
        ({"buyer_id": "A1", "amount": "10", "currency": "XYZ"}, 422),
        ({"buyer_id": "A1", "amount": "10", "terms_days": -1}, 422),
    ],
)
def test_refusals(client: TestClient, seller: Seller, body: dict[str, Any], status: int) -> None:
    answer = client.post("/api/v1/orders/screen", json=body, headers=seller.auth("sales"))
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    if status == 404:
        assert answer.json()["detail"] == f"no buyer {body['buyer_id']!r}"
    with unit_of_work(seller.engine) as session:
        assert session.scalars(select(OrderScreening)).all() == []


def test_roles(client: TestClient, seller: Seller) -> None:
    body = {"buyer_id": "A1", "amount": "10"}
    assert client.post("/api/v1/orders/screen", json=body).status_code == 401
    for who, status in (("viewer", 403), ("sales", 200), ("credit_manager", 200), ("admin", 200)):
        answer = client.post("/api/v1/orders/screen", json=body, headers=seller.auth(who))
        assert answer.status_code == status, (who, answer.text)
    rival = client.post("/api/v1/orders/screen", json=body, headers=seller.auth("rival"))
    assert rival.status_code == 404
    log = client.get("/api/v1/orders/screenings", headers=seller.auth("viewer")).json()
    assert [i["screened_by"] for i in log["items"]] == [
        "user:admin@acme.test",
        "user:credit_manager@acme.test",
        "user:sales@acme.test",
    ]
    rivals = client.get("/api/v1/orders/screenings", headers=seller.auth("rival")).json()
    assert (rivals["total"], rivals["items"]) == (0, [])


def test_the_log_page_by_page(client: TestClient, seller: Seller) -> None:
    for buyer_id in ("A1", "B6", "A1", "C9"):
        screen(client, seller, buyer_id=buyer_id, amount="10")
    page = client.get(
        "/api/v1/orders/screenings?buyer=A1&limit=1&offset=1", headers=seller.auth("viewer")
    ).json()
    assert (page["total"], page["limit"], page["offset"]) == (2, 1, 1)
    assert [(i["buyer_id"], i["decision"]) for i in page["items"]] == [("A1", "approve")]
    everything = client.get("/api/v1/orders/screenings", headers=seller.auth("zh")).json()
    assert [i["buyer_id"] for i in everything["items"]] == ["C9", "A1", "B6", "A1"]
    assert everything["items"][0]["reasons"][0]["message"] == "C 类（等级 9）：仅限款到发货"


def test_interception_per_quarter(client: TestClient, seller: Seller) -> None:
    orders = [
        ("2026-09-15", "H8"),  # high risk (grade 8), approved: not intercepted
        ("2026-09-15", "C9"),  # high risk (class C), cash before delivery: intercepted
        ("2026-09-16", "A1"),  # not high risk
        ("2026-11-02", "ST"),  # high risk (stopped), held: intercepted
        ("2026-12-01", "A1"),
        ("2027-01-05", "B6"),  # not high risk: a quarter without any
    ]
    decisions = [
        screen(client, seller, buyer_id=b, amount="100", as_of=day)["decision"] for day, b in orders
    ]
    assert decisions == [
        "approve",
        "cash_before_delivery",
        "approve",
        "hold",
        "approve",
        "approve_with_prepayment",
    ]
    kpi = client.get("/api/v1/orders/interception", headers=seller.auth("viewer"))
    assert kpi.status_code == 200
    assert kpi.json() == {
        "quarters": [
            {"quarter": "2026-Q3", "high_risk_orders": 2, "intercepted": 1, "share": 0.5},
            {"quarter": "2026-Q4", "high_risk_orders": 1, "intercepted": 1, "share": 1.0},
            {"quarter": "2027-Q1", "high_risk_orders": 0, "intercepted": 0, "share": None},
        ]
    }
    rival = client.get("/api/v1/orders/interception", headers=seller.auth("rival")).json()
    assert rival == {"quarters": []}


HTML = {"Accept": "text/html"}


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def _signed_in(client: TestClient, email: str) -> str:
    """A browser session for ``email``; the CSRF token of its pages."""
    form = client.get("/login", headers=HTML)
    client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": _csrf(form.text)},
        follow_redirects=False,
    )
    return _csrf(client.get("/", headers=HTML).text)


def test_the_form_shows_the_answer_in_english_and_chinese(
    client: TestClient, seller: Seller
) -> None:
    csrf = _signed_in(client, "sales@acme.test")
    answer = client.post("/screen", data={"csrf_token": csrf, "buyer_id": "B6", "amount": "1000"})
    assert answer.status_code == 200, answer.text
    assert 'data-decision="approve_with_prepayment"' in answer.text
    assert "Approve with prepayment" in answer.text
    assert "class B (grade 6): 30% of the order paid in advance" in answer.text
    assert 'id="screening-form"' in answer.text  # the partial, for the next order
    unknown = client.post("/screen", data={"csrf_token": csrf, "buyer_id": "NOPE", "amount": "1"})
    assert unknown.status_code == 404
    assert "no buyer &#39;NOPE&#39;" in unknown.text
    assert 'value="NOPE"' in unknown.text
    bad = client.post("/screen", data={"csrf_token": csrf, "buyer_id": "B6", "amount": "x"})
    assert bad.status_code == 422
    no_csrf = client.post("/screen", data={"buyer_id": "B6", "amount": "1000"})
    assert no_csrf.status_code == 403
    client.cookies.clear()
    csrf = _signed_in(client, "xiao@acme.test")
    chinese = client.post("/screen", data={"csrf_token": csrf, "buyer_id": "C9", "amount": "10"})
    assert chinese.status_code == 200
    assert "款到发货" in chinese.text
    assert "C 类（等级 9）：仅限款到发货" in chinese.text
    with unit_of_work(seller.engine) as session:
        kept = session.scalars(select(OrderScreening.screened_by)).all()
    assert kept == ["user:sales@acme.test", "user:xiao@acme.test"]


def test_a_viewer_may_not_use_the_form(client: TestClient) -> None:
    csrf = _signed_in(client, "viewer@acme.test")
    refused = client.post("/screen", data={"csrf_token": csrf, "buyer_id": "B6", "amount": "1"})
    assert refused.status_code == 403
