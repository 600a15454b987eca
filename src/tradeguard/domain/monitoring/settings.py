"""An organisation's monitoring thresholds: when an alert is raised, when a limit moves,
and how much overdue an order screening tolerates.

Stored as JSON (``monitoring_settings``); every field has a documented default
(docs/monitoring.md), so monitoring works from the first cycle. The defaults of the
overdue, delay and dispute rules were chosen on the demo company's hidden process
(docs/monitoring-quality.md): together they warn 30+ days before most defaults with
few false alerts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from tradeguard.domain.errors import InvalidInputError


class InvalidMonitoringSettingsError(InvalidInputError):
    pass


@dataclass(frozen=True, slots=True)
class MonitoringSettings:
    # A grade this many notches worse than the best grade of the window raises an alert.
    downgrade_notches: int = 2
    downgrade_window_days: int = 90
    # Payment delays growing: the behaviour trend (days beyond terms per month) above this,
    # for a buyer already paying at least ``delay_min_days`` late on average.
    delay_trend_days_per_month: float = 4.0
    delay_min_days: float = 20.0
    # Invoices more than this many days overdue (from day 60: 30 days before the 90-day
    # default), making up at least ``overdue_min_share`` of the buyer's open receivables
    # (a stray remainder of a paid invoice is not a warning).
    overdue_days: int = 59
    overdue_min_share: float = 0.075
    # The largest buyer's share of the open receivables above this.
    concentration_share: float = 0.40
    # A dispute opened on at least this amount (base currency, major units).
    large_dispute_amount: float = 25_000.0
    # Dynamic limits: a downgrade proposes a cut to limit × (1 − cut_share), or to the
    # recommended limit where that is lower; an upgrade held for ``upgrade_sustain_days``
    # (the grade at least ``upgrade_notches`` better than before, every day) proposes an
    # increase of ``increase_share``, at most up to the recommended limit.
    cut_share: float = 0.5
    upgrade_notches: int = 2
    upgrade_sustain_days: int = 60
    increase_share: float = 0.25
    # Order screening holds an order while an invoice is more than this many days overdue.
    overdue_tolerance_days: int = 15

    def __post_init__(self) -> None:
        problems = []
        for name in (
            "downgrade_notches",
            "downgrade_window_days",
            "overdue_days",
            "upgrade_notches",
            "upgrade_sustain_days",
        ):
            value = getattr(self, name)
            if not (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
                problems.append(f"{name}: a whole number >= 1")
        if not (isinstance(self.overdue_tolerance_days, int) and self.overdue_tolerance_days >= 0):
            problems.append("overdue_tolerance_days: a whole number >= 0")
        for name in ("concentration_share", "cut_share", "increase_share"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and 0 < value <= 1):
                problems.append(f"{name}: a share above 0, at most 1")
        if not (
            isinstance(self.delay_min_days, int | float) and math.isfinite(self.delay_min_days)
        ):
            problems.append("delay_min_days: a number")
        share = self.overdue_min_share
        if not (isinstance(share, int | float) and 0 <= share <= 1):
            problems.append("overdue_min_share: a share between 0 and 1")
        for name in ("delay_trend_days_per_month", "large_dispute_amount"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                problems.append(f"{name}: a number > 0")
        if problems:
            raise InvalidMonitoringSettingsError("; ".join(problems))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> MonitoringSettings:
        """Settings from their names and values; an unknown name is an error."""
        if not data:
            return cls()
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise InvalidMonitoringSettingsError(
                f"unknown monitoring settings: {', '.join(sorted(unknown))}"
            )
        return cls(**data)
