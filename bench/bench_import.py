"""Import benchmark: invoices from CSV into SQLite and PostgreSQL, against plain baselines.

    python bench/bench_import.py                      # 1,000,000 invoices, both backends
    python bench/bench_import.py --rows 100000 --repeat 1 --backends sqlite   # quick look
    python bench/bench_import.py --record             # ... and update BENCHMARKS.md
    python bench/bench_import.py --profile            # + cProfile of one TradeGuard import

What is compared, in the same run on the same files, per backend:

- **baseline, SQLite**: ``csv.reader`` over the file, amounts turned into integer minor
  units by string splitting, the organisation id added, and one
  ``cursor.executemany("INSERT INTO invoices ...")`` in ONE transaction on a raw
  ``sqlite3`` connection with the product's pragmas (foreign keys on, WAL,
  ``synchronous=NORMAL``).
- **baselines, PostgreSQL** (the faster one is the reference): ``COPY invoices FROM
  STDIN`` fed with a CSV payload that Polars builds from the file (org id added, minor
  units computed), and ``COPY`` of the file as it is into a ``TEMP`` staging table of
  text columns followed by one ``INSERT ... SELECT`` that casts; psycopg 3, one
  transaction each.
- **TradeGuard**: ``import_file(session, org, "invoices", path, "bench")`` inside
  ``unit_of_work``, timed as a whole (read, validate, compare with the ledger, write,
  audit, allocation, commit), then the same file imported again into the same database
  (the idempotent no-op path), timed separately.

Every measurement runs in a fresh process (its peak RSS, ``VmHWM``, is its own) on
a fresh database with the same migrated schema (indexes and foreign keys included) and
the buyers already loaded: SQLite, a copy of a template file made with the product's
``migrate`` and buyer import; PostgreSQL, a new schema selected with
``?options=-csearch_path=<schema>``, migrated and loaded the same way, dropped after.
Each result is checked against the generated data (row count, sum of minor units,
distinct buyers, first issue date, last due date). Best of ``--repeat`` is reported
with the ratio TradeGuard / fastest baseline of the same backend.

The data (seeded NumPy, written by Polars) go to a temporary folder (``--work``), never
into the repository; only ``--record`` writes, to BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "BENCHMARKS.md"
TARGET_RATIO = 2.0
ORG_NAME = "Bench Import Ltd"
ACTOR = "bench"
BASE_CURRENCY = "EUR"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

INVOICE_HEADER = ["invoice_id", "buyer_id", "issue_date", "due_date", "amount", "currency"]
INSERT_COLUMNS = "org_id, invoice_id, buyer_id, issue_date, due_date, amount, currency"
# (currency, share of buyers): most in euros, a few in yen (no minor unit).
CURRENCIES = (("EUR", 0.70), ("USD", 0.15), ("GBP", 0.10), ("CHF", 0.03), ("JPY", 0.02))
YEN_PER_EURO = 160
COUNTRIES = ("DE", "FR", "NL", "BE", "IT", "ES", "GB", "US", "CH", "JP", "PL", "SE")
INDUSTRIES = ("manufacturing", "retail", "wholesale", "construction", "logistics", "services")
TERMS = (14, 30, 45, 60, 90)
FIRST_DAY = dt.date(2022, 7, 1)
SPAN_DAYS = 3 * 365

SECTION_RE = re.compile(r"^## Import: [\d,]+ invoices from CSV[^\n]*\n", re.MULTILINE)
PRESERVED = "### Profile"  # a hand-written subsection that --record keeps
INTRO = """# Benchmarks

Each benchmark under `bench/` (how to run them: `bench/README.md`) times TradeGuard
against a plain reference implementation of the same job, on the same data, in the same
run, and reports the **ratio** (TradeGuard / reference) next to the times: the machine
changes the seconds, much less the ratios. Machine for the results below: 2 cores
(Intel Xeon), 24 GiB RAM, shared with other work; times vary by about ±20% between runs.

- **Analytics** (`bench/bench_analytics.py`): ageing, KPIs and payment behaviour from
  the in-memory ledger, against hand-written DuckDB SQL and pandas.
- **Import** (`bench/bench_import.py`): importing 1,000,000 invoices from CSV into
  SQLite and into PostgreSQL, against `executemany` in one transaction (SQLite) and
  `COPY` (PostgreSQL).
- **Credit scoring** (`bench/bench_credit.py`): scoring 1,000,000 buyers, vectorised,
  against a per-buyer Python loop.
- **API** (`bench/bench_api.py`): requests per second of the buyer endpoint against the
  trivial health check, served by the same process.
"""

VARIANTS: dict[str, tuple[str, ...]] = {
    "sqlite": ("baseline-executemany", "tradeguard"),
    "postgresql": ("baseline-copy-polars", "baseline-copy-staging", "tradeguard"),
}
LABELS = {
    "baseline-executemany": "baseline: `csv.reader` + `executemany`, one transaction",
    "baseline-copy-polars": "baseline: `COPY` of a Polars-built CSV payload",
    "baseline-copy-staging": "baseline: `COPY` file to TEMP table + `INSERT ... SELECT`",
    "tradeguard": "TradeGuard `import_file` (first import)",
    "tradeguard-reimport": "TradeGuard re-import of the same file (no-op)",
}


# ------------------------------------------------------------------------------ data


@dataclass(frozen=True)
class Dataset:
    buyers_csv: Path
    invoices_csv: Path
    rows: int
    buyers: int
    exponents: dict[str, int]
    expected: list[str]  # the fingerprint every loaded table must show
    megabytes: float


def generate(folder: Path, rows: int, buyers: int, seed: int) -> Dataset:
    """Write ``buyers.csv`` and ``invoices.csv`` (the import format), vectorised and seeded."""
    import numpy as np
    import polars as pl

    from tradeguard.domain.money import minor_exponent

    rng = np.random.default_rng(seed)
    codes = np.array([c for c, _ in CURRENCIES])
    exponents = {str(c): minor_exponent(str(c)) for c in codes}
    buyer_currency = rng.choice(len(codes), size=buyers, p=[w for _, w in CURRENCIES])
    buyer_terms = rng.choice(np.array(TERMS), size=buyers)
    numbers = pl.Series("n", np.arange(1, buyers + 1)).cast(pl.String).str.zfill(6)
    buyer_frame = pl.DataFrame(
        {
            "buyer_id": "B" + numbers,
            "name": "Buyer " + numbers,
            "country": np.array(COUNTRIES)[rng.integers(0, len(COUNTRIES), buyers)],
            "industry": np.array(INDUSTRIES)[rng.integers(0, len(INDUSTRIES), buyers)],
            "currency": codes[buyer_currency],
            "terms_days": buyer_terms,
        }
    )
    buyers_csv = folder / "buyers.csv"
    buyer_frame.write_csv(buyers_csv)

    # A few big customers and a long tail; invoices in issue-date order, as ERPs export.
    weights = 1.0 / (np.arange(buyers) + 20.0) ** 0.8
    buyer = rng.permutation(buyers)[rng.choice(buyers, size=rows, p=weights / weights.sum())]
    issue = np.sort(rng.integers(0, SPAN_DAYS, rows))
    euros = rng.lognormal(np.log(2500.0), 1.1, rows)
    euro_cents = np.maximum(np.round(euros * 100), 100).astype(np.int64)
    currency = buyer_currency[buyer]
    is_yen = codes[currency] == "JPY"
    minor = np.where(is_yen, np.maximum(euro_cents * YEN_PER_EURO // 100, 1), euro_cents)
    epoch = (FIRST_DAY - dt.date(1970, 1, 1)).days
    raw = pl.DataFrame(
        {
            "n": np.arange(1, rows + 1),
            "buyer": buyer,
            "issue": issue + epoch,
            "due": issue + epoch + buyer_terms[buyer],
            "minor": minor,
            "exponent": np.array([exponents[str(c)] for c in codes])[currency],
            "currency": codes[currency],
        }
    )
    invoices = raw.select(
        invoice_id=pl.concat_str(pl.lit("INV-"), pl.col("n").cast(pl.String).str.zfill(8)),
        buyer_id=pl.concat_str(pl.lit("B"), (pl.col("buyer") + 1).cast(pl.String).str.zfill(6)),
        issue_date=pl.col("issue").cast(pl.Int32).cast(pl.Date),
        due_date=pl.col("due").cast(pl.Int32).cast(pl.Date),
        amount=pl.when(pl.col("exponent") == 0)
        .then(pl.col("minor").cast(pl.String))
        .otherwise(
            pl.format(
                "{}.{}",
                pl.col("minor") // 100,
                (pl.col("minor") % 100).cast(pl.String).str.zfill(2),
            )
        ),
        currency=pl.col("currency"),
    )
    assert invoices.columns == INVOICE_HEADER
    invoices_csv = folder / "invoices.csv"
    invoices.write_csv(invoices_csv)
    expected = [
        str(rows),
        str(int(minor.sum())),
        str(invoices["buyer_id"].n_unique()),
        str(invoices["issue_date"].min()),
        str(invoices["due_date"].max()),
    ]
    return Dataset(
        buyers_csv,
        invoices_csv,
        rows,
        buyers,
        exponents,
        expected,
        invoices_csv.stat().st_size / 2**20,
    )


# ----------------------------------------------------------------- databases (parent)

FINGERPRINT_SQL = (
    "SELECT count(*), sum(amount), count(DISTINCT buyer_id), min(issue_date), max(due_date)"
    " FROM invoices"
)


def _org_and_buyers(url: str, buyers_csv: Path) -> int:
    """Migrate the schema, create the organisation and import the buyers; return its id."""
    from tradeguard.identity.organisations import create_or_get
    from tradeguard.imports.service import import_file
    from tradeguard.kit.db import get_engine, migrate, unit_of_work

    engine = get_engine(url)
    migrate(engine)
    with unit_of_work(engine) as session:
        org, _ = create_or_get(session, ORG_NAME, BASE_CURRENCY, ACTOR)
        import_file(session, org, "buyers", buyers_csv, ACTOR)
        org_id = org.id
    engine.dispose()
    return org_id


class SqliteTargets:
    """Fresh SQLite files: copies of one migrated template holding the buyers."""

    def __init__(self, work: Path, buyers_csv: Path) -> None:
        self.work = work
        self.template = work / "template.db"
        self.org_id = _org_and_buyers(f"sqlite:///{self.template}", buyers_csv)
        for suffix in ("-wal", "-shm"):  # the engine's last close checkpoints the WAL
            Path(f"{self.template}{suffix}").unlink(missing_ok=True)
        self.count = 0

    def fresh(self) -> tuple[str, str]:
        self.count += 1
        path = self.work / f"run-{self.count}.db"
        shutil.copyfile(self.template, path)
        return str(path), f"sqlite:///{path}"

    def fingerprint(self, target: str) -> list[str]:
        with sqlite3.connect(target) as connection:
            row = connection.execute(FINGERPRINT_SQL).fetchone()
        connection.close()
        return [str(v) for v in row]

    def drop(self, target: str) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)


def _libpq(url: str) -> str:
    """The psycopg connection string of a SQLAlchemy URL."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _with_search_path(url: str, schema: str) -> str:
    from sqlalchemy.engine import make_url

    parsed = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    return parsed.render_as_string(hide_password=False)


class PostgresTargets:
    """Fresh PostgreSQL schemas, migrated and loaded with the buyers, dropped after use."""

    def __init__(self, url: str, buyers_csv: Path) -> None:
        self.url = url
        self.buyers_csv = buyers_csv
        self.count = 0
        self.org_id = 0
        self.prefix = f"bench_import_{os.getpid()}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(_libpq(self.url), autocommit=True) as connection:
            connection.execute(sql)

    def fresh(self) -> tuple[str, str]:
        self.count += 1
        schema = f"{self.prefix}_{self.count}"
        self._admin(f'CREATE SCHEMA "{schema}"')
        url = _with_search_path(self.url, schema)
        self.org_id = _org_and_buyers(url, self.buyers_csv)
        return schema, url

    def fingerprint(self, target: str) -> list[str]:
        import psycopg

        with psycopg.connect(_libpq(_with_search_path(self.url, target))) as connection:
            row = connection.execute(FINGERPRINT_SQL).fetchone()
        assert row is not None
        return [str(v) for v in row]

    def drop(self, target: str) -> None:
        self._admin(f'DROP SCHEMA IF EXISTS "{target}" CASCADE')

    def server_version(self) -> str:
        import psycopg

        with psycopg.connect(_libpq(self.url)) as connection:
            row = connection.execute("SHOW server_version").fetchone()
        return str(row[0]).split()[0] if row else "?"


# --------------------------------------------------------------- measurements (worker)


def _rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_rss_mib() -> float:
    """This process's peak RSS (``VmHWM``). Not ``ru_maxrss``: Linux carries that over
    ``fork`` + ``exec``, so a worker would report the parent's size."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _minor_units(exponents: dict[str, int]) -> Any:
    """Plain Python decimal text -> integer minor units, exact for well-formed amounts."""

    def convert(text: str, currency: str) -> int:
        exponent = exponents[currency]
        whole, _, fraction = text.partition(".")
        if len(fraction) == exponent:  # the usual case: "1234.50" in EUR, "1234" in JPY
            return int(whole + fraction)
        if len(fraction) > exponent:
            raise ValueError(f"{text} has too many decimals for {currency}")
        return int(whole + fraction.ljust(exponent, "0"))

    return convert


def baseline_sqlite(spec: dict[str, Any]) -> dict[str, float]:
    path, org_id = spec["target"], spec["org_id"]
    convert = _minor_units(spec["exponents"])
    connection = sqlite3.connect(path, isolation_level=None, timeout=30)
    for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL"):
        connection.execute(f"PRAGMA {pragma}")
    cursor = connection.cursor()
    started = time.perf_counter()
    with open(spec["csv"], newline="", encoding="utf-8") as file:
        reader = csv.reader(file)
        if next(reader) != INVOICE_HEADER:
            raise SystemExit("unexpected CSV header")
        rows = ((org_id, r[0], r[1], r[2], r[3], convert(r[4], r[5]), r[5]) for r in reader)
        cursor.execute("BEGIN")
        cursor.executemany(
            f"INSERT INTO invoices ({INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", rows
        )
        cursor.execute("COMMIT")
    seconds = time.perf_counter() - started
    connection.close()
    return {"seconds": seconds}


def _pg_connect(url: str) -> Any:
    import psycopg

    return psycopg.connect(_libpq(url))


def baseline_copy_polars(spec: dict[str, Any]) -> dict[str, float]:
    """Polars reads the file, adds the org id and minor units, writes the COPY payload."""
    import polars as pl

    exponents: dict[str, int] = spec["exponents"]
    connection = _pg_connect(spec["url"])
    started = time.perf_counter()
    frame = pl.read_csv(spec["csv"], infer_schema=False)
    parts = pl.col("amount").str.split_exact(".", 1)
    exponent = pl.col("currency").replace_strict(exponents, return_dtype=pl.Int64)
    fraction = pl.concat_str(parts.struct.field("field_1").fill_null(""), pl.lit("000000"))
    minor = parts.struct.field("field_0").cast(pl.Int64) * pl.lit(10, pl.Int64).pow(
        exponent
    ) + fraction.str.slice(0, exponent).cast(pl.Int64, strict=False).fill_null(0)
    payload = frame.select(
        pl.lit(spec["org_id"], pl.Int64).alias("org_id"),
        "invoice_id",
        "buyer_id",
        "issue_date",
        "due_date",
        minor.alias("amount"),
        "currency",
    ).write_csv(include_header=False)
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY invoices ({INSERT_COLUMNS}) FROM STDIN (FORMAT csv)") as copy,
    ):
        copy.write(payload)
    connection.commit()
    seconds = time.perf_counter() - started
    connection.close()
    return {"seconds": seconds}


def baseline_copy_staging(spec: dict[str, Any]) -> dict[str, float]:
    """The file's bytes COPYed as they are into a TEMP table, then one INSERT ... SELECT."""
    exponents: dict[str, int] = spec["exponents"]
    scales = ", ".join(f"('{c}', {10**e})" for c, e in exponents.items())
    connection = _pg_connect(spec["url"])
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE invoices_staging (invoice_id text, buyer_id text,"
            " issue_date text, due_date text, amount text, currency text) ON COMMIT DROP"
        )
        with (
            open(spec["csv"], "rb") as file,
            cursor.copy("COPY invoices_staging FROM STDIN (FORMAT csv, HEADER true)") as copy,
        ):
            while block := file.read(1 << 20):
                copy.write(block)
        cursor.execute(
            f"INSERT INTO invoices ({INSERT_COLUMNS})"
            " SELECT %s, s.invoice_id, s.buyer_id, s.issue_date::date, s.due_date::date,"
            " (s.amount::numeric * e.scale)::bigint, s.currency"
            f" FROM invoices_staging s JOIN (VALUES {scales}) AS e (currency, scale)"
            " ON e.currency = s.currency",
            (spec["org_id"],),
        )
    connection.commit()
    seconds = time.perf_counter() - started
    connection.close()
    return {"seconds": seconds}


def tradeguard(spec: dict[str, Any]) -> dict[str, Any]:
    from tradeguard.identity.models import Organisation
    from tradeguard.imports.service import import_file
    from tradeguard.kit.db import get_engine, unit_of_work

    path, rows = Path(spec["csv"]), spec["rows"]
    engine = get_engine(spec["url"])
    with engine.connect():  # open the pooled connection (and its pragmas) untimed
        pass

    def once() -> tuple[float, Any, dict[str, float]]:
        marks: list[tuple[str, float]] = [("start", time.perf_counter())]

        def progress(message: str) -> None:
            marks.append((message, time.perf_counter()))

        with unit_of_work(engine) as session:
            org = session.get(Organisation, spec["org_id"])
            assert org is not None
            result = import_file(session, org, "invoices", path, ACTOR, progress)
            marks.append(("commit", time.perf_counter()))
        marks.append(("end", time.perf_counter()))
        steps = {name: round(marks[i + 1][1] - at, 3) for i, (name, at) in enumerate(marks[:-1])}
        return marks[-1][1] - marks[0][1], result, steps

    profiler = None
    if spec.get("profile"):
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    seconds, first, steps = once()
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(spec["profile"])
    if (first.inserted, first.updated) != (rows, 0):
        raise SystemExit(f"first import: {first}")
    peak_first = _peak_rss_mib()
    again, second, again_steps = once()
    if (second.inserted, second.updated, second.unchanged) != (0, 0, rows):
        raise SystemExit(f"re-import: {second}")
    engine.dispose()
    return {
        "seconds": seconds,
        "steps": steps,
        "reimport_seconds": again,
        "reimport_steps": again_steps,
        "peak_first_mib": peak_first,
    }


WORKERS = {
    "baseline-executemany": baseline_sqlite,
    "baseline-copy-polars": baseline_copy_polars,
    "baseline-copy-staging": baseline_copy_staging,
    "tradeguard": tradeguard,
}


def worker(spec: dict[str, Any]) -> None:
    start_rss = _rss_mib()
    result = WORKERS[spec["variant"]](spec)
    result = {**result, "start_rss_mib": start_rss, "peak_rss_mib": _peak_rss_mib()}
    print(json.dumps(result))


# ------------------------------------------------------------------------- the run


@dataclass
class Measure:
    backend: str
    variant: str
    seconds: list[float] = field(default_factory=list)
    peak_rss_mib: list[float] = field(default_factory=list)
    start_rss_mib: list[float] = field(default_factory=list)
    steps: list[dict[str, float]] = field(default_factory=list)

    @property
    def best(self) -> float:
        return min(self.seconds)


def run_worker(spec: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(spec)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{spec['variant']} failed:\n{done.stdout}\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure(
    backends: list[str], data: Dataset, work: Path, pg_url: str, repeat: int, profile: bool
) -> tuple[dict[tuple[str, str], Measure], dict[str, str]]:
    targets: dict[str, SqliteTargets | PostgresTargets] = {}
    versions = {"sqlite": sqlite3.sqlite_version}
    for backend in backends:
        if backend == "sqlite":
            targets[backend] = SqliteTargets(work, data.buyers_csv)
        else:
            postgres = PostgresTargets(pg_url, data.buyers_csv)
            versions["postgresql"] = postgres.server_version()
            targets[backend] = postgres
    results: dict[tuple[str, str], Measure] = {}
    for round_ in range(1, repeat + 1):
        for backend in backends:
            for variant in VARIANTS[backend]:
                target, url = targets[backend].fresh()
                spec = {
                    "variant": variant,
                    "target": target,
                    "url": url,
                    "csv": str(data.invoices_csv),
                    "rows": data.rows,
                    "org_id": targets[backend].org_id,
                    "exponents": data.exponents,
                }
                if profile and variant == "tradeguard" and round_ == 1:
                    spec["profile"] = str(work / f"tradeguard-{backend}.prof")
                try:
                    outcome = run_worker(spec)
                    found = targets[backend].fingerprint(target)
                    if found != data.expected:
                        raise SystemExit(
                            f"{backend}/{variant}: table holds {found}, expected {data.expected}"
                        )
                finally:
                    targets[backend].drop(target)
                first = results.setdefault((backend, variant), Measure(backend, variant))
                first.seconds.append(outcome["seconds"])
                first.start_rss_mib.append(outcome["start_rss_mib"])
                first.peak_rss_mib.append(outcome.get("peak_first_mib", outcome["peak_rss_mib"]))
                first.steps.append(outcome.get("steps", {}))
                shown = f"{outcome['seconds']:.2f} s"
                if "reimport_seconds" in outcome:
                    again = results.setdefault(
                        (backend, "tradeguard-reimport"),
                        Measure(backend, "tradeguard-reimport"),
                    )
                    again.seconds.append(outcome["reimport_seconds"])
                    again.start_rss_mib.append(outcome["start_rss_mib"])
                    again.peak_rss_mib.append(outcome["peak_rss_mib"])
                    again.steps.append(outcome["reimport_steps"])
                    shown += f", re-import {outcome['reimport_seconds']:.2f} s"
                print(
                    f"  round {round_}/{repeat} {backend:<10} {variant:<22} {shown}, "
                    f"peak RSS {outcome['peak_rss_mib']:.0f} MiB",
                    file=sys.stderr,
                    flush=True,
                )
    return results, versions


BASELINES = {v for variants in VARIANTS.values() for v in variants if v.startswith("baseline")}


def baseline_of(results: dict[tuple[str, str], Measure], backend: str) -> Measure:
    return min(
        (m for (b, v), m in results.items() if b == backend and v.startswith("baseline")),
        key=lambda m: m.best,
    )


def table(results: dict[tuple[str, str], Measure], rows: int, repeat: int) -> str:
    lines = [
        f"| backend | approach | best of {repeat} | rows/s | × fastest baseline | peak RSS |",
        "|---|---|---|---|---|---|",
    ]
    every = [*VARIANTS["sqlite"], *VARIANTS["postgresql"]]
    order = [v for v in dict.fromkeys(every) if v.startswith("baseline")]
    order += ["tradeguard", "tradeguard-reimport"]
    for backend in ("sqlite", "postgresql"):
        measures = [results[(backend, v)] for v in order if (backend, v) in results]
        if not measures:
            continue
        reference = baseline_of(results, backend)
        for m in sorted(measures, key=lambda m: order.index(m.variant)):
            ratio = m.best / reference.best
            bold = m.variant.startswith("tradeguard")
            ratio_text = f"**{ratio:.2f}**" if bold else f"{ratio:.2f}"
            lines.append(
                f"| {backend} | {LABELS[m.variant]} | {m.best:.2f} s | {rows / m.best:,.0f} | "
                f"{ratio_text} | {max(m.peak_rss_mib):,.0f} MiB |"
            )
    return "\n".join(lines)


STEPS = {
    "start": "organisation lookup",
    "reading": "read the CSV",
    "validating": "validate, check buyers",
    "comparing with the ledger": "read the stored rows, diff",
    "writing": "insert, audit",
    "allocating payments": "allocation (money items first: none, so no invoices read)",
    "updating statistics": "statistics: `PRAGMA optimize`, `ANALYZE` (PostgreSQL)",
    "commit": "commit",
}


def breakdown(results: dict[tuple[str, str], Measure]) -> str:
    """Seconds per step of TradeGuard's best runs (``import_file``'s progress messages)."""
    columns = [
        (backend, variant)
        for backend in ("sqlite", "postgresql")
        for variant in ("tradeguard", "tradeguard-reimport")
        if (backend, variant) in results
    ]
    if not columns:
        return ""
    best = {c: results[c].steps[results[c].seconds.index(results[c].best)] for c in columns}
    heads = [f"{b} {'re-import' if v.endswith('reimport') else 'import'}" for b, v in columns]
    lines = [f"| step | {' | '.join(heads)} |", "|---|" + "---|" * len(columns)]
    for step, label in STEPS.items():
        cells = [best[c].get(step) for c in columns]
        if any(cell is not None for cell in cells):
            shown = [f"{cell:.2f} s" if cell is not None else "–" for cell in cells]
            lines.append(f"| {label} | {' | '.join(shown)} |")
    totals = [f"**{results[c].best:.2f} s**" for c in columns]
    lines.append(f"| total | {' | '.join(totals)} |")
    return "\n".join(lines)


def verdicts(results: dict[tuple[str, str], Measure]) -> list[str]:
    out = []
    for backend in ("sqlite", "postgresql"):
        if (backend, "tradeguard") not in results:
            continue
        reference = baseline_of(results, backend)
        ratio = results[(backend, "tradeguard")].best / reference.best
        again = results[(backend, "tradeguard-reimport")].best / reference.best
        state = "meets" if ratio <= TARGET_RATIO else "MISSES"
        baselines = [m for (b, v), m in results.items() if b == backend and v in BASELINES]
        rounds = sorted(
            t / min(m.seconds[i] for m in baselines)
            for i, t in enumerate(results[(backend, "tradeguard")].seconds)
        )
        spread = ", ".join(f"{r:.2f}" for r in rounds)
        out.append(
            f"{backend}: TradeGuard / {reference.variant} = **{ratio:.2f}** best to best "
            f"({state} the ≤ {TARGET_RATIO:.1f} target; round by round: {spread}); "
            f"re-import / baseline = {again:.2f}"
        )
    return out


# ---------------------------------------------------------------------------- report


def _profile_summary(path: Path, limit: int = 25) -> str:
    import io
    import pstats

    buffer = io.StringIO()
    stats = pstats.Stats(str(path), stream=buffer)
    stats.sort_stats("cumulative").print_stats(r"tradeguard|sqlalchemy|psycopg|polars", limit)
    return buffer.getvalue()


_WRAP: dict[str, Any] = {"break_on_hyphens": False, "break_long_words": False}


def _reflow(markdown: str, width: int = 88) -> str:
    """Re-wrap paragraphs and bullets to ``width``; headings and tables stay as they are."""
    blocks = []
    for block in markdown.strip("\n").split("\n\n"):
        if block.startswith(("#", "|")):
            blocks.append(block)
        elif block.startswith("- "):
            items = [" ".join(item.split()) for item in block[2:].split("\n- ")]
            blocks.append(
                "\n".join(
                    textwrap.fill(item, width, initial_indent="- ", subsequent_indent="  ", **_WRAP)
                    for item in items
                )
            )
        else:
            blocks.append(textwrap.fill(" ".join(block.split()), width, **_WRAP))
    return "\n\n".join(blocks) + "\n"


def section(
    data: Dataset,
    results: dict[tuple[str, str], Measure],
    versions: dict[str, str],
    repeat: int,
    seed: int,
) -> str:
    import polars as pl
    import psycopg
    import sqlalchemy

    pg = f", PostgreSQL {versions['postgresql']}" if "postgresql" in versions else ""
    cpu = "?"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    runs = "Every run, in order (s): " + "; ".join(
        f"{b}/{v}: " + ", ".join(f"{s:.2f}" for s in m.seconds)
        for (b, v), m in sorted(results.items())
    )
    bullets = "\n".join(f"- {line}" for line in verdicts(results))
    return _reflow(f"""## Import: {data.rows:,} invoices from CSV

`import_file(session, org, "invoices", path, actor)` in one `unit_of_work`, timed as a
whole (read, validate, compare with the ledger, write, audit, allocation, commit),
against the fastest plain way to load the same file into the same migrated table
(primary key, `(org_id, buyer_id)` index and foreign key to `buyers` in place, the
{data.buyers:,} buyers already loaded). Script: `bench/bench_import.py` (`python
bench/bench_import.py --rows {data.rows} --buyers {data.buyers} --record`), recorded
{dt.date.today().isoformat()}.

Data: {data.rows:,} invoices ({data.megabytes:.0f} MB of CSV, seed {seed}) of
{data.buyers:,} buyers (a few big ones, a long tail), 3 years of issue dates in order,
amounts in EUR, USD, GBP, CHF and JPY. Every measurement runs in its own process on a
fresh database (SQLite: a copy of a migrated template file; PostgreSQL: a new schema,
migrated, dropped after), and the loaded table is checked against the generated data.
Best of {repeat}; the ratio is against the fastest baseline of the same backend in the
same run; peak RSS is the measuring process's `VmHWM` (Python and its imports included).

- SQLite baseline: `csv.reader`, amounts to minor units by string splitting, one
  `executemany` in one transaction on a raw `sqlite3` connection with the product's
  pragmas (`foreign_keys=ON`, `journal_mode=WAL`, `synchronous=NORMAL`).
- PostgreSQL baselines (psycopg 3, one transaction): `COPY invoices FROM STDIN` of a
  CSV payload that Polars builds from the file (org id and minor units added), and
  `COPY` of the file as it is into a `TEMP` table of text columns followed by one
  `INSERT ... SELECT` that casts; the faster of the two is the reference.
- Re-import: the same file a second time into the loaded database: nothing changes.

{table(results, data.rows, repeat)}

{bullets}

Where TradeGuard's time goes (its best runs, split by `import_file`'s progress steps):

{breakdown(results)}

Machine: {os.cpu_count()} cores ({cpu}), {memory:.0f} GiB RAM, shared with other work;
Python {platform.python_version()}, SQLite {versions["sqlite"]}{pg}, Polars
{pl.__version__}, SQLAlchemy {sqlalchemy.__version__}, psycopg {psycopg.__version__}.
{runs}
""")


def record(text: str) -> None:
    """Replace (or append) the import section of BENCHMARKS.md, keeping the rest."""
    current = BENCHMARKS.read_text() if BENCHMARKS.exists() else INTRO
    if "bench/README.md" not in current:  # an older file without the shared introduction
        current = INTRO + "\n" + re.sub(r"\A# Benchmarks\n+", "", current)
    match = SECTION_RE.search(current)
    if match is None:
        updated = current.rstrip("\n") + "\n\n" + text
    else:
        following = re.search(r"^## ", current[match.end() :], re.MULTILINE)
        end = match.end() + following.start() if following else len(current)
        old = current[match.start() : end]
        kept = old[old.index(PRESERVED) :].rstrip("\n") + "\n" if PRESERVED in old else ""
        tail = current[end:]
        body = text + ("\n" + kept if kept else "")
        updated = current[: match.start()] + body + ("\n" + tail if tail else "")
    BENCHMARKS.write_text(updated.rstrip("\n") + "\n")


# ------------------------------------------------------------------------------ main


@dataclass(frozen=True)
class Options:
    rows: int
    buyers: int
    backends: list[str]
    pg_url: str
    repeat: int
    seed: int
    work: Path | None
    record: bool
    profile: bool


def parse() -> Options | dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--buyers", type=int, default=20_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=os.environ.get("TRADEGUARD_BENCH_PG", DEFAULT_PG_URL))
    parser.add_argument(
        "--repeat", type=int, default=None, help="best of N (default 3 up to 1M rows, else 1)"
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work", type=Path, default=None, help="data folder (default: a temp)")
    parser.add_argument("--record", action="store_true", help="update BENCHMARKS.md")
    parser.add_argument("--profile", action="store_true", help="cProfile one TradeGuard import")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        spec: dict[str, Any] = json.loads(args.worker)
        return spec
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(sorted(unknown))}")
    repeat = args.repeat or (3 if args.rows <= 1_000_000 else 1)
    return Options(
        args.rows,
        args.buyers,
        backends,
        args.pg_url,
        repeat,
        args.seed,
        args.work,
        args.record,
        args.profile,
    )


@contextmanager
def workspace(work: Path | None) -> Iterator[Path]:
    """``--work``, kept; else a temporary folder, removed at the end."""
    if work is not None:
        work.mkdir(parents=True, exist_ok=True)
        yield work
        return
    folder = Path(tempfile.mkdtemp(prefix="tg-bench-import-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    options = parse()
    if isinstance(options, dict):
        worker(options)
        return
    with workspace(options.work) as folder:
        started = time.perf_counter()
        data = generate(folder, options.rows, options.buyers, options.seed)
        print(
            f"data: {data.rows:,} invoices ({data.megabytes:.0f} MB), {data.buyers:,} buyers "
            f"in {folder} ({time.perf_counter() - started:.1f} s)",
            file=sys.stderr,
        )
        results, versions = measure(
            options.backends, data, folder, options.pg_url, options.repeat, options.profile
        )
        print()
        print(table(results, data.rows, options.repeat))
        print()
        print(breakdown(results))
        print()
        for line in verdicts(results):
            print(line)
        if options.profile:
            for backend in options.backends:
                path = folder / f"tradeguard-{backend}.prof"
                print(f"\n### cProfile, TradeGuard first import, {backend}\n")
                print(_profile_summary(path))
        if options.record:
            record(section(data, results, versions, options.repeat, options.seed))
            print(f"\nrecorded in {BENCHMARKS.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
