"""A seller with one buyer for each screening path, users of every role, a rival seller.

On the screening day 2026-11-02 (scores of 2026-09-01, limits through limits.service):

- A1: class A, grade 3, limit 10,000 EUR; invoice I1 of 4,000 EUR (due 2026-11-30) and
  an open order of 1,000 USD (at 0.92: 920 EUR): exposure 4,920, headroom 5,080;
- B6: class B, grade 6, limit 5,000, nothing open;
- C9: class C, grade 9, limit 5,000;
- H8: grade 8 stored as class A (a lenient class setting), limit 10,000: high risk,
  yet approved;
- ST: class A, limit 10,000, permanently stopped ("insolvency filed");
- OD: class A, limit 10,000; invoice I2 of 500 EUR due 2026-10-01, unpaid: 32 days
  overdue on the day, beyond the 15-day tolerance;
- AL: class A, limit 10,000, an open high-severity alert (and a medium one);
- NS: never scored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from tests.conftest import write_csv
from tradeguard.credit import repository as credit_repository
from tradeguard.domain.credit.scores import BuyerScore
from tradeguard.domain.identity.access import Role
from tradeguard.identity import service as users
from tradeguard.identity.models import Organisation, User
from tradeguard.identity.organisations import create_or_get
from tradeguard.imports.service import import_file
from tradeguard.kit.db import unit_of_work
from tradeguard.ledger.models import Order
from tradeguard.limits import service as limits
from tradeguard.monitoring.models import Alert
from tradeguard.web.app import create_app

DAY = dt.date(2026, 11, 2)
SCORED = dt.date(2026, 9, 1)
PASSWORD = "correct horse battery staple"

STANDINGS = {  # buyer: (grade, class, limit)
    "A1": (3, "A", "10000"),
    "B6": (6, "B", "5000"),
    "C9": (9, "C", "5000"),
    "H8": (8, "A", "10000"),
    "ST": (3, "A", "10000"),
    "OD": (3, "A", "10000"),
    "AL": (3, "A", "10000"),
}


@dataclass(frozen=True)
class Seller:
    engine: Engine
    org: Organisation
    tokens: dict[str, str]  # role name, "zh" (a Chinese-speaking sales user), "rival"

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def _score(buyer_id: str, grade: int, klass: str) -> BuyerScore:
    return BuyerScore(
        buyer_id=buyer_id,
        as_of=SCORED,
        model="expert",
        score=50.0,
        confidence=1.0,
        pd=0.01 * grade,
        grade=grade,
        credit_class=klass,
        limit_recommended=Decimal("10000.00"),
        currency="EUR",
        altman=None,
        country_grade=None,
        reasons=(),
    )


@pytest.fixture
def seller(engine: Engine, org: Organisation, tmp_path: Path) -> Seller:
    tokens: dict[str, str] = {}
    with unit_of_work(engine) as session:
        for role in Role:
            user = users.add_user(session, org, f"{role.value}@acme.test", role, PASSWORD, "test")
            tokens[role.value] = users.create_token(session, user, "test")
        chinese = users.add_user(session, org, "xiao@acme.test", Role.SALES, PASSWORD, "test")
        chinese.language = "zh"
        tokens["zh"] = users.create_token(session, chinese, "test")
        rival, _ = create_or_get(session, "Rival Trading", "EUR", "test")
        rival_admin = users.add_user(session, rival, "admin@rival.test", Role.ADMIN, PASSWORD, "t")
        tokens["rival"] = users.create_token(session, rival_admin, "test")
        buyers = "\n".join(f"{b},Buyer {b},DE,retail" for b in [*STANDINGS, "NS"])
        files = {
            "buyers": f"buyer_id,name,country,industry\n{buyers}",
            "invoices": "invoice_id,buyer_id,issue_date,due_date,amount,currency\n"
            "I1,A1,2026-10-01,2026-11-30,4000.00,EUR\nI2,OD,2026-09-01,2026-10-01,500.00,EUR",
            "fx": "date,currency,rate\n2026-01-01,USD,0.92",
        }
        for kind, text in files.items():
            import_file(session, org, kind, write_csv(tmp_path, f"{kind}.csv", text), "test")
        import_file(
            session,
            rival,
            "buyers",
            write_csv(tmp_path, "rival.csv", "buyer_id,name,country,industry\nRB1,Rb,FR,retail"),
            "test",
        )
        session.add(
            Order(
                org_id=org.id,
                order_id="O1",
                buyer_id="A1",
                date=dt.date(2026, 10, 20),
                amount=100000,
                currency="USD",
                status="open",
            )
        )
        session.add(  # shipped already: not open, not counted
            Order(
                org_id=org.id,
                order_id="O2",
                buyer_id="A1",
                date=dt.date(2026, 10, 21),
                amount=700000,
                currency="EUR",
                status="invoiced",
            )
        )
        credit_repository.replace_scores(
            session, org.id, SCORED, [_score(b, g, k) for b, (g, k, _) in STANDINGS.items()]
        )
        for buyer_id, (_, _, limit) in STANDINGS.items():
            request = limits.request_limit(session, org, buyer_id, Decimal(limit), None, "sales")
            limits.decide(
                session,
                org,
                request.id,
                "approve",
                "test",
                "cm",
                override_reason="guarantee" if buyer_id == "C9" else None,
                today=DAY,
            )
        limits.stop_shipment(session, org, "ST", "insolvency filed", "cm", today=DAY)
        for rule, severity in (("insolvency_event", "high"), ("concentration", "medium")):
            session.add(
                Alert(
                    org_id=org.id,
                    buyer_id="AL",
                    rule=rule,
                    condition="",
                    severity=severity,
                    raised_on=dt.date(2026, 10, 30),
                    evidence={},
                    status="open",
                )
            )
        assert session.scalar(select(User.language).where(User.email == "xiao@acme.test")) == "zh"
    return Seller(engine, org, tokens)


@pytest.fixture
def client(seller: Seller) -> TestClient:
    return TestClient(create_app(seller.engine))
