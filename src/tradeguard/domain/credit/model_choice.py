"""Which model scores, and how a fitted model's PD takes over from the expert one.

In ``expert`` mode the expert scorecard scores. In ``fitted`` mode the newest of the
organisation's active fitted models does, and the expert scorecard where none is
active. A fitted model's PD replaces the expert PD (still 100% for a buyer in default);
grade, class and limit follow that PD, while score, confidence, Altman and reasons stay
the expert scorecard's: they explain the inputs the model read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from tradeguard.domain.credit.assess import Assessment, BuyerInputs
from tradeguard.domain.credit.fitted import Scorecard, features
from tradeguard.domain.credit.grading import class_codes, grades
from tradeguard.domain.credit.settings import CreditSettings
from tradeguard.domain.credit.sizing import recommended_limit

EXPERT = "expert"


@dataclass(frozen=True, slots=True)
class FittedModel:
    """An active model fitted on the organisation's history, by its id."""

    id: int
    scorecard: Scorecard


def scoring_model(settings: CreditSettings, active: Iterable[FittedModel]) -> FittedModel | None:
    """The fitted model that scores; None where the expert scorecard does."""
    if settings.mode != "fitted":
        return None
    return max(active, key=lambda model: model.id, default=None)


def model_name(model: FittedModel | None) -> str:
    """How a score names its model: ``expert`` or ``fitted:<id>``."""
    return EXPERT if model is None else f"fitted:{model.id}"


def with_model(
    expert: Assessment, inputs: BuyerInputs, model: FittedModel | None, settings: CreditSettings
) -> Assessment:
    """The expert assessment, or the fitted model's where one scores."""
    if model is None:
        return expert
    pd = model.scorecard.predict(features(expert.values))
    pd = np.where(inputs.in_default, 1.0, pd)
    grade = grades(pd, inputs.in_default, settings.grade_bounds)
    klass = class_codes(grade, settings)
    s = inputs.statements
    limit = recommended_limit(
        grade, klass, inputs.exposure, s.equity, s.sales, inputs.insurer_limit, settings
    )
    return Assessment(
        expert.score,
        expert.confidence,
        pd,
        grade,
        klass,
        limit,
        expert.altman,
        expert.values,
        expert.card,
    )
