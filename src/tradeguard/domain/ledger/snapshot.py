"""A columnar snapshot of one organisation's ledger, loaded once for whole-ledger analytics."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import polars as pl

from tradeguard.domain.errors import ConflictError, InvalidInputError
from tradeguard.domain.money import conversion_factor, convert_minor


class MissingFxRateError(ConflictError):
    def __init__(self, currency: str, on: dt.date) -> None:
        super().__init__(f"no FX rate for {currency} on or before {on.isoformat()}")
        self.currency = currency
        self.on = on


DISPUTES_SCHEMA = {"invoice_id": pl.String, "opened_on": pl.Date, "resolved_on": pl.Date}


def _no_disputes() -> pl.DataFrame:
    return pl.DataFrame(schema=DISPUTES_SCHEMA)


@dataclass(frozen=True, slots=True)
class LedgerSnapshot:
    base_currency: str
    buyers: pl.DataFrame  # buyer_id, name, country, industry
    invoices: pl.DataFrame  # invoice_id, buyer_id, issue_date, due_date, amount, currency
    allocations: pl.DataFrame  # invoice_id, source_type, date, amount
    fx: pl.DataFrame  # currency, date, rate (base units per unit, exact decimal text)
    # invoice_id, opened_on, resolved_on (null while open); a ledger may have none.
    disputes: pl.DataFrame = field(default_factory=_no_disputes)


def rates_on(fx: pl.DataFrame, currencies: list[str], base: str, on: dt.date) -> pl.DataFrame:
    """The latest rate on or before ``on`` for each currency; a missing one is an error.

    Columns currency, rate (decimal text, exact); the base currency's rate is "1".
    """
    latest = (
        fx.filter(pl.col("date") <= on, pl.col("currency").is_in(currencies))
        .sort("date")
        .group_by("currency")
        .agg(pl.col("rate").last().cast(pl.String))
        .filter(pl.col("currency") != base)
    )
    found = set(latest["currency"]) | {base}
    for currency in sorted(currencies):
        if currency not in found:
            raise MissingFxRateError(currency, on)
    return pl.concat([latest, pl.DataFrame({"currency": [base], "rate": ["1"]})])


class AmountOverflowError(InvalidInputError):
    """A converted amount or a total would not fit the ledger's 64-bit minor units."""

    def __init__(self) -> None:
        super().__init__(
            "amounts in the base currency exceed what the ledger can hold "
            f"({INT64_MAX:,} minor units); check the FX rates and the largest amounts"
        )


INT64_MAX = 2**63 - 1


class Converter:
    """``domain.money.convert_minor`` for whole columns, with one set of rates.

    Each currency's exact ``conversion_factor`` (multiplier, divisor) is applied in
    NumPy's 64-bit integers — amount × multiplier, divided with half-to-even rounding —
    wherever the product provably fits (|amount| ≤ (2^63 − 1) // multiplier and a
    divisor below 2^62), which is every amount of any real ledger; the rare amount
    beyond that goes through the scalar rule in Python integers. Either way the result
    is the scalar rule's to the unit, and one that does not fit 64 bits is null
    (``checked`` turns that into ``AmountOverflowError``).
    """

    def __init__(self, rates: pl.DataFrame, base: str) -> None:
        self.base = base
        self.codes: list[str] = rates["currency"].to_list()
        self.rates: list[str] = rates["rate"].to_list()
        factors = [
            conversion_factor(c, base, r) for c, r in zip(self.codes, self.rates, strict=True)
        ]
        narrow = [m <= INT64_MAX and 2 * d <= INT64_MAX for m, d in factors]
        self._multiplier = np.array(
            [m if ok else 1 for (m, _), ok in zip(factors, narrow, strict=True)], dtype=np.int64
        )
        self._divisor = np.array(
            [d if ok else 1 for (_, d), ok in zip(factors, narrow, strict=True)], dtype=np.int64
        )
        # the largest |amount| whose product with the multiplier fits; -1: never
        self._largest = np.array(
            [INT64_MAX // m if ok else -1 for (m, _), ok in zip(factors, narrow, strict=True)],
            dtype=np.int64,
        )

    def index(self, currency: pl.Series) -> npt.NDArray[np.int32]:
        """Each row's position in the rate table (every currency must be in it)."""
        positions = currency.replace_strict(
            self.codes, list(range(len(self.codes))), return_dtype=pl.Int32
        )
        return positions.to_numpy()

    def convert(
        self, amount: pl.Series, index: npt.NDArray[np.int32], name: str | None = None
    ) -> pl.Series:
        """``amount`` (no nulls, minor units of each row's currency) in base minor units."""
        values = amount.cast(pl.Int64).to_numpy()
        multiplier, divisor = self._multiplier[index], self._divisor[index]
        wide = np.abs(values) > self._largest[index]
        product = np.where(wide, 0, values) * multiplier
        quotient = np.floor_divide(product, divisor)
        twice_remainder = (product - quotient * divisor) * 2
        quotient += (twice_remainder > divisor) | (
            (twice_remainder == divisor) & (quotient & 1 == 1)
        )
        result = pl.Series(name or amount.name, quotient, dtype=pl.Int64)
        if not wide.any():
            return result
        rows = np.flatnonzero(wide)
        exact = [
            convert_minor(int(values[i]), self.codes[index[i]], self.base, self.rates[index[i]])
            for i in rows
        ]
        held = [v if -INT64_MAX - 1 <= v <= INT64_MAX else None for v in exact]
        return result.scatter(rows, pl.Series(held, dtype=pl.Int64))


def to_base(amount: pl.Series, currency: pl.Series, rates: pl.DataFrame, base: str) -> pl.Series:
    """``amount`` (minor units of ``currency``) in base minor units, one amount at a time.

    ``rates`` is what ``rates_on`` returns for every currency that ``currency`` holds.
    """
    converter = Converter(rates, base)
    return converter.convert(amount, converter.index(currency))


def checked(frame: pl.DataFrame, converted: list[str], total: str) -> pl.DataFrame:
    """``frame`` once no converted column overflowed and ``total``'s sum fits 64 bits.

    Converted amounts are never negative, so when the sum of ``total`` (the largest
    column, e.g. every invoice's amount) fits, every sum of a part of it fits too.
    """
    nulls = frame.select(pl.sum_horizontal(pl.col(converted).null_count())).item()
    if nulls:
        raise AmountOverflowError
    if frame.height and frame.select(pl.col(total).cast(pl.Int128).sum()).item() > INT64_MAX:
        raise AmountOverflowError
    return frame
