"""The daily cycle does each step once per date, and its snapshot is point-in-time."""

from __future__ import annotations

import datetime as dt
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
        first = run_cycle(session, org, day, "t")
    with unit_of_work(engine) as session:
        second = run_cycle(session, org, day, "t")
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
        later = run_cycle(session, org, dt.date(2024, 3, 10), "t")
    assert later[0].result["open_receivables"] == "0.00"
