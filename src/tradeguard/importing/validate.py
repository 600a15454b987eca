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


@cache
def _exponents() -> dict[str, int]:
    return {c: minor_exponent(c) for c in currency_codes()}


def _money(frame: pl.DataFrame, column: Column, problems: Problems) -> pl.Series:
    """Decimal text to integer minor units of the row's currency, exactly (no floats).

    The regex extractions and the currency lookup are computed once into helper
    columns; every mask and the result are cheap expressions over those.
    """
    name = column.name
    value = pl.col(name)
    # Only the currencies present are looked up (a handful instead of every ISO code);
    # integer and fraction come from splitting at the point, which equals the regex
    # extraction wherever the value is a number (elsewhere they are never used).
    codes = set(frame["currency"].drop_nulls().unique().to_list())
    exponents = {c: e for c, e in _exponents().items() if c in codes}
    parts = value.str.strip_prefix("-").str.split_exact(".", 1)
    helpers = frame.select(
        pl.col(ROW),
        value,
        pl.col("currency"),
        value.is_not_null().alias("_present"),
        value.str.contains(_NUMBER).fill_null(False).alias("_number"),
        value.str.starts_with("-").fill_null(False).alias("_negative"),
        parts.struct.field("field_0").str.strip_chars_start("0").alias("_integer"),
        parts.struct.field("field_1").fill_null("").str.strip_chars_end("0").alias("_fraction"),
        pl.col("currency")
        .replace_strict(exponents, default=None, return_dtype=pl.Int64)
        .alias("_exponent"),
    ).with_columns(
        (pl.col("_present") & pl.col("_number")).alias("_ok"),
        pl.col("_integer").str.len_chars().alias("_integer_digits"),
        pl.col("_fraction").str.len_chars().alias("_fraction_digits"),
    )
    present, ok, negative = pl.col("_present"), pl.col("_ok"), pl.col("_negative")
    integer, fraction, exponent = pl.col("_integer"), pl.col("_fraction"), pl.col("_exponent")
    not_number = present & ~pl.col("_number")
    too_big = ok & (pl.col("_integer_digits") > _MAX_INTEGER_DIGITS)
    too_fine = ok & exponent.is_not_null() & (pl.col("_fraction_digits") > exponent)
    flags = helpers.select(
        not_number.any().alias("not_number"),
        too_big.any().alias("too_big"),
        too_fine.any().alias("too_fine"),
        (ok & negative).any().alias("negative"),
    ).row(0, named=True)
    if flags["not_number"]:
        problems.add(helpers, not_number, name, pl.format("not a number: {}", _quoted(name)))
    if flags["too_big"]:
        problems.add(helpers, too_big, name, pl.format("amount too large: {}", _quoted(name)))
    if flags["too_fine"]:
        problems.add(
            helpers,
            too_fine,
            name,
            pl.format(
                "{} has more decimal places than {} allows", _quoted(name), pl.col("currency")
            ),
        )
    if column.kind is ColumnKind.MONEY and flags["negative"]:
        problems.add(helpers, ok & negative, name, pl.format("negative amount: {}", _quoted(name)))
    usable = ok & ~too_big & ~too_fine
    safe_integer = pl.when(usable & (integer != "")).then(integer).otherwise(pl.lit("0"))
    fraction_digits = pl.col("_fraction_digits").cast(pl.Int64)
    fraction_minor = pl.when(usable & (fraction != "")).then(fraction).otherwise(pl.lit("0")).cast(
        pl.Int64, strict=False
    ) * pl.lit(10, pl.Int64).pow(pl.max_horizontal(exponent - fraction_digits, pl.lit(0)))
    magnitude = (
        safe_integer.cast(pl.Int64, strict=False) * pl.lit(10, pl.Int64).pow(exponent)
        + fraction_minor
    )
    minor = pl.when(negative).then(-magnitude).otherwise(magnitude)
    result = helpers.select(
        pl.col(ROW), usable.alias("_usable"), minor.alias("_minor"), ok, negative, exponent
    )
    if column.kind is ColumnKind.MONEY:
        zero = pl.col("_usable") & ~negative & exponent.is_not_null() & (pl.col("_minor") == 0)
        if result.select(zero.any()).item():
            problems.add(result, zero, name, "must be greater than zero")
    return (
        result.select(
            pl.when(pl.col("_usable")).then(pl.col("_minor")).otherwise(None).cast(pl.Int64)
        )
        .to_series()
        .alias(name)
    )


def _any_duplicate(frame: pl.DataFrame, key: list[str]) -> bool:
    """Whether a key occurs twice, cheaply: a sorted column (ids usually come in order)
    compares neighbours; otherwise 64-bit hashes, checked exactly only if two collide."""
    if len(key) == 1:
        column = frame[key[0]]
        if column.is_sorted():
            return bool((column == column.shift(1)).any())
        hashes = column.hash()
    else:
        hashes = frame.select(pl.struct(key).hash()).to_series()
    if not hashes.is_duplicated().any():
        return False
    keys = pl.struct(key) if len(key) > 1 else pl.col(key[0])
    return bool(frame.select(keys.is_duplicated().any()).item())


def _check_duplicates(frame: pl.DataFrame, fmt: FileFormat, problems: Problems) -> None:
    key = list(fmt.key)
    complete = frame.filter(pl.all_horizontal(pl.col(k).is_not_null() for k in key))
    if not _any_duplicate(complete, key):
        return
    dupes = (
        complete.group_by(key)
        .agg(pl.col(ROW).sort())
        .filter(pl.col(ROW).list.len() > 1)
        .sort(pl.col(ROW).list.first())
    )
    label = " / ".join(key)
    for row in dupes.iter_rows(named=True):
        rows = row[ROW]
        shown = ", ".join(str(row[k]) for k in key)
        for r in rows[1:]:
            problems.extend(
                [RowError(r, key[0], f"duplicate {label} '{shown}' (first on row {rows[0]})")]
            )
