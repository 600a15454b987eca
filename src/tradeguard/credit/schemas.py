"""What the API answers about scores, reasons, grades and the credit settings.

The score schemas read the service's values by attribute (``model_validate``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

from tradeguard.domain.credit.settings import CreditSettings


class AltmanRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    variant: str
    value: float
    zone: str


class ReasonRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    factor: str
    value: float | None
    subscore: float | None
    impact: float
    direction: str
    message: str | None = None  # the default triggers say what happened in words


class ScoreRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    buyer_id: str
    as_of: dt.date
    model: str
    score: float
    confidence: float
    pd: float
    grade: int
    credit_class: str
    limit_recommended: str  # a decimal string in ``currency``
    currency: str
    altman: AltmanRead | None
    country_grade: int | None
    reasons: list[ReasonRead]

    @field_validator("limit_recommended", mode="before")
    @classmethod
    def _decimal_string(cls, value: object) -> object:
        return str(value) if isinstance(value, Decimal) else value


class ScorePointRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    as_of: dt.date
    pd: float
    grade: int
    credit_class: str


class GradeCountRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    grade: int
    credit_class: str
    buyers: int


class GradeDistributionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    as_of: dt.date | None
    grades: list[GradeCountRead]


# A number as it was set: 30000 reads back as 30000, 0.3 as 0.3 (``float`` would say 30000.0).
Number = int | float


class CreditSettingsRead(BaseModel):
    """The organisation's credit settings (``domain.credit.settings.CreditSettings``)."""

    mode: Literal["expert", "fitted"]
    grade_bounds: list[float]
    class_a_max_grade: Number
    class_b_max_grade: Number
    terms_a_min_days: Number
    terms_a_max_days: Number
    prepayment_b_share: Number
    pd_intercept: Number
    pd_slope: Number
    prior_subscore: Number
    default_days_overdue: Number
    altman_boundary: Literal["grey", "outer"]
    altman_z2_x4: Literal["book", "market"]
    limit_factors: list[float]
    limit_equity_share: Number
    limit_sales_share: Number
    discretionary_limit: Number
    limit_rounding: Number
    four_eyes_amount: Number

    @classmethod
    def of(cls, settings: CreditSettings) -> CreditSettingsRead:
        return cls.model_validate(settings, from_attributes=True)
