"""The named-buyers policy the cover, notification and premium tests share."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tradeguard.domain.insurance.policy import Policy

POLICY = Policy(
    insurer="Atradius",
    number="P-1",
    currency="EUR",
    start=dt.date(2024, 1, 1),
    end=dt.date(2024, 12, 31),
    insured_percentage=Decimal("0.9"),
    political_insured_percentage=Decimal("0.95"),
    aggregate_first_loss=Decimal("0"),
    non_qualifying_loss=Decimal("0"),
    maximum_liability=Decimal("1000000"),
    maximum_credit_period_days=90,
    maximum_extension_period_days=60,
    notification_deadline_days=60,
    waiting_period_days=180,
    premium_rate=Decimal("0.0025"),
    minimum_premium=Decimal("500.00"),
    discretionary_limit=Decimal("50.00"),  # 5000 minor units
    political_risk=False,
    excluded_countries=frozenset({"RU"}),
)


def day(month: int, d: int, year: int = 2024) -> dt.date:
    return dt.date(year, month, d)
