"""Credit insurance at scale: the cover of every invoice, the notification list, a claim
and the ``insured`` answer of order screening, on a demo database with its policy.

    python bench/bench_insurance.py --buyers 2000 --years 2          # SQLite under --work
    python bench/bench_insurance.py --buyers 10000 --db postgresql+psycopg://postgres@127.0.0.1/tg_ins

The demo company (``tradeguard demo``: its policy and the insurer's limits included) is
loaded once; then, each in its own unit of work: the baseline (reading the ledger
snapshot, what any whole-ledger job pays first), the cover of every invoice, the
notification list, and a claim on the buyer with the most open. Screening is timed per
order (``screen_order``) and the insurance answer alone (``insured_delivery``, which
``screen_order`` calls), so the ratio is what insurance adds at the door. Reported as
JSON to ``--out``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from tradeguard.domain.insurance.claim import ClaimEvent
from tradeguard.identity.models import Organisation
from tradeguard.insurance import claims
from tradeguard.insurance import service as insurance
from tradeguard.kit.db import get_engine, unit_of_work
from tradeguard.ledger.repository import load_snapshot
from tradeguard.screening import service as screening
from tradeguard.screening.service import OrderRequest

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2026, 11, 30)


def _demo(db: str, buyers: int, years: float) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tradeguard", "--db", db, "demo", "--buyers", str(buyers),
         "--years", str(years), "--as-of", AS_OF.isoformat(), "--format", "json"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"demo failed: {done.stderr[-2000:]}")


def _timed(work: Any, repeat: int = 1) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=2000)
    parser.add_argument("--years", type=float, default=2.0)
    parser.add_argument("--db", default=None)
    parser.add_argument("--work", type=Path, default=Path("/tmp/tradeguard-bench-insurance"))
    parser.add_argument("--orders", type=int, default=200, help="orders screened per variant")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    db = args.db or f"sqlite:///{args.work / f'insurance-{args.buyers}-{args.years}.db'}"
    if args.db is None and not (args.work / f"insurance-{args.buyers}-{args.years}.db").exists():
        _demo(db, args.buyers, args.years)
    engine = get_engine(db)
    report: dict[str, Any] = {"db": engine.dialect.name, "buyers": args.buyers, "years": args.years}
    with unit_of_work(engine) as session:
        org = session.query(Organisation).one()
        baseline, snapshot = _timed(
            lambda: load_snapshot(session.connection(), org.id, org.base_currency), 3
        )
        report["invoices"] = snapshot.invoices.height
        report["snapshot_s"] = round(baseline, 3)
        cover_s, data = _timed(lambda: insurance.cover_data(session, org, AS_OF), 3)
        report["cover_s"] = round(cover_s, 3)
        report["cover_ratio"] = round(cover_s / baseline, 2)
        report["covered_invoices"] = int((data.cover["covered"] > 0).sum())
        report["reasons"] = {
            str(k): int(v) for k, v in data.cover["reason"].value_counts().iter_rows()
        }
        notify_s, due = _timed(lambda: insurance.notifications_due(session, org, AS_OF), 3)
        report["notifications_s"] = round(notify_s, 3)
        report["notifications_ratio"] = round(notify_s / baseline, 2)
        report["notifications"] = len(due)
        largest = str(
            data.cover.group_by("buyer_id").agg(pl.col("open").sum()).sort("open")["buyer_id"][-1]
        )
        claim_s, _ = _timed(
            lambda: claims.compute_claim(session, org, largest, AS_OF, ClaimEvent.INSOLVENCY),
            5,
        )
        report["claim_one_buyer_ms"] = round(claim_s * 1000, 1)
        buyers = data.cover["buyer_id"].unique().sort().to_list()[: args.orders]
        session.rollback()
    timings = {}
    with unit_of_work(engine) as session:
        org = session.query(Organisation).one()
        started = time.perf_counter()
        for buyer in buyers:
            screening.screen_order(
                session,
                org,
                OrderRequest(buyer_id=buyer, amount=Decimal("1000"), currency=None),
                as_of=AS_OF,
                actor="bench",
            )
        timings["with_policy"] = (time.perf_counter() - started) / len(buyers)
        started = time.perf_counter()
        for buyer in buyers:
            insurance.insured_delivery(
                session, org, buyer, Decimal("1000"), AS_OF, None, Decimal("50000")
            )
        timings["insured"] = (time.perf_counter() - started) / len(buyers)
        session.rollback()  # the screenings are not kept
    timings["without_policy"] = timings["with_policy"] - timings["insured"]
    report["screen_ms_with_policy"] = round(timings["with_policy"] * 1000, 2)
    report["screen_ms_without_policy"] = round(timings["without_policy"] * 1000, 2)
    report["screen_ratio"] = round(timings["with_policy"] / timings["without_policy"], 2)
    report["insured_ms"] = round(timings["insured"] * 1000, 2)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
