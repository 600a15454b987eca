"""Receivables analytics benchmark: TradeGuard (Polars) vs hand-written DuckDB SQL vs pandas.

    python bench/bench_analytics.py --buyers 100000 --years 3 --work /tmp/tg-bench
    python bench/bench_analytics.py --e2e-db /tmp/tg_1m.db   # the CLI end to end

Steps:
1. ``tradeguard.demo.generator`` writes the demo ledger (Parquet); it is typed (dates,
   minor units) and allocated with the product's own allocation rule, then cached as
   Parquet under ``--work`` so that later runs skip it.
2. Each engine runs in a fresh process that loads the cached tables into memory (Arrow
   for DuckDB, Polars for TradeGuard, pandas for pandas), then times ageing, the KPIs
   and payment behaviour for one as-of date (best of ``--repeat``), and reports its peak
   resident memory (``VmHWM``, data included). Every engine writes its results, and
   the parent checks that they agree: ageing exactly, ratios to 1e-6, behaviour to 1e-6.
3. pandas is run on the first ``--pandas-buyers`` buyers only (it would take many
   minutes on the whole ledger); its time is scaled linearly by invoices (full /
   subset), and TradeGuard is timed on the same subset for a direct ratio as well.
4. With ``--e2e-db``: ``tradeguard report ageing`` on that SQLite database, timed from
   the outside, and the load/compute split measured in-process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from tradeguard.demo.generator import DemoSpec, generate
from tradeguard.domain.ledger.snapshot import LedgerSnapshot
from tradeguard.domain.money import minor_exponent
from tradeguard.domain.receivables.ageing import DEFAULT_BUCKET_EDGES, ageing, positions
from tradeguard.domain.receivables.behaviour import behaviour
from tradeguard.domain.receivables.kpis import KpiSettings, kpis
from tradeguard.ledger.allocation import compute_allocations

AS_OF = dt.date(2025, 6, 30)
PERIOD_DAYS = 90
TABLES = ("buyers", "invoices", "allocations", "fx", "disputes")
KPI_NAMES = (
    "receivables",
    "current_receivables",
    "opening_receivables",
    "credit_sales",
    "write_offs",
    "dso",
    "dso_countback",
    "best_possible_dso",
    "add",
    "cei",
    "bad_debt_ratio",
    "overdue_share",
    "largest_buyer_share",
    "top10_share",
    "hhi",
)


# ----------------------------------------------------------------------------- data


def _minor(currency: str = "currency") -> pl.Expr:
    """Decimal text to integer minor units, exactly (the importer's rule)."""
    exponent = pl.col(currency).map_elements(minor_exponent, return_dtype=pl.Int64)
    return (pl.col("amount").cast(pl.Decimal(38, 6)) * pl.lit(10).pow(exponent)).cast(pl.Int64)


def prepare(buyers: int, years: float, work: Path) -> Path:
    """Generate, type and allocate the demo ledger once; return the folder of its tables."""
    tables = work / f"ledger-{buyers}-{years:g}"
    if all((tables / f"{name}.parquet").exists() for name in TABLES):
        return tables
    raw = work / f"raw-{buyers}-{years:g}"
    if not (raw / "invoices.parquet").exists():
        started = time.perf_counter()
        spec = DemoSpec(seed=7, buyers=buyers, years=years, as_of=AS_OF, file_format="parquet")
        generate(spec, raw)
        print(f"generated in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    started = time.perf_counter()

    def read(name: str) -> pl.DataFrame:
        return pl.read_parquet(raw / f"{name}.parquet")

    invoices = read("invoices").select(
        "invoice_id",
        "buyer_id",
        pl.col("issue_date").str.to_date(),
        pl.col("due_date").str.to_date(),
        _minor().alias("amount"),
        "currency",
    )
    money_columns = ["source_type", "source_id", "buyer_id", "currency", "date", "amount"]
    money = pl.concat(
        [
            read(kind)
            .select(
                pl.lit(label).alias("source_type"),
                pl.col(key).alias("source_id"),
                "buyer_id",
                "currency",
                pl.col("date").str.to_date(),
                _minor().alias("amount"),
                pl.col("invoice_id").replace("", None),
            )
            .select(*money_columns, "invoice_id")
            for kind, label, key in (
                ("payments", "payment", "payment_id"),
                ("credit_notes", "credit_note", "credit_note_id"),
            )
        ]
        + [
            read("write_offs")
            .join(invoices.select("invoice_id", "buyer_id", "currency"), on="invoice_id")
            .select(
                pl.lit("write_off").alias("source_type"),
                pl.col("invoice_id").alias("source_id"),
                "buyer_id",
                "currency",
                pl.col("date").str.to_date(),
                _minor().alias("amount"),
                "invoice_id",
            )
        ]
    )
    allocations = compute_allocations(invoices, money).select(
        "invoice_id", "source_type", "date", "amount"
    )
    tables.mkdir(parents=True, exist_ok=True)
    read("buyers").select("buyer_id", "name", "country", "industry").write_parquet(
        tables / "buyers.parquet"
    )
    invoices.write_parquet(tables / "invoices.parquet")
    allocations.write_parquet(tables / "allocations.parquet")
    read("fx").select(
        "currency", pl.col("date").str.to_date(), pl.col("rate").cast(pl.Float64)
    ).write_parquet(tables / "fx.parquet")
    read("disputes").select(
        "invoice_id",
        pl.col("opened_on").str.to_date(),
        pl.col("resolved_on").replace("", None).str.to_date(),
    ).write_parquet(tables / "disputes.parquet")
    print(f"typed and allocated in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return tables


def load(tables: Path, subset_buyers: int | None) -> dict[str, pl.DataFrame]:
    """The cached tables; with ``subset_buyers``, only the ledger of the first buyers."""
    frames = {name: pl.read_parquet(tables / f"{name}.parquet") for name in TABLES}
    if subset_buyers is not None:
        keep = frames["buyers"].sort("buyer_id").head(subset_buyers).select("buyer_id")
        frames["buyers"] = frames["buyers"].join(keep, on="buyer_id", how="semi")
        frames["invoices"] = frames["invoices"].join(keep, on="buyer_id", how="semi")
        ids = frames["invoices"].select("invoice_id")
        frames["allocations"] = frames["allocations"].join(ids, on="invoice_id", how="semi")
        frames["disputes"] = frames["disputes"].join(ids, on="invoice_id", how="semi")
    return frames


# ----------------------------------------------------------------------------- engines


def countback_ends(earliest: dt.date) -> list[dt.date]:
    """The countback month ends the product uses (calendar months, latest first)."""
    from tradeguard.domain.receivables.kpis import countback_windows

    return countback_windows(AS_OF, earliest, "calendar")


def walk_countback(receivables: float, per_month: list[float], ends: list[dt.date]) -> float | None:
    from tradeguard.domain.receivables.kpis import countback_dso

    lengths = [(ends[k] - ends[k + 1]).days for k in range(len(ends) - 1)]
    return countback_dso(receivables, list(zip(per_month, lengths, strict=True)))


def run_tradeguard(frames: dict[str, pl.DataFrame]) -> dict[str, Any]:
    snapshot = LedgerSnapshot(
        "EUR",
        frames["buyers"],
        frames["invoices"],
        frames["allocations"],
        frames["fx"],
        frames["disputes"],
    )
    pos = positions(snapshot, AS_OF, PERIOD_DAYS)
    figures = kpis(pos, KpiSettings(period_days=PERIOD_DAYS))
    return {
        "ageing": ageing(pos, DEFAULT_BUCKET_EDGES).select("bucket", "count", "amount"),
        "kpis": {name: getattr(figures, name) for name in KPI_NAMES},
        "behaviour": behaviour(pos),
    }


def _exponents(currencies: list[str]) -> list[tuple[str, int]]:
    return [(code, minor_exponent(code)) for code in currencies]


DUCKDB_POSITIONS = """
CREATE OR REPLACE TEMP TABLE pos AS
WITH settled AS (
    SELECT invoice_id,
           sum(amount) AS settled,
           sum(amount) FILTER (WHERE date <= $opening) AS settled_opening,
           sum(amount) FILTER (WHERE source_type = 'write_off' AND date > $opening) AS wo_period,
           bool_or(source_type = 'write_off') AS written_off,
           max(date) FILTER (WHERE source_type <> 'write_off') AS last_cash
    FROM allocations WHERE date <= $as_of GROUP BY invoice_id
), rates AS (
    SELECT r.currency, r.rate, pow(10.0, 2 - e.exponent) AS scale
    FROM (SELECT currency, arg_max(rate, date) AS rate FROM fx WHERE date <= $as_of
          GROUP BY currency UNION ALL SELECT 'EUR', 1.0) r
    JOIN exponents e USING (currency)
), joined AS (
    SELECT i.invoice_id, i.buyer_id, i.issue_date, i.due_date, i.amount, r.rate, r.scale,
           i.amount - coalesce(s.settled, 0) AS open,
           CASE WHEN i.issue_date <= $opening
                THEN i.amount - coalesce(s.settled_opening, 0) ELSE 0 END AS opening_open,
           coalesce(s.wo_period, 0) AS wo_period,
           coalesce(s.written_off, false) AS written_off, s.last_cash
    FROM invoices i JOIN rates r USING (currency) LEFT JOIN settled s USING (invoice_id)
    WHERE i.issue_date <= $as_of
)
SELECT invoice_id, buyer_id, issue_date, due_date, open,
       date_diff('day', due_date, $as_of) AS days_overdue,
       round_even(amount * rate * scale, 0)::BIGINT AS amount_base,
       round_even(open * rate * scale, 0)::BIGINT AS open_base,
       round_even(opening_open * rate * scale, 0)::BIGINT AS opening_open_base,
       round_even(wo_period * rate * scale, 0)::BIGINT AS written_off_base,
       written_off,
       CASE WHEN open = 0 AND NOT written_off THEN last_cash END AS paid_on
FROM joined
"""
DUCKDB_AGEING = """
SELECT CASE WHEN days_overdue <= 0 THEN 0 WHEN days_overdue <= 30 THEN 1
            WHEN days_overdue <= 60 THEN 2 WHEN days_overdue <= 90 THEN 3
            WHEN days_overdue <= 180 THEN 4 ELSE 5 END AS bucket,
       count(*) AS count, sum(open_base)::BIGINT AS amount
FROM pos WHERE open > 0 GROUP BY bucket ORDER BY bucket
"""
DUCKDB_TOTALS = """
SELECT sum(open_base)::BIGINT, sum(open_base) FILTER (WHERE days_overdue <= 0)::BIGINT,
       sum(opening_open_base)::BIGINT,
       sum(amount_base) FILTER (WHERE issue_date > $opening)::BIGINT,
       sum(written_off_base)::BIGINT
FROM pos
"""
DUCKDB_CONCENTRATION = """
WITH e AS (SELECT sum(open_base) AS e FROM pos WHERE open_base > 0 GROUP BY buyer_id),
     t AS (SELECT sum(e) AS total FROM e),
     ranked AS (SELECT e, row_number() OVER (ORDER BY e DESC) AS n FROM e)
SELECT max(e) / any_value(total), sum(e) FILTER (WHERE n <= 10) / any_value(total),
       sum((e / total) ^ 2)
FROM ranked, t
"""
DUCKDB_MONTHLY_SALES = """
SELECT (year($as_of) * 12 + month($as_of)) - (year(issue_date) * 12 + month(issue_date)) AS k,
       sum(amount_base)::BIGINT
FROM pos GROUP BY k
"""
DUCKDB_BEHAVIOUR = """
WITH obs AS (
    SELECT buyer_id, amount_base::DOUBLE AS w, date_diff('day', due_date, paid_on) AS y,
           date_diff('day', $as_of, paid_on) AS x
    FROM pos WHERE paid_on > $start
    UNION ALL
    SELECT buyer_id, amount_base::DOUBLE, days_overdue, 0
    FROM pos WHERE open > 0 AND days_overdue > 0
), m AS (SELECT buyer_id, w, y::DOUBLE AS y, x::DOUBLE / (365.25 / 12) AS x FROM obs),
g AS (
    SELECT buyer_id, sum(w * y) / sum(w) AS avg_days_beyond_terms,
           CASE WHEN max(x) > min(x) THEN
             (sum(w * x * y) - sum(w * x) * sum(w * y) / sum(w))
             / (sum(w * x * x) - sum(w * x) ^ 2 / sum(w)) END AS trend_days_per_month,
           avg((y > 0)::INT) AS late_share, greatest(max(y), 0)::BIGINT AS max_delay_days
    FROM m GROUP BY buyer_id
), d AS (
    SELECT p.buyer_id, count(*) AS disputes FROM disputes x JOIN pos p USING (invoice_id)
    WHERE x.opened_on > $start AND x.opened_on <= $as_of GROUP BY p.buyer_id
)
SELECT b.buyer_id, g.avg_days_beyond_terms, g.trend_days_per_month, g.late_share,
       g.max_delay_days, coalesce(d.disputes, 0) AS disputes
FROM (SELECT DISTINCT buyer_id FROM pos) b
LEFT JOIN g USING (buyer_id) LEFT JOIN d USING (buyer_id) ORDER BY b.buyer_id
"""


def run_duckdb(connection: Any, earliest: dt.date) -> dict[str, Any]:
    """The same outputs by hand-written SQL (month-end as-of: calendar months are k)."""
    opening = AS_OF - dt.timedelta(days=PERIOD_DAYS)
    start = AS_OF - dt.timedelta(days=365)
    connection.execute(DUCKDB_POSITIONS, {"as_of": AS_OF, "opening": opening})
    ageing_table = pl.from_arrow(connection.sql(DUCKDB_AGEING).to_arrow_table())
    totals = connection.execute(DUCKDB_TOTALS, {"opening": opening}).fetchone()
    receivables, current, opening_ar, sales, write_offs = totals
    largest, top10, hhi = connection.execute(DUCKDB_CONCENTRATION).fetchone()
    monthly = dict(connection.execute(DUCKDB_MONTHLY_SALES, {"as_of": AS_OF}).fetchall())
    ends = countback_ends(earliest)
    dso = receivables / sales * PERIOD_DAYS
    best = current / sales * PERIOD_DAYS
    figures = {
        "receivables": receivables,
        "current_receivables": current,
        "opening_receivables": opening_ar,
        "credit_sales": sales,
        "write_offs": write_offs,
        "dso": dso,
        "dso_countback": walk_countback(
            receivables, [monthly.get(k, 0) for k in range(len(ends) - 1)], ends
        ),
        "best_possible_dso": best,
        "add": dso - best,
        "cei": (opening_ar + sales - receivables) / (opening_ar + sales - current) * 100,
        "bad_debt_ratio": write_offs / sales,
        "overdue_share": (receivables - current) / receivables,
        "largest_buyer_share": largest,
        "top10_share": top10,
        "hhi": hhi,
    }
    behaviour_table = pl.from_arrow(
        connection.sql(DUCKDB_BEHAVIOUR, params={"as_of": AS_OF, "start": start}).to_arrow_table()
    )
    return {"ageing": ageing_table, "kpis": figures, "behaviour": behaviour_table}


def run_pandas(
    frames: dict[str, Any], earliest: dt.date, *, per_buyer_apply: bool
) -> dict[str, Any]:
    """pandas: merge, boolean masks, groupby-agg; behaviour by per-buyer sums of helper
    columns (tuned) or, with ``per_buyer_apply``, by a Python function per buyer."""
    import numpy as np
    import pandas as pd

    invoices, allocations, fx = frames["invoices"], frames["allocations"], frames["fx"]
    disputes = frames["disputes"]
    as_of, opening = pd.Timestamp(AS_OF), pd.Timestamp(AS_OF - dt.timedelta(days=PERIOD_DAYS))
    start = pd.Timestamp(AS_OF - dt.timedelta(days=365))
    a = allocations[allocations["date"] <= as_of].copy()
    wo = a["source_type"] == "write_off"
    a["settled_opening"] = a["amount"].where(a["date"] <= opening, 0)
    a["wo_period"] = a["amount"].where(wo & (a["date"] > opening), 0)
    a["written_off"] = wo
    a["cash_date"] = a["date"].where(~wo)
    settled = a.groupby("invoice_id").agg(
        settled=("amount", "sum"),
        settled_opening=("settled_opening", "sum"),
        wo_period=("wo_period", "sum"),
        written_off=("written_off", "any"),
        last_cash=("cash_date", "max"),
    )
    rates = fx[fx["date"] <= as_of].sort_values("date").groupby("currency")["rate"].last()
    rates["EUR"] = 1.0
    p = invoices[invoices["issue_date"] <= as_of].merge(
        settled, left_on="invoice_id", right_index=True, how="left"
    )
    scale = p["currency"].map({c: 10.0 ** (2 - e) for c, e in _exponents(list(rates.index))})
    factor_rate = p["currency"].map(rates)
    for column in ("settled", "settled_opening", "wo_period"):
        p[column] = p[column].fillna(0)
    p["written_off"] = p["written_off"].fillna(False).astype(bool)
    p["open"] = p["amount"] - p["settled"]
    opening_open = (p["amount"] - p["settled_opening"]).where(p["issue_date"] <= opening, 0)

    def base(values: Any) -> Any:
        return np.round(values * factor_rate * scale).astype("int64")

    p["amount_base"] = base(p["amount"])
    p["open_base"] = base(p["open"])
    p["opening_open_base"] = base(opening_open)
    p["written_off_base"] = base(p["wo_period"])
    p["days_overdue"] = (as_of - p["due_date"]).dt.days
    p["paid_on"] = p["last_cash"].where((p["open"] == 0) & ~p["written_off"])

    items = p[p["open"] > 0]
    bucket = pd.cut(items["days_overdue"], [-np.inf, 0, 30, 60, 90, 180, np.inf], labels=False)
    ageing_table = (
        items.groupby(bucket)
        .agg(count=("open_base", "size"), amount=("open_base", "sum"))
        .reset_index(names="bucket")
    )
    receivables = int(p["open_base"].sum())
    current = int(p.loc[p["days_overdue"] <= 0, "open_base"].sum())
    opening_ar = int(p["opening_open_base"].sum())
    sales = int(p.loc[p["issue_date"] > opening, "amount_base"].sum())
    write_offs = int(p["written_off_base"].sum())
    exposure = p[p["open_base"] > 0].groupby("buyer_id")["open_base"].sum()
    shares = exposure.sort_values(ascending=False) / receivables
    months = (AS_OF.year * 12 + AS_OF.month) - (
        p["issue_date"].dt.year * 12 + p["issue_date"].dt.month
    )
    monthly = p.groupby(months)["amount_base"].sum()
    ends = countback_ends(earliest)
    dso = receivables / sales * PERIOD_DAYS
    best = current / sales * PERIOD_DAYS
    figures = {
        "receivables": receivables,
        "current_receivables": current,
        "opening_receivables": opening_ar,
        "credit_sales": sales,
        "write_offs": write_offs,
        "dso": dso,
        "dso_countback": walk_countback(
            receivables, [int(monthly.get(k, 0)) for k in range(len(ends) - 1)], ends
        ),
        "best_possible_dso": best,
        "add": dso - best,
        "cei": (opening_ar + sales - receivables) / (opening_ar + sales - current) * 100,
        "bad_debt_ratio": write_offs / sales,
        "overdue_share": (receivables - current) / receivables,
        "largest_buyer_share": float(shares.iloc[0]),
        "top10_share": float(shares.head(10).sum()),
        "hhi": float((shares**2).sum()),
    }
    paid = p[p["paid_on"] > start]
    observations = pd.concat(
        [
            pd.DataFrame(
                {
                    "buyer_id": paid["buyer_id"],
                    "w": paid["amount_base"].astype(float),
                    "y": (paid["paid_on"] - paid["due_date"]).dt.days.astype(float),
                    "x": (paid["paid_on"] - as_of).dt.days / (365.25 / 12),
                }
            ),
            pd.DataFrame(
                {
                    "buyer_id": items.loc[items["days_overdue"] > 0, "buyer_id"],
                    "w": items.loc[items["days_overdue"] > 0, "amount_base"].astype(float),
                    "y": items.loc[items["days_overdue"] > 0, "days_overdue"].astype(float),
                    "x": 0.0,
                }
            ),
        ]
    )
    g = _per_buyer_apply(observations) if per_buyer_apply else _per_buyer_sums(observations)
    d = disputes[(disputes["opened_on"] > start) & (disputes["opened_on"] <= as_of)]
    counts = d.merge(p[["invoice_id", "buyer_id"]], on="invoice_id").groupby("buyer_id").size()
    result = pd.DataFrame(index=pd.Index(p["buyer_id"].unique(), name="buyer_id")).sort_index()
    result = result.join(
        g[["avg_days_beyond_terms", "trend_days_per_month", "late_share", "max_delay_days"]]
    )
    result["disputes"] = counts.reindex(result.index).fillna(0).astype("int64")
    return {
        "ageing": pl.from_pandas(ageing_table),
        "kpis": figures,
        "behaviour": pl.from_pandas(result.reset_index()),
    }


def _per_buyer_sums(observations: Any) -> Any:
    """Weighted mean and slope from per-buyer sums of helper columns (vectorised)."""
    o = observations.assign(
        wy=lambda f: f.w * f.y,
        wx=lambda f: f.w * f.x,
        wxx=lambda f: f.w * f.x * f.x,
        wxy=lambda f: f.w * f.x * f.y,
        late=lambda f: f.y > 0,
    )
    g = o.groupby("buyer_id").agg(
        sw=("w", "sum"),
        swy=("wy", "sum"),
        swx=("wx", "sum"),
        swxx=("wxx", "sum"),
        swxy=("wxy", "sum"),
        xmax=("x", "max"),
        xmin=("x", "min"),
        late_share=("late", "mean"),
        max_delay_days=("y", "max"),
    )
    g["avg_days_beyond_terms"] = g["swy"] / g["sw"]
    sxx = g["swxx"] - g["swx"] ** 2 / g["sw"]
    sxy = g["swxy"] - g["swx"] * g["swy"] / g["sw"]
    g["trend_days_per_month"] = (sxy / sxx).where(g["xmax"] > g["xmin"])
    g["max_delay_days"] = g["max_delay_days"].clip(lower=0)
    return g


def _per_buyer_apply(observations: Any) -> Any:
    """The textbook way: one Python function per buyer (np.average, weighted np.polyfit)."""
    import warnings

    import numpy as np
    import pandas as pd

    def one(group: Any) -> Any:
        w, y, x = group["w"].to_numpy(), group["y"].to_numpy(), group["x"].to_numpy()
        slope = np.polyfit(x, y, 1, w=np.sqrt(w))[0] if x.max() > x.min() else np.nan
        return pd.Series(
            {
                "avg_days_beyond_terms": np.average(y, weights=w),
                "trend_days_per_month": slope,
                "late_share": float((y > 0).mean()),
                "max_delay_days": max(y.max(), 0.0),
            }
        )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return observations.groupby("buyer_id")[["w", "y", "x"]].apply(one)


# ----------------------------------------------------------------------------- harness


def _peak_rss_mib() -> float:
    """This process's peak resident memory (``VmHWM``).

    Not ``ru_maxrss``: Linux carries a parent's high-water mark across fork and exec into
    it, so a worker started by a parent that built the tables would report the parent's.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(engine: str, tables: Path, subset: int | None, repeat: int, out: Path) -> None:
    """Load the tables, time ``engine`` ``repeat`` times, write results and figures."""
    frames = load(tables, subset)
    earliest = frames["invoices"]["issue_date"].min()
    compute: Callable[[], dict[str, Any]]
    if engine == "tradeguard":
        compute = lambda: run_tradeguard(frames)  # noqa: E731
    elif engine == "duckdb":
        import duckdb

        connection = duckdb.connect()
        connection.execute("SET threads = ?", [os.cpu_count() or 1])
        for name, frame in frames.items():
            connection.register(name, frame.to_arrow())
        currencies = frames["invoices"]["currency"].unique().to_list()
        exponents = pl.DataFrame(
            _exponents(sorted({*currencies, "EUR"})), schema=["currency", "exponent"], orient="row"
        )
        connection.register("exponents", exponents.to_arrow())
        del frames
        compute = lambda: run_duckdb(connection, earliest)  # noqa: E731
    else:
        pandas_frames = {name: frame.to_pandas() for name, frame in frames.items()}
        del frames
        apply = engine == "pandas-apply"
        compute = lambda: run_pandas(pandas_frames, earliest, per_buyer_apply=apply)  # noqa: E731
    loaded_rss = _peak_rss_mib()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = compute()
        times.append(time.perf_counter() - started)
    out.mkdir(parents=True, exist_ok=True)
    result["ageing"].write_parquet(out / "ageing.parquet")
    result["behaviour"].write_parquet(out / "behaviour.parquet")
    (out / "figures.json").write_text(
        json.dumps(
            {
                "kpis": result["kpis"],
                "times": times,
                "loaded_rss_mib": loaded_rss,
                "peak_rss_mib": _peak_rss_mib(),
            }
        )
    )


def _run_worker(
    engine: str, tables: Path, subset: int | None, repeat: int, out: Path
) -> dict[str, Any]:
    command = [sys.executable, __file__, "--worker", engine, "--tables", str(tables)]
    command += ["--repeat", str(repeat), "--out", str(out)]
    if subset is not None:
        command += ["--subset", str(subset)]
    subprocess.run(command, check=True)
    figures: dict[str, Any] = json.loads((out / "figures.json").read_text())
    figures["ageing"] = pl.read_parquet(out / "ageing.parquet")
    figures["behaviour"] = pl.read_parquet(out / "behaviour.parquet")
    figures["best_s"] = min(figures["times"])
    print(
        f"{engine:>10} {'subset' if subset else 'full':>6}: best {figures['best_s']:.2f} s "
        f"(runs {', '.join(f'{t:.2f}' for t in figures['times'])}), peak RSS "
        f"{figures['peak_rss_mib']:.0f} MiB (data loaded: {figures['loaded_rss_mib']:.0f} MiB)",
        file=sys.stderr,
    )
    return figures


def _close(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return bool(abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b)))


def agree(ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    """Where two engines' results differ (empty when they agree)."""
    problems = []
    left = ours["ageing"].select("bucket", "count", "amount").cast(pl.Int64)
    right = theirs["ageing"].select("bucket", "count", "amount").cast(pl.Int64)
    if not left.equals(right):
        problems.append(f"ageing differs:\n{left}\n{right}")
    problems += [
        f"{name}: {ours['kpis'][name]} vs {theirs['kpis'][name]}"
        for name in KPI_NAMES
        if not _close(ours["kpis"][name], theirs["kpis"][name])
    ]
    a, b = ours["behaviour"], theirs["behaviour"]
    if a["buyer_id"].to_list() != b["buyer_id"].to_list():
        problems.append("behaviour: different buyers")
        return problems
    for column in a.columns[1:]:
        bad = sum(
            not _close(x, y) for x, y in zip(a[column].to_list(), b[column].to_list(), strict=True)
        )
        if bad:
            problems.append(f"behaviour.{column}: {bad} of {a.height} buyers differ")
    return problems


def end_to_end(db: Path) -> dict[str, float]:
    """``tradeguard report ageing`` on a SQLite file: wall time, and load vs compute."""
    from sqlalchemy import select

    from tradeguard.identity.models import Organisation
    from tradeguard.kit.db import get_engine, unit_of_work
    from tradeguard.ledger.models import Invoice
    from tradeguard.ledger.repository import load_snapshot
    from tradeguard.receivables.service import ageing_of

    url = f"sqlite:///{db}"
    command = [sys.executable, "-m", "tradeguard", "--db", url, "report", "ageing"]
    command += ["--as-of", AS_OF.isoformat(), "--format", "json"]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    wall = time.perf_counter() - started
    with unit_of_work(get_engine(url)) as session:
        org = session.scalars(select(Organisation)).one()
        count = session.query(Invoice).filter(Invoice.org_id == org.id).count()
        started = time.perf_counter()
        snapshot = load_snapshot(session.connection(), org.id, org.base_currency)
        loaded = time.perf_counter()
        ageing_of(snapshot, AS_OF)
        computed = time.perf_counter()
    return {
        "invoices": count,
        "wall_s": wall,
        "load_s": loaded - started,
        "compute_s": computed - loaded,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--buyers", type=int, default=100_000)
    parser.add_argument("--years", type=float, default=3.0)
    parser.add_argument("--work", type=Path, default=Path("/tmp/tg-bench"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pandas-buyers", type=int, default=10_000)
    parser.add_argument("--e2e-db", type=Path)
    parser.add_argument("--skip-analytics", action="store_true")
    parser.add_argument("--worker", choices=["tradeguard", "duckdb", "pandas", "pandas-apply"])
    parser.add_argument("--tables", type=Path)
    parser.add_argument("--subset", type=int)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.tables, args.subset, args.repeat, args.out)
        return
    if not args.skip_analytics:
        tables = prepare(args.buyers, args.years, args.work)
        invoices = pl.scan_parquet(tables / "invoices.parquet").select(pl.len()).collect().item()
        full = {
            engine: _run_worker(engine, tables, None, args.repeat, args.work / f"out-{engine}")
            for engine in ("tradeguard", "duckdb")
        }
        subset = {
            engine: _run_worker(
                engine, tables, args.pandas_buyers, args.repeat, args.work / f"sub-{engine}"
            )
            for engine in ("tradeguard", "pandas", "pandas-apply")
        }
        sub_invoices = (
            pl.scan_parquet(tables / "invoices.parquet")
            .join(
                pl.scan_parquet(tables / "buyers.parquet")
                .sort("buyer_id")
                .head(args.pandas_buyers)
                .select("buyer_id"),
                on="buyer_id",
                how="semi",
            )
            .select(pl.len())
            .collect()
            .item()
        )
        for name, (ours, theirs) in {
            "duckdb (full)": (full["tradeguard"], full["duckdb"]),
            "pandas (subset)": (subset["tradeguard"], subset["pandas"]),
            "pandas-apply (subset)": (subset["tradeguard"], subset["pandas-apply"]),
        }.items():
            problems = agree(ours, theirs)
            print(f"results vs {name}: {problems if problems else 'agree'}", file=sys.stderr)
        ours, duck = full["tradeguard"]["best_s"], full["duckdb"]["best_s"]
        scale = invoices / sub_invoices
        print(
            f"invoices {invoices:,} (pandas subset {sub_invoices:,}, scale x{scale:.1f}); "
            f"TradeGuard / DuckDB = {ours / duck:.2f}",
            file=sys.stderr,
        )
        for engine in ("pandas", "pandas-apply"):
            theirs = subset[engine]["best_s"]
            print(
                f"{engine} / TradeGuard: scaled {theirs * scale / ours:.1f}, "
                f"same subset {theirs / subset['tradeguard']['best_s']:.1f}",
                file=sys.stderr,
            )
    if args.e2e_db:
        result = end_to_end(args.e2e_db)
        print(
            f"end to end on {result['invoices']:,} invoices: `tradeguard report ageing` "
            f"{result['wall_s']:.2f} s wall; in-process load {result['load_s']:.2f} s, "
            f"compute {result['compute_s']:.2f} s",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
