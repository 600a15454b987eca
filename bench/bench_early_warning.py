"""Early-warning quality on the demo company, whose buyers default by a hidden process.

    python bench/bench_early_warning.py [--buyers 1000] [--years 2] [--months 12]
                                        [--warmup-days 30] [--out bench/out/early_warning.json]

Generates the demo company (``tradeguard.demo.generator``, seed 7, to 30 June 2025 by
default), loads it into a temporary SQLite database as ``tradeguard demo`` does
(``demo.service.load_demo``), runs the daily cycle (``cycle.service.run_cycle``) for every
day of the warm-up and of the last ``--months`` months, one unit of work per day and in
date order, then reads the alerts the monitoring step raised and compares them with
what the ledger says happened (docs/monitoring-quality.md):

- a buyer **defaults** on the earlier of the day its first invoice is 90 days overdue and
  still open (disputed or not: the issue's definition, and the credit grading's) and the
  day of an ``insolvency`` event; the
  **defaulters** are the buyers whose default day falls in the measured window;
- **warned 30+**: the share of defaulters with an alert raised at least 30 days before
  the default day; the **lead time** is the default day minus the first alert's day,
  its median taken over the defaulters warned 30+ days ahead; also per rule;
- **false alerts**: alerts raised in the window on buyers that did not default (in the
  window or before it), per calendar quarter and per 100 such buyers (a part quarter
  scaled to a whole one). The ledger ends on the window's last day, so a false alert of
  its last 180 days could still be followed by a default: those are counted as false
  and also reported as ``unconfirmed``.

The cycle's first day raises every condition that already holds; the warm-up days take
that burst out of the window: their alerts count as warnings of a default in the window,
never as false alerts. Not a test and not a speed benchmark: it prints a table per rule
and writes the numbers as JSON to ``--out``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, select

from tradeguard.cycle.service import STEPS, run_cycle
from tradeguard.demo.generator import DemoSpec, generate, hidden_behaviour
from tradeguard.demo.service import DEMO_ORGANISATION, load_demo
from tradeguard.domain.dates import months_back
from tradeguard.domain.identity.access import OrgRef
from tradeguard.identity.organisations import create_or_get
from tradeguard.kit.bulk import read_frame
from tradeguard.kit.db import get_engine, migrate, unit_of_work
from tradeguard.ledger.models import Allocation, Buyer, BuyerEvent, Invoice
from tradeguard.monitoring.models import Alert
from tradeguard.monitoring.service import load_settings, save_settings

DEFAULT_OVERDUE_DAYS = 90
WARNING_DAYS = 30
CONFIRM_DAYS = 180
QUARTER_DAYS = 365.25 / 4
ACTOR = "bench_early_warning"


@dataclass(frozen=True, slots=True)
class Window:
    """The measured days (first and last included) and the first warm-up day."""

    first: dt.date
    last: dt.date
    warmup_from: dt.date

    @classmethod
    def of(cls, last: dt.date, months: int, warmup_days: int = 0) -> Window:
        first = months_back(last, months) + dt.timedelta(days=1)
        return cls(first, last, first - dt.timedelta(days=warmup_days))

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


# ----------------------------------------------------------------------------- metrics


def default_days(
    invoices: pl.DataFrame,
    settlements: pl.DataFrame,
    insolvencies: pl.DataFrame,
    observed_until: dt.date,
) -> pl.DataFrame:
    """Each buyer's default day and its cause (``overdue`` or ``insolvency``), if any.

    ``invoices``: invoice_id, buyer_id, due_date, amount; ``settlements`` (the
    allocations): invoice_id, date, amount; ``insolvencies``: buyer_id, date. An invoice
    defaults on its due day + 90 if what was settled by the end of that day leaves some
    of it open; only days up to ``observed_until`` are known.
    """
    reached = invoices.with_columns(
        at=pl.col("due_date") + pl.duration(days=DEFAULT_OVERDUE_DAYS)
    ).filter(pl.col("at") <= observed_until)
    settled = (
        settlements.join(reached.select("invoice_id", "at"), on="invoice_id")
        .filter(pl.col("date") <= pl.col("at"))
        .group_by("invoice_id")
        .agg(settled=pl.col("amount").sum())
    )
    overdue = (
        reached.join(settled, on="invoice_id", how="left")
        .filter(pl.col("amount") - pl.col("settled").fill_null(0) > 0)
        .group_by("buyer_id")
        .agg(default_on=pl.col("at").min())
        .with_columns(cause=pl.lit("overdue"))
    )
    insolvent = (
        insolvencies.filter(pl.col("date") <= observed_until)
        .group_by("buyer_id")
        .agg(default_on=pl.col("date").min())
        .with_columns(cause=pl.lit("insolvency"))
    )
    return (
        pl.concat([insolvent, overdue])
        .sort("buyer_id", "default_on", "cause")
        .group_by("buyer_id", maintain_order=True)
        .first()
    )


def alert_outcomes(alerts: pl.DataFrame, defaults: pl.DataFrame, window: Window) -> pl.DataFrame:
    """Each alert raised from the warm-up to the window's end, with what followed it.

    ``outcome``: ``warning`` (its buyer defaults in the window, later than the alert),
    ``after default`` (raised on or after its buyer's default day, or its buyer defaulted
    before the window), ``false`` (its buyer did not default); ``lead_days`` for a
    warning; ``in_window`` (raised in the window, not in the warm-up); ``unconfirmed``
    for a false alert of the last 180 days, whose buyer could still default.
    """
    return (
        alerts.filter(pl.col("raised_on").is_between(window.warmup_from, window.last))
        .join(defaults.select("buyer_id", "default_on"), on="buyer_id", how="left")
        .with_columns(
            outcome=pl.when(pl.col("default_on").is_null())
            .then(pl.lit("false"))
            .when(
                (pl.col("default_on") >= window.first)
                & (pl.col("raised_on") < pl.col("default_on"))
            )
            .then(pl.lit("warning"))
            .otherwise(pl.lit("after default")),
            in_window=pl.col("raised_on") >= window.first,
        )
        .with_columns(
            lead_days=pl.when(pl.col("outcome") == "warning").then(
                (pl.col("default_on") - pl.col("raised_on")).dt.total_days()
            ),
            unconfirmed=(pl.col("outcome") == "false")
            & (pl.col("raised_on") > window.last - dt.timedelta(days=CONFIRM_DAYS)),
        )
    )


def warned(outcomes: pl.DataFrame, defaulters: int) -> dict[str, Any]:
    """Of ``defaulters`` buyers, how many had a warning 30+ days ahead; the median lead
    (default day − first alert's day) over those."""
    leads = (
        outcomes.filter(pl.col("outcome") == "warning")
        .group_by("buyer_id")
        .agg(pl.col("lead_days").max())
        .filter(pl.col("lead_days") >= WARNING_DAYS)["lead_days"]
    )
    return {
        "defaulters": defaulters,
        "warned_30": leads.len(),
        "warned_30_share": leads.len() / defaulters if defaulters else None,
        "median_lead_days": float(statistics.median(leads.to_list())) if leads.len() else None,
    }


def false_alert_rates(outcomes: pl.DataFrame, sound_buyers: int, window: Window) -> dict[str, Any]:
    """False alerts of the window per 100 sound buyers: per calendar quarter (a part
    quarter scaled to a whole one by its days) and over the whole window per quarter."""
    false = outcomes.filter((pl.col("outcome") == "false") & pl.col("in_window"))
    quarters = []
    start = dt.date(window.first.year, 3 * ((window.first.month - 1) // 3) + 1, 1)
    while start <= window.last:
        end = months_back(start, -3) - dt.timedelta(days=1)
        covered = (min(end, window.last) - max(start, window.first)).days + 1
        count = false.filter(pl.col("raised_on").is_between(start, end)).height
        quarters.append(
            {
                "quarter": f"{start.year}-Q{(start.month - 1) // 3 + 1}",
                "days": covered,
                "false_alerts": count,
                "per_100_buyers": _per_100(count, sound_buyers, ((end - start).days + 1) / covered),
            }
        )
        start = end + dt.timedelta(days=1)
    return {
        "sound_buyers": sound_buyers,
        "false_alerts": false.height,
        "unconfirmed": int(false["unconfirmed"].sum()),
        "per_100_buyers_per_quarter": _per_100(
            false.height, sound_buyers, QUARTER_DAYS / window.days
        ),
        "quarters": quarters,
    }


def _per_100(count: int, buyers: int, scale: float) -> float | None:
    return round(count / buyers * 100.0 * scale, 3) if buyers else None


def quality(
    alerts: pl.DataFrame, defaults: pl.DataFrame, buyers: pl.Series, window: Window
) -> dict[str, Any]:
    """The headline numbers, and the same per rule (``alerts``: buyer_id, rule, raised_on)."""
    outcomes = alert_outcomes(alerts, defaults, window)
    in_window = defaults.filter(pl.col("default_on").is_between(window.first, window.last))
    defaulted = defaults.filter(pl.col("default_on") <= window.last)["buyer_id"]
    sound = int((~buyers.is_in(defaulted.implode())).sum())

    def numbers(own: pl.DataFrame) -> dict[str, Any]:
        counted = own.filter(pl.col("in_window"))
        return {
            "alerts": counted.height,
            "warnings": counted.filter(pl.col("outcome") == "warning").height,
            "after_default": counted.filter(pl.col("outcome") == "after default").height,
            **warned(own, in_window.height),
            **false_alert_rates(own, sound, window),
        }

    rules = {
        rule: numbers(outcomes.filter(pl.col("rule") == rule))
        for rule in sorted(outcomes["rule"].unique().to_list())
    }
    return {
        "window": {"first": window.first.isoformat(), "last": window.last.isoformat()},
        "warmup_from": window.warmup_from.isoformat(),
        "buyers": buyers.len(),
        "defaulted_before_window": defaulted.len() - in_window.height,
        "defaults_by_cause": dict(in_window.group_by("cause").len().sort("cause").iter_rows()),
        **numbers(outcomes),
        "rules": rules,
    }


def by_behaviour(
    alerts: pl.DataFrame, defaults: pl.DataFrame, hidden: pl.DataFrame, window: Window
) -> dict[str, Any]:
    """The same alerts against the demo's hidden process (``generator.hidden_behaviour``),
    which the ledger only shows: per behaviour, the buyers, how many the ledger says
    defaulted in the window, and the false alerts; for the failures (a default or an
    insolvency day in the window), how many had an alert 30+ days before that day."""
    outcomes = alert_outcomes(alerts, defaults, window).filter(pl.col("in_window"))
    defaulted = defaults.filter(pl.col("default_on").is_between(window.first, window.last))
    failing = hidden.filter(pl.col("event_on").is_between(window.first, window.last))
    leads = (
        alerts.filter(pl.col("raised_on").is_between(window.warmup_from, window.last))
        .join(failing.select("buyer_id", "event_on"), on="buyer_id")
        .filter(pl.col("raised_on") < pl.col("event_on"))
        .group_by("buyer_id")
        .agg(lead_days=(pl.col("event_on").first() - pl.col("raised_on").min()).dt.total_days())
    )
    result: dict[str, Any] = {}
    for behaviour in hidden["behaviour"].unique(maintain_order=True).sort().to_list():
        buyers = hidden.filter(pl.col("behaviour") == behaviour)["buyer_id"].implode()
        false = outcomes.filter(pl.col("buyer_id").is_in(buyers), pl.col("outcome") == "false")
        failures = failing.filter(pl.col("behaviour") == behaviour)
        warned_30 = leads.filter(
            pl.col("buyer_id").is_in(failures["buyer_id"].implode()),
            pl.col("lead_days") >= WARNING_DAYS,
        )["lead_days"]
        result[behaviour] = {
            "buyers": buyers.list.len().item(),
            "ledger_defaulters": defaulted.filter(pl.col("buyer_id").is_in(buyers)).height,
            "false_alerts": false.height,
            "failures_in_window": failures.height,
            "failures_warned_30": warned_30.len(),
            "median_lead_days": float(statistics.median(warned_30.to_list()))
            if warned_30.len()
            else None,
        }
    return result


# ----------------------------------------------------------------------------- the run


def _ledger(connection: Connection, org_id: int) -> dict[str, pl.DataFrame]:
    def read(columns: list[Any], schema: dict[str, Any], table: Any) -> pl.DataFrame:
        statement = select(*columns).where(table.org_id == org_id)
        return read_frame(connection, statement, schema)

    return {
        "buyers": read([Buyer.buyer_id], {"buyer_id": pl.String}, Buyer),
        "invoices": read(
            [Invoice.invoice_id, Invoice.buyer_id, Invoice.due_date, Invoice.amount],
            {
                "invoice_id": pl.String,
                "buyer_id": pl.String,
                "due_date": pl.Date,
                "amount": pl.Int64,
            },
            Invoice,
        ),
        "settlements": read(
            [Allocation.invoice_id, Allocation.date, Allocation.amount],
            {"invoice_id": pl.String, "date": pl.Date, "amount": pl.Int64},
            Allocation,
        ),
        "events": read(
            [BuyerEvent.buyer_id, BuyerEvent.date, BuyerEvent.type],
            {"buyer_id": pl.String, "date": pl.Date, "type": pl.String},
            BuyerEvent,
        ),
        "alerts": read(
            [Alert.buyer_id, Alert.rule, Alert.severity, Alert.raised_on],
            {"buyer_id": pl.String, "rule": pl.String, "severity": pl.String, "raised_on": pl.Date},
            Alert,
        ),
    }


def measure(args: argparse.Namespace) -> dict[str, Any]:
    if "monitoring" not in STEPS:
        sys.exit(f"the daily cycle has no monitoring step yet (steps: {', '.join(STEPS)})")
    spec = DemoSpec(seed=args.seed, buyers=args.buyers, years=args.years, as_of=args.as_of)
    window = Window.of(args.as_of, args.months, args.warmup_days)
    with tempfile.TemporaryDirectory(prefix="tg-early-warning-") as folder:
        db = args.db or Path(folder) / "demo.db"
        engine = get_engine(f"sqlite:///{db}")
        counts: dict[str, int] = {}
        timing: dict[str, float] = {}
        if not args.analyse_only:
            if db.exists():
                sys.exit(f"{db} exists: give a new file, or --analyse-only to read it")
            counts, timing = _run(engine, spec, window, Path(folder), args)
        with unit_of_work(engine) as session:
            org = create_or_get(session, DEMO_ORGANISATION, "EUR", ACTOR)[0]
            settings = load_settings(session, org).as_dict()
            ledger = _ledger(session.connection(), org.id)
        engine.dispose()
    insolvencies = ledger["events"].filter(pl.col("type") == "insolvency")
    defaults = default_days(ledger["invoices"], ledger["settlements"], insolvencies, window.last)
    return {
        "spec": {
            "seed": spec.seed,
            "buyers": spec.buyers,
            "years": spec.years,
            "as_of": spec.as_of.isoformat(),
        },
        "files": counts,
        "events_loaded": ledger["events"].height,
        "settings": settings,
        "timing": timing,
        **quality(ledger["alerts"], defaults, ledger["buyers"]["buyer_id"], window),
        "by_behaviour": by_behaviour(ledger["alerts"], defaults, hidden_behaviour(spec), window),
        "targets": {"warned_30_share": 0.70, "per_100_buyers_per_quarter": 5.0},
    }


def _run(
    engine: Engine, spec: DemoSpec, window: Window, folder: Path, args: argparse.Namespace
) -> tuple[dict[str, int], dict[str, float]]:
    """Generate and load the demo, set the thresholds of ``--set``, then run the cycle for
    every day, one unit of work each."""
    started = time.perf_counter()
    files = generate(spec, folder / "files")
    migrate(engine)
    with unit_of_work(engine) as session:
        organisation, _ = create_or_get(session, DEMO_ORGANISATION, "EUR", ACTOR)
        org = OrgRef(organisation.id, organisation.name, organisation.base_currency)
        load_demo(session, organisation, files, ACTOR)
        if args.set:
            save_settings(session, org, dict(args.set), ACTOR)
    loaded = time.perf_counter() - started
    seconds = []
    day = window.warmup_from
    while day <= window.last:
        tick = time.perf_counter()
        with unit_of_work(engine) as session:
            run_cycle(session, org, day, ACTOR)
        seconds.append(time.perf_counter() - tick)
        if args.verbose and len(seconds) % 30 == 0:
            print(f"  {day}: {len(seconds)} cycles, {seconds[-1]:.2f} s the last", file=sys.stderr)
        day += dt.timedelta(days=1)
    return files.counts, {
        "generate_and_load_s": round(loaded, 1),
        "cycles": len(seconds),
        "cycle_s_mean": round(statistics.fmean(seconds), 3),
        "cycle_s_max": round(max(seconds), 3),
        "cycles_s": round(sum(seconds), 1),
    }


def _table(result: dict[str, Any]) -> str:
    def share(value: float | None) -> str:
        return "—" if value is None else f"{value:.0%}"

    def number(value: float | None) -> str:
        return "—" if value is None else f"{value:g}"

    columns = (
        "rule",
        "alerts",
        "warnings",
        "after default",
        "false",
        "defaulters warned 30+",
        "median lead (days)",
        "false / 100 buyers / quarter",
    )
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    rows = [*result["rules"].items(), ("**any rule**", result)]
    for rule, r in rows:
        lines.append(
            f"| {rule} | {r['alerts']} | {r['warnings']} | {r['after_default']} "
            f"| {r['false_alerts']} ({r['unconfirmed']} unconfirmed) "
            f"| {r['warned_30']}/{r['defaulters']} ({share(r['warned_30_share'])}) "
            f"| {number(r['median_lead_days'])} | {number(r['per_100_buyers_per_quarter'])} |"
        )
    return "\n".join(lines)


def _setting(text: str) -> tuple[str, float | int]:
    name, _, value = text.partition("=")
    number = float(value)
    return name.strip(), int(number) if number.is_integer() and "." not in value else number


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--buyers", type=int, default=1000)
    parser.add_argument("--years", type=float, default=2.0)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2025, 6, 30))
    parser.add_argument("--months", type=int, default=12, help="the measured window")
    parser.add_argument("--warmup-days", type=int, default=30)
    parser.add_argument("--out", type=Path, default=Path("bench/out/early_warning.json"))
    parser.add_argument("--verbose", action="store_true", help="the cycle's progress on stderr")
    parser.add_argument(
        "--set",
        type=_setting,
        action="append",
        metavar="NAME=VALUE",
        help="a monitoring threshold for the run (docs/monitoring.md), e.g. overdue_days=45",
    )
    parser.add_argument("--db", type=Path, help="keep the SQLite database in this new file")
    parser.add_argument(
        "--analyse-only",
        action="store_true",
        help="read the alerts of an earlier run's --db (same options) instead of running",
    )
    args = parser.parse_args()
    if args.analyse_only and (args.db is None or not args.db.exists()):
        parser.error("--analyse-only reads the database of an earlier run: give its --db")
    result = measure(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    timing = result["timing"]
    ran = (
        f"{timing['cycles']} daily cycles in {timing['cycles_s']} s "
        f"({timing['cycle_s_mean']} s each)"
        if timing
        else "alerts of an earlier run"
    )
    print(
        f"{result['buyers']} buyers, window {result['window']['first']} to "
        f"{result['window']['last']}, {ran}; {result['events_loaded']} events loaded"
    )
    print(
        f"defaulters in the window: {result['defaulters']} {result['defaults_by_cause']}; "
        f"defaulted before: {result['defaulted_before_window']}; "
        f"sound buyers: {result['sound_buyers']}"
    )
    print(_table(result))
    print(
        "\n| hidden behaviour | buyers | ledger defaulters | false alerts | failures warned 30+ |"
    )
    print("|---|---|---|---|---|")
    for behaviour, b in result["by_behaviour"].items():
        print(
            f"| {behaviour} | {b['buyers']} | {b['ledger_defaulters']} | {b['false_alerts']} "
            f"| {b['failures_warned_30']}/{b['failures_in_window']} |"
        )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
