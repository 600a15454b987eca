"""The expert scorecard: documented factors and weights that work from day one.

Each factor turns one observed value into a sub-score between 0 and 100 (100 best)
along a logistic curve, ``100 / (1 + exp(-(x - midpoint) / scale))``: the midpoint
scores 50, ``scale`` is how far the value moves for one e-fold of the odds (negative
where a higher value is worse). The curve is strictly monotonic and never saturates
into ties, so the score keeps ranking buyers in the tails.

The score is the weighted sum of the sub-scores (weights add up to 1). A factor with
no value counts as the cautious ``prior_subscore`` (40 by default, below neutral), so
missing data lowers the score's *confidence* (the weight of the factors actually
observed) and pulls it towards a cautious prior instead of to zero: a buyer with no
data at all scores exactly the prior.

The reason codes are each factor's impact in score points against a neutral 50:
``weight × (sub-score − 50)``; a missing factor's impact is ``weight × (prior − 50)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Factor:
    code: str  # the reason code
    name: str  # the input's name in ``ScoreInputs``
    group: str  # financial, payment, country, industry, relationship
    label: str
    weight: float
    midpoint: float  # the value that scores 50
    scale: float  # value change per e-fold of the odds; negative: higher is worse


FACTORS: tuple[Factor, ...] = (
    # Financial statements: 40%
    Factor(
        "FIN_ALTMAN",
        "altman_position",
        "financial",
        "Altman score (0 = distress cut-off, 1 = safe cut-off)",
        0.14,
        0.5,
        0.35,
    ),
    Factor("FIN_LIQUIDITY", "current_ratio", "financial", "current ratio", 0.05, 1.2, 0.3),
    Factor(
        "FIN_LEVERAGE",
        "debt_ratio",
        "financial",
        "total liabilities / total assets",
        0.08,
        0.65,
        -0.12,
    ),
    Factor(
        "FIN_PROFITABILITY", "ebit_to_assets", "financial", "EBIT / total assets", 0.07, 0.03, 0.04
    ),
    Factor(
        "FIN_INTEREST_COVER",
        "interest_cover",
        "financial",
        "EBIT / interest expense",
        0.02,
        2.0,
        1.0,
    ),
    Factor(
        "FIN_SIZE", "log_assets", "financial", "log10 total assets (base currency)", 0.04, 6.5, 0.6
    ),
    # The seller's own payment experience: 34%
    Factor(
        "PAY_DAYS_BEYOND_TERMS",
        "days_beyond_terms",
        "payment",
        "average days beyond terms",
        0.20,
        12.0,
        -6.0,
    ),
    Factor(
        "PAY_TREND",
        "dbt_trend",
        "payment",
        "trend of days beyond terms (days per month)",
        0.06,
        1.0,
        -1.0,
    ),
    Factor(
        "PAY_MAX_DELAY",
        "max_delay_days",
        "payment",
        "longest delay in the last year (days)",
        0.04,
        45.0,
        -15.0,
    ),
    Factor(
        "PAY_DISPUTES", "disputes", "payment", "disputes opened in the last year", 0.04, 2.0, -0.8
    ),
    # Country, industry, relationship: 26%
    Factor(
        "COUNTRY_GRADE",
        "country_grade",
        "country",
        "country grade (1 best, 10 worst)",
        0.12,
        5.5,
        -1.5,
    ),
    Factor(
        "INDUSTRY_RISK",
        "industry_risk",
        "industry",
        "industry risk (-1 low, 0 average, +1 high)",
        0.06,
        0.0,
        -0.5,
    ),
    Factor(
        "RELATIONSHIP_AGE",
        "relationship_years",
        "relationship",
        "years since the first invoice",
        0.08,
        1.5,
        1.0,
    ),
)
FINANCIAL = tuple(f for f in FACTORS if f.group == "financial")
assert abs(sum(f.weight for f in FACTORS) - 1.0) < 1e-12

# Expert industry risk (−1 low … +1 high), from the sector views that credit insurers
# publish (defensive sectors low; construction, retail, textiles high). Unknown: missing.
INDUSTRY_RISK: dict[str, float] = {
    "pharmaceuticals": -0.8,
    "food & beverage": -0.5,
    "energy": -0.3,
    "chemicals": -0.2,
    "electronics": 0.0,
    "machinery": 0.0,
    "paper & packaging": 0.0,
    "plastics": 0.2,
    "wholesale": 0.2,
    "agriculture": 0.2,
    "logistics": 0.3,
    "automotive": 0.4,
    "metals": 0.4,
    "textiles": 0.7,
    "retail": 0.7,
    "construction": 0.9,
}


def industry_risk(industry: str | None) -> float:
    """The expert risk of an industry name, NaN where unknown."""
    if not industry:
        return float("nan")
    return INDUSTRY_RISK.get(industry.strip().lower(), float("nan"))


def subscore(values: npt.ArrayLike, factor: Factor) -> FloatArray:
    """0..100, NaN where the value is missing."""
    x = np.asarray(values, dtype=np.float64)
    with np.errstate(over="ignore"):
        return np.asarray(100.0 / (1.0 + np.exp(-(x - factor.midpoint) / factor.scale)))


@dataclass(frozen=True, slots=True)
class Scorecard:
    score: FloatArray  # 0..100, higher is better
    confidence: FloatArray  # 0..1: the weight of the observed factors
    subscores: FloatArray  # n × factors, NaN where missing
    impacts: FloatArray  # n × factors, score points against a neutral 50


def score(
    inputs: dict[str, npt.ArrayLike],
    factors: tuple[Factor, ...] = FACTORS,
    prior: float = 40.0,
) -> Scorecard:
    """Score arrays of factor values (NaN = missing); absent inputs are missing.

    With a subset of ``factors`` (e.g. ``FINANCIAL``) the weights are rescaled to 1.
    """
    lengths = {np.asarray(v).shape[0] for v in inputs.values() if np.asarray(v).ndim == 1}
    n = lengths.pop() if lengths else 1
    if lengths:
        raise ValueError("inputs of different lengths")
    total = sum(f.weight for f in factors)
    weights = np.array([f.weight / total for f in factors])
    subs = np.empty((n, len(factors)))
    for j, factor in enumerate(factors):
        value = inputs.get(factor.name)
        if value is None:
            subs[:, j] = np.nan
        else:
            subs[:, j] = np.broadcast_to(subscore(value, factor), (n,))
    observed = ~np.isnan(subs)
    filled = np.where(observed, subs, prior)
    impacts = weights * (filled - 50.0)
    return Scorecard(
        score=filled @ weights,
        confidence=observed.astype(np.float64) @ weights,
        subscores=subs,
        impacts=impacts,
    )


def top_reasons(impacts: FloatArray, count: int = 5) -> IntArray:
    """Per row, the indices of the ``count`` factors with the largest absolute impact."""
    order = np.argsort(-np.abs(impacts), axis=1, kind="stable")
    return np.asarray(order[:, :count], dtype=np.int64)
