"""The dunning run at scale: the whole run on a demo database, and the ladder alone on
a synthetic ledger of any size.

    python bench/bench_dunning.py --buyers 10000 --years 2          # SQLite under --work
    python bench/bench_dunning.py --buyers 10000 --db postgresql+psycopg://postgres@127.0.0.1/tg_dun
    python bench/bench_dunning.py --synthetic 10000000 --synthetic-buyers 100000

Database mode: the demo company (``tradeguard demo``, whose own cycle already ran the
dunning for its as-of date) is loaded once; then, each in its own unit of work as
``tradeguard dunning run`` does: the baseline (reading the ledger snapshot, what any
whole-ledger job pays first), the run for the next day, and the run 30 days later (every
invoice that reached a step in the month acts at once, the heaviest day).

Synthetic mode: a ledger snapshot of ``--synthetic`` invoices built in memory (due dates
spread over a year, a third paid, some partly), then the run's pure part: the open items,
and the ladder over them for a first run (no history) and for the next day (with the
first run as history). The baseline is a group-by of the allocations per invoice, the
least any whole-ledger pass does.

Reported as JSON to ``--out``: wall times, the ratios to the baseline, actions and
documents, against the issue's target (100,000 buyers / 10 million invoices < 60 s).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import func, select

from tradeguard.collections.service import open_items_on, run_dunning
from tradeguard.domain.collections.ladder import HISTORY_SCHEMA, ITEMS_SCHEMA, plan
from tradeguard.domain.collections.policy import default_settings
from tradeguard.domain.ledger.snapshot import LedgerSnapshot
from tradeguard.identity.models import Organisation
from tradeguard.kit.db import get_engine, unit_of_work
from tradeguard.ledger.models import Invoice
from tradeguard.ledger.repository import load_snapshot

ROOT = Path(__file__).resolve().parents[1]
DEMO_AS_OF = dt.date(2025, 6, 30)
TARGET_S = 60.0


def _demo(db: str, buyers: int, years: float) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tradeguard", "--db", db, "demo", "--buyers", str(buyers),
         "--years", str(years), "--as-of", DEMO_AS_OF.isoformat(), "--format", "json"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"demo failed: {done.stderr[-2000:]}")


def database(args: argparse.Namespace) -> dict[str, Any]:
    args.work.mkdir(parents=True, exist_ok=True)
    path = args.work / f"dunning_{args.buyers}_{args.years:g}.db"
    if args.fresh and path.exists():
        path.unlink()
    db = args.db or f"sqlite:///{path}"
    engine = get_engine(db)
    with engine.connect() as connection:
        if not engine.dialect.has_table(connection, "dunning_actions"):
            _demo(db, args.buyers, args.years)
    with unit_of_work(engine) as session:
        org = session.scalars(select(Organisation)).one()
        invoices = session.scalar(select(func.count()).select_from(Invoice)) or 0
    with unit_of_work(engine) as session:
        started = time.perf_counter()
        load_snapshot(session.connection(), org.id, org.base_currency)
        baseline_s = time.perf_counter() - started
    runs = {}
    for name, days in (("next_day", 1), ("after_30_days", 31)):
        started = time.perf_counter()
        with unit_of_work(engine) as session:
            snapshot = load_snapshot(session.connection(), org.id, org.base_currency)
            run = run_dunning(session, org, DEMO_AS_OF + dt.timedelta(days=days), "bench", snapshot)
        seconds = time.perf_counter() - started
        runs[name] = {
            "seconds": round(seconds, 2),
            "over_baseline": round(seconds / baseline_s, 2),
            **run.summary(),
        }
        print(name, runs[name], flush=True)
    return {
        "mode": "database",
        "database": engine.dialect.name,
        "buyers": args.buyers,
        "invoices": invoices,
        "baseline_snapshot_s": round(baseline_s, 2),
        "runs": runs,
    }


def _synthetic(invoices: int, buyers: int, as_of: dt.date) -> LedgerSnapshot:
    rng = np.random.default_rng(7)
    due = np.datetime64(as_of) + rng.integers(-365, 30, invoices).astype("timedelta64[D]")
    amount = rng.integers(10_000, 10_000_000, invoices)
    ids = pl.Series("invoice_id", np.arange(invoices)).cast(pl.String)
    frame = pl.DataFrame(
        {
            "invoice_id": ids,
            "buyer_id": pl.Series(rng.integers(0, buyers, invoices)).cast(pl.String),
            "issue_date": pl.Series(due - np.timedelta64(30, "D")),
            "due_date": pl.Series(due),
            "amount": amount,
            "currency": pl.Series(["EUR"] * invoices),
        }
    )
    paid = rng.random(invoices)
    settled = np.where(paid < 0.33, amount, np.where(paid < 0.4, amount // 2, 0))
    allocations = pl.DataFrame(
        {
            "invoice_id": ids,
            "source_type": pl.Series(["payment"] * invoices),
            "date": pl.Series(due),
            "amount": settled,
        }
    ).filter(pl.col("amount") > 0)
    empty = pl.DataFrame(schema={"currency": pl.String, "date": pl.Date, "rate": pl.String})
    return LedgerSnapshot("EUR", pl.DataFrame(), frame, allocations, empty)


def synthetic(args: argparse.Namespace) -> dict[str, Any]:
    as_of = dt.date(2026, 6, 30)
    snapshot = _synthetic(args.synthetic, args.synthetic_buyers, as_of)
    policies = default_settings().policies
    started = time.perf_counter()
    snapshot.allocations.group_by("invoice_id").agg(pl.col("amount").sum())
    baseline_s = time.perf_counter() - started

    def items(day: dt.date) -> pl.DataFrame:
        return (
            open_items_on(snapshot, day)
            .with_columns(days_overdue=(pl.lit(day) - pl.col("due_date")).dt.total_days())
            .filter(pl.col("days_overdue") >= -3)
            .with_columns(
                policy=pl.lit("B"), paused=pl.lit(value=False), escalate=pl.lit(value=False)
            )
            .select(list(ITEMS_SCHEMA))
        )

    started = time.perf_counter()
    first = plan(items(as_of), pl.DataFrame(schema=HISTORY_SCHEMA), policies, as_of)
    first_s = time.perf_counter() - started
    history = first.select("invoice_id", "step", "status", as_of=pl.lit(as_of)).cast(
        HISTORY_SCHEMA  # type: ignore[arg-type]
    )
    next_day = as_of + dt.timedelta(days=1)
    started = time.perf_counter()
    second = plan(items(next_day), history, policies, next_day)
    second_s = time.perf_counter() - started
    return {
        "mode": "synthetic",
        "invoices": args.synthetic,
        "buyers": args.synthetic_buyers,
        "baseline_group_by_s": round(baseline_s, 3),
        "first_run": {
            "seconds": round(first_s, 2),
            "over_baseline": round(first_s / baseline_s, 1),
            "actions": first.height,
        },
        "next_day": {
            "seconds": round(second_s, 2),
            "over_baseline": round(second_s / baseline_s, 1),
            "actions": second.height,
            "history_rows": history.height,
        },
        "target_s": TARGET_S,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=10_000)
    parser.add_argument("--years", type=float, default=2.0)
    parser.add_argument("--work", type=Path, default=Path("/tmp/tg_bench_dunning"))
    parser.add_argument("--db", help="a database URL (default: SQLite under --work)")
    parser.add_argument("--fresh", action="store_true", help="drop the SQLite file first")
    parser.add_argument("--synthetic", type=int, help="invoices of an in-memory ledger")
    parser.add_argument("--synthetic-buyers", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/tg_bench_dunning.json"))
    args = parser.parse_args()
    result = synthetic(args) if args.synthetic else database(args)
    print(json.dumps(result, indent=2))
    args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
