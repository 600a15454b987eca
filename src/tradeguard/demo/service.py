"""Load a generated demo company through the same import path users take."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradeguard.demo.generator import DemoFiles
from tradeguard.domain.identity.access import Org, Role
from tradeguard.identity import service as users
from tradeguard.identity.models import User
from tradeguard.imports.reader import read_table
from tradeguard.imports.service import ALLOCATED_KINDS, ImportResult, import_file
from tradeguard.ledger.allocation import reallocate

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
