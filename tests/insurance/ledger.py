"""What the insurance integration tests share: a policy's terms as its TOML table holds
them, small CSVs imported through the import service, a claim's papers all provided."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import write_csv
from tradeguard.audit.models import AuditEntry
from tradeguard.domain.identity.access import Org
from tradeguard.imports.service import ImportResult, import_file
from tradeguard.insurance import claims
from tradeguard.insurance import service as insurance

# A named-buyers policy for 2024 in EUR (the organisation's base currency): 90 %
# commercial, 95 % political, no first loss or non-qualifying loss unless a test sets
# them; invoices overdue must be notified within 60 days of their due date.
TERMS: dict[str, Any] = {
    "insurer": "Atradius",
    "number": "P-2024",
    "currency": "EUR",
    "start": "2024-01-01",
    "end": "2024-12-31",
    "insured_percentage": 0.9,
    "political_insured_percentage": 0.95,
    "aggregate_first_loss": "0",
    "non_qualifying_loss": "0",
    "maximum_liability": "1000000",
    "maximum_credit_period_days": 90,
    "maximum_extension_period_days": 60,
    "notification_deadline_days": 60,
    "waiting_period_days": 180,
    "premium_rate": "0.0025",
    "minimum_premium": "500.00",
    "discretionary_limit": "5000",
    "political_risk": True,
    "excluded_countries": ["RU"],
}
TOML = """[policy]
insurer = "Atradius"
number = "P-2024"
currency = "EUR"
start = 2024-01-01
end = 2024-12-31
insured_percentage = 0.9
political_insured_percentage = 0.95
aggregate_first_loss = "0"
non_qualifying_loss = "0"
maximum_liability = "1000000"
maximum_credit_period_days = 90
maximum_extension_period_days = 60
notification_deadline_days = 60
waiting_period_days = 180
premium_rate = "0.0025"
minimum_premium = "500.00"
discretionary_limit = "5000"
political_risk = true
excluded_countries = ["RU"]
"""
BUYERS_HEADER = "buyer_id,name,country,industry"
INVOICES_HEADER = "invoice_id,buyer_id,issue_date,due_date,amount,currency,delivery_date"
LIMITS_HEADER = "buyer_id,amount,currency,effective_date,expiry_date,conditions"


def terms(**changes: Any) -> dict[str, Any]:
    return {**TERMS, **changes}


def insure(session: Session, org: Org, **changes: Any) -> insurance.PolicyRecord:
    """Load ``TERMS`` with ``changes`` as the credit manager."""
    return insurance.load_policy(session, org, terms(**changes), "cm")


def load(session: Session, org: Org, folder: Path, kind: str, *lines: str) -> ImportResult:
    """Import one CSV of ``kind``: its header line, then its rows."""
    path = write_csv(folder, f"{kind}.csv", "\n".join(lines))
    return import_file(session, org, kind, path, "test")


def provide_documents(session: Session, org: Org, claim_id: int, on: dt.date) -> None:
    for document in claims.CHECKLIST:
        claims.set_document(session, org, claim_id, document, True, "cm", on)


def audited(session: Session, *actions: str) -> int:
    """How many audit rows the actions wrote."""
    query = select(func.count()).where(AuditEntry.action.in_(actions))
    return session.scalar(query) or 0


def covered(
    session: Session, org: Org, buyer_id: str, as_of: dt.date
) -> dict[str, tuple[Decimal, str | None]]:
    """Each open invoice of the buyer: (covered, reason) on ``as_of``."""
    found = insurance.buyer_cover(session, org, buyer_id, as_of)
    assert found is not None
    return {i.invoice_id: (i.covered, i.reason) for i in found.invoices}
