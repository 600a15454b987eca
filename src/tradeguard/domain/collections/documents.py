"""What a dunning step sends a buyer: one document for all its invoices at that step.

A letter, an e-mail, a phone script and an agency hand-over are all made from a
``DunningDocument``; ``collections.letters`` renders it (HTML, PDF, e-mail text).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from tradeguard.domain.collections.policy import Letterhead
from tradeguard.domain.collections.templates import StepTemplate


@dataclass(frozen=True, slots=True)
class DocumentItem:
    """One open invoice on the document (amounts in the invoice's currency)."""

    invoice_id: str
    issue_date: dt.date
    due_date: dt.date
    days_overdue: int  # negative: days before the due date
    amount: Decimal  # as invoiced
    open_amount: Decimal  # what is still to pay
    currency: str


@dataclass(frozen=True, slots=True)
class DunningDocument:
    step: str
    language: str  # "en" or "zh": the buyer's language
    date: dt.date  # the run's as-of date
    seller: Letterhead
    buyer_id: str
    buyer_name: str
    contact_name: str | None
    items: tuple[DocumentItem, ...]
    template: StepTemplate

    def totals(self) -> dict[str, Decimal]:
        """The open amount per currency, in the order the items list the currencies."""
        totals: dict[str, Decimal] = {}
        for item in self.items:
            totals[item.currency] = totals.get(item.currency, Decimal(0)) + item.open_amount
        return totals

    @property
    def max_days_overdue(self) -> int:
        return max(item.days_overdue for item in self.items)
