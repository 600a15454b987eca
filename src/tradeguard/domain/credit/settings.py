"""Credit settings of an organisation: grade bands, classes, terms, limits, conventions.

Stored as JSON (``credit_settings`` table); every field has a documented default, so
an organisation that never touched them scores from day one. Settings that older
versions stored and this one no longer has (``RETIRED``) are ignored on loading.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

from tradeguard.domain.errors import InvalidInputError

# Upper PD bound of grades 1..9 (grade g holds bound[g-2] <= PD < bound[g-1]); grade 10
# is "in default", set by the default definition, never by a PD. The bands follow the
# geometric steps of the agencies' long-run one-year corporate default rates (S&P
# Global Ratings annual default studies, 1981 onwards: roughly AA 0.02%, A 0.05%,
# BBB 0.15%, BB 0.6%, B 3%, CCC/C about 25%); see docs/credit.md for the mapping.
DEFAULT_GRADE_BOUNDS = (0.0005, 0.0015, 0.004, 0.01, 0.02, 0.04, 0.08, 0.15, 1.0)
# Share of the expected exposure the limit may cover, per grade 1..10.
DEFAULT_LIMIT_FACTORS = (1.0, 1.0, 1.0, 0.9, 0.8, 0.6, 0.4, 0.0, 0.0, 0.0)

Mode = Literal["expert", "fitted"]
# Stored by older versions, read by nothing: "extra" (free-form values, never used).
RETIRED = frozenset({"extra"})


class InvalidSettingsError(InvalidInputError):
    pass


@dataclass(frozen=True, slots=True)
class CreditSettings:
    mode: Mode = "expert"
    # Grades and classes
    grade_bounds: tuple[float, ...] = DEFAULT_GRADE_BOUNDS
    class_a_max_grade: int = 5  # grades 1..5: A (open account)
    class_b_max_grade: int = 7  # grades 6..7: B (partial prepayment); worse: C
    terms_a_min_days: int = 60
    terms_a_max_days: int = 90
    prepayment_b_share: float = 0.30
    # Score -> PD: logit(PD) = pd_intercept + pd_slope * (score - 50)
    pd_intercept: float = -3.8918  # logit(2%): a score of 50 is a 2% PD
    pd_slope: float = -0.0606  # odds halve about every 11.4 points: 100 -> 0.1%, 0 -> 30%
    # Scorecard
    prior_subscore: float = 40.0  # a missing component counts as this (cautious: < 50)
    # Default definition (grade 10)
    default_days_overdue: int = 90
    # Altman conventions (see domain.credit.altman)
    altman_boundary: Literal["grey", "outer"] = "grey"
    altman_z2_x4: Literal["book", "market"] = "book"
    # Limits (amounts in the base currency's major unit)
    limit_factors: tuple[float, ...] = DEFAULT_LIMIT_FACTORS
    limit_equity_share: float = 0.10
    limit_sales_share: float = 0.05
    discretionary_limit: float = 20_000.0
    limit_rounding: float = 100.0
    # A limit decision on more than this needs a decider other than the requester.
    four_eyes_amount: float = 10_000.0

    def __post_init__(self) -> None:
        problems = []
        bounds = self.grade_bounds
        if len(bounds) != 9 or list(bounds) != sorted(bounds) or not bounds[0] > 0:
            problems.append("grade_bounds: nine increasing PD bounds, the last 1.0")
        elif bounds[-1] != 1.0:
            problems.append("grade_bounds: the last bound must be 1.0")
        if not 1 <= self.class_a_max_grade <= self.class_b_max_grade <= 9:
            problems.append("class grades: 1 <= class_a_max_grade <= class_b_max_grade <= 9")
        if not 0 < self.terms_a_min_days <= self.terms_a_max_days:
            problems.append("terms_a: 0 < min <= max")
        if not 0 <= self.prepayment_b_share <= 1:
            problems.append("prepayment_b_share: between 0 and 1")
        if not math.isfinite(self.pd_intercept):
            problems.append("pd_intercept: a finite number")
        if not self.pd_slope < 0:
            problems.append("pd_slope: must be negative (a higher score is a lower PD)")
        if not 0 <= self.prior_subscore <= 100:
            problems.append("prior_subscore: between 0 and 100")
        if len(self.limit_factors) != 10 or any(not 0 <= f <= 1 for f in self.limit_factors):
            problems.append("limit_factors: ten shares between 0 and 1")
        for name in (
            "limit_equity_share",
            "limit_sales_share",
            "discretionary_limit",
            "four_eyes_amount",
        ):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                problems.append(f"{name}: a number >= 0")
        if not self.limit_rounding > 0:
            problems.append("limit_rounding: > 0")
        if self.mode not in ("expert", "fitted"):
            problems.append("mode: expert or fitted")
        if self.altman_boundary not in ("grey", "outer"):
            problems.append("altman_boundary: grey or outer")
        if self.altman_z2_x4 not in ("book", "market"):
            problems.append("altman_z2_x4: book or market")
        if problems:
            raise InvalidSettingsError("; ".join(problems))

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["grade_bounds"] = list(self.grade_bounds)
        data["limit_factors"] = list(self.limit_factors)
        return data

    @classmethod
    def stored(cls, data: Mapping[str, Any] | None) -> CreditSettings:
        """The settings as stored, by this version or an older one."""
        return cls.from_dict({k: v for k, v in (data or {}).items() if k not in RETIRED})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> CreditSettings:
        """Settings from their names and values; an unknown name is an error."""
        if not data:
            return cls()
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise InvalidSettingsError(f"unknown credit settings: {', '.join(sorted(unknown))}")
        values = dict(data)
        try:
            for name in ("grade_bounds", "limit_factors"):
                if name in values:
                    values[name] = tuple(float(v) for v in values[name])
            return cls(**values)
        except (TypeError, ValueError) as error:  # a value of the wrong kind
            raise InvalidSettingsError(f"invalid credit settings: {error}") from None
