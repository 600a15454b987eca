"""A columnar snapshot of one organisation's ledger, loaded once for whole-ledger analytics."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl
from sqlalchemy import Connection, select

from tradeguard.domain.errors import TradeGuardError
from tradeguard.domain.money import conversion_factor
from tradeguard.store.bulk import read_frame
from tradeguard.store.models import Allocation, Buyer, Dispute, FxRate, Invoice


class MissingFxRateError(TradeGuardError):
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


def load_snapshot(connection: Connection, org_id: int, base_currency: str) -> LedgerSnapshot:
    """The ledger's columns, read in the caller's transaction (one consistent view)."""
    invoices = read_frame(
        connection,
        select(
            Invoice.invoice_id,
            Invoice.buyer_id,
            Invoice.issue_date,
            Invoice.due_date,
            Invoice.amount,
            Invoice.currency,
        ).where(Invoice.org_id == org_id),
        {
            "invoice_id": pl.String,
            "buyer_id": pl.String,
            "issue_date": pl.Date,
            "due_date": pl.Date,
            "amount": pl.Int64,
            "currency": pl.String,
        },
    )
    allocations = read_frame(
        connection,
        select(
            Allocation.invoice_id,
            Allocation.source_type,
            Allocation.date,
            Allocation.amount,
        ).where(Allocation.org_id == org_id),
        {"invoice_id": pl.String, "source_type": pl.String, "date": pl.Date, "amount": pl.Int64},
    )
    return LedgerSnapshot(
        base_currency=base_currency,
        buyers=read_frame(
            connection,
            select(Buyer.buyer_id, Buyer.name, Buyer.country, Buyer.industry).where(
                Buyer.org_id == org_id
            ),
            {"buyer_id": pl.String, "name": pl.String, "country": pl.String, "industry": pl.String},
        ),
        invoices=invoices,
        allocations=allocations,
        fx=read_frame(
            connection,
            select(FxRate.currency, FxRate.date, FxRate.rate).where(FxRate.org_id == org_id),
            {"currency": pl.String, "date": pl.Date, "rate": pl.String},
        ),
        disputes=read_frame(
            connection,
            select(Dispute.invoice_id, Dispute.opened_on, Dispute.resolved_on).where(
                Dispute.org_id == org_id
            ),
            DISPUTES_SCHEMA,
        ),
    )


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


class AmountOverflowError(TradeGuardError):
    """A converted amount or a total would not fit the ledger's 64-bit minor units."""

    def __init__(self) -> None:
        super().__init__(
            "amounts in the base currency exceed what the ledger can hold "
            f"({INT64_MAX:,} minor units); check the FX rates and the largest amounts"
        )


INT64_MAX = 2**63 - 1


def to_base(amount: pl.Expr, currency: pl.Expr, rates: pl.DataFrame, base: str) -> pl.Expr:
    """``amount`` (minor units of ``currency``) in base minor units, one amount at a time.

    ``domain.money.convert_minor`` vectorised: amount × multiplier / divisor of the
    currency's exact ``conversion_factor`` in 128-bit integers, rounded half to even,
    so it agrees with the scalar rule to the unit. A result that does not fit 64 bits
    is null (``checked`` turns that into ``AmountOverflowError``). ``rates`` is what
    ``rates_on`` returns for every currency that ``currency`` holds.
    """
    codes = rates["currency"].to_list()
    factors = [conversion_factor(code, base, rate) for code, rate in rates.rows()]
    multiplier = currency.replace_strict(codes, [m for m, _ in factors], return_dtype=pl.Int128)
    divisor = currency.replace_strict(codes, [d for _, d in factors], return_dtype=pl.Int128)
    product = amount.cast(pl.Int128) * multiplier
    quotient = product // divisor
    twice_remainder = (product - quotient * divisor) * 2
    round_up = (twice_remainder > divisor) | ((twice_remainder == divisor) & (quotient % 2 != 0))
    return (quotient + round_up.cast(pl.Int128)).cast(pl.Int64, strict=False)


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


def in_base_currency(
    frame: pl.DataFrame, column: str, fx: pl.DataFrame, base: str, on: dt.date
) -> pl.DataFrame:
    """Add ``{column}_base``: ``column`` (minor units of ``currency``) in base minor units.

    Rates are the latest on or before ``on``. Each amount is converted and rounded to the
    base minor unit on its own (``to_base``), so every total is an exact sum of integers.
    """
    rates = rates_on(fx, frame["currency"].unique().to_list(), base, on)
    name = f"{column}_base"
    converted = frame.with_columns(
        to_base(pl.col(column), pl.col("currency"), rates, base).alias(name)
    )
    return checked(converted, [name], name)
