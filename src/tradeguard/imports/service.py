"""Import a ledger file: validate it whole, then write it all or nothing, idempotently.

A file with any bad row is refused with every problem listed (``ImportRejectedError``)
and nothing is written. A clean file inserts new rows, updates changed ones (each
change goes to the audit log with its before and after values) and leaves identical
rows alone, so importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import polars as pl
from sqlalchemy import Connection, Table, bindparam, func, select, tuple_, update
from sqlalchemy.orm import Session

from tradeguard.audit import service as audit
from tradeguard.country.models import CountryOverride
from tradeguard.disputes.repository import settled_by
from tradeguard.domain.disputes import DisputeOutcome
from tradeguard.domain.errors import ImportRejectedError, RowError
from tradeguard.domain.identity.access import Org
from tradeguard.domain.money import from_minor
from tradeguard.domain.monitoring.events import EVENT_TYPES
from tradeguard.imports.formats import (
    EVENT_BUYER_COLUMNS,
    FORMATS,
    ORDER_STATUSES,
    ColumnKind,
    FileFormat,
)
from tradeguard.imports.reader import ROW, read_table
from tradeguard.imports.validate import (
    Problems,
    check_columns,
    is_exactly_one,
    normalise,
    quoted,
    validate,
)
from tradeguard.kit.bulk import (
    count_at_most,
    insert_frame,
    read_frame,
    read_matching,
    refresh_statistics,
)
from tradeguard.kit.db import serialise
from tradeguard.ledger.allocation import reallocate
from tradeguard.ledger.models import (
    Allocation,
    Buyer,
    BuyerEvent,
    CreditNote,
    Dispute,
    FinancialStatement,
    FxRate,
    InsurerLimit,
    Invoice,
    Order,
    Payment,
    WriteOff,
)
from tradeguard.locale import N_

Progress = Callable[[str], None]
IMPORT_STEPS = 6  # the progress messages an import reports, at most

# The tables the formats write to, each declared by the capability that owns it.
TABLES: dict[str, Table] = {
    model.__tablename__: cast(Table, model.__table__)
    for model in (
        Buyer,
        FinancialStatement,
        Invoice,
        Payment,
        CreditNote,
        WriteOff,
        FxRate,
        CountryOverride,
        Allocation,
        Order,
        Dispute,
        BuyerEvent,
        InsurerLimit,
    )
}

_KEY_CHUNK = 500
# Kinds whose rows change the allocation of money to invoices.
ALLOCATED_KINDS = frozenset({"invoices", "payments", "credit-notes", "write-offs"})


# The problems of this module's own rules, and why an event row was skipped, marked so
# that extraction keeps them in the catalogue (the import page shows them in Chinese).
_MESSAGES = (
    N_("give a buyer_id or a registration_number column"),
    N_("give the buyer_id or the registration_number"),
    N_("status must be open, delivered or cancelled"),
    N_("outcome must be valid or justified"),
    N_("resolved before it was opened"),
    N_("an outcome needs the day the dispute was resolved"),
    N_("a resolved dispute needs an outcome (valid or justified)"),
    N_("dispute amount is larger than the invoice amount"),
    N_("expires before it takes effect"),
    N_("unknown event type {value} (one of {types})"),
    N_("no buyer has registration number {value}"),
    N_("several buyers have registration number {value}"),
)


@dataclass(frozen=True, slots=True)
class UnmatchedRow:
    """An event row skipped because no buyer (or more than one) matches it.

    ``value`` is what the row gave (its buyer_id, else its registration number);
    ``template`` is ``message`` before ``{value}`` was filled in, for a page to translate.
    """

    row: int
    event_id: str
    value: str
    message: str
    template: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "event_id": self.event_id, "message": self.message}


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did: ``rows`` in the file, split into inserted, updated, unchanged
    and (events only) ``unmatched``, the rows skipped for want of a buyer."""

    kind: str
    rows: int
    inserted: int
    updated: int
    unchanged: int
    allocations: int | None = None
    unmatched: tuple[UnmatchedRow, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "kind": self.kind,
            "rows": self.rows,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }
        if self.kind == "events":
            result["unmatched"] = [row.as_dict() for row in self.unmatched]
        return result


def import_file(
    session: Session,
    org: Org,
    kind: str,
    path: Path,
    actor: str,
    progress: Progress | None = None,
    *,
    allocate: bool = True,
) -> ImportResult:
    """Import one file; ``allocate=False`` leaves the allocations to the caller.

    A caller that loads several ledger files in one unit of work (the demo) may skip the
    allocation after each and call ``reallocate`` once for the buyers they touched.
    """
    step = progress or (lambda _message: None)
    fmt = FORMATS[kind]
    step("reading")
    raw = read_table(path)
    column_errors = check_columns(raw, fmt)
    if fmt.kind == "events" and not any(c in raw.columns for c in EVENT_BUYER_COLUMNS):
        column_errors.append(
            RowError.of(1, "buyer_id", "give a buyer_id or a registration_number column")
        )
    if column_errors:
        raise ImportRejectedError(column_errors)
    step("validating")
    # The reads below and the writes after them are one step: a concurrent import of the
    # same kind waits, so it can neither insert the same rows nor update from stale values.
    serialise(
        session,
        f"import:{org.id}:{kind}",
        f"another import of {kind} is running for {org.name}; try again",
    )
    connection = session.connection()
    frame = _prepare(connection, org, fmt, normalise(raw, fmt))
    problems = Problems()
    frame = _complete(connection, org, fmt, validate(frame, fmt, problems))
    table: Table = TABLES[fmt.table]
    _check_references(connection, org, fmt, frame, problems)
    _check_totals(connection, org.id, fmt, table, frame, problems)
    if problems:
        raise ImportRejectedError(problems.errors)
    total = frame.height
    unmatched: tuple[UnmatchedRow, ...] = ()
    if fmt.kind == "events":
        frame, unmatched = _match_buyers(connection, org, frame)

    rows = frame.select(
        [c.name for c in table.columns if c.name in frame.columns and c.name != "org_id"]
    )
    step("comparing with the ledger")
    existing = _existing(connection, table, org.id, fmt, rows)
    new, changed = _diff(rows, existing, fmt)
    step("writing")
    insert_frame(connection, table, new.with_columns(org_id=pl.lit(org.id, pl.Int64)))
    _update(connection, table, org.id, fmt, changed)
    _audit(session, org, actor, fmt, path, total, new.height, _with_currency(changed, frame, fmt))
    allocations = None
    if allocate and kind in ALLOCATED_KINDS and (new.height or changed.height):
        step("allocating payments")
        touched = (
            set(new["buyer_id"]) | set(changed["buyer_id"]) if "buyer_id" in rows.columns else None
        )
        if "buyer_id" in existing.columns:
            touched = (touched or set()) | set(
                existing.join(changed.select(fmt.key), on=list(fmt.key))["buyer_id"]
            )
        if touched is None:  # write-offs name invoices, not buyers
            touched = set(_buyers_of_invoices(connection, org.id, rows["invoice_id"]))
        allocations = reallocate(session, org.id, touched)
    step("updating statistics")
    if new.height or changed.height:
        written = [table] if allocations is None else [table, TABLES["allocations"]]
        refresh_statistics(connection, written)
    return ImportResult(
        kind,
        total,
        new.height,
        changed.height,
        rows.height - new.height - changed.height,
        allocations,
        unmatched,
    )


def _prepare(
    connection: Connection, org: Org, fmt: FileFormat, frame: pl.DataFrame
) -> pl.DataFrame:
    """Add the currency that write-offs, disputes and financial statements take from
    elsewhere (disputes also their invoice's amount, for the rules on amounts)."""
    if fmt.kind == "disputes":
        invoices = _lookup_invoices(connection, org.id, frame["invoice_id"])
        return frame.join(
            invoices.select("invoice_id", "currency", pl.col("amount").alias("invoice_amount")),
            on="invoice_id",
            how="left",
            maintain_order="left",
        )
    if fmt.kind == "write-offs":
        invoices = _lookup_invoices(connection, org.id, frame["invoice_id"])
        return frame.join(
            invoices.select("invoice_id", "currency"),
            on="invoice_id",
            how="left",
            maintain_order="left",
        )
    if fmt.kind == "financials":
        buyers = read_frame(
            connection,
            select(Buyer.buyer_id, Buyer.currency).where(Buyer.org_id == org.id),
            {"buyer_id": pl.String, "buyer_currency": pl.String},
        )
        return (
            frame.join(buyers, on="buyer_id", how="left", maintain_order="left")
            .with_columns(
                currency=pl.coalesce(
                    pl.col("currency").str.to_uppercase(),
                    pl.col("buyer_currency"),
                    pl.lit(org.base_currency),
                )
            )
            .drop("buyer_currency")
        )
    return frame


def _complete(
    connection: Connection, org: Org, fmt: FileFormat, frame: pl.DataFrame
) -> pl.DataFrame:
    """Fill in what an empty optional cell leaves to a rule: an order's status (open) and
    a dispute's amount (what was open on its invoice on the day it was opened)."""
    if fmt.kind == "orders":
        return frame.with_columns(pl.col("status").fill_null("open"))
    if fmt.kind != "disputes":
        return frame
    claims = frame.filter(
        pl.col("amount").is_null()
        & pl.col("invoice_amount").is_not_null()
        & pl.col("opened_on").is_not_null()
    )
    if claims.height == 0:
        return frame
    still_open = claims.select(
        pl.col(ROW),
        (pl.col("invoice_amount") - settled_by(connection, org.id, claims))
        .clip(lower_bound=0)
        .alias("_open"),
    )
    return (
        frame.join(still_open, on=ROW, how="left", maintain_order="left")
        .with_columns(amount=pl.coalesce("amount", "_open"))
        .drop("_open")
    )


def _match_buyers(
    connection: Connection, org: Org, frame: pl.DataFrame
) -> tuple[pl.DataFrame, tuple[UnmatchedRow, ...]]:
    """Name each event's buyer: its buyer_id when given, else the one buyer holding its
    registration number (letter case ignored). Rows without a match are split off."""
    buyers = read_frame(
        connection,
        select(Buyer.buyer_id, Buyer.registration_number).where(Buyer.org_id == org.id),
        {"buyer_id": pl.String, "registration_number": pl.String},
    )
    registered = (
        buyers.filter(pl.col("registration_number").is_not_null())
        .group_by(pl.col("registration_number").str.to_uppercase().alias("_registration"))
        .agg(pl.col("buyer_id").first().alias("_registered"), pl.len().alias("_holders"))
    )
    by_id = pl.col("buyer_id").is_not_null()
    known = pl.col("buyer_id").is_in(buyers["buyer_id"].implode())
    joined = frame.with_columns(
        _registration=pl.col("registration_number").str.to_uppercase()
    ).join(registered, on="_registration", how="left", maintain_order="left")
    joined = joined.with_columns(
        _template=pl.when(by_id)
        .then(pl.when(~known).then(pl.lit("unknown buyer {value}")))
        .when(pl.col("_holders").is_null())
        .then(pl.lit("no buyer has registration number {value}"))
        .when(pl.col("_holders") > 1)
        .then(pl.lit("several buyers have registration number {value}")),
        _value=pl.coalesce("buyer_id", "registration_number"),
    )
    skipped = joined.filter(pl.col("_template").is_not_null())
    unmatched = tuple(
        UnmatchedRow(row, event_id, value, template.format(value=f"'{value}'"), template)
        for row, event_id, value, template in skipped.select(
            ROW, "event_id", "_value", "_template"
        ).iter_rows()
    )
    matched = joined.filter(pl.col("_template").is_null()).with_columns(
        buyer_id=pl.coalesce("buyer_id", "_registered")
    )
    return matched.select(frame.columns), unmatched


def _with_currency(changed: pl.DataFrame, frame: pl.DataFrame, fmt: FileFormat) -> pl.DataFrame:
    """Changed rows with the currency of their amounts where the table keeps none
    (write-offs, disputes: their invoice's), so the audit log shows amounts as decimals."""
    if changed.height == 0 or "currency" in changed.columns or "currency" not in frame.columns:
        return changed
    return changed.join(frame.select(*fmt.key, "currency"), on=list(fmt.key), how="left")


def _lookup_invoices(connection: Connection, org_id: int, ids: pl.Series) -> pl.DataFrame:
    schema = {
        "invoice_id": pl.String,
        "buyer_id": pl.String,
        "currency": pl.String,
        "issue_date": pl.Date,
        "amount": pl.Int64,
    }
    wanted = ids.drop_nulls().unique().to_list()
    columns = (
        Invoice.invoice_id,
        Invoice.buyer_id,
        Invoice.currency,
        Invoice.issue_date,
        Invoice.amount,
    )
    if len(wanted) > 20 * _KEY_CHUNK:
        every = select(*columns).where(Invoice.org_id == org_id)
        present = select(Invoice.org_id).where(Invoice.org_id == org_id)
        stored = count_at_most(connection, present, 2 * len(wanted) + 1)
        if stored > 2 * len(wanted):  # a large ledger: read only the wanted invoices
            return read_matching(
                connection,
                Invoice.__table__,  # type: ignore[arg-type]
                list(schema),
                org_id,
                pl.DataFrame({"invoice_id": wanted}, schema={"invoice_id": pl.String}),
                schema,
            )
        return read_frame(connection, every, schema).filter(pl.col("invoice_id").is_in(wanted))
    frames = [
        read_frame(
            connection,
            select(*columns).where(
                Invoice.org_id == org_id, Invoice.invoice_id.in_(wanted[i : i + _KEY_CHUNK])
            ),
            schema,
        )
        for i in range(0, len(wanted), _KEY_CHUNK)
    ]
    return pl.concat(frames) if frames else pl.DataFrame(schema=schema)


def _buyers_of_invoices(connection: Connection, org_id: int, ids: pl.Series) -> list[str]:
    return _lookup_invoices(connection, org_id, ids)["buyer_id"].unique().to_list()


def _check_references(
    connection: Connection,
    org: Org,
    fmt: FileFormat,
    frame: pl.DataFrame,
    problems: Problems,
) -> None:
    """Rules that look beyond one cell: known buyers and invoices, date order, FX base."""
    if "buyer_id" in fmt.names and fmt.kind not in {"buyers", "events"}:
        known = read_frame(
            connection,
            select(Buyer.buyer_id).where(Buyer.org_id == org.id),
            {"buyer_id": pl.String},
        )["buyer_id"]
        unknown = pl.col("buyer_id").is_not_null() & ~pl.col("buyer_id").is_in(known.implode())
        problems.add(frame, unknown, "buyer_id", "unknown buyer {value}", value=quoted("buyer_id"))
    if fmt.kind == "invoices":
        before = pl.col("due_date") < pl.col("issue_date")
        problems.add(frame, before, "due_date", "due date is before the issue date")
        early = pl.col("delivery_date") < pl.col("issue_date") - pl.duration(days=366)
        problems.add(
            frame, early, "delivery_date", "delivery date is more than a year before the issue date"
        )
    if fmt.kind in {"payments", "credit-notes", "write-offs"}:
        named = frame.filter(pl.col("invoice_id").is_not_null())
        invoices = _lookup_invoices(connection, org.id, named["invoice_id"]).rename(
            {"buyer_id": "inv_buyer", "currency": "inv_currency", "amount": "inv_amount"}
        )
        if fmt.kind == "write-offs":
            invoices = invoices.drop("inv_currency")
        joined = named.join(invoices, on="invoice_id", how="left")
        missing = pl.col("inv_buyer").is_null()
        problems.add(
            joined, missing, "invoice_id", "unknown invoice {value}", value=quoted("invoice_id")
        )
        if fmt.kind == "write-offs":
            problems.add(
                joined,
                ~missing & (pl.col("amount") > pl.col("inv_amount")),
                "amount",
                "write-off is larger than the invoice amount",
            )
            problems.add(
                joined,
                ~missing & (pl.col("date") < pl.col("issue_date")),
                "date",
                "write-off is dated before the invoice was issued",
            )
        else:
            other_buyer = ~missing & (pl.col("inv_buyer") != pl.col("buyer_id"))
            problems.add(
                joined,
                other_buyer,
                "invoice_id",
                "invoice {value} belongs to buyer {buyer}",
                value=quoted("invoice_id"),
                buyer=quoted("inv_buyer"),
            )
            other_currency = ~missing & (pl.col("inv_currency") != pl.col("currency"))
            problems.add(
                joined,
                other_currency,
                "currency",
                "invoice {value} is in {currency}",
                value=quoted("invoice_id"),
                currency=pl.col("inv_currency"),
            )
    if fmt.kind == "orders":
        problems.add(
            frame,
            pl.col("status").is_not_null() & ~pl.col("status").is_in(ORDER_STATUSES),
            "status",
            "status must be open, delivered or cancelled",
        )
    if fmt.kind == "disputes":
        _check_disputes(frame, problems)
    if fmt.kind == "insurer-limits":
        problems.add(
            frame,
            pl.col("expiry_date") < pl.col("effective_date"),
            "expiry_date",
            "expires before it takes effect",
        )
    if fmt.kind == "events":
        problems.add(
            frame,
            pl.col("type").is_not_null() & ~pl.col("type").is_in(EVENT_TYPES),
            "type",
            "unknown event type {value} (one of {types})",
            value=quoted("type"),
            types=pl.lit(", ".join(EVENT_TYPES)),
        )
        problems.add(
            frame,
            pl.col("buyer_id").is_null() & pl.col("registration_number").is_null(),
            "buyer_id",
            "give the buyer_id or the registration_number",
        )
    if fmt.kind == "fx":
        base_not_one = (
            (pl.col("currency") == org.base_currency)
            & pl.col("rate").is_not_null()
            & ~is_exactly_one(pl.col("rate"))
        )
        problems.add(
            frame,
            base_not_one,
            "rate",
            "the base currency {currency} has rate 1",
            currency=pl.lit(org.base_currency),
        )
    if fmt.kind == "financials":
        problems.add(
            frame,
            pl.col("fiscal_year").is_not_null() & ~pl.col("fiscal_year").is_between(1900, 2200),
            "fiscal_year",
            "fiscal year out of range 1900-2200",
        )
        problems.add(
            frame, pl.col("total_assets") <= 0, "total_assets", "must be greater than zero"
        )
    if fmt.kind == "countries":
        problems.add(
            frame, ~pl.col("grade").is_between(1, 10), "grade", "grade must be between 1 and 10"
        )
        problems.add(
            frame,
            pl.col("political_risk").is_not_null()
            & ~pl.col("political_risk").is_in(["low", "medium", "high", "very high"]),
            "political_risk",
            "political risk must be low, medium, high or very high",
        )


def _check_disputes(frame: pl.DataFrame, problems: Problems) -> None:
    """A dispute names a known invoice, is resolved (with an outcome) on or after the day
    it was opened, and disputes at most the invoice's amount."""
    problems.add(
        frame,
        pl.col("invoice_id").is_not_null() & pl.col("invoice_amount").is_null(),
        "invoice_id",
        "unknown invoice {value}",
        value=quoted("invoice_id"),
    )
    problems.add(
        frame,
        pl.col("resolved_on") < pl.col("opened_on"),
        "resolved_on",
        "resolved before it was opened",
    )
    outcome = pl.col("outcome")
    problems.add(
        frame,
        outcome.is_not_null() & ~outcome.is_in([o.value for o in DisputeOutcome]),
        "outcome",
        "outcome must be valid or justified",
    )
    problems.add(
        frame,
        outcome.is_not_null() & pl.col("resolved_on").is_null(),
        "resolved_on",
        "an outcome needs the day the dispute was resolved",
    )
    problems.add(
        frame,
        outcome.is_null() & pl.col("resolved_on").is_not_null(),
        "outcome",
        "a resolved dispute needs an outcome (valid or justified)",
    )
    problems.add(
        frame,
        pl.col("amount") > pl.col("invoice_amount"),
        "amount",
        "dispute amount is larger than the invoice amount",
    )


# The most a per-currency total of minor units may reach: what int64 holds.
MAX_TOTAL = 2**63 - 1


def _held_totals(connection: Connection, org_id: int, table: Table, column: str) -> dict[str, int]:
    """The sum of the magnitudes of one money column already stored, per currency."""
    magnitude = func.sum(func.abs(table.c[column]))
    if "currency" in table.c:
        query = (
            select(table.c.currency, magnitude)
            .where(table.c.org_id == org_id)
            .group_by(table.c.currency)
        )
    else:  # write-offs are in the currency of their invoice
        invoices = Invoice.__table__
        query = (
            select(invoices.c.currency, magnitude)
            .join(
                invoices,
                (invoices.c.org_id == table.c.org_id)
                & (invoices.c.invoice_id == table.c.invoice_id),
            )
            .where(table.c.org_id == org_id)
            .group_by(invoices.c.currency)
        )
    return {currency: int(total) for currency, total in connection.execute(query) if total}


def _check_totals(
    connection: Connection,
    org_id: int,
    fmt: FileFormat,
    table: Table,
    frame: pl.DataFrame,
    problems: Problems,
) -> None:
    """Refuse amounts that would take a stored per-currency total past ``MAX_TOTAL``.

    Each amount is bounded on its own (``validate.MAX_AMOUNT_DIGITS``); this bounds
    their sum with what the table already holds, counting rows that replace stored
    ones twice (never too little). The first row that crosses the bound is named.
    """
    money = [c.name for c in fmt.columns if c.kind in {ColumnKind.MONEY, ColumnKind.SIGNED_MONEY}]
    for column in money:
        amounts = frame.filter(pl.col(column).is_not_null() & pl.col("currency").is_not_null())
        if amounts.height == 0:
            continue
        largest = amounts.select(pl.col(column).abs().max()).item()
        held = _held_totals(connection, org_id, table, column)
        if amounts.height * largest + max(held.values(), default=0) <= MAX_TOTAL:
            continue
        running = amounts.select(
            pl.col(ROW),
            pl.col("currency"),
            (
                pl.col("currency").replace_strict(held, default=0, return_dtype=pl.Int128)
                + pl.col(column).abs().cast(pl.Int128).cum_sum().over("currency")
            ).alias("_total"),
        )
        crossing = (
            running.filter(pl.col("_total") > MAX_TOTAL)
            .group_by("currency")
            .agg(pl.col(ROW).min())
            .sort(ROW)
        )
        problems.add(
            crossing,
            pl.lit(True),
            column,
            "the {currency} total of {amounts} in {table} would pass {limit} minor units, "
            "the most a total can hold",
            currency=pl.col("currency"),
            amounts=pl.lit(column),
            table=pl.lit(fmt.table),
            limit=pl.lit(str(MAX_TOTAL)),
        )


def _existing(
    connection: Connection, table: Table, org_id: int, fmt: FileFormat, rows: pl.DataFrame
) -> pl.DataFrame:
    """The stored versions of the rows in the file (only those), as a frame."""
    schema = dict(rows.schema)
    columns = [table.c[name] for name in rows.columns]
    base = select(*columns).where(table.c.org_id == org_id)
    key = list(fmt.key)
    present = select(table.c.org_id).where(table.c.org_id == org_id)
    if rows.height > 20 * _KEY_CHUNK:
        stored = count_at_most(connection, present, 2 * rows.height + 1)
        if stored == 0:
            return pl.DataFrame(schema=schema)
        if stored > 2 * rows.height:  # a large ledger: read only the file's keys
            return read_matching(connection, table, rows.columns, org_id, rows.select(key), schema)
        every = read_frame(connection, base, schema)
        return every.join(rows.select(key), on=key, how="semi")
    if count_at_most(connection, present, 1) == 0:
        return pl.DataFrame(schema=schema)
    key_columns = [table.c[k] for k in key]
    values = rows.select(key).rows()
    frames = []
    for i in range(0, len(values), _KEY_CHUNK):
        chunk = values[i : i + _KEY_CHUNK]
        condition = (
            key_columns[0].in_([v[0] for v in chunk])
            if len(key) == 1
            else tuple_(*key_columns).in_(chunk)
        )
        frames.append(read_frame(connection, base.where(condition), schema))
    return pl.concat(frames) if frames else pl.DataFrame(schema=schema)


def _diff(
    rows: pl.DataFrame, existing: pl.DataFrame, fmt: FileFormat
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split the file into new rows and changed rows (changed ones carry ``old_*`` values)."""
    key = list(fmt.key)
    new = rows.join(existing.select(key), on=key, how="anti")
    values = [c for c in rows.columns if c not in key]
    joined = rows.join(existing.rename({c: f"old_{c}" for c in values}), on=key, how="inner")
    differs = (
        pl.any_horizontal(~pl.col(c).eq_missing(pl.col(f"old_{c}")) for c in values)
        if values
        else pl.lit(False)
    )
    return new, joined.filter(differs)


def _update(
    connection: Connection, table: Table, org_id: int, fmt: FileFormat, changed: pl.DataFrame
) -> None:
    if changed.height == 0:
        return
    key = list(fmt.key)
    values = [c for c in changed.columns if c not in key and not c.startswith("old_")]
    statement = (
        update(table)
        .where(
            table.c.org_id == bindparam("b_org_id"),
            *(table.c[k] == bindparam(f"b_{k}") for k in key),
        )
        .values({c: bindparam(f"v_{c}") for c in values})
    )
    params = [
        {
            "b_org_id": org_id,
            **{f"b_{k}": row[k] for k in key},
            **{f"v_{c}": row[c] for c in values},
        }
        for row in changed.iter_rows(named=True)
    ]
    connection.execute(statement, params)


def _sha256(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def _audit_value(fmt: FileFormat, column: str, value: Any, currency: str | None) -> Any:
    kinds = {c.name: c.kind for c in fmt.columns}
    if value is None:
        return None
    if kinds.get(column) in {ColumnKind.MONEY, ColumnKind.SIGNED_MONEY} and currency:
        return str(from_minor(value, currency))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _audit(
    session: Session,
    org: Org,
    actor: str,
    fmt: FileFormat,
    path: Path,
    total: int,
    inserted: int,
    changed: pl.DataFrame,
) -> None:
    if not inserted and not changed.height:
        return
    key = list(fmt.key)
    entries = []
    for row in changed.iter_rows(named=True):
        columns = [
            c
            for c in row
            if c not in key
            and not c.startswith("old_")
            and f"old_{c}" in row
            and row[c] != row[f"old_{c}"]
        ]
        new_currency, old_currency = (
            row.get("currency"),
            row.get("old_currency", row.get("currency")),
        )
        entries.append(
            {
                "action": "update",
                "entity": fmt.table,
                "entity_key": "/".join(str(row[k]) for k in key),
                "before": {c: _audit_value(fmt, c, row[f"old_{c}"], old_currency) for c in columns},
                "after": {c: _audit_value(fmt, c, row[c], new_currency) for c in columns},
            }
        )
    audit.record_many(session, org.id, actor, entries)
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="import",
        entity=fmt.table,
        entity_key=path.name,
        after={
            "sha256": _sha256(path),
            "rows": total,
            "inserted": inserted,
            "updated": changed.height,
        },
    )
