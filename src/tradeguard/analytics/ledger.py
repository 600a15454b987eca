"""A columnar snapshot of one organisation's ledger, loaded once for whole-ledger analytics."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl
from sqlalchemy import Connection, select

from tradeguard.domain.errors import TradeGuardError
from tradeguard.domain.money import currency_codes, minor_exponent
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
    fx: pl.DataFrame  # currency, date, rate (float, base units per unit)
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
        ).with_columns(pl.col("rate").cast(pl.Float64)),
        disputes=read_frame(
            connection,
            select(Dispute.invoice_id, Dispute.opened_on, Dispute.resolved_on).where(
                Dispute.org_id == org_id
            ),
            DISPUTES_SCHEMA,
        ),
    )


def rates_on(fx: pl.DataFrame, currencies: list[str], base: str, on: dt.date) -> pl.DataFrame:
    """The latest rate on or before ``on`` for each currency; a missing one is an error."""
    latest = (
        fx.filter(pl.col("date") <= on, pl.col("currency").is_in(currencies))
        .sort("date")
        .group_by("currency")
        .agg(pl.col("rate").last())
    )
    found = set(latest["currency"]) | {base}
    for currency in sorted(currencies):
        if currency not in found:
            raise MissingFxRateError(currency, on)
    return pl.concat([latest, pl.DataFrame({"currency": [base], "rate": [1.0]})]).unique(
        "currency", keep="first"
    )


def minor_exponents() -> pl.DataFrame:
    codes = sorted(currency_codes())
    return pl.DataFrame(
        {"currency": codes, "exponent": [minor_exponent(c) for c in codes]},
        schema={"currency": pl.String, "exponent": pl.Int64},
    )


def in_base_currency(
    frame: pl.DataFrame, column: str, fx: pl.DataFrame, base: str, on: dt.date
) -> pl.DataFrame:
    """Add ``{column}_base``: ``column`` (minor units of ``currency``) in base minor units.

    Rates are the latest on or before ``on``. Each amount is converted and rounded to the
    base minor unit on its own, so every total is an exact sum of integers.
    """
    rates = rates_on(fx, frame["currency"].unique().to_list(), base, on)
    scale = pl.lit(10.0).pow(pl.lit(minor_exponent(base)) - pl.col("exponent"))
    return (
        frame.join(rates, on="currency", how="left")
        .join(minor_exponents(), on="currency", how="left")
        .with_columns(
            (pl.col(column) * pl.col("rate") * scale)
            .round(0)
            .cast(pl.Int64)
            .alias(f"{column}_base")
        )
        .drop("rate", "exponent")
    )


def to_base(amount: pl.Expr, currency: pl.Expr, rates: pl.DataFrame, base: str) -> pl.Expr:
    """``amount`` (minor units of ``currency``) in base minor units, rounded per row.

    The same arithmetic as ``in_base_currency`` — (amount × rate) × 10^(base exponent −
    own exponent), rounded on its own — but as an expression over a small lookup
    instead of a join, so one whole-ledger pass can convert several columns cheaply.
    ``rates`` is what ``rates_on`` returns for every currency that ``currency`` holds.
    """
    codes = rates["currency"].to_list()
    exponent = minor_exponent(base)
    scales = [10.0 ** (exponent - minor_exponent(code)) for code in codes]
    rate = currency.replace_strict(codes, rates["rate"].to_list(), return_dtype=pl.Float64)
    scale = currency.replace_strict(codes, scales, return_dtype=pl.Float64)
    return (amount * rate * scale).round(0).cast(pl.Int64)
