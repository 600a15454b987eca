"""Alerts and thresholds as users reach them: the API with each role's token, and the
``tradeguard`` command as a real process; the other organisation sees nothing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import run_cli as tradeguard
from tests.conftest import write_csv
from tests.web.conftest import World, bearer
from tradeguard.cycle.service import run_cycle
from tradeguard.identity.organisations import create_or_get
from tradeguard.imports.service import import_file
from tradeguard.kit.db import unit_of_work
from tradeguard.monitoring import service as monitoring


def _overdue_alert(world: World) -> None:
    """On 15 March 2024 world's B1 owes 60.00 of an invoice due on 31 January: more than
    30 days overdue, the threshold set here."""
    with unit_of_work(world.engine) as session:
        monitoring.save_settings(session, world.org, {"overdue_days": 30}, "t")
        run_cycle(session, world.org, dt.date(2024, 3, 15), "t")


def test_alerts_by_role_and_organisation(world: World, client: TestClient) -> None:
    _overdue_alert(world)
    listed = client.get("/api/v1/alerts?status=open", headers=bearer(world, "viewer"))
    assert listed.status_code == 200
    [overdue] = [a for a in listed.json()["items"] if a["rule"] == "overdue"]
    assert overdue["buyer_id"] == "B1"
    assert overdue["evidence"]["days_overdue"] == 44
    assert overdue["evidence"]["long_overdue"] == "60.00"
    assert overdue["status"] == "open"
    path = f"/api/v1/alerts/{overdue['id']}"

    assert client.post(f"{path}/ack", headers=bearer(world, "viewer")).status_code == 403
    assert client.post(f"{path}/ack", headers=bearer(world, "sales")).status_code == 403
    assert client.get(path, headers=bearer(world, "other_admin")).status_code == 404
    rival = client.post(f"{path}/resolve", headers=bearer(world, "other_admin"))
    assert rival.status_code == 404
    assert client.get("/api/v1/alerts", headers=bearer(world, "other_admin")).json()["total"] == 0

    acked = client.post(
        f"{path}/ack", json={"comment": "on it"}, headers=bearer(world, "credit_manager")
    )
    assert acked.status_code == 200
    assert acked.json()["status"] == "acknowledged"
    assert acked.json()["acknowledged_by"] == "user:credit_manager@acme.test"
    assert acked.json()["acknowledged_comment"] == "on it"
    resolved = client.post(f"{path}/resolve", headers=bearer(world, "credit_manager"))
    assert resolved.json()["status"] == "resolved"
    again = client.post(f"{path}/resolve", headers=bearer(world, "credit_manager"))
    assert again.status_code == 409
    assert (
        client.get("/api/v1/alerts?status=bogus", headers=bearer(world, "viewer")).status_code
        == 422
    )


def test_thresholds_through_the_api(world: World, client: TestClient) -> None:
    shown = client.get("/api/v1/monitoring/settings", headers=bearer(world, "viewer")).json()
    assert (shown["overdue_days"], shown["concentration_share"]) == (59, 0.4)
    refused = client.put(
        "/api/v1/monitoring/settings", json={"overdue_days": 45}, headers=bearer(world, "sales")
    )
    assert refused.status_code == 403
    bad = client.put(
        "/api/v1/monitoring/settings", json={"overdue_days": 0}, headers=bearer(world, "admin")
    )
    assert bad.status_code == 422
    changed = client.put(
        "/api/v1/monitoring/settings", json={"overdue_days": 45}, headers=bearer(world, "admin")
    )
    assert changed.json()["overdue_days"] == 45
    rival = client.get("/api/v1/monitoring/settings", headers=bearer(world, "other_admin"))
    assert rival.json()["overdue_days"] == 59


def test_the_alert_commands(db_url: str, engine: Engine, tmp_path: Path) -> None:
    buyers = write_csv(
        tmp_path,
        "b.csv",
        "buyer_id,name,country,industry\nB1,Alpha,DE,retail\nB2,Beta,DE,retail\nB3,Gamma,DE,retail",
    )
    invoices = write_csv(
        tmp_path,
        "i.csv",
        "invoice_id,buyer_id,issue_date,due_date,amount,currency\n"
        "I1,B1,2024-01-01,2024-01-31,100,EUR\nI2,B2,2024-01-01,2024-06-30,100,EUR\n"
        "I3,B3,2024-01-01,2024-06-30,100,EUR",
    )
    with unit_of_work(engine) as session:  # the ledger, made in process; the commands as processes
        organisation, _ = create_or_get(session, "Acme", "EUR", "test")
        for kind, path in (("buyers", buyers), ("invoices", invoices)):
            import_file(session, organisation, kind, path, "test")
    set_ = tradeguard(db_url, tmp_path, "monitoring-settings", "set", "overdue_days=40")
    assert set_.returncode == 0, set_.stderr
    shown = tradeguard(db_url, tmp_path, "monitoring-settings", "show", "--format", "json")
    assert json.loads(shown.stdout)["overdue_days"] == 40

    first = tradeguard(db_url, tmp_path, "cycle", "--as-of", "2024-03-10", "--format", "json")
    assert first.returncode == 0, first.stderr
    ran = tradeguard(db_url, tmp_path, "cycle", "--as-of", "2024-03-13", "--format", "json")
    report = json.loads(ran.stdout)
    assert report["caught_up"] == ["2024-03-11", "2024-03-12"]
    monitoring_step = next(s for s in report["steps"] if s["step"] == "monitoring")
    assert monitoring_step["ran"] is True

    listed = tradeguard(db_url, tmp_path, "alerts", "list", "--status", "open", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    alerts = json.loads(listed.stdout)
    [overdue] = [a for a in alerts if a["rule"] == "overdue"]
    assert (overdue["buyer_id"], overdue["raised_on"], overdue["status"]) == (
        "B1",
        "2024-03-12",  # 41 days overdue, the first day past 40 (caught up)
        "open",
    )
    assert set(overdue) >= {"id", "buyer_id", "rule", "severity", "raised_on", "evidence", "status"}
    alert_id = str(overdue["id"])
    acked = tradeguard(
        db_url, tmp_path, "alerts", "ack", alert_id, "--comment", "called", "--format", "json"
    )
    assert json.loads(acked.stdout)["status"] == "acknowledged"
    resolved = tradeguard(db_url, tmp_path, "alerts", "resolve", alert_id)
    assert resolved.returncode == 0, resolved.stderr
    twice = tradeguard(db_url, tmp_path, "alerts", "resolve", alert_id)
    assert twice.returncode == 1
    assert twice.stderr.startswith("error: ")
    missing = tradeguard(db_url, tmp_path, "alerts", "ack", "99999")
    assert (missing.returncode, missing.stderr.strip()) == (1, "error: no alert 99999")
    by_buyer = tradeguard(db_url, tmp_path, "alerts", "list", "--buyer", "B2", "--format", "json")
    assert all(a["buyer_id"] == "B2" for a in json.loads(by_buyer.stdout))
