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
from tradeguard.domain.money import currency_codes, from_minor, minor_exponent
from tradeguard.imports.formats import Column, ColumnKind, FileFormat
from tradeguard.imports.reader import ROW

# ASCII digits only: Polars' ``\d`` is Unicode and would pass '１００' or '١٠٠'.
_NUMBER = r"^-?[0-9]+(\.[0-9]+)?$"
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_WHOLE_NUMBER = r"^[0-9]{1,9}$"
# one @, no spaces, a dot in the domain: enough to catch a phone number in the wrong column
_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
LANGUAGES = ("en", "zh")
# Control characters (C0, DEL, C1): never in an id; text may hold tab and line breaks.
_CONTROL_IN_ID = r"[\x00-\x1F\x7F-\x9F]"
_CONTROL_IN_TEXT = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]"
FIRST_YEAR, LAST_YEAR = 1900, 2200
# The most minor units one amount may have, 10^15 - 1: below 2^53, so exact as a JSON
# number and a float, and 9,223 of the largest still sum inside int64 (docs/ledger.md).
MAX_AMOUNT_DIGITS = 15
# FX rates are exact decimals of at most this many digits before and after the point.
RATE_INTEGER_DIGITS = 9
RATE_DECIMAL_PLACES = 12


@cache
def country_codes() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries)


class Problems:
    """Collects row errors from boolean masks over a frame."""

    def __init__(self) -> None:
        self.errors: list[RowError] = []

    def add(
        self, frame: pl.DataFrame, mask: pl.Expr, column: str, template: str, **params: pl.Expr
    ) -> None:
        """A ``RowError`` for each row where ``mask`` holds; ``params`` fill the template."""
        names = list(params)
        bad = frame.filter(mask).select(
            pl.col(ROW), *(params[n].cast(pl.String).alias(f"_param_{n}") for n in names)
        )
        self.errors.extend(
            RowError.of(row, column, template, **dict(zip(names, values, strict=True)))
            for row, *values in bad.iter_rows()
        )

    def extend(self, errors: Iterable[RowError]) -> None:
        self.errors.extend(errors)

    def __bool__(self) -> bool:
        return bool(self.errors)


def quoted(name: str) -> pl.Expr:
    """A column's cells in single quotes, as problems show the value they refuse."""
    return pl.format("'{}'", pl.col(name))


def check_columns(frame: pl.DataFrame, fmt: FileFormat) -> list[RowError]:
    """Required columns present, and at least one row below the header."""
    missing = [name for name in fmt.required if name not in frame.columns]
    if missing:
        return [RowError.of(1, name, "required column is missing") for name in missing]
    if frame.height == 0:
        return [RowError.of(2, "file", "the file has no rows below the header")]
    return []


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
    shown = quoted(name)
    kind = column.kind
    if kind in {ColumnKind.ID, ColumnKind.TEXT}:
        control = _CONTROL_IN_ID if kind is ColumnKind.ID else _CONTROL_IN_TEXT
        has_control = present & value.str.contains(control)
        problems.add(frame, has_control, name, "contains a control character")
        too_long = present & (value.str.len_chars() > column.max_length)
        problems.add(
            frame,
            too_long,
            name,
            "longer than {limit} characters",
            limit=pl.lit(str(column.max_length)),
        )
        return pl.when(has_control).then(None).otherwise(value).alias(name)
    if kind is ColumnKind.DATE:
        parsed = value.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        bad = present & (~value.str.contains(_DATE) | parsed.is_null())
        problems.add(frame, bad, name, "not a date in YYYY-MM-DD form: {value}", value=shown)
        out_of_range = present & ~bad & ~parsed.dt.year().is_between(FIRST_YEAR, LAST_YEAR)
        problems.add(
            frame,
            out_of_range,
            name,
            "the year of {value} is not between 1900 and 2200",
            value=shown,
        )
        return pl.when(bad | out_of_range).then(None).otherwise(parsed).alias(name)
    if kind is ColumnKind.INTEGER:
        bad = present & ~value.str.contains(_WHOLE_NUMBER)
        problems.add(frame, bad, name, "not a whole number >= 0: {value}", value=shown)
        return pl.when(bad).then(None).otherwise(value).cast(pl.Int64).alias(name)
    if kind is ColumnKind.CURRENCY:
        upper = value.str.to_uppercase()
        bad = present & ~upper.is_in(sorted(currency_codes()))
        problems.add(frame, bad, name, "unknown currency code {value}", value=shown)
        return pl.when(bad).then(None).otherwise(upper).alias(name)
    if kind is ColumnKind.COUNTRY:
        upper = value.str.to_uppercase()
        bad = present & ~upper.is_in(sorted(country_codes()))
        problems.add(
            frame, bad, name, "unknown country code {value} (ISO 3166 alpha-2)", value=shown
        )
        return pl.when(bad).then(None).otherwise(upper).alias(name)
    if kind is ColumnKind.EMAIL:
        bad = present & (~value.str.contains(_EMAIL) | (value.str.len_chars() > column.max_length))
        problems.add(frame, bad, name, "not an e-mail address: {value}", value=shown)
        return pl.when(bad).then(None).otherwise(value).alias(name)
    if kind is ColumnKind.LANGUAGE:
        lower = value.str.to_lowercase()
        bad = present & ~lower.is_in(LANGUAGES)
        problems.add(frame, bad, name, "not a language (en or zh): {value}", value=shown)
        return pl.when(bad).then(None).otherwise(lower).alias(name)
    if kind is ColumnKind.RATE:
        return _rate(frame, column, problems)
    raise AssertionError(kind)


def is_exactly_one(rate: pl.Expr) -> pl.Expr:
    """Whether a valid rate's text is the number 1 ('1', '1.0', '01.000')."""
    return rate.str.contains(r"^0*1(\.0*)?$")


def _rate(frame: pl.DataFrame, column: Column, problems: Problems) -> pl.Expr:
    """An exact decimal (never a float) of bounded precision, greater than zero, kept as text."""
    name = column.name
    value = pl.col(name)
    shown = quoted(name)
    parts = value.str.strip_prefix("-").str.split_exact(".", 1)
    integer_digits = parts.struct.field("field_0").str.strip_chars_start("0").str.len_chars()
    decimal_places = (
        parts.struct.field("field_1").fill_null("").str.strip_chars_end("0").str.len_chars()
    )
    present = value.is_not_null()
    number = present & value.str.contains(_NUMBER)
    not_number = present & ~number
    problems.add(frame, not_number, name, "not a number: {value}", value=shown)
    too_long = number & (integer_digits > RATE_INTEGER_DIGITS)
    problems.add(
        frame,
        too_long,
        name,
        "rate {value} has more than {digits} digits before the decimal point",
        value=shown,
        digits=pl.lit(str(RATE_INTEGER_DIGITS)),
    )
    too_fine = number & (decimal_places > RATE_DECIMAL_PLACES)
    problems.add(
        frame,
        too_fine,
        name,
        "rate {value} has more than {places} decimal places",
        value=shown,
        places=pl.lit(str(RATE_DECIMAL_PLACES)),
    )
    zero = (integer_digits == 0) & (decimal_places == 0)
    not_positive = number & ~too_long & ~too_fine & (value.str.starts_with("-") | zero)
    problems.add(frame, not_positive, name, "must be greater than zero")
    bad = not_number | too_long | too_fine | not_positive
    return pl.when(bad).then(None).otherwise(value).alias(name)


def largest_amount(currency: str) -> str:
    """The largest amount of ``currency`` one cell may hold, as decimal text."""
    return str(from_minor(10**MAX_AMOUNT_DIGITS - 1, currency))


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
    # Minor units of at most MAX_AMOUNT_DIGITS digits: integer digits plus the exponent.
    too_big = ok & (pl.col("_integer_digits") + exponent.fill_null(0) > MAX_AMOUNT_DIGITS)
    too_fine = ok & exponent.is_not_null() & (pl.col("_fraction_digits") > exponent)
    flags = helpers.select(
        not_number.any().alias("not_number"),
        too_big.any().alias("too_big"),
        too_fine.any().alias("too_fine"),
        (ok & negative).any().alias("negative"),
    ).row(0, named=True)
    shown = quoted(name)
    if flags["not_number"]:
        problems.add(helpers, not_number, name, "not a number: {value}", value=shown)
    if flags["too_big"]:
        largest = {code: largest_amount(code) for code in exponents}
        problems.add(
            helpers,
            too_big,
            name,
            "amount too large: {value} (the most one amount can be is {largest})",
            value=shown,
            largest=pl.col("currency").replace_strict(
                largest, default=str(10**MAX_AMOUNT_DIGITS - 1), return_dtype=pl.String
            ),
        )
    if flags["too_fine"]:
        problems.add(
            helpers,
            too_fine,
            name,
            "{value} has more decimal places than {currency} allows",
            value=shown,
            currency=pl.col("currency"),
        )
    if column.kind is ColumnKind.MONEY and flags["negative"]:
        problems.add(helpers, ok & negative, name, "negative amount: {value}", value=shown)
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
    if column.kind is ColumnKind.MONEY and not column.zero_allowed:
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
        problems.extend(
            RowError.of(
                r,
                key[0],
                "duplicate {key} {value} (first on row {first})",
                key=label,
                value=f"'{shown}'",
                first=str(rows[0]),
            )
            for r in rows[1:]
        )
