"""The premium: a rate on the turnover insured each month, declared to the insurer, with a
true-up at the end of the policy period up to the minimum premium.

The insured turnover of a month is what was insured when delivered
(``covered_at_delivery``) on the invoices issued in it: a cover lost later (a missed
notification, a dispute) does not take back the premium on it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from tradeguard.domain.insurance.policy import Policy
from tradeguard.domain.money import from_minor, quantize


@dataclass(frozen=True, slots=True)
class Declaration:
    month: dt.date  # its first day
    insured_turnover: Decimal  # policy currency
    premium: Decimal


def insured_turnover(cover_at_delivery: pl.DataFrame, month: dt.date) -> int:
    """Σ ``covered_at_delivery`` (minor units) of the invoices of an ``invoice_cover``
    frame issued in ``month``'s calendar month."""
    issued = pl.col("issue_date")
    in_month = (issued.dt.year() == month.year) & (issued.dt.month() == month.month)
    return int(cover_at_delivery.filter(in_month)["covered_at_delivery"].sum())


def premium_due(policy: Policy, turnover: Decimal) -> Decimal:
    """``turnover`` × the premium rate, rounded half to even to the currency's minor unit."""
    return quantize(turnover * policy.premium_rate, policy.currency)


def declare(policy: Policy, cover: pl.DataFrame, month: dt.date) -> Declaration:
    """The month's declaration from an ``invoice_cover`` frame."""
    turnover = from_minor(insured_turnover(cover, month), policy.currency)
    return Declaration(month.replace(day=1), turnover, premium_due(policy, turnover))


def minimum_premium_true_up(policy: Policy, premiums: Sequence[Decimal]) -> Decimal:
    """What is still owed at the end of the period so that the premiums paid reach the
    minimum premium: max(0, minimum − Σ premiums)."""
    return max(Decimal(0), policy.minimum_premium - sum(premiums, Decimal(0)))
