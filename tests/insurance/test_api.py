"""The insurance API on both databases: policies, the insurer's limits, cover,
notifications, claims through their workflow with recoveries, premium declarations;
what each role may do, and another organisation kept out.

The world's ledger (tests/web/conftest.py): I1 (B1, 100.00 EUR issued 1 January 2024,
due 31 January, 40.00 paid on 5 February) and I2 (B2, 50.00 EUR, due 2 March)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.insurance.ledger import TERMS, terms
from tests.web.conftest import World, bearer, client, world  # noqa: F401 (fixtures)
from tradeguard.insurance.service import CHECKLIST

DAY = "2024-03-15"


def _post(client: TestClient, world: World, path: str, body: Any, who: str = "credit_manager") -> Any:
    answer = client.post(f"/api/v1{path}", json=body, headers=bearer(world, who))
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def _get(client: TestClient, world: World, path: str, who: str = "viewer") -> Any:
    answer = client.get(f"/api/v1{path}", headers=bearer(world, who))
    assert answer.status_code == 200, answer.text
    return answer.json()


def _insured(client: TestClient, world: World) -> None:
    """The 2024 policy, and an insurer limit of 80.00 on B1."""
    _post(client, world, "/policies", {"policy": TERMS})
    limit = {"amount": "80.00", "currency": "eur", "effective_date": "2024-01-01"}
    _post(client, world, "/buyers/B1/insurer-limits", limit)


def test_policy_limits_cover_and_notifications(client: TestClient, world: World) -> None:
    headers = bearer(world, "credit_manager")
    bad = {k: v for k, v in TERMS.items() if k != "insurer"} | {"colour": "blue"}
    refused = client.post("/api/v1/policies", json={"policy": bad}, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["detail"] == "unknown policy keys: colour; missing policy keys: insurer"
    viewer = client.post("/api/v1/policies", json={"policy": TERMS}, headers=bearer(world, "viewer"))
    assert viewer.status_code == 403

    loaded = _post(client, world, "/policies", {"policy": terms(first_loss_applies="after_percentage")})
    assert (loaded["number"], loaded["insured_percentage"], loaded["first_loss_applies"]) == (
        "P-2024",
        "0.9",
        "after_percentage",
    )
    in_force = _get(client, world, f"/policies/in-force?as_of={DAY}")
    assert (in_force["id"], in_force["end"]) == (loaded["id"], "2024-12-31")
    none = client.get("/api/v1/policies/in-force?as_of=2025-01-01", headers=bearer(world, "viewer"))
    assert none.status_code == 404

    limit = {"amount": "80.00", "currency": "eur", "effective_date": "2024-01-01"}
    assert client.post(
        "/api/v1/buyers/B1/insurer-limits", json=limit, headers=bearer(world, "viewer")
    ).status_code == 403
    assert _post(client, world, "/buyers/B1/insurer-limits", limit) == {
        "buyer_id": "B1",
        "amount": "80.00",
        "currency": "EUR",
        "effective_date": "2024-01-01",
        "expiry_date": None,
        "conditions": None,
    }
    assert [d["amount"] for d in _get(client, world, "/buyers/B1/insurer-limits")] == ["80.00"]

    cover = _get(client, world, f"/buyers/B1/cover?as_of={DAY}")
    # I1 100.00 delivered under a limit of 80.00: 80.00 insured; 60.00 left open, all of
    # it within the insured part; the headroom 80.00 − 60.00
    assert {k: cover[k] for k in ("policy", "limit", "discretionary", "open", "covered", "headroom")} == {
        "policy": "P-2024",
        "limit": "80.00",
        "discretionary": False,
        "open": "60.00",
        "covered": "60.00",
        "headroom": "20.00",
    }
    assert [(i["invoice_id"], i["covered"], i["reason"]) for i in cover["invoices"]] == [
        ("I1", "60.00", "over_limit")
    ]

    # deadline = due date + 60 days: I1 31 March (16 days left), I2 1 May (47)
    due = _get(client, world, f"/notifications?as_of={DAY}")
    assert [(n["invoice_id"], n["deadline"], n["days_left"], n["status"]) for n in due] == [
        ("I1", "2024-03-31", 16, "upcoming"),
        ("I2", "2024-05-01", 47, "upcoming"),
    ]
    assert [n["status"] for n in _get(client, world, f"/notifications?as_of={DAY}&horizon=20")] == [
        "due",
        "upcoming",
    ]
    notice = {"notified_on": DAY, "reference": "ATR-1"}
    assert client.post(
        "/api/v1/buyers/B1/notifications", json=notice, headers=bearer(world, "viewer")
    ).status_code == 403
    notified = _post(client, world, "/buyers/B1/notifications", notice)
    assert (notified["overdue"], notified["invoices"], notified["reference"]) == ("60.00", 1, "ATR-1")
    assert [n["invoice_id"] for n in _get(client, world, f"/notifications?as_of={DAY}")] == ["I2"]
    assert _get(client, world, f"/buyers/B1/cover?as_of={DAY}")["notified_on"] == DAY
    rival = client.get(f"/api/v1/buyers/B1/cover?as_of={DAY}", headers=bearer(world, "other_admin"))
    assert rival.status_code == 404


def test_a_claim_computed_opened_filed_paid_and_recovered(client: TestClient, world: World) -> None:
    _insured(client, world)
    computed = _get(
        client, world, f"/claims/compute?buyer_id=B1&as_of={DAY}&event=protracted_default"
    )
    # 60.00 open and insured, × 90 % = 54.00; a protracted default is filed once the
    # 180 days of waiting have run from the due date, 31 January: 29 July
    assert {k: computed[k] for k in ("buyer_id", "ascertained_loss", "indemnity", "earliest_claim_date")} == {
        "buyer_id": "B1",
        "ascertained_loss": "60.00",
        "indemnity": "54.00",
        "earliest_claim_date": "2024-07-29",
    }
    # I1 was over its limit at delivery, but what is open of it is insured: not excluded
    assert computed["excluded"] == []
    assert computed["steps"][0] == {"name": "outstanding", "amount": "60.00", "note": "1 unpaid invoice"}
    assert [s["name"] for s in computed["steps"]] == [
        "outstanding",
        "eligible",
        "recoveries_before_claim",
        "set_offs",
        "credit_limit",
        "non_qualifying_loss",
        "first_loss",
        "percentage",
        "maximum_liability",
        "indemnity",
    ]
    assert {s["name"]: s["amount"] for s in computed["steps"]}["percentage"] == "54.00"

    claim = {"buyer_id": "B1", "event": "insolvency", "loss_date": DAY}
    assert client.post("/api/v1/claims", json=claim, headers=bearer(world, "sales")).status_code == 403
    opened = _post(client, world, "/claims", claim)
    assert (opened["status"], opened["indemnity"], opened["missing_documents"]) == (
        "draft",
        "54.00",
        list(CHECKLIST),
    )
    path = f"/api/v1/claims/{opened['id']}"
    headers = bearer(world, "credit_manager")
    illegal = client.post(f"{path}/transitions", json={"to": "paid", "on": DAY}, headers=headers)
    assert illegal.status_code == 409
    early = client.post(f"{path}/transitions", json={"to": "submitted", "on": DAY}, headers=headers)
    assert early.status_code == 422 and "lacks documents" in early.json()["detail"]
    for document in CHECKLIST:
        answer = client.put(f"{path}/documents/{document}", headers=headers)
        assert answer.status_code == 200, answer.text
    submitted = _post(client, world, f"/claims/{opened['id']}/transitions", {"to": "submitted", "on": DAY})
    assert (submitted["status"], submitted["submitted_on"]) == ("submitted", DAY)
    paid = _post(
        client, world, f"/claims/{opened['id']}/transitions", {"to": "paid", "on": "2024-03-20"}
    )
    assert (paid["status"], paid["paid_amount"], paid["payout_days"]) == ("paid", "54.00", 5)
    # after payment, 30.00 recovered: the insurer's share 30 × 54 / 60 = 27.00
    recovered = _post(
        client,
        world,
        f"/claims/{opened['id']}/recoveries",
        {"amount": "30.00", "received_on": "2024-04-01"},
    )
    assert [(r["insurer_share"], r["seller_share"]) for r in recovered["recoveries"]] == [
        ("27.00", "3.00")
    ]
    assert _get(client, world, f"/claims/{opened['id']}")["insurer_recovered"] == "27.00"
    assert [c["id"] for c in _get(client, world, "/claims?status=paid")] == [opened["id"]]
    assert client.get(path, headers=bearer(world, "other_admin")).status_code == 404


def test_premium_declarations_and_the_true_up(client: TestClient, world: World) -> None:
    _post(client, world, "/policies", {"policy": TERMS})
    # January: I1 100.00 within the discretionary limit; × 0.25 % = 0.25
    january = _post(client, world, "/premium/declarations", {"month": "2024-01"})
    assert (january["computed_turnover"], january["premium"], january["status"]) == (
        "100.00",
        "0.25",
        "draft",
    )
    body = {"month": "2024-02", "turnover": "60", "reason": "goods returned", "submit": True}
    assert client.post(
        "/api/v1/premium/declarations", json=body, headers=bearer(world, "viewer")
    ).status_code == 403
    february = _post(client, world, "/premium/declarations", body)
    # computed 50.00 (I2), declared 60.00 × 0.25 % = 0.15
    assert (february["computed_turnover"], february["turnover"], february["premium"]) == (
        "50.00",
        "60.00",
        "0.15",
    )
    headers = bearer(world, "credit_manager")
    again = client.post("/api/v1/premium/declarations", json=body, headers=headers)
    assert again.status_code == 409
    month = client.post("/api/v1/premium/declarations", json={"month": "2024-13"}, headers=headers)
    assert month.status_code == 422
    listed = _get(client, world, "/premium/declarations?as_of=2024-03-01")
    assert [(d["month"], d["status"]) for d in listed] == [("2024-01", "draft"), ("2024-02", "submitted")]
    # the minimum premium 500.00 − (0.25 + 0.15) = 499.60
    true_up = _get(client, world, "/premium/true-up?as_of=2024-12-31")
    assert (true_up["premiums"], true_up["true_up"], true_up["final"]) == ("0.40", "499.60", True)
