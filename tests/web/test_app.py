from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tradeguard.services.daily_cycle import run_cycle
from tradeguard.store.db import unit_of_work
from tradeguard.store.models import Organisation
from tradeguard.web.app import create_app


def test_overview_page_and_summary_api(engine: Engine, org: Organisation) -> None:
    with unit_of_work(engine) as session:
        run_cycle(session, org, dt.date(2024, 6, 30), "t")
    client = TestClient(create_app(engine))
    page = client.get("/")
    assert page.status_code == 200
    assert "Acme Exports" in page.text
    assert "Open receivables" in page.text
    api = client.get("/api/v1/summary", params={"as_of": "2024-06-30"})
    assert api.status_code == 200
    assert api.json()[0]["open_receivables"] == "0.00"
    assert client.get("/api/v1/openapi.json").status_code == 200
