"""``serve --with-cycle``'s scheduler: when it runs next, and that it runs every
organisation's cycle at the set time, one failure not stopping the others."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from sqlalchemy import Engine, select

from tests.conftest import run_cli, write_csv
from tradeguard.cycle.models import CycleRun
from tradeguard.cycle.scheduler import DailyCycle, run_for_every_organisation, seconds_until
from tradeguard.identity.models import Organisation
from tradeguard.identity.organisations import create_or_get
from tradeguard.imports.service import import_file
from tradeguard.kit.db import unit_of_work


def test_the_next_run_is_today_if_still_ahead_else_tomorrow() -> None:
    now = dt.datetime(2026, 12, 1, 1, 30)
    assert seconds_until(now, dt.time(2, 0)) == 30 * 60
    assert seconds_until(now, dt.time(1, 30)) == 24 * 3600
    assert seconds_until(now, dt.time(1, 0)) == 23.5 * 3600


def test_every_organisation_runs_and_a_failure_stops_no_other(
    engine: Engine, org: Organisation, tmp_path: Path
) -> None:
    with unit_of_work(engine) as session:
        other, _ = create_or_get(session, "Rival Trading", "EUR", "t")
        import_file(
            session,
            other,
            "buyers",
            write_csv(tmp_path, "b.csv", "buyer_id,name,country,industry\nB1,A,DE,x"),
            "t",
        )
        # an invoice in USD without any rate: that organisation's cycle is refused
        import_file(
            session,
            other,
            "invoices",
            write_csv(
                tmp_path,
                "i.csv",
                "invoice_id,buyer_id,issue_date,due_date,amount,currency\nI1,B1,2024-01-01,2024-01-31,100,USD",
            ),
            "t",
        )
    outcome = run_for_every_organisation(engine, dt.date(2024, 3, 1))
    assert outcome["Acme Exports"] == "done"
    assert outcome["Rival Trading"].startswith("error: ")
    assert "USD" in outcome["Rival Trading"]
    with unit_of_work(engine) as session:
        days = set(session.scalars(select(CycleRun.as_of).where(CycleRun.org_id == org.id)))
    assert days == {dt.date(2024, 3, 1)}


def test_the_thread_runs_at_the_set_time(engine: Engine, org: Organisation) -> None:
    soon = dt.datetime.now() + dt.timedelta(seconds=1)
    cycle = DailyCycle(engine, soon.time())
    cycle.start()
    deadline = time.monotonic() + 30
    while not cycle.runs and time.monotonic() < deadline:
        time.sleep(0.1)
    cycle.stopping.set()
    assert cycle.runs == [{"Acme Exports": "done"}]
    with unit_of_work(engine) as session:
        runs = session.scalars(select(CycleRun.step).where(CycleRun.org_id == org.id)).all()
    assert sorted(runs) == [
        "credit_scoring",
        "dunning",
        "exposure_snapshot",
        "insurance",
        "monitoring",
    ]


def test_serve_refuses_a_time_that_is_not_one(db_url: str, tmp_path: Path) -> None:
    done = run_cli(db_url, tmp_path, "serve", "--with-cycle", "--cycle-at", "25:00")
    assert done.returncode == 2
    assert "'25:00' is not a time HH:MM" in done.stderr
