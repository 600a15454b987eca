"""Vectorised validation: every problem in a file, by row and column, in one pass.

Each check is a Polars expression over the whole column; only the rows that fail are
turned into ``RowError`` values. A clean file comes back as a typed frame (dates as
dates, money as integer minor units of the row's currency).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

import polars as pl
import pycountry

from tradeguard.domain.errors import RowError
from tradeguard.domain.money import currency_codes, minor_exponent
from tradeguard.importing.formats import Column, ColumnKind, FileFormat
from tradeguard.importing.reader import ROW

_NUMBER = r"^-?\d+(\.\d+)?$"
_DATE = r"^\d{4}-\d{2}-\d{2}$"
_MAX_INTEGER_DIGITS = 15  # keeps minor units inside int64 for every currency


@cache
def country_codes() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries)


class Problems:
    """Collects row errors from boolean masks over a frame."""

    def __init__(self) -> None:
        self.errors: list[RowError] = []

    def add(self, frame: pl.DataFrame, mask: pl.Expr, column: str, message: pl.Expr | str) -> None:
        text = message if isinstance(message, pl.Expr) else pl.lit(message)
        bad = frame.filter(mask).select(pl.col(ROW), text.alias("message"))
        self.errors.extend(RowError(r, column, m) for r, m in bad.iter_rows())

    def extend(self, errors: Iterable[RowError]) -> None:
        self.errors.extend(errors)

    def __bool__(self) -> bool:
        return bool(self.errors)


def _quoted(name: str) -> pl.Expr:
    return pl.format("'{}'", pl.col(name))


def check_columns(frame: pl.DataFrame, fmt: FileFormat) -> list[RowError]:
    missing = [name for name in fmt.required if name not in frame.columns]
    return [RowError(1, name, "required column is missing") for name in missing]


def normalise(frame: pl.DataFrame, fmt: FileFormat) -> pl.DataFrame:
    """Strip blanks, turn empty cells into nulls and add absent optional columns."""
    present = [c.name for c in fmt.columns if c.name in frame.columns]
    absent = [c.name for c in fmt.columns if c.name not in frame.columns]
    return frame.select(
        pl.col(ROW),
        *(pl.col(n).str.strip_chars().replace("", None).alias(n) for n in present),
        *(pl.lit(None, dtype=pl.String).alias(n) for n in absent),
    )


def validate(frame: pl.DataFrame, fmt: FileFormat, problems: Problems) -> pl.DataFrame:
    """Check every column of a normalised frame; return it typed (bad cells become null)."""
    for column in fmt.columns:
        if column.required:
            problems.add(frame, pl.col(column.name).is_null(), column.name, "missing value")
    typed: list[pl.Expr] = [pl.col(ROW)]
    for column in fmt.columns:
        if column.kind not in {ColumnKind.MONEY, ColumnKind.SIGNED_MONEY}:
            typed.append(_check(frame, column, problems))
    frame = frame.with_columns(typed)
    money = [c for c in fmt.columns if c.kind in {ColumnKind.MONEY, ColumnKind.SIGNED_MONEY}]
    if money:
        frame = frame.with_columns(_money(frame, c, problems) for c in money)
    _check_duplicates(frame, fmt, problems)
    return frame


def _check(frame: pl.DataFrame, column: Column, problems: Problems) -> pl.Expr:
    name = column.name
    value = pl.col(name)
    present = value.is_not_null()
    kind = column.kind
    if kind in {ColumnKind.ID, ColumnKind.TEXT}:
        too_long = present & (value.str.len_chars() > column.max_length)
        problems.add(frame, too_long, name, f"longer than {column.max_length} characters")
        return value
    if kind is ColumnKind.DATE:
        parsed = value.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        bad = present & (~value.str.contains(_DATE) | parsed.is_null())
        problems.add(
            frame, bad, name, pl.format("not a date in YYYY-MM-DD form: {}", _quoted(name))
        )
        return pl.when(bad).then(None).otherwise(parsed).alias(name)
    if kind is ColumnKind.INTEGER:
        bad = present & ~value.str.contains(r"^\d{1,9}$")
        problems.add(frame, bad, name, pl.format("not a whole number >= 0: {}", _quoted(name)))
        return pl.when(bad).then(None).otherwise(value).cast(pl.Int64).alias(name)
    if kind is ColumnKind.CURRENCY:
        upper = value.str.to_uppercase()
        bad = present & ~upper.is_in(sorted(currency_codes()))
        problems.add(frame, bad, name, pl.format("unknown currency code {}", _quoted(name)))
        return pl.when(bad).then(None).otherwise(upper).alias(name)
    if kind is ColumnKind.COUNTRY:
        upper = value.str.to_uppercase()
        bad = present & ~upper.is_in(sorted(country_codes()))
        problems.add(
            frame, bad, name, pl.format("unknown country code {} (ISO 3166 alpha-2)", _quoted(name))
        )
        return pl.when(bad).then(None).otherwise(upper).alias(name)
    if kind is ColumnKind.RATE:
        not_number = present & ~value.str.contains(_NUMBER)
        problems.add(frame, not_number, name, pl.format("not a number: {}", _quoted(name)))
        numeric = pl.when(not_number).then(None).otherwise(value).cast(pl.Float64)
        not_positive = present & ~not_number & (numeric <= 0)
        problems.add(frame, not_positive, name, "must be greater than zero")
        return pl.when(not_number | not_positive).then(None).otherwise(value).alias(name)
    raise AssertionError(kind)


def _money(frame: pl.DataFrame, column: Column, problems: Problems) -> pl.Expr:
    """Decimal text to integer minor units of the row's currency, exactly (no floats)."""
    name = column.name
    value = pl.col(name)
    present = value.is_not_null()
    not_number = present & ~value.str.contains(_NUMBER)
    problems.add(frame, not_number, name, pl.format("not a number: {}", _quoted(name)))
    ok = present & ~not_number
    negative = value.str.starts_with("-")
    integer = value.str.extract(r"^-?(\d+)", 1).str.strip_chars_start("0")
    fraction = value.str.extract(r"\.(\d+)$", 1).fill_null("").str.strip_chars_end("0")
    exponent = pl.col("currency").replace_strict(
        {c: minor_exponent(c) for c in currency_codes()}, default=None, return_dtype=pl.Int64
    )
    too_big = ok & (integer.str.len_chars() > _MAX_INTEGER_DIGITS)
    problems.add(frame, too_big, name, pl.format("amount too large: {}", _quoted(name)))
    too_fine = ok & exponent.is_not_null() & (fraction.str.len_chars() > exponent)
    problems.add(
        frame,
        too_fine,
        name,
        pl.format("{} has more decimal places than {} allows", _quoted(name), pl.col("currency")),
    )
    if column.kind is ColumnKind.MONEY:
        problems.add(frame, ok & negative, name, pl.format("negative amount: {}", _quoted(name)))
    magnitude = pl.when(integer == "").then(pl.lit("0")).otherwise(integer).cast(pl.Int64) * pl.lit(
        10, pl.Int64
    ).pow(exponent) + pl.when(fraction == "").then(0).otherwise(
        pl.concat_str(fraction, pl.lit("000000")).str.slice(0, exponent).cast(pl.Int64)
    )
    minor = pl.when(negative).then(-magnitude).otherwise(magnitude)
    if column.kind is ColumnKind.MONEY:
        zero = ok & ~negative & ~too_big & ~too_fine & exponent.is_not_null() & (minor == 0)
        problems.add(frame, zero, name, "must be greater than zero")
    usable = ok & ~too_big & ~too_fine
    return pl.when(usable).then(minor).otherwise(None).cast(pl.Int64).alias(name)


def _check_duplicates(frame: pl.DataFrame, fmt: FileFormat, problems: Problems) -> None:
    key = list(fmt.key)
    dupes = (
        frame.filter(pl.all_horizontal(pl.col(k).is_not_null() for k in key))
        .group_by(key)
        .agg(pl.col(ROW).sort())
        .filter(pl.col(ROW).list.len() > 1)
    )
    label = " / ".join(key)
    for row in dupes.iter_rows(named=True):
        rows = row[ROW]
        shown = ", ".join(str(row[k]) for k in key)
        for r in rows[1:]:
            problems.extend(
                [RowError(r, key[0], f"duplicate {label} '{shown}' (first on row {rows[0]})")]
            )
