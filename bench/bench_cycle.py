"""The daily cycle at scale: one day, and a catch-up of 30 missed days.

    python bench/bench_cycle.py --buyers 10000 --years 2            # SQLite under --work
    python bench/bench_cycle.py --buyers 100000 --years 3 --db postgresql+psycopg://postgres@127.0.0.1/tg_cycle

1. The demo company (``tradeguard demo``) is loaded once into the database and reused;
   the demo's own first cycle runs for ``--as-of``.
2. In this process, against that database: the baseline — reading the whole ledger
   into the columnar snapshot (``ledger.repository.load_snapshot``), what any whole-ledger
   job pays first — then the cycle for the next day (every step: exposure snapshot,
   scoring, monitoring), then the cycle for the day 31 days later, which catches up the
   30 missed days one by one. Each in its own unit of work, as ``tradeguard cycle`` does.
3. Reported: wall times against the issue's targets (one day < 5 min, 30 days < 15 min),
   the ratios to the baseline read, the catch-up's cost per day against one fresh day
   (the snapshot is read once per run, not once per day), the alerts raised, as JSON to
   ``--out``. Rerunning needs a fresh database (a day runs once): ``--fresh``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from tradeguard.cycle.service import run_cycle
from tradeguard.identity.models import Organisation
from tradeguard.kit.db import get_engine, unit_of_work
from tradeguard.ledger.models import Invoice
from tradeguard.ledger.repository import load_snapshot
from tradeguard.monitoring.models import Alert

ROOT = Path(__file__).resolve().parents[1]
DEMO_AS_OF = dt.date(2025, 6, 30)
ONE_DAY_TARGET_S = 300.0
CATCH_UP_TARGET_S = 900.0


def _load(db: str, buyers: int, years: float) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tradeguard",
            "--db",
            db,
            "demo",
            "--buyers",
            str(buyers),
            "--years",
            str(years),
            "--as-of",
            DEMO_AS_OF.isoformat(),
            "--format",
            "json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"demo failed: {done.stderr[-2000:]}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=10_000)
    parser.add_argument("--years", type=float, default=2.0)
    parser.add_argument("--work", type=Path, default=Path("/tmp/tg_bench_cycle"))
    parser.add_argument("--db", help="a database URL (default: SQLite under --work)")
    parser.add_argument("--fresh", action="store_true", help="drop the SQLite file first")
    parser.add_argument("--out", type=Path, default=Path("/tmp/tg_bench_cycle.json"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    path = args.work / f"cycle_{args.buyers}_{args.years:g}.db"
    if args.fresh and path.exists():
        path.unlink()
    db = args.db or f"sqlite:///{path}"
    engine = get_engine(db)
    load_s = None
    with engine.connect() as connection:
        has_schema = engine.dialect.has_table(connection, "cycle_runs")
    if not has_schema:
        load_s = _load(db, args.buyers, args.years)
        print(f"demo loaded in {load_s:.0f} s", flush=True)
    with unit_of_work(engine) as session:
        org = session.scalars(select(Organisation)).one()
        invoices = session.scalar(select(func.count()).select_from(Invoice)) or 0
    print(f"{args.buyers:,} buyers, {invoices:,} invoices", flush=True)

    with unit_of_work(engine) as session:
        started = time.perf_counter()
        load_snapshot(session.connection(), org.id, org.base_currency)
        baseline_s = time.perf_counter() - started
    print(f"baseline: reading the ledger snapshot {baseline_s:.1f} s", flush=True)

    def cycle(day: dt.date) -> tuple[float, int]:
        started = time.perf_counter()
        with unit_of_work(engine) as session:
            run = run_cycle(session, org, day, "bench")
        return time.perf_counter() - started, len(run.caught_up) + 1

    one_day_s, _ = cycle(DEMO_AS_OF + dt.timedelta(days=1))
    print(f"one day: {one_day_s:.1f} s", flush=True)
    catch_up_s, days = cycle(DEMO_AS_OF + dt.timedelta(days=31))
    print(f"catch-up of {days - 1} missed days and the day: {catch_up_s:.1f} s", flush=True)
    with unit_of_work(engine) as session:
        alerts = dict(session.execute(select(Alert.rule, func.count()).group_by(Alert.rule)).all())
    result = {
        "database": engine.dialect.name,
        "buyers": args.buyers,
        "invoices": invoices,
        "demo_load_s": load_s,
        "baseline_snapshot_s": round(baseline_s, 2),
        "one_day_s": round(one_day_s, 2),
        "one_day_target_s": ONE_DAY_TARGET_S,
        "one_day_over_baseline": round(one_day_s / baseline_s, 2),
        "catch_up_days": days,
        "catch_up_s": round(catch_up_s, 2),
        "catch_up_target_s": CATCH_UP_TARGET_S,
        "catch_up_over_baseline": round(catch_up_s / baseline_s, 2),
        "catch_up_per_day_over_one_day": round(catch_up_s / days / one_day_s, 2),
        "alerts_by_rule": alerts,
    }
    print(json.dumps(result, indent=2))
    args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
