"""Load a generated demo company through the same import path users take."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from tradeguard.demo.generator import DemoFiles
from tradeguard.domain.identity.access import Org, Role
from tradeguard.domain.money import minor_exponent
from tradeguard.identity import service as users
from tradeguard.identity.models import User
from tradeguard.imports.reader import read_table
from tradeguard.imports.service import ALLOCATED_KINDS, ImportResult, import_file
from tradeguard.insurance import service as insurance
from tradeguard.ledger.allocation import reallocate
from tradeguard.ledger.repository import load_snapshot

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

    def load(kind: str, path: Path, *, allocate: bool = True) -> ImportResult:
        def report(message: str) -> None:
            step(f"{kind}: {message}")

        return import_file(session, org, kind, path, actor, report, allocate=allocate)

    ledger_changed = False
    for kind, path in files.in_import_order():
        # The ledger files are allocated once at the end rather than after each file:
        # allocation depends only on the ledger, so the result is the same.
        ledger = kind in ALLOCATED_KINDS
        result = load(kind, path, allocate=not ledger)
        ledger_changed |= ledger and bool(result.inserted or result.updated)
    if ledger_changed:
        step("allocating payments")
        buyers = (
            None if files.buyers is None else read_table(files.buyers)["buyer_id"].str.strip_chars()
        )
        reallocate(session, org.id, None if buyers is None else set(buyers.to_list()))
    # After the allocation: a dispute's amount defaults to what was open on its invoice.
    for kind, later in (("disputes", files.disputes), ("orders", files.orders)):
        if later is not None:
            load(kind, later)


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


def demo_policy(org: Org, as_of: dt.date) -> dict[str, Any]:
    """The demo's credit insurance policy: the calendar year of ``as_of``, in the base
    currency, with typical whole-turnover terms (docs/insurance.md)."""
    return {
        "insurer": "Demo Credit Insurance SE",
        "number": f"WT-{as_of.year}-001",
        "currency": org.base_currency,
        "start": dt.date(as_of.year, 1, 1),
        "end": dt.date(as_of.year, 12, 31),
        "insured_percentage": "0.9",
        "political_insured_percentage": "0.95",
        "aggregate_first_loss": "25000",
        "non_qualifying_loss": "1000",
        "maximum_liability": "5000000",
        "maximum_credit_period_days": 120,
        "maximum_extension_period_days": 60,
        "notification_deadline_days": 60,
        "waiting_period_days": 180,
        "premium_rate": "0.002",
        "minimum_premium": "40000",
        "discretionary_limit": "20000",
        "political_risk": True,
        "excluded_countries": ["RU", "BY", "IR", "KP"],
    }


def _share(buyer_id: str) -> float:
    """A stable number in [0, 1) for a buyer: the same demo makes the same decisions."""
    return int.from_bytes(hashlib.sha256(buyer_id.encode()).digest()[:4], "big") / 2**32


def insure_demo(session: Session, org: Org, as_of: dt.date, folder: Path, actor: str) -> int:
    """Load the demo's policy and the insurer's decisions on its buyers, as a seller
    would (``policy load``, ``import insurer-limits``): most buyers get a limit of about
    their open exposure at the start of the year, rounded up to 5,000; a few are refused
    (0) and some have none, so the discretionary limit shows. Returns the decisions."""
    insurance.load_policy(session, org, demo_policy(org, as_of), actor)
    start = dt.date(as_of.year, 1, 1)
    snapshot = load_snapshot(session.connection(), org.id, org.base_currency)
    settled = (
        snapshot.allocations.filter(pl.col("date") < start)
        .group_by("invoice_id")
        .agg(settled=pl.col("amount").sum())
    )
    exposure = (
        snapshot.invoices.filter(pl.col("issue_date") < start)
        .join(settled, on="invoice_id", how="left")
        .group_by("buyer_id", "currency")
        .agg(open=(pl.col("amount") - pl.col("settled").fill_null(0)).sum())
        .filter(pl.col("open") > 0)
    )
    rows = []
    for buyer_id, currency, open_minor in exposure.sort("buyer_id").iter_rows():
        share = _share(buyer_id)
        if share < 0.1:
            continue  # no decision: the discretionary limit applies
        # what was open, plus 0-99 %, in whole units of its currency
        units = open_minor * (100 + int(share * 100)) // (100 * 10 ** minor_exponent(currency))
        amount = 0 if share < 0.15 else max(5000, -(-units // 5000) * 5000)
        rows.append((buyer_id, amount, currency, start.isoformat()))
    path = folder / "insurer-limits.csv"
    pl.DataFrame(
        rows,
        schema={
            "buyer_id": pl.String,
            "amount": pl.Int64,
            "currency": pl.String,
            "effective_date": pl.String,
        },
        orient="row",
    ).write_csv(path)
    import_file(session, org, "insurer-limits", path, actor)
    return len(rows)
