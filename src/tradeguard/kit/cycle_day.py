"""One day of the daily cycle, as every capability's step sees it.

A step gets the session, the organisation and the day, and the ledger snapshot on
demand: loaded once per run of the cycle and shared by every step and every day of a
catch-up (the steps read the ledger, they do not change it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import JsonValue
from sqlalchemy.orm import Session

from tradeguard.domain.identity.access import Org
from tradeguard.domain.ledger.snapshot import LedgerSnapshot

StepResult = dict[str, JsonValue]
"""What a step of the cycle records: a JSON document, as ``cycle_runs.result`` holds it."""


@dataclass(frozen=True, slots=True)
class CycleDay:
    session: Session
    org: Org
    as_of: dt.date
    snapshot: Callable[[], LedgerSnapshot]
    actor: str = "cycle"  # who ran the cycle, for what a step writes to the audit log
