"""The insurance API on both databases: policies, the insurer's limits, cover,
notifications, claims through their workflow with recoveries, premium declarations;
what each role may do, and another organisation kept out.

The world's ledger (tests/web/conftest.py): I1 (B1, 100.00 EUR issued 1 January 2024,
due 31 January, 40.00 paid on 5 February) and I2 (B2, 50.00 EUR, due 2 March)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient

from tests.insurance.ledger import TERMS, terms
from tests.web.conftest import World, bearer, client, world  # noqa: F401 (fixtures)
from tradeguard.insurance.claims import CHECKLIST

DAY = "2024-03-15"
LIMIT = {"amount": "80.00", "currency": "eur", "effective_date": "2024-01-01"}


@dataclass(frozen=True)
class Api:
    """The API as one of the world's users (the credit manager writes, a viewer reads)."""

    http: TestClient
    world: World

    def call(
        self, method: str, path: str, who: str = "credit_manager", body: Any = None
    ) -> httpx2.Response:
        headers = bearer(self.world, who)
        return self.http.request(method, f"/api/v1{path}", json=body, headers=headers)

    def post(self, path: str, body: Any = None) -> Any:
        answer = self.call("POST", path, body=body)
        assert answer.status_code in (200, 201), answer.text
        return answer.json()

    def get(self, path: str, who: str = "viewer") -> Any:
        answer = self.call("GET", path, who)
        assert answer.status_code == 200, answer.text
        return answer.json()


@pytest.fixture
def api(client: TestClient, world: World) -> Api:  # noqa: F811
    return Api(client, world)


def test_policy_limits_cover_and_notifications(api: Api) -> None:
    bad = {k: v for k, v in TERMS.items() if k != "insurer"} | {"colour": "blue"}
    refused = api.call("POST", "/policies", body={"policy": bad})
    assert refused.status_code == 422
    assert refused.json()["detail"] == "unknown policy keys: colour; missing policy keys: insurer"
    assert api.call("POST", "/policies", "viewer", {"policy": TERMS}).status_code == 403

    loaded = api.post("/policies", {"policy": terms(first_loss_applies="after_percentage")})
    assert (loaded["number"], loaded["insured_percentage"], loaded["first_loss_applies"]) == (
        "P-2024",
        "0.9",
        "after_percentage",
    )
    in_force = api.get(f"/policies/in-force?as_of={DAY}")
    assert (in_force["id"], in_force["end"]) == (loaded["id"], "2024-12-31")
    assert api.call("GET", "/policies/in-force?as_of=2025-01-01", "viewer").status_code == 404

    assert api.call("POST", "/buyers/B1/insurer-limits", "viewer", LIMIT).status_code == 403
    assert api.post("/buyers/B1/insurer-limits", LIMIT) == {
        "buyer_id": "B1",
        "amount": "80.00",
        "currency": "EUR",
        "effective_date": "2024-01-01",
        "expiry_date": None,
        "conditions": None,
    }
    assert [d["amount"] for d in api.get("/buyers/B1/insurer-limits")] == ["80.00"]

    cover = api.get(f"/buyers/B1/cover?as_of={DAY}")
    # I1 100.00 delivered under a limit of 80.00: 80.00 insured; 60.00 left open, all of
    # it within the insured part; the headroom 80.00 − 60.00
    shown = ("policy", "limit", "discretionary", "open", "covered", "headroom")
    assert {k: cover[k] for k in shown} == {
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
    due = api.get(f"/notifications?as_of={DAY}")
    assert [(n["invoice_id"], n["deadline"], n["days_left"], n["status"]) for n in due] == [
        ("I1", "2024-03-31", 16, "upcoming"),
        ("I2", "2024-05-01", 47, "upcoming"),
    ]
    wider = api.get(f"/notifications?as_of={DAY}&horizon=20")
    assert [n["status"] for n in wider] == ["due", "upcoming"]
    notice = {"notified_on": DAY, "reference": "ATR-1"}
    assert api.call("POST", "/buyers/B1/notifications", "viewer", notice).status_code == 403
    notified = api.post("/buyers/B1/notifications", notice)
    assert (notified["overdue"], notified["invoices"], notified["reference"]) == (
        "60.00",
        1,
        "ATR-1",
    )
    assert [n["invoice_id"] for n in api.get(f"/notifications?as_of={DAY}")] == ["I2"]
    assert api.get(f"/buyers/B1/cover?as_of={DAY}")["notified_on"] == DAY
    assert api.call("GET", f"/buyers/B1/cover?as_of={DAY}", "other_admin").status_code == 404


def test_a_claim_computed_opened_filed_paid_and_recovered(api: Api) -> None:
    api.post("/policies", {"policy": TERMS})
    api.post("/buyers/B1/insurer-limits", LIMIT)
    computed = api.get(f"/claims/compute?buyer_id=B1&as_of={DAY}&event=protracted_default")
    # 60.00 open and insured, × 90 % = 54.00; a protracted default is filed once the
    # 180 days of waiting have run from the due date, 31 January: 29 July
    contract = ("buyer_id", "ascertained_loss", "indemnity", "earliest_claim_date")
    assert {k: computed[k] for k in contract} == {
        "buyer_id": "B1",
        "ascertained_loss": "60.00",
        "indemnity": "54.00",
        "earliest_claim_date": "2024-07-29",
    }
    # I1 was over its limit at delivery, but what is open of it is insured: not excluded
    assert computed["excluded"] == []
    assert [(s["name"], s["amount"]) for s in computed["steps"]] == [
        ("outstanding", "60.00"),
        ("eligible", "60.00"),
        ("recoveries_before_claim", "60.00"),
        ("set_offs", "60.00"),
        ("credit_limit", "60.00"),
        ("non_qualifying_loss", "60.00"),
        ("first_loss", "60.00"),
        ("percentage", "54.00"),
        ("maximum_liability", "54.00"),
        ("indemnity", "54.00"),
    ]
    assert computed["steps"][0]["note"] == "1 unpaid invoice"

    claim = {"buyer_id": "B1", "event": "insolvency", "loss_date": DAY}
    assert api.call("POST", "/claims", "sales", claim).status_code == 403
    opened = api.post("/claims", claim)
    assert (opened["status"], opened["indemnity"], opened["missing_documents"]) == (
        "draft",
        "54.00",
        list(CHECKLIST),
    )
    path = f"/claims/{opened['id']}"
    illegal = api.call("POST", f"{path}/transitions", body={"to": "paid", "on": DAY})
    assert illegal.status_code == 409
    early = api.call("POST", f"{path}/transitions", body={"to": "submitted", "on": DAY})
    assert early.status_code == 422
    assert "lacks documents" in early.json()["detail"]
    for document in CHECKLIST:
        answer = api.call("PUT", f"{path}/documents/{document}")
        assert answer.status_code == 200, answer.text
    submitted = api.post(f"{path}/transitions", {"to": "submitted", "on": DAY})
    assert (submitted["status"], submitted["submitted_on"]) == ("submitted", DAY)
    paid = api.post(f"{path}/transitions", {"to": "paid", "on": "2024-03-20"})
    assert (paid["status"], paid["paid_amount"], paid["payout_days"]) == ("paid", "54.00", 5)
    # after payment, 30.00 recovered: the insurer's share 30 × 54 / 60 = 27.00
    recovered = api.post(f"{path}/recoveries", {"amount": "30.00", "received_on": "2024-04-01"})
    assert [(r["insurer_share"], r["seller_share"]) for r in recovered["recoveries"]] == [
        ("27.00", "3.00")
    ]
    assert api.get(path)["insurer_recovered"] == "27.00"
    assert [c["id"] for c in api.get("/claims?status=paid")] == [opened["id"]]
    assert api.call("GET", path, "other_admin").status_code == 404


def test_premium_declarations_and_the_true_up(api: Api) -> None:
    api.post("/policies", {"policy": TERMS})
    # January: I1 100.00 within the discretionary limit; × 0.25 % = 0.25
    january = api.post("/premium/declarations", {"month": "2024-01"})
    assert (january["computed_turnover"], january["premium"], january["status"]) == (
        "100.00",
        "0.25",
        "draft",
    )
    body = {"month": "2024-02", "turnover": "60", "reason": "goods returned", "submit": True}
    assert api.call("POST", "/premium/declarations", "viewer", body).status_code == 403
    february = api.post("/premium/declarations", body)
    # computed 50.00 (I2), declared 60.00 × 0.25 % = 0.15
    assert (february["computed_turnover"], february["turnover"], february["premium"]) == (
        "50.00",
        "60.00",
        "0.15",
    )
    assert api.call("POST", "/premium/declarations", body=body).status_code == 409
    bad_month = api.call("POST", "/premium/declarations", body={"month": "2024-13"})
    assert bad_month.status_code == 422
    listed = api.get("/premium/declarations?as_of=2024-03-01")
    assert [(d["month"], d["status"]) for d in listed] == [
        ("2024-01", "draft"),
        ("2024-02", "submitted"),
    ]
    # the minimum premium 500.00 − (0.25 + 0.15) = 499.60
    true_up = api.get("/premium/true-up?as_of=2024-12-31")
    assert (true_up["premiums"], true_up["true_up"], true_up["final"]) == ("0.40", "499.60", True)
