"""A buyer's credit assessment, vectorised over many buyers and usable for one.

``assess`` runs the whole chain on arrays: ratios → Altman (variant per buyer) →
expert scorecard → PD → grade → class → recommended limit, plus the reason codes.
``assess_one`` wraps it for a single buyer with plain Python values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from tradeguard.domain.credit import altman as alt
from tradeguard.domain.credit.grading import CLASSES, class_codes, grades, score_to_pd
from tradeguard.domain.credit.ratios import Statements, ratios
from tradeguard.domain.credit.scorecard import FACTORS, Scorecard, score, top_reasons
from tradeguard.domain.credit.settings import CreditSettings
from tradeguard.domain.credit.sizing import recommended_limit

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def _nan(n: int) -> FloatArray:
    return np.full(n, np.nan)


@dataclass(frozen=True, slots=True)
class BuyerInputs:
    """Everything the assessment reads, one array element per buyer (NaN = unknown)."""

    statements: Statements
    manufacturer: BoolArray
    emerging: BoolArray
    country_grade: FloatArray
    industry_risk: FloatArray
    days_beyond_terms: FloatArray
    dbt_trend: FloatArray
    max_delay_days: FloatArray
    disputes: FloatArray
    relationship_years: FloatArray
    in_default: BoolArray
    exposure: FloatArray  # the seller's expected peak exposure
    insurer_limit: FloatArray

    @classmethod
    def empty(cls, n: int) -> BuyerInputs:
        """n buyers about whom nothing is known."""
        return cls(
            statements=Statements.of(total_assets=_nan(n)),
            manufacturer=np.zeros(n, dtype=np.bool_),
            emerging=np.zeros(n, dtype=np.bool_),
            country_grade=_nan(n),
            industry_risk=_nan(n),
            days_beyond_terms=_nan(n),
            dbt_trend=_nan(n),
            max_delay_days=_nan(n),
            disputes=_nan(n),
            relationship_years=_nan(n),
            in_default=np.zeros(n, dtype=np.bool_),
            exposure=_nan(n),
            insurer_limit=_nan(n),
        )

    def __len__(self) -> int:
        return len(self.statements)


@dataclass(frozen=True, slots=True)
class Assessment:
    score: FloatArray
    confidence: FloatArray
    pd: FloatArray
    grade: IntArray
    class_code: IntArray
    limit: FloatArray
    altman: alt.AltmanBatch
    values: FloatArray  # n × factors: each factor's input value (NaN missing)
    card: Scorecard


def factor_values(
    inputs: BuyerInputs, settings: CreditSettings
) -> tuple[FloatArray, alt.AltmanBatch]:
    r = ratios(inputs.statements)
    public = ~np.isnan(r.x4_market)
    variant = alt.choose_variant_codes(inputs.manufacturer, public, inputs.emerging)
    z = alt.altman_batch(
        variant,
        r.x1,
        r.x2,
        r.x3,
        r.x4_book,
        r.x4_market,
        r.x5,
        boundary=settings.altman_boundary,
        z2_x4=settings.altman_z2_x4,
    )
    columns = {
        "altman_position": alt.zone_position(z.value, z.variant),
        "current_ratio": r.current_ratio,
        "debt_ratio": r.debt_ratio,
        "ebit_to_assets": r.x3,
        "interest_cover": r.interest_cover,
        "log_assets": r.log_assets,
        "days_beyond_terms": inputs.days_beyond_terms,
        "dbt_trend": inputs.dbt_trend,
        "max_delay_days": inputs.max_delay_days,
        "disputes": inputs.disputes,
        "country_grade": inputs.country_grade,
        "industry_risk": inputs.industry_risk,
        "relationship_years": inputs.relationship_years,
    }
    values = np.column_stack([np.asarray(columns[f.name], dtype=np.float64) for f in FACTORS])
    return values, z


def assess(inputs: BuyerInputs, settings: CreditSettings | None = None) -> Assessment:
    settings = settings or CreditSettings()
    values, z = factor_values(inputs, settings)
    card = score(
        {f.name: values[:, j] for j, f in enumerate(FACTORS)},
        FACTORS,
        settings.prior_subscore,
    )
    pd = score_to_pd(card.score, settings.pd_intercept, settings.pd_slope)
    pd = np.where(inputs.in_default, 1.0, pd)
    grade = grades(pd, inputs.in_default, settings.grade_bounds)
    klass = class_codes(grade, settings)
    s = inputs.statements
    limit = recommended_limit(
        grade, klass, inputs.exposure, s.equity, s.sales, inputs.insurer_limit, settings
    )
    return Assessment(card.score, card.confidence, pd, grade, klass, limit, z, values, card)


# ---- one buyer ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    factor: str
    value: float | None  # None: no data (counted as the cautious prior)
    subscore: float | None
    impact: float  # score points against a neutral 50; negative lowers the score
    message: str | None = None  # the default triggers say what happened in words

    @property
    def direction(self) -> str:
        return "raises" if self.impact > 0 else "lowers"

    def as_dict(self) -> dict[str, Any]:
        """The reason as kept with the score (``credit_scores.reasons``, JSON)."""
        data: dict[str, Any] = {
            "code": self.code,
            "factor": self.factor,
            "value": self.value,
            "subscore": self.subscore,
            "impact": self.impact,
            "direction": self.direction,
        }
        if self.message is not None:
            data["message"] = self.message
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Reason:
        return cls(
            code=data["code"],
            factor=data["factor"],
            value=data["value"],
            subscore=data["subscore"],
            impact=data["impact"],
            message=data.get("message"),
        )


@dataclass(frozen=True, slots=True)
class AltmanResult:
    variant: str
    value: float
    zone: str


@dataclass(frozen=True, slots=True)
class BuyerAssessment:
    score: float
    confidence: float
    pd: float
    grade: int
    credit_class: str
    limit: float
    altman: AltmanResult | None
    reasons: list[Reason] = field(default_factory=list)


def _clean(value: float) -> float | None:
    return None if math.isnan(value) else round(float(value), 4)


def reasons_of(result: Assessment, row: int, count: int = 5) -> list[Reason]:
    order = top_reasons(result.card.impacts[row : row + 1], count)[0]
    return [
        Reason(
            FACTORS[j].code,
            FACTORS[j].label,
            _clean(result.values[row, j]),
            _clean(result.card.subscores[row, j]),
            round(float(result.card.impacts[row, j]), 2),
        )
        for j in order
    ]


def pick(result: Assessment, row: int, reasons: int = 5) -> BuyerAssessment:
    """One buyer's result out of a batch."""
    z = result.altman
    altman = (
        None
        if z.variant[row] < 0
        else AltmanResult(
            alt.VARIANTS[int(z.variant[row])].value,
            round(float(z.value[row]), 4),
            alt.ZONES[int(z.zone[row])].value,
        )
    )
    return BuyerAssessment(
        score=round(float(result.score[row]), 2),
        confidence=round(float(result.confidence[row]), 4),
        pd=float(result.pd[row]),
        grade=int(result.grade[row]),
        credit_class=CLASSES[int(result.class_code[row])],
        limit=float(result.limit[row]),
        altman=altman,
        reasons=reasons_of(result, row, reasons),
    )


def assess_one(settings: CreditSettings | None = None, **values: Any) -> BuyerAssessment:
    """One buyer from keyword values: statement lines (``total_assets=``...) and the
    ``BuyerInputs`` fields; anything not given is unknown."""
    statement_names = set(Statements.__dataclass_fields__)
    lines = {k: v for k, v in values.items() if k in statement_names}
    rest = {k: v for k, v in values.items() if k not in statement_names}
    base = BuyerInputs.empty(1)
    fields_ = {name: getattr(base, name) for name in BuyerInputs.__dataclass_fields__}
    unknown = set(rest) - set(fields_)
    if unknown:
        raise TypeError(f"unknown inputs: {sorted(unknown)}")
    for name, value in rest.items():
        dtype = np.bool_ if name in {"manufacturer", "emerging", "in_default"} else np.float64
        fields_[name] = np.array([np.nan if value is None else value], dtype=dtype)
    fields_["statements"] = Statements.of(**lines) if lines else base.statements
    return pick(assess(BuyerInputs(**fields_), settings), 0)
