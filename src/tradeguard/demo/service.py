"""Load a generated demo company through the same import path users take."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from pathlib import Path

import polars as pl
from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from tradeguard.demo.generator import DemoFiles
from tradeguard.domain.identity.access import Org, Role
from tradeguard.domain.money import minor_exponent
from tradeguard.identity import service as users
from tradeguard.identity.models import User
from tradeguard.imports.reader import read_table
from tradeguard.imports.service import ALLOCATED_KINDS, import_file
from tradeguard.kit.bulk import insert_frame, read_frame
from tradeguard.ledger.allocation import reallocate
from tradeguard.ledger.models import Dispute, Order

DEMO_ORGANISATION = "Demo Exporter GmbH"
DEMO_ADMIN = "admin@demo.tradeguard.example"


def ensure_demo_admin(session: Session, org: Org, actor: str) -> tuple[str, str] | None:
    """Create the demo's administrator with a random password, returned once.

    None when the administrator already exists: its password is not shown again.
    """
    if session.scalar(select(User.id).where(User.email == DEMO_ADMIN)) is not None:
        return None
    password = secrets.token_urlsafe(12)
    users.add_user(session, org, DEMO_ADMIN, Role.ADMIN, password, actor)
    return DEMO_ADMIN, password


def load_demo(
    session: Session,
    org: Org,
    files: DemoFiles,
    actor: str,
    progress: Callable[[str], None] | None = None,
) -> None:
    step = progress or (lambda _message: None)
    ledger_changed = False
    for kind, path in files.in_import_order():

        def report(message: str, kind: str = kind) -> None:
            step(f"{kind}: {message}")

        # The ledger files are allocated once at the end rather than after each file:
        # allocation depends only on the ledger, so the result is the same.
        ledger = kind in ALLOCATED_KINDS
        result = import_file(session, org, kind, path, actor, report, allocate=not ledger)
        ledger_changed |= ledger and bool(result.inserted or result.updated)
    if ledger_changed:
        step("allocating payments")
        buyers = (
            None if files.buyers is None else read_table(files.buyers)["buyer_id"].str.strip_chars()
        )
        reallocate(session, org.id, None if buyers is None else set(buyers.to_list()))
    step("disputes and orders")
    if files.disputes is not None:
        _insert_missing(session, org, Dispute.__table__, _disputes(files.disputes), "dispute_id")  # type: ignore[arg-type]
    if files.orders is not None:
        _insert_missing(session, org, Order.__table__, _orders(files.orders), "order_id")  # type: ignore[arg-type]


def load_demo_batches(
    session: Session,
    org: Org,
    batches: Iterable[DemoFiles],
    actor: str,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Load a demo written as batches of buyers (``generate_batches``), one after another.

    Every batch is imported whole (all or nothing with the caller's unit of work) before
    the next is generated, so memory follows the batch size, not the ledger. Returns the
    rows loaded per kind.
    """
    counts: dict[str, int] = {}
    for files in batches:
        load_demo(session, org, files, actor, progress)
        for kind, count in files.counts.items():
            counts[kind] = counts.get(kind, 0) + count
    return counts


def _disputes(path: Path) -> pl.DataFrame:
    return read_table(path).select(
        "dispute_id",
        "invoice_id",
        pl.col("opened_on").str.to_date(),
        pl.col("resolved_on").replace("", None).str.to_date(),
        pl.col("reason").replace("", None),
    )


def _orders(path: Path) -> pl.DataFrame:
    frame = read_table(path)
    exponents = {c: minor_exponent(c) for c in frame["currency"].unique()}
    return frame.select(
        "order_id",
        "buyer_id",
        pl.col("date").str.to_date(),
        (
            pl.col("amount").cast(pl.Decimal(38, 6))
            * pl.lit(10).pow(pl.col("currency").replace_strict(exponents, return_dtype=pl.Int64))
        )
        .cast(pl.Int64)
        .alias("amount"),
        "currency",
        pl.col("terms_days").cast(pl.Int64),
        "status",
    )


def _insert_missing(
    session: Session, org: Org, table: Table, frame: pl.DataFrame, key: str
) -> None:
    connection = session.connection()
    known = read_frame(
        connection, select(table.c[key]).where(table.c.org_id == org.id), {key: pl.String}
    )
    new = frame.join(known, on=key, how="anti").with_columns(org_id=pl.lit(org.id, pl.Int64))
    insert_frame(connection, table, new)
