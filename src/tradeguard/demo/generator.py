"""A deterministic, realistic ledger of a B2B exporter (base currency EUR) as import files.

Why it looks real: buyers are heavy-tailed in size (a few key accounts, many small
ones), spread over more than 30 countries and 16 industries, invoiced in their own currency
where exporters usually do so, and they pay according to a hidden risk: most pay on
time or a little late, some drift later and later, a few default or go insolvent and
their unpaid invoices are written off months later. The history ends at ``as_of``:
nothing dated after it is written, so recent invoices are still open. Beside the ledger,
an events file says what a credit bureau and the credit insurer would have reported:
insolvencies, the petitions and downgrades that often come before them, payment-default
notices, and the odd downgrade or management change of a buyer that never fails.

Why it scales: every buyer-level quantity (a few numbers per buyer) is drawn up front;
invoices and everything hanging off them are generated, formatted and appended to the
files one chunk of buyers at a time with NumPy and Polars, so memory stays bounded
whatever the number of buyers. The same ``DemoSpec`` always gives byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from tradeguard.domain.money import minor_exponent

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Progress = Callable[[str, int, int], None]

_CHUNK_BUYERS = 5_000
_FX_LEAD_DAYS = 10
_NEVER = np.iinfo(np.int32).max  # a day after any history
_EPOCH = dt.date(1970, 1, 1)

_GOOD, _DRIFT, _DEFAULT, _INSOLVENT = 0, 1, 2, 3

# code, weight, invoicing currency, habitual lateness in days, legal forms
_COUNTRIES: tuple[tuple[str, float, str, float, tuple[str, ...]], ...] = (
    ("DE", 14.0, "EUR", 0.0, ("GmbH", "AG", "GmbH & Co. KG")),
    ("FR", 9.0, "EUR", 6.0, ("SAS", "SA", "SARL")),
    ("IT", 8.0, "EUR", 14.0, ("S.p.A.", "S.r.l.")),
    ("ES", 6.0, "EUR", 11.0, ("S.A.", "S.L.")),
    ("NL", 6.0, "EUR", 1.0, ("B.V.", "N.V.")),
    ("BE", 4.0, "EUR", 4.0, ("NV", "SRL")),
    ("AT", 4.0, "EUR", 0.0, ("GmbH", "AG")),
    ("PL", 5.0, "PLN", 5.0, ("Sp. z o.o.", "S.A.")),
    ("SE", 3.0, "SEK", -1.0, ("AB",)),
    ("DK", 2.0, "DKK", -1.0, ("A/S", "ApS")),
    ("FI", 2.0, "EUR", -1.0, ("Oy", "Oyj")),
    ("IE", 1.5, "EUR", 3.0, ("Ltd", "DAC")),
    ("PT", 2.0, "EUR", 13.0, ("Lda", "S.A.")),
    ("CZ", 2.0, "EUR", 3.0, ("s.r.o.", "a.s.")),
    ("SK", 1.0, "EUR", 4.0, ("s.r.o.", "a.s.")),
    ("HU", 1.5, "EUR", 6.0, ("Kft.", "Zrt.")),
    ("RO", 1.5, "EUR", 10.0, ("S.R.L.", "S.A.")),
    ("GR", 1.5, "EUR", 16.0, ("A.E.", "E.P.E.")),
    ("US", 7.0, "USD", 3.0, ("Inc.", "LLC", "Corp.")),
    ("GB", 5.0, "GBP", 4.0, ("Ltd", "PLC")),
    ("CN", 3.0, "CNY", 8.0, ("Co., Ltd.",)),
    ("JP", 1.5, "JPY", -2.0, ("K.K.", "Co., Ltd.")),
    ("CH", 3.0, "CHF", -1.0, ("AG", "SA", "GmbH")),
    ("NO", 1.0, "NOK", -1.0, ("AS", "ASA")),
    ("CA", 1.0, "CAD", 2.0, ("Inc.", "Ltd.")),
    ("AU", 0.8, "AUD", 3.0, ("Pty Ltd",)),
    ("TR", 2.0, "EUR", 12.0, ("A.Ş.", "Ltd. Şti.")),
    ("BR", 1.0, "USD", 15.0, ("Ltda.", "S.A.")),
    ("IN", 1.5, "USD", 12.0, ("Pvt. Ltd.", "Ltd.")),
    ("ZA", 0.7, "USD", 10.0, ("(Pty) Ltd",)),
    ("AE", 1.0, "USD", 9.0, ("LLC", "FZE")),
    ("MX", 1.0, "USD", 12.0, ("S.A. de C.V.",)),
    ("KR", 0.7, "USD", 2.0, ("Co., Ltd.",)),
    ("SG", 0.5, "USD", 1.0, ("Pte. Ltd.",)),
)

# name, extra hidden risk (higher is worse)
_INDUSTRIES: tuple[tuple[str, float], ...] = (
    ("Automotive", 0.2),
    ("Chemicals", -0.1),
    ("Construction", 0.5),
    ("Electronics", 0.0),
    ("Food & Beverage", -0.2),
    ("Machinery", 0.0),
    ("Metals", 0.2),
    ("Pharmaceuticals", -0.4),
    ("Plastics", 0.1),
    ("Retail", 0.4),
    ("Textiles", 0.4),
    ("Wholesale", 0.1),
    ("Logistics", 0.2),
    ("Energy", -0.1),
    ("Agriculture", 0.1),
    ("Paper & Packaging", 0.0),
)

# EUR per unit around the time of writing, and yearly volatility
_FX: dict[str, tuple[float, float]] = {
    "USD": (0.92, 0.07),
    "GBP": (1.17, 0.06),
    "CNY": (0.13, 0.05),
    "JPY": (0.0062, 0.09),
    "CHF": (1.04, 0.05),
    "PLN": (0.23, 0.06),
    "SEK": (0.088, 0.07),
    "NOK": (0.086, 0.08),
    "DKK": (0.134, 0.003),
    "CAD": (0.68, 0.07),
    "AUD": (0.61, 0.09),
}

_NAME_HEADS = (
    "Nord", "Alpen", "Rhein", "Baltic", "Atlas", "Vega", "Orion", "Helix", "Terra", "Aqua",
    "Sol", "Lumen", "Vertex", "Nova", "Astra", "Ferro", "Poly", "Tekno", "Agri", "Medi",
    "Kraft", "Stahl", "Blue", "Green", "Silver", "Golden", "Delta", "Sigma", "Omega", "Alpha",
    "Prima", "Euro", "Trans", "Inter", "Pacific", "Iberia", "Adria", "Danube", "Hansa", "Linden",
)  # fmt: skip
_NAME_TAILS = (
    "tec", "tex", "chem", "pack", "metal", "plast", "bau", "food", "trade", "line",
    "works", "logic", "tronic", "mark", "field", "stone", "port", "gate", "wave", "point",
)  # fmt: skip
_NAME_MIDDLES = (
    "", "", "", " Group", " Industries", " International", " Trading", " Solutions",
    " Systems", " Holding", " & Co", " Components",
)  # fmt: skip
_CREDIT_REASONS = (
    "price adjustment",
    "returned goods",
    "damaged goods",
    "quantity difference",
    "volume rebate",
    "invoicing error",
)
_DISPUTE_REASONS = (
    "quality complaint",
    "quantity discrepancy",
    "late delivery",
    "price discrepancy",
    "damaged in transit",
    "missing documents",
)
_DISPUTE_CREDIT_REASON = "dispute settlement"
_TERMS = np.array([30, 45, 60, 90], dtype=np.int64)
_TERMS_WEIGHTS = np.array([0.45, 0.2, 0.25, 0.1])


@dataclass(frozen=True, kw_only=True)
class DemoSpec:
    """What to generate; the same spec always gives the same files."""

    seed: int = 7
    buyers: int = 2000
    years: float = 3.0
    as_of: dt.date
    file_format: Literal["csv", "parquet"] = "csv"

    def __post_init__(self) -> None:
        if self.buyers < 1:
            raise ValueError("buyers must be at least 1")
        if not 0 < self.years <= 50:
            raise ValueError("years must be more than 0 and at most 50")
        if self.file_format not in ("csv", "parquet"):
            raise ValueError(f"unknown file format {self.file_format!r}")


@dataclass(frozen=True)
class DemoFiles:
    """Paths of what was written (None where a kind has no rows) and rows per kind."""

    buyers: Path | None
    financials: Path | None
    fx: Path | None
    invoices: Path | None
    payments: Path | None
    credit_notes: Path | None
    write_offs: Path | None
    disputes: Path | None
    orders: Path | None
    events: Path | None = None
    counts: dict[str, int] = field(default_factory=dict)

    def in_import_order(self) -> list[tuple[str, Path]]:
        """(import kind, path) in the order the importer needs: referenced rows first."""
        ordered = (
            ("buyers", self.buyers),
            ("fx", self.fx),
            ("financials", self.financials),
            ("invoices", self.invoices),
            ("payments", self.payments),
            ("credit-notes", self.credit_notes),
            ("write-offs", self.write_offs),
            ("events", self.events),
        )
        return [(kind, path) for kind, path in ordered if path is not None]


_KINDS = (
    "buyers",
    "financials",
    "fx",
    "invoices",
    "payments",
    "credit_notes",
    "write_offs",
    "disputes",
    "orders",
    "events",
)


def generate(spec: DemoSpec, out_dir: Path, progress: Progress | None = None) -> DemoFiles:
    """Write the demo ledger of ``spec`` into ``out_dir``, one chunk of buyers at a time."""
    out_dir.mkdir(parents=True, exist_ok=True)
    sinks = {
        kind: _Sink(out_dir / f"{kind}.{spec.file_format}", spec.file_format) for kind in _KINDS
    }
    with _Sinks(sinks):
        for frames in _frames(spec, progress):
            for kind, frame in frames.items():
                sinks[kind].write(frame)
    return _Sinks(sinks).files()


def generate_batches(
    spec: DemoSpec, out_dir: Path, progress: Progress | None = None
) -> Iterator[DemoFiles]:
    """The same ledger as ``generate``, as one set of files per chunk of buyers.

    Each batch is written into its own folder under ``out_dir``, yielded, and deleted
    when the caller asks for the next one, so memory and disk stay bounded whatever
    the number of buyers. The first batch also holds the FX rates; every batch is
    self-contained (its payments, credit notes, write-offs, disputes and orders name
    only its own buyers and invoices), so importing the batches in order loads exactly
    the rows of ``generate``'s files.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    for number, frames in enumerate(_frames(spec, progress)):
        folder = out_dir / f"batch-{number:05d}"
        folder.mkdir(exist_ok=True)
        sinks = {
            kind: _Sink(folder / f"{kind}.{spec.file_format}", spec.file_format) for kind in _KINDS
        }
        try:
            with _Sinks(sinks):
                for kind, frame in frames.items():
                    sinks[kind].write(frame)
            del frames
            yield _Sinks(sinks).files()
        finally:
            shutil.rmtree(folder, ignore_errors=True)


BEHAVIOURS = ("good", "drift", "default", "insolvent")  # by _GOOD, _DRIFT, ... order


def hidden_behaviour(spec: DemoSpec) -> pl.DataFrame:
    """The hidden process behind ``spec``'s files, which no file states: per buyer_id its
    behaviour (one of ``BEHAVIOURS``) and, for a buyer that fails, the day it defaults or
    goes insolvent (``event_on``, null otherwise). For measuring how well monitoring
    finds what the ledger only shows (bench/bench_early_warning.py)."""
    plan_seed = np.random.SeedSequence(spec.seed).spawn(1)[0]
    calendar = _Calendar.of(spec)
    book = _plan_buyers(spec, np.random.default_rng(plan_seed), calendar)
    failing = book.event != _NEVER
    return pl.DataFrame(
        {
            "buyer_id": _ids("B", np.arange(1, spec.buyers + 1, dtype=np.int64), book.id_width),
            "behaviour": _take(BEHAVIOURS, book.kind),
            "event_on": pl.Series(np.where(failing, book.event, 0), dtype=pl.Int32)
            .cast(pl.Date)
            .scatter(np.flatnonzero(~failing), None),
        }
    )


def _frames(spec: DemoSpec, progress: Progress | None) -> Iterator[dict[str, pl.DataFrame]]:
    """The rows of every kind, one chunk of buyers at a time (FX rates with the first)."""
    step = progress or (lambda _kind, _done, _total: None)
    seeds = np.random.SeedSequence(spec.seed)
    # The events have a stream of their own, so adding them left every other file as it was.
    plan_seed, fx_seed, chunk_seed, event_seed = seeds.spawn(4)
    calendar = _Calendar.of(spec)
    book = _plan_buyers(spec, np.random.default_rng(plan_seed), calendar)
    fx = _fx_rates(book.currencies, calendar, np.random.default_rng(fx_seed))
    fx_frame: dict[str, pl.DataFrame] = {"fx": _fx_frame(book.currencies, fx, calendar)}
    step("fx", 1, 1)
    counters = _Counters()
    n_chunks = math.ceil(spec.buyers / _CHUNK_BUYERS)
    chunk_seeds = zip(chunk_seed.spawn(n_chunks), event_seed.spawn(n_chunks), strict=True)
    for chunk, (rng_seed, events_seed) in enumerate(chunk_seeds):
        lo, hi = chunk * _CHUNK_BUYERS, min(spec.buyers, (chunk + 1) * _CHUNK_BUYERS)
        # yielded without a local name, so the chunk is freed once the caller drops it
        yield {
            **(fx_frame if chunk == 0 else {}),
            **_chunk(
                book,
                fx,
                calendar,
                (lo, hi),
                (np.random.default_rng(rng_seed), np.random.default_rng(events_seed)),
                counters,
            ),
        }
        step("buyers", hi, spec.buyers)


# ----------------------------------------------------------------------------- calendar


@dataclass(frozen=True)
class _Calendar:
    """Days as integers since 1970-01-01, so date arithmetic is vectorised."""

    first: int  # first day of the history
    last: int  # as_of
    fx_first: int

    @classmethod
    def of(cls, spec: DemoSpec) -> _Calendar:
        last = (spec.as_of - _EPOCH).days
        first = last - max(30, round(spec.years * 365.25)) + 1
        return cls(first, last, first - _FX_LEAD_DAYS)

    @property
    def fx_days(self) -> int:
        return self.last - self.fx_first + 1


def _weekday(day: IntArray) -> IntArray:
    return (day + 3) % 7  # Monday = 0; 1970-01-01 was a Thursday


def _next_business_day(day: IntArray) -> IntArray:
    weekday = _weekday(day)
    return day + np.where(weekday == 5, 2, np.where(weekday == 6, 1, 0))


def _previous_business_day(day: IntArray) -> IntArray:
    weekday = _weekday(day)
    return day - np.where(weekday == 5, 1, np.where(weekday == 6, 2, 0))


# ----------------------------------------------------------------------------- buyers


@dataclass(frozen=True)
class _Book:
    """Everything decided per buyer before any invoice is drawn (a few numbers each)."""

    currencies: list[str]  # index 0 is EUR
    country: IntArray
    industry: IntArray
    currency: IntArray
    terms: IntArray
    risk: FloatArray  # hidden, higher is worse
    kind: IntArray
    start: IntArray
    end: IntArray
    event: IntArray  # default or insolvency day
    write_off: IntArray  # day the unpaid invoices are written off
    dividend: FloatArray  # share of the unpaid an insolvency pays back
    mean_delay: FloatArray
    delay_scale: FloatArray
    drift_start: IntArray
    drift_slope: FloatArray  # extra days late per year since drift_start
    unallocated: FloatArray  # chance a payment names no invoice
    rate: FloatArray  # invoices per year
    mean_amount: FloatArray  # EUR
    first_invoice: IntArray  # global number of each buyer's first invoice, from 0; n + 1 long
    statements: IntArray  # fiscal years of financial statements, 0 for none
    public: BoolArray
    id_width: int
    doc_width: int


def _plan_buyers(spec: DemoSpec, rng: np.random.Generator, calendar: _Calendar) -> _Book:
    n = spec.buyers
    weights = np.array([c[1] for c in _COUNTRIES])
    country = rng.choice(len(_COUNTRIES), size=n, p=weights / weights.sum()).astype(np.int64)
    industry = rng.integers(0, len(_INDUSTRIES), size=n)
    country_currency = [c[2] for c in _COUNTRIES]
    used = sorted({country_currency[i] for i in np.unique(country)} - {"EUR"})
    currencies = ["EUR", *used]
    currency_index = np.array(
        [currencies.index(c) if c in currencies else 0 for c in country_currency]
    )
    currency = currency_index[country]
    lateness = np.array([c[3] for c in _COUNTRIES])[country]
    industry_risk = np.array([i[1] for i in _INDUSTRIES])[industry]
    risk = rng.normal(0.0, 1.0, n) + industry_risk + lateness / 20.0

    # Size: lognormal, driving both how often and how much a buyer buys.
    size = rng.lognormal(0.0, 1.2, n)
    rate = size**0.55 * rng.lognormal(0.0, 0.3, n)
    rate = np.clip(rate * 36.0 / rate.mean(), 1.0, 600.0)
    mean_amount = size**0.45 * rng.lognormal(0.0, 0.4, n)
    mean_amount = np.maximum(mean_amount * 6_000.0 / mean_amount.mean(), 150.0)

    # Relationships: most buyers span the history, some arrive later, a few stop buying.
    first, last = calendar.first, calendar.last
    start = np.full(n, first, dtype=np.int64)
    late_start = rng.random(n) < 0.25
    start[late_start] = rng.integers(first, max(first + 1, last - 60), size=int(late_start.sum()))
    end = np.full(n, last, dtype=np.int64)
    churn = rng.random(n) < 0.06
    churn_end = start + 90 + (rng.random(n) * np.maximum(last - start - 90, 0)).astype(np.int64)
    end = np.where(churn, np.minimum(churn_end, last), end)

    # Key accounts: a few buyers that carry a large share of the sales.
    keys = rng.choice(n, size=min(3, n // 20), replace=False) if n >= 20 else np.zeros(0, np.int64)
    start[keys], end[keys] = first, last

    # Hidden behaviour: hazards rise with risk; key accounts always pay.
    hazard = np.exp(0.9 * risk - 0.4)
    history_years = (last - first + 1) / 365.25
    p_default = 1.0 - np.exp(-0.009 * hazard * history_years)
    p_insolvent = 1.0 - np.exp(-0.004 * hazard * history_years)
    p_drift = np.clip(0.07 * np.exp(0.5 * risk), 0.0, 0.5)
    draw = rng.random(n)
    kind = np.select(
        [
            draw < p_insolvent,
            draw < p_insolvent + p_default,
            draw < p_insolvent + p_default + p_drift,
        ],
        [_INSOLVENT, _DEFAULT, _DRIFT],
        _GOOD,
    ).astype(np.int64)
    kind[keys] = _GOOD
    earliest = start + 120
    failing = (kind >= _DEFAULT) & (earliest < last - 5)
    kind = np.where((kind >= _DEFAULT) & ~failing, _GOOD, kind)
    event_draw = earliest + (rng.random(n) * np.maximum(last - 5 - earliest, 1)).astype(np.int64)
    event = np.where(failing, event_draw, _NEVER)
    stop_lag = rng.integers(0, 46, size=n)
    end = np.where(failing, np.minimum(np.minimum(end, event + stop_lag), last), end)
    end = np.maximum(end, start)
    writes_off = failing & ((kind == _INSOLVENT) | (rng.random(n) < 0.8))
    write_off_day = _next_business_day(event + rng.integers(180, 366, size=n))
    write_off = np.where(writes_off, write_off_day, _NEVER)
    dividend = np.where(kind == _INSOLVENT, rng.uniform(0.03, 0.25, n), 0.0)

    # Payment habits.
    habit = rng.random(n)
    mean_delay = np.where(
        habit < 0.6,
        rng.normal(-1.0, 3.0, n),
        np.where(habit < 0.9, rng.normal(8.0, 5.0, n), rng.normal(20.0, 8.0, n)),
    )
    mean_delay = np.clip(mean_delay + lateness + 2.0 * risk, -15.0, 45.0)
    delay_scale = rng.uniform(2.0, 8.0, n)
    drift_start = first + (rng.random(n) * (last - first) * 0.7).astype(np.int64)
    drift_slope = np.where(kind == _DRIFT, rng.uniform(15.0, 90.0, n), 0.0)
    unallocated = np.where(rng.random(n) < 0.3, 0.25, 0.03)

    terms = rng.choice(_TERMS, size=n, p=_TERMS_WEIGHTS)
    terms = np.where((lateness > 8) & (terms == 30), 60, terms)

    # Invoice counts over each buyer's active days; key accounts sized to their share.
    active_years = (end - start + 1) / 365.25
    if len(keys):
        shares = np.array([0.09, 0.045, 0.03])[: len(keys)] * rng.uniform(0.85, 1.15, len(keys))
        # Roughly two or three invoices a business day, more in a larger portfolio.
        busy = float(np.clip(math.sqrt(n / 2000.0), 0.15, 4.0))
        rate[keys] = rng.uniform(450.0, 700.0, len(keys)) * busy
        others = np.ones(n, dtype=bool)
        others[keys] = False
        other_sales = float((rate * mean_amount * active_years)[others].sum())
        key_sales = shares / (1.0 - shares.sum()) * other_sales
        mean_amount[keys] = key_sales / (rate[keys] * active_years[keys])
    counts = np.maximum(rng.poisson(rate * active_years), 1).astype(np.int64)
    first_invoice = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)

    statements = np.where(
        rng.random(n) < np.where(np.isin(np.arange(n), keys), 0.98, 0.8),
        rng.choice(np.array([1, 2, 3]), size=n, p=[0.25, 0.3, 0.45]),
        0,
    ).astype(np.int64)
    public = rng.random(n) < np.clip(0.05 + 0.1 * np.log1p(size), 0.0, 0.6)
    total = int(counts.sum())
    return _Book(
        currencies=currencies,
        country=country,
        industry=industry,
        currency=currency,
        terms=terms.astype(np.int64),
        risk=risk,
        kind=kind,
        start=start,
        end=end.astype(np.int64),
        event=event.astype(np.int64),
        write_off=write_off.astype(np.int64),
        dividend=dividend,
        mean_delay=mean_delay,
        delay_scale=delay_scale,
        drift_start=drift_start,
        drift_slope=drift_slope,
        unallocated=unallocated,
        rate=rate,
        mean_amount=mean_amount,
        first_invoice=first_invoice,
        statements=statements,
        public=public,
        id_width=max(6, len(str(n))),
        doc_width=max(8, len(str(3 * total))),
    )


# ----------------------------------------------------------------------------- fx


def _fx_rates(currencies: list[str], calendar: _Calendar, rng: np.random.Generator) -> FloatArray:
    """Daily EUR-per-unit rates, one row per currency (row 0, EUR, is 1).

    A mean-reverting random walk of the log rate around a realistic level, so rates wander
    like real ones but never drift to absurd values over a long history.
    """
    days = calendar.fx_days
    rates = np.ones((len(currencies), days))
    reversion = 1.0 / 250.0
    for row, code in enumerate(currencies[1:], start=1):
        level, volatility = _FX[code]
        shocks = rng.normal(0.0, volatility / math.sqrt(250.0), days)
        deviation = np.empty(days)
        deviation[0] = rng.normal(0.0, volatility / 2.0)
        for day in range(1, days):
            deviation[day] = (1.0 - reversion) * deviation[day - 1] + shocks[day]
        rates[row] = level * np.exp(deviation)
    return np.maximum(np.round(rates, 6), 1e-6)


def _fx_frame(currencies: list[str], rates: FloatArray, calendar: _Calendar) -> pl.DataFrame:
    days = calendar.fx_days
    n = len(currencies) - 1
    micro = np.round(rates[1:] * 1_000_000).astype(np.int64).reshape(-1)
    frame = pl.DataFrame(
        {
            "date": _dates(np.tile(np.arange(days, dtype=np.int64) + calendar.fx_first, n)),
            "currency": _take(currencies, np.repeat(np.arange(1, n + 1), days)),
            "micro": micro,
        }
    )
    return frame.sort("date", "currency").select(
        "date", "currency", _money_text(pl.col("micro"), pl.lit(6, pl.Int64)).alias("rate")
    )


# ----------------------------------------------------------------------------- chunks


@dataclass
class _Counters:
    """Running numbers of the documents whose count is known only as they are drawn."""

    payments: int = 0
    credit_notes: int = 0
    disputes: int = 0
    orders: int = 0
    events: int = 0

    def take(self, kind: str, count: int) -> IntArray:
        first = getattr(self, kind)
        setattr(self, kind, first + count)
        return np.arange(first + 1, first + count + 1, dtype=np.int64)


def _chunk(
    book: _Book,
    fx: FloatArray,
    calendar: _Calendar,
    buyers: tuple[int, int],
    rngs: tuple[np.random.Generator, np.random.Generator],
    counters: _Counters,
) -> dict[str, pl.DataFrame]:
    """All rows of buyers ``lo`` to ``hi`` (exclusive), ready to append to the files.

    ``rngs``: the ledger's stream and the events' stream of this chunk.
    """
    (lo, hi), (rng, events_rng) = buyers, rngs
    invoices = _draw_invoices(book, fx, calendar, lo, hi, rng)
    flows = _draw_flows(book, calendar, invoices, rng)
    return {
        "buyers": _buyers_frame(book, lo, hi, rng),
        "financials": _financials_frame(book, fx, calendar, lo, hi, rng),
        **_ledger_frames(book, invoices, flows, rng, counters),
        "orders": _orders_frame(book, fx, calendar, lo, hi, rng, counters),
        "events": _events_frame(book, calendar, invoices, flows, lo, hi, events_rng, counters),
    }


@dataclass(frozen=True)
class _Invoices:
    """One chunk's invoices, sorted by buyer and issue day (arrays of equal length)."""

    buyer: IntArray
    number: IntArray
    issue: IntArray
    due: IntArray
    delivery: IntArray
    currency: IntArray
    exponent: IntArray
    amount: IntArray  # minor units


def _draw_invoices(
    book: _Book, fx: FloatArray, calendar: _Calendar, lo: int, hi: int, rng: np.random.Generator
) -> _Invoices:
    """Business days spread over each buyer's active window, lognormal amounts."""
    counts = np.diff(book.first_invoice[lo : hi + 1])
    buyer = np.repeat(np.arange(lo, hi, dtype=np.int64), counts)
    n = len(buyer)
    span = book.end[buyer] - book.start[buyer] + 1
    drawn = book.start[buyer] + (rng.random(n) * span).astype(np.int64)
    issue = _previous_business_day(drawn)
    issue = np.where(issue < calendar.first, _next_business_day(drawn), issue)
    issue = issue[np.lexsort((issue, buyer))]  # buyer is sorted already, so it stays aligned
    terms = np.where(rng.random(n) < 0.08, rng.choice(_TERMS, size=n), book.terms[buyer])
    currency = book.currency[buyer]
    exponent = np.array([minor_exponent(c) for c in book.currencies], dtype=np.int64)[currency]
    eur = np.maximum(book.mean_amount[buyer] * rng.lognormal(-0.245, 0.7, n), 50.0)
    rate = fx[currency, issue - calendar.fx_first]
    amount = np.maximum(np.round(eur / rate * 10**exponent), 1).astype(np.int64)
    return _Invoices(
        buyer=buyer,
        number=book.first_invoice[lo] + np.arange(n, dtype=np.int64) + 1,
        issue=issue,
        due=issue + terms,
        delivery=issue - rng.integers(0, 6, size=n),
        currency=currency,
        exponent=exponent,
        amount=amount,
    )


@dataclass(frozen=True)
class _Flows:
    """What happened to each invoice by ``as_of``: disputes, credit, payments, losses."""

    disputed: BoolArray
    opened: IntArray
    resolved: IntArray
    still_open: BoolArray
    credited: BoolArray
    settled: BoolArray  # credited to settle a dispute
    credit_day: IntArray
    credit: IntArray
    first_paid: BoolArray
    first_day: IntArray
    first_amount: IntArray
    second_paid: BoolArray
    second_day: IntArray
    second_amount: IntArray
    write_off_day: IntArray
    dividend: IntArray  # an insolvency dividend paid on the write-off day
    written_off: IntArray


def _draw_flows(
    book: _Book, calendar: _Calendar, inv: _Invoices, rng: np.random.Generator
) -> _Flows:
    """Disputes, credit notes, payments and write-offs, driven by each buyer's hidden risk."""
    last, n, buyer, issue = calendar.last, len(inv.buyer), inv.buyer, inv.issue

    # Disputes: opened a few weeks after issue, resolved some weeks later or still open.
    disputed = rng.random(n) < 0.012 * np.exp(0.4 * book.risk[buyer])
    opened = issue + rng.integers(5, 46, size=n)
    disputed &= opened <= last
    resolved = opened + rng.integers(7, 151, size=n)
    still_open = disputed & (resolved > last)

    # Credit notes: ordinary ones, and settlements of some resolved disputes.
    settled = disputed & ~still_open & (rng.random(n) < 0.45)
    credit_day = np.where(settled, resolved, issue + rng.integers(2, 61, size=n))
    credit_share = np.where(rng.random(n) < 0.25, 1.0, rng.uniform(0.05, 0.5, n))
    credit_share = np.where(settled, rng.uniform(0.05, 0.4, n), credit_share)
    credited = ((rng.random(n) < 0.012) | settled) & (credit_day <= last)
    credit = np.where(credited, np.clip(np.floor(inv.amount * credit_share), 1, inv.amount), 0)
    credit = credit.astype(np.int64)
    net = inv.amount - credit

    # When the buyer would pay: habit, noise, growing lateness, distress before failing.
    kind, event = book.kind[buyer], book.event[buyer]
    delay = book.mean_delay[buyer] + rng.laplace(0.0, book.delay_scale[buyer])
    delay += np.where(rng.random(n) < 0.04, rng.exponential(25.0, n), 0.0)
    delay += book.drift_slope[buyer] * np.maximum(issue - book.drift_start[buyer], 0) / 365.25
    distress = np.clip(1.0 - (event - inv.due) / 240.0, 0.0, 1.0)
    delay += distress * np.select([kind == _DEFAULT, kind == _INSOLVENT], [60.0, 20.0], 0.0)
    pay_day = np.maximum(inv.due + np.round(delay).astype(np.int64), issue)
    after_dispute = np.maximum(pay_day, resolved + rng.integers(2, 16, size=n))
    pay_day = _next_business_day(np.where(disputed & ~still_open, after_dispute, pay_day))

    # Up to two payments: in full, in two parts, a part of a disputed one, or a bit too much.
    in_parts = ~disputed & (rng.random(n) < 0.04)
    part = np.floor(net * rng.uniform(0.3, 0.7, n)).astype(np.int64)
    early = _next_business_day(np.maximum(pay_day - rng.integers(10, 41, size=n), issue))
    over = ~in_parts & ~disputed & (net > 0) & (rng.random(n) < 0.005)
    extra = np.maximum(np.round(net * rng.uniform(0.005, 0.05, n)), 1).astype(np.int64)
    partial_dispute = still_open & (rng.random(n) < 0.5)
    first_amount = np.select(
        [in_parts, still_open, over], [part, np.where(partial_dispute, part, 0), net + extra], net
    )
    first_day = np.where(in_parts, early, pay_day)
    second_amount = np.where(in_parts, net - part, 0)
    # Nothing after as_of, and nothing once the buyer has failed.
    first_paid = (first_amount > 0) & (first_day <= last) & (first_day < event)
    second_paid = (second_amount > 0) & (pay_day <= last) & (pay_day < event)
    unpaid = net - np.where(first_paid, first_amount, 0) - np.where(second_paid, second_amount, 0)

    # Failed buyers: an insolvency dividend, then the rest written off, on one day.
    write_off_day = book.write_off[buyer]
    ends = (unpaid > 0) & (write_off_day <= last) & (issue <= write_off_day)
    dividend = np.where(ends, np.floor(unpaid * book.dividend[buyer]), 0).astype(np.int64)
    return _Flows(
        disputed=disputed,
        opened=opened,
        resolved=resolved,
        still_open=still_open,
        credited=credited,
        settled=settled,
        credit_day=credit_day,
        credit=credit,
        first_paid=first_paid,
        first_day=first_day,
        first_amount=first_amount.astype(np.int64),
        second_paid=second_paid,
        second_day=pay_day,
        second_amount=second_amount.astype(np.int64),
        write_off_day=write_off_day,
        dividend=dividend,
        written_off=np.where(ends, unpaid - dividend, 0).astype(np.int64),
    )


def _ledger_frames(
    book: _Book, inv: _Invoices, flows: _Flows, rng: np.random.Generator, counters: _Counters
) -> dict[str, pl.DataFrame]:
    """Invoices and everything naming them, as text frames in the import formats."""
    invoice_ids = _ids("INV", inv.number, book.doc_width)
    buyer_ids = _ids("B", inv.buyer + 1, book.id_width)
    codes = _take(book.currencies, inv.currency)
    frames = {
        "invoices": pl.DataFrame(
            {
                "invoice_id": invoice_ids,
                "buyer_id": buyer_ids,
                "issue_date": _dates(inv.issue),
                "due_date": _dates(inv.due),
                "amount": _money(inv.amount, inv.exponent),
                "currency": codes,
                "delivery_date": _dates(inv.delivery),
            }
        )
    }

    # Payments, in date order per buyer; a dividend always names its invoice.
    which = [
        np.flatnonzero(flows.first_paid),
        np.flatnonzero(flows.second_paid),
        np.flatnonzero(flows.dividend > 0),
    ]
    of = np.concatenate(which)
    leg = np.repeat(np.arange(3, dtype=np.int64), [len(w) for w in which])
    day = np.concatenate(
        [flows.first_day[which[0]], flows.second_day[which[1]], flows.write_off_day[which[2]]]
    )
    amount = np.concatenate(
        [flows.first_amount[which[0]], flows.second_amount[which[1]], flows.dividend[which[2]]]
    )
    named = (leg == 2) | (rng.random(len(of)) >= book.unallocated[inv.buyer[of]])
    order = np.lexsort((leg, of, day, inv.buyer[of]))
    of, day, amount, named = of[order], day[order], amount[order], named[order]
    frames["payments"] = pl.DataFrame(
        {
            "payment_id": _ids("PAY", counters.take("payments", len(of)), book.doc_width),
            "buyer_id": buyer_ids.gather(of),
            "date": _dates(day),
            "amount": _money(amount, inv.exponent[of]),
            "currency": codes.gather(of),
            "invoice_id": invoice_ids.gather(of).scatter(np.flatnonzero(~named), None),
        }
    )

    notes = np.flatnonzero(flows.credited)
    notes = notes[np.lexsort((notes, flows.credit_day[notes], inv.buyer[notes]))]
    reasons = _take(_CREDIT_REASONS, rng.integers(0, len(_CREDIT_REASONS), size=len(notes)))
    frames["credit_notes"] = pl.DataFrame(
        {
            "credit_note_id": _ids("CN", counters.take("credit_notes", len(notes)), book.doc_width),
            "buyer_id": buyer_ids.gather(notes),
            "date": _dates(flows.credit_day[notes]),
            "amount": _money(flows.credit[notes], inv.exponent[notes]),
            "currency": codes.gather(notes),
            "invoice_id": invoice_ids.gather(notes),
            "reason": reasons.scatter(np.flatnonzero(flows.settled[notes]), _DISPUTE_CREDIT_REASON),
        }
    )

    lost = np.flatnonzero(flows.written_off > 0)
    frames["write_offs"] = pl.DataFrame(
        {
            "invoice_id": invoice_ids.gather(lost),
            "date": _dates(flows.write_off_day[lost]),
            "amount": _money(flows.written_off[lost], inv.exponent[lost]),
        }
    )

    argued = np.flatnonzero(flows.disputed)
    frames["disputes"] = pl.DataFrame(
        {
            "dispute_id": _ids("D", counters.take("disputes", len(argued)), book.doc_width),
            "invoice_id": invoice_ids.gather(argued),
            "opened_on": _dates(flows.opened[argued]),
            "resolved_on": _dates(flows.resolved[argued]).scatter(
                np.flatnonzero(flows.still_open[argued]), None
            ),
            "reason": _take(_DISPUTE_REASONS, rng.integers(0, len(_DISPUTE_REASONS), len(argued))),
            # justified when a settling credit note followed, valid when the buyer paid
            "outcome": pl.Series(
                np.where(flows.settled[argued], "justified", "valid"), dtype=pl.String
            ).scatter(np.flatnonzero(flows.still_open[argued]), None),
        }
    )
    return frames


def _buyers_frame(book: _Book, lo: int, hi: int, rng: np.random.Generator) -> pl.DataFrame:
    index = np.arange(lo, hi, dtype=np.int64)
    country = book.country[index]
    codes = [c[0] for c in _COUNTRIES]
    forms = [form for c in _COUNTRIES for form in c[4]]
    form_count = np.array([len(c[4]) for c in _COUNTRIES])
    form_first = np.concatenate(([0], np.cumsum(form_count)[:-1]))
    form = form_first[country] + (rng.random(len(index)) * form_count[country]).astype(np.int64)
    industry = book.industry[index]
    name = pl.concat_str(
        _take(_NAME_HEADS, rng.integers(0, len(_NAME_HEADS), len(index))),
        _take(_NAME_TAILS, rng.integers(0, len(_NAME_TAILS), len(index))),
        _take(_NAME_MIDDLES, rng.integers(0, len(_NAME_MIDDLES), len(index))),
        pl.lit(" "),
        _take(forms, form),
    )
    return pl.DataFrame(
        {
            "buyer_id": _ids("B", index + 1, book.id_width),
            "name": pl.select(name).to_series(),
            "country": _take(codes, country),
            "industry": _take([i[0] for i in _INDUSTRIES], industry),
            "registration_number": _registration_numbers(book, index),
            "currency": _take(book.currencies, book.currency[index]),
            "terms_days": pl.Series(book.terms[index]).cast(pl.String),
            **_contacts(book, index, _take(codes, country)),
        }
    )


_CONTACT_NAMES = ("Anna Weber", "Li Wei", "Maria Rossi", "James Smith", "Wang Fang", "Eva Novak")
_CHINESE_COUNTRIES = ("CN", "TW", "HK", "SG")


def _contacts(book: _Book, index: IntArray, country: pl.Series) -> dict[str, pl.Series]:
    """Accounts-payable contacts for the dunning letters, derived from the buyer's number
    (no random draw, so the rest of a seed's company is unchanged); every tenth buyer
    has no e-mail address and is written to by letter."""
    ids = _ids("", index + 1, book.id_width)
    email = pl.select(pl.concat_str(pl.lit("ap."), ids, pl.lit("@buyer.example"))).to_series()
    registration = (index * 387_420_489 + 104_729) % 1_000_000_000
    return {
        "email": email.scatter(np.flatnonzero(index % 10 == 9), None),
        "phone": pl.select(pl.concat_str(pl.lit("+"), _ids("", registration, 9))).to_series(),
        "contact_name": _take(list(_CONTACT_NAMES), index % len(_CONTACT_NAMES)),
        "language": pl.Series(np.where(country.is_in(_CHINESE_COUNTRIES), "zh", "en")),
    }


def _registration_numbers(book: _Book, index: IntArray) -> pl.Series:
    """The country code and nine digits: unique, random-looking, the same in every file."""
    # A bijection on 0..10^9 - 1 (the factor is coprime with 10).
    registration = (index * 387_420_489 + 104_729) % 1_000_000_000
    country_codes = _take([c[0] for c in _COUNTRIES], book.country[index])
    return pl.select(pl.concat_str(country_codes, _ids("", registration, 9))).to_series()


def _financials_frame(
    book: _Book, fx: FloatArray, calendar: _Calendar, lo: int, hi: int, rng: np.random.Generator
) -> pl.DataFrame:
    """Balance sheets and results that add up, weaker for buyers heading for failure."""
    index = np.arange(lo, hi, dtype=np.int64)
    years = book.statements[index]
    buyer = np.repeat(index, years)
    back = np.arange(len(buyer)) - np.repeat(np.cumsum(years) - years, years)  # 0 = latest
    as_of = _EPOCH + dt.timedelta(days=calendar.last)
    latest = as_of.year - 1 if as_of.month >= 6 else as_of.year - 2
    event = book.event[index]
    event_year = np.where(
        event != _NEVER, _years(np.minimum(event, calendar.last)) - 1, latest
    ).astype(np.int64)
    fiscal_year = np.minimum(latest, np.repeat(event_year, years)) - back
    n = len(buyer)
    failing = book.kind[buyer] >= _DEFAULT
    risk = book.risk[buyer] + np.where(failing, 1.5 - 0.4 * back, 0.0)

    currency = book.currency[buyer]
    exponent = np.array([minor_exponent(c) for c in book.currencies], dtype=np.int64)[currency]
    yearly_purchases = book.rate[buyer] * book.mean_amount[buyer]
    firm_sales = np.maximum(yearly_purchases * rng.lognormal(math.log(25.0), 0.7, n), 250_000.0)
    growth = np.exp(rng.normal(0.04 - 0.03 * failing, 0.08, n) * back)
    firm_sales = firm_sales / growth / fx[currency, -1]
    total_assets = np.maximum(np.round(firm_sales / np.clip(rng.normal(1.1, 0.3, n), 0.4, 2.5)), 1)
    equity_ratio = np.clip(rng.normal(0.36 - 0.09 * risk, 0.08), -0.2, 0.8)
    equity = np.round(total_assets * equity_ratio)
    total_liabilities = total_assets - equity
    current_assets = np.floor(total_assets * np.clip(rng.normal(0.5 + 0.04 * risk, 0.1), 0.15, 0.9))
    current_liabilities = np.floor(
        total_liabilities * np.clip(rng.normal(0.55 + 0.06 * risk, 0.1), 0.2, 0.95)
    )
    retained = np.where(
        equity > 0, equity * rng.uniform(0.2, 0.85, n), equity * rng.uniform(1.05, 1.5, n)
    ).round()
    ebit = np.round(firm_sales * rng.normal(0.065 - 0.025 * risk, 0.03))
    market = np.round(np.maximum(equity, total_assets * 0.05) * rng.uniform(0.7, 3.0, n))
    public = book.public[buyer]

    def money(units: FloatArray) -> pl.Series:
        return _money(units.astype(np.int64) * 10**exponent, exponent)

    return pl.DataFrame(
        {
            "buyer_id": _ids("B", buyer + 1, book.id_width),
            "fiscal_year": pl.Series(fiscal_year).cast(pl.String),
            "total_assets": money(total_assets),
            "current_assets": money(current_assets),
            "current_liabilities": money(current_liabilities),
            "total_liabilities": money(total_liabilities),
            "retained_earnings": money(retained),
            "ebit": money(ebit),
            "sales": money(np.round(firm_sales)),
            "equity": money(equity),
            "market_equity": money(market).scatter(np.flatnonzero(~public), None),
            "currency": _take(book.currencies, currency),
        }
    )


def _orders_frame(
    book: _Book,
    fx: FloatArray,
    calendar: _Calendar,
    lo: int,
    hi: int,
    rng: np.random.Generator,
    counters: _Counters,
) -> pl.DataFrame:
    """Orders taken in the last 30 days and not yet invoiced, from buyers still trading."""
    index = np.arange(lo, hi, dtype=np.int64)
    trading = (book.end[index] >= calendar.last - 30) & (book.event[index] > calendar.last)
    count = np.where(trading, rng.poisson(book.rate[index] * 30.0 / 365.25 * 0.06), 0)
    buyer = np.repeat(index, count)
    n = len(buyer)
    day = _previous_business_day(calendar.last - rng.integers(0, 30, size=n))
    currency = book.currency[buyer]
    exponent = np.array([minor_exponent(c) for c in book.currencies], dtype=np.int64)[currency]
    eur = np.maximum(book.mean_amount[buyer] * rng.lognormal(-0.245, 0.7, n), 50.0)
    amount = np.maximum(np.round(eur / fx[currency, -1] * 10**exponent), 1).astype(np.int64)
    return pl.DataFrame(
        {
            "order_id": _ids("O", counters.take("orders", n), book.doc_width),
            "buyer_id": _ids("B", buyer + 1, book.id_width),
            "date": _dates(day),
            "amount": _money(amount, exponent),
            "currency": _take(book.currencies, currency),
            "terms_days": pl.Series(book.terms[buyer]).cast(pl.String),
            "status": pl.Series(["open"] * n, dtype=pl.String),
        }
    )


_BUREAU, _INSURER = "credit bureau", "credit insurer"
_MANAGEMENT_CHANGES = (
    "new managing director appointed",
    "chief financial officer resigned",
    "change of majority shareholder",
)
# Of each kind of noise (a downgrade, a management change), per sound buyer and year.
_EVENT_NOISE_PER_YEAR = 0.0075
_BY_REGISTRATION = 0.25  # the share of event rows that name only the registration number


def _events_frame(
    book: _Book,
    calendar: _Calendar,
    inv: _Invoices,
    flows: _Flows,
    lo: int,
    hi: int,
    rng: np.random.Generator,
    counters: _Counters,
) -> pl.DataFrame:
    """What a credit bureau and the credit insurer report about these buyers.

    Insolvent buyers: the insolvency on its day, often after a creditor's petition
    (30-120 days before) and a bureau downgrade (30-200 days before). Defaulting buyers:
    for most, the insurer's payment-default notice once their first unpaid invoice is
    about 60 days overdue (before it reaches the 90 days of a default), and for some a
    downgrade 30-150 days before. Buyers that never fail: a downgrade or a management
    change now and then, the false signals of a real feed. Most rows name the buyer's
    id, the rest only its registration number, so both ways of matching are used.
    Every draw is made for every buyer of the chunk, from the events' own stream.
    """
    index = np.arange(lo, hi, dtype=np.int64)
    n = len(index)
    kind, event = book.kind[index], book.event[index]
    insolvent, defaulting = kind == _INSOLVENT, kind == _DEFAULT

    petition = insolvent & (rng.random(n) < 0.4)
    petition_day = event - rng.integers(30, 121, size=n)
    downgraded = (insolvent & (rng.random(n) < 0.5)) | (defaulting & (rng.random(n) < 0.4))
    downgrade_day = event - np.where(
        insolvent, rng.integers(30, 201, size=n), rng.integers(30, 151, size=n)
    )
    rating = rng.integers(2, 5, size=n)
    fall = rng.integers(2, 4, size=n)
    notice_invoice, notice_due = _first_unpaid(inv, flows, lo, n)
    overdue = 60 + rng.integers(0, 6, size=n)
    noticed = defaulting & (rng.random(n) < 0.65) & (notice_due != _NEVER)
    notice = pl.select(
        pl.concat_str(
            pl.lit("invoice "),
            _ids("INV", notice_invoice, book.doc_width),
            pl.lit(" unpaid "),
            pl.Series(overdue).cast(pl.String),
            pl.lit(" days after its due date"),
        )
    ).to_series()
    sound = kind <= _DRIFT
    years = (calendar.last - book.start[index] + 1) / 365.25
    noise_downgrades = np.where(sound, rng.poisson(_EVENT_NOISE_PER_YEAR * years), 0)
    noise_changes = np.where(sound, rng.poisson(_EVENT_NOISE_PER_YEAR * years), 0)

    def of_buyers(
        chosen: BoolArray, day: IntArray, type_: str, source: str, details: pl.Series
    ) -> pl.DataFrame:
        rows = np.flatnonzero(chosen)
        return _event_rows(index[rows], day[rows], type_, source, details.gather(rows))

    def noise(
        count: IntArray, type_: str, details: Callable[[IntArray], pl.Series]
    ) -> pl.DataFrame:
        buyer = np.repeat(np.arange(n, dtype=np.int64), count)
        start = book.start[index][buyer]
        day = start + (rng.random(len(buyer)) * (calendar.last - start + 1)).astype(np.int64)
        return _event_rows(index[buyer], day, type_, _BUREAU, details(buyer))

    frame = pl.concat(
        [
            of_buyers(
                petition,
                petition_day,
                "legal_proceedings",
                _BUREAU,
                _repeat("creditor's petition for insolvency filed", n),
            ),
            of_buyers(
                insolvent, event, "insolvency", _BUREAU, _repeat("insolvency proceedings opened", n)
            ),
            of_buyers(
                downgraded,
                downgrade_day,
                "rating_downgrade",
                _BUREAU,
                _downgrade_details(rating, rating + fall),
            ),
            of_buyers(noticed, notice_due + overdue, "payment_default", _INSURER, notice),
            noise(
                noise_downgrades,
                "rating_downgrade",
                lambda buyer: _downgrade_details(rating[buyer], rating[buyer] + 1),
            ),
            noise(
                noise_changes,
                "management_change",
                lambda buyer: _take(
                    _MANAGEMENT_CHANGES, rng.integers(0, len(_MANAGEMENT_CHANGES), len(buyer))
                ),
            ),
        ]
    )
    frame = frame.filter(pl.col("day").is_between(calendar.first, calendar.last)).sort(
        "buyer", "day", "type"
    )
    buyer = frame["buyer"].to_numpy()
    by_registration = np.flatnonzero(rng.random(len(buyer)) < _BY_REGISTRATION)
    by_id = np.setdiff1d(np.arange(len(buyer)), by_registration)
    return pl.DataFrame(
        {
            "event_id": _ids("EV", counters.take("events", len(buyer)), book.doc_width),
            "date": _dates(frame["day"].to_numpy()),
            "type": frame["type"],
            "buyer_id": _ids("B", buyer + 1, book.id_width).scatter(by_registration, None),
            "registration_number": _registration_numbers(book, buyer).scatter(by_id, None),
            "source": frame["source"],
            "details": frame["details"],
        }
    )


def _event_rows(
    buyer: IntArray, day: IntArray, type_: str, source: str, details: pl.Series
) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "buyer": pl.Series(buyer, dtype=pl.Int64),
            "day": pl.Series(day, dtype=pl.Int64),
            "type": _repeat(type_, len(buyer)),
            "source": _repeat(source, len(buyer)),
            "details": details,
        }
    )


def _first_unpaid(inv: _Invoices, flows: _Flows, lo: int, n: int) -> tuple[IntArray, IntArray]:
    """Per buyer of the chunk, the number and due day of the unpaid invoice due first
    (not disputed: an insurer hears of unpaid debts, not of arguments); _NEVER if none."""
    paid = np.where(flows.first_paid, flows.first_amount, 0) + np.where(
        flows.second_paid, flows.second_amount, 0
    )
    unpaid = np.flatnonzero((inv.amount - flows.credit - paid > 0) & ~flows.disputed)
    unpaid = unpaid[np.lexsort((inv.number[unpaid], inv.due[unpaid], inv.buyer[unpaid]))]
    buyers, first = np.unique(inv.buyer[unpaid], return_index=True)
    number = np.zeros(n, dtype=np.int64)
    due = np.full(n, _NEVER, dtype=np.int64)
    number[buyers - lo] = inv.number[unpaid[first]]
    due[buyers - lo] = inv.due[unpaid[first]]
    return number, due


def _downgrade_details(before: IntArray, after: IntArray) -> pl.Series:
    return pl.select(
        pl.concat_str(
            pl.lit("bureau rating lowered from "),
            pl.Series(before).cast(pl.String),
            pl.lit(" to "),
            pl.Series(after).cast(pl.String),
            pl.lit(" (1 best, 6 worst)"),
        )
    ).to_series()


def _repeat(text: str, count: int) -> pl.Series:
    return pl.Series([text] * count, dtype=pl.String)


# ----------------------------------------------------------------------------- formatting


def _take(values: tuple[str, ...] | list[str], index: IntArray) -> pl.Series:
    return pl.Series(list(values), dtype=pl.String).gather(index)


def _ids(prefix: str, numbers: IntArray, width: int) -> pl.Series:
    digits = pl.Series(numbers, dtype=pl.Int64).cast(pl.String).str.zfill(width)
    return (prefix + digits) if prefix else digits


def _years(days: IntArray) -> IntArray:
    years: IntArray = days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    return years


def _dates(days: IntArray) -> pl.Series:
    return pl.Series(days.astype(np.int32), dtype=pl.Int32).cast(pl.Date).cast(pl.String)


def _money(minor: IntArray, exponent: IntArray) -> pl.Series:
    """Integer minor units as decimal text with exactly the currency's decimals."""
    frame = pl.DataFrame({"m": minor.astype(np.int64), "e": exponent.astype(np.int64)})
    return frame.select(_money_text(pl.col("m"), pl.col("e")).alias("amount")).to_series()


def _money_text(minor: pl.Expr, exponent: pl.Expr) -> pl.Expr:
    scale = pl.lit(10, pl.Int64).pow(exponent)
    whole = (minor.abs() // scale).cast(pl.String)
    fraction = (minor.abs() % scale).cast(pl.String).str.zfill(exponent)
    sign = pl.when(minor < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return (
        pl.when(exponent == 0)
        .then(pl.concat_str(sign, whole))
        .otherwise(pl.concat_str(sign, whole, pl.lit("."), fraction))
    )


# ----------------------------------------------------------------------------- writing


class _Sink:
    """One output file, created on the first non-empty frame and appended to after."""

    def __init__(self, path: Path, file_format: str) -> None:
        self.path = path
        self.file_format = file_format
        self.rows = 0
        self._csv: IO[bytes] | None = None
        self._parquet: Any = None  # a pyarrow ParquetWriter (pyarrow ships no type hints)
        path.unlink(missing_ok=True)

    @property
    def written(self) -> Path | None:
        return self.path if self.rows else None

    def write(self, frame: pl.DataFrame) -> None:
        if frame.height == 0:
            return
        frame = frame.select(pl.all().cast(pl.String))
        if self.file_format == "csv":
            if self._csv is None:
                self._csv = self.path.open("wb")
                frame.write_csv(self._csv, include_header=True)
            else:
                frame.write_csv(self._csv, include_header=False)
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = frame.to_arrow()
            if self._parquet is None:
                schema = pa.schema([(name, pa.string()) for name in frame.columns])
                self._parquet = pq.ParquetWriter(self.path, schema)
            self._parquet.write_table(table.cast(self._parquet.schema))
        self.rows += frame.height

    def close(self) -> None:
        if self._csv is not None:
            self._csv.close()
        if self._parquet is not None:
            self._parquet.close()


class _Sinks:
    """Closes every sink, also when generation fails half way."""

    def __init__(self, sinks: dict[str, _Sink]) -> None:
        self.sinks = sinks

    def __enter__(self) -> _Sinks:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        for sink in self.sinks.values():
            sink.close()

    def files(self) -> DemoFiles:
        paths = {kind: sink.written for kind, sink in self.sinks.items()}
        return DemoFiles(**paths, counts={kind: self.sinks[kind].rows for kind in _KINDS})
