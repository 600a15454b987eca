"""Web fixtures: two organisations, a user of every role in the first, tokens for all."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import write_csv
from tradeguard.domain.identity.access import Role
from tradeguard.identity import service as users
from tradeguard.identity.models import Organisation
from tradeguard.identity.organisations import create_or_get
from tradeguard.imports.service import import_file
from tradeguard.kit.db import unit_of_work
from tradeguard.web.app import create_app

PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class World:
    engine: Engine
    org: Organisation
    other: Organisation
    tokens: dict[str, str]  # role name (or "other_admin") -> bearer token


@pytest.fixture
def world(engine: Engine, org: Organisation, tmp_path: Path) -> World:
    tokens: dict[str, str] = {}
    with unit_of_work(engine) as session:
        other, _ = create_or_get(session, "Rival Trading", "USD", "test")
        for role in Role:
            user = users.add_user(session, org, f"{role.value}@acme.test", role, PASSWORD, "test")
            tokens[role.value] = users.create_token(session, user, "test")
        rival = users.add_user(session, other, "admin@rival.test", Role.ADMIN, PASSWORD, "test")
        tokens["other_admin"] = users.create_token(session, rival, "test")
        for organisation, prefix in ((org, ""), (other, "R")):
            import_file(
                session,
                organisation,
                "buyers",
                write_csv(
                    tmp_path,
                    f"b{prefix}.csv",
                    f"buyer_id,name,country,industry\n{prefix}B1,Alpha {prefix},DE,retail\n{prefix}B2,Beta,FR,chemicals",
                ),
                "test",
            )
            import_file(
                session,
                organisation,
                "invoices",
                write_csv(
                    tmp_path,
                    f"i{prefix}.csv",
                    "invoice_id,buyer_id,issue_date,due_date,amount,currency\n"
                    f"{prefix}I1,{prefix}B1,2024-01-01,2024-01-31,100.00,EUR\n{prefix}I2,{prefix}B2,2024-02-01,2024-03-02,50.00,EUR",
                ),
                "test",
            )
            import_file(
                session,
                organisation,
                "payments",
                write_csv(
                    tmp_path,
                    f"p{prefix}.csv",
                    f"payment_id,buyer_id,date,amount,currency\n{prefix}P1,{prefix}B1,2024-02-05,40.00,EUR",
                ),
                "test",
            )
            import_file(
                session,
                organisation,
                "fx",
                write_csv(
                    tmp_path,
                    f"f{prefix}.csv",
                    "date,currency,rate\n2024-01-01,EUR,1.08"
                    if prefix
                    else "date,currency,rate\n2024-01-01,USD,0.92",
                ),
                "test",
            )
    return World(engine, org, other, tokens)


@pytest.fixture
def client(world: World) -> TestClient:
    return TestClient(create_app(world.engine))


def bearer(world: World, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[who]}"}
