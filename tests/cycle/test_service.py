"""The daily cycle does each step once per date, and its snapshot is point-in-time."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func, select

from tests.conftest import write_csv
from tradeguard.audit.models import AuditEntry
from tradeguard.cycle.models import CycleRun
from tradeguard.cycle.service import latest_snapshot, run_cycle
from tradeguard.identity.models import Organisation
from tradeguard.imports.service import import_file
from tradeguard.kit.db import unit_of_work


def test_running_the_cycle_twice_does_nothing_twice(
    engine: Engine, org: Organisation, tmp_path: Path
) -> None:
    with unit_of_work(engine) as session:
        import_file(
            session,
            org,
            "buyers",
            write_csv(tmp_path, "b.csv", "buyer_id,name,country,industry\nB1,A,DE,x"),
            "t",
        )
        import_file(
            session,
            org,
            "invoices",
            write_csv(
                tmp_path,
                "i.csv",
                "invoice_id,buyer_id,issue_date,due_date,amount,currency\nI1,B1,2024-01-01,2024-01-31,100,EUR",
            ),
            "t",
        )
        import_file(
            session,
            org,
            "payments",
            write_csv(
                tmp_path,
                "p.csv",
                "payment_id,buyer_id,date,amount,currency\nP1,B1,2024-03-10,100,EUR",
            ),
            "t",
        )
    day = dt.date(2024, 3, 1)
    with unit_of_work(engine) as session:
        first = run_cycle(session, org, day, "t").outcomes
    with unit_of_work(engine) as session:
        second = run_cycle(session, org, day, "t").outcomes
        recorded = latest_snapshot(session, org)
        runs = session.scalar(select(func.count()).select_from(CycleRun))
        cycles = session.scalar(select(func.count()).where(AuditEntry.action == "cycle"))
    assert [o.ran for o in first] == [True] * len(first)
    assert [o.ran for o in second] == [False] * len(second)
    assert runs == len(first)
    assert cycles == 1
    # The payment of 10 March is after the as-of date: the invoice is still open and 30 days overdue.
    assert recorded is not None
    snapshot = recorded.model_dump(mode="json")
    assert snapshot["open_receivables"] == "100.00"
    assert snapshot["ageing"][1] == {
        "label": "1-30",
        "min_days": 1,
        "max_days": 30,
        "count": 1,
        "amount": "100.00",
    }
    with unit_of_work(engine) as session:
        later = run_cycle(session, org, dt.date(2024, 3, 10), "t").outcomes
    assert later[0].result["open_receivables"] == "0.00"


# The exposure snapshot exactly as earlier versions stored it in ``cycle_runs.result``.
OLDER_SNAPSHOT = {
    "as_of": "2024-02-29",
    "organisation": "Acme Exports",
    "currency": "EUR",
    "buyers": 2,
    "invoices": 3,
    "open_invoices": 2,
    "open_receivables": "1250.50",
    "overdue": "250.50",
    "overdue_share": 0.2003,
    "ageing": [
        {"label": "current", "min_days": None, "max_days": 0, "count": 1, "amount": "1000.00"},
        {"label": "1-30", "min_days": 1, "max_days": 30, "count": 1, "amount": "250.50"},
        {"label": "31-60", "min_days": 31, "max_days": 60, "count": 0, "amount": "0.00"},
        {"label": "61-90", "min_days": 61, "max_days": 90, "count": 0, "amount": "0.00"},
        {"label": "91-180", "min_days": 91, "max_days": 180, "count": 0, "amount": "0.00"},
        {"label": "over 180", "min_days": 181, "max_days": None, "count": 0, "amount": "0.00"},
    ],
    "largest_buyers": [
        {"buyer_id": "B1", "name": "A", "country": "DE", "exposure": "1000.00", "share": 0.7997},
        {"buyer_id": "B2", "name": "B", "country": "FR", "exposure": "250.50", "share": 0.2003},
    ],
}


def test_a_snapshot_stored_by_an_earlier_version_reads_back(
    engine: Engine, org: Organisation
) -> None:
    with unit_of_work(engine) as session:
        for day, step, result in (
            (dt.date(2024, 2, 29), "exposure_snapshot", OLDER_SNAPSHOT),
            (dt.date(2024, 2, 28), "exposure_snapshot", {**OLDER_SNAPSHOT, "as_of": "2024-02-28"}),
            (dt.date(2024, 3, 1), "credit_scoring", {"buyers": 0}),
        ):
            session.add(
                CycleRun(
                    org_id=org.id,
                    as_of=day,
                    step=step,
                    ran_at=dt.datetime(2024, 3, 1, tzinfo=dt.UTC),
                    result=result,
                )
            )
    with unit_of_work(engine) as session:
        snapshot = latest_snapshot(session, org)
    assert snapshot is not None
    assert (snapshot.as_of, snapshot.open_receivables) == (dt.date(2024, 2, 29), Decimal("1250.50"))
    document = snapshot.model_dump(mode="json")
    assert document == OLDER_SNAPSHOT
    assert json.dumps(document) == json.dumps(OLDER_SNAPSHOT)  # the same order too
