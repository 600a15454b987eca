"""Which model scores, and a fitted model's PD taking over grade, class and limit."""

from __future__ import annotations

import numpy as np

from tradeguard.domain.credit.assess import BuyerInputs, assess
from tradeguard.domain.credit.fitted import Binning, Scorecard
from tradeguard.domain.credit.model_choice import (
    FittedModel,
    model_name,
    scoring_model,
    with_model,
)
from tradeguard.domain.credit.scorecard import FACTORS
from tradeguard.domain.credit.settings import CreditSettings

EXPERT, FITTED = CreditSettings(), CreditSettings(mode="fitted")


def _constant(pd: float) -> Scorecard:
    """A model that gives every buyer the same PD (no factor used)."""
    return Scorecard(
        [f.code for f in FACTORS],
        [None] * len(FACTORS),
        float(np.log(pd / (1 - pd))),
        [],
    )


def test_the_newest_active_model_scores_in_fitted_mode_only() -> None:
    old, new = FittedModel(3, _constant(0.01)), FittedModel(7, _constant(0.2))
    assert scoring_model(EXPERT, [old, new]) is None
    assert scoring_model(FITTED, [new, old]) is new
    assert scoring_model(FITTED, []) is None  # none fitted yet: the expert scorecard
    assert (model_name(None), model_name(new)) == ("expert", "fitted:7")


def test_a_fitted_pd_moves_grade_class_and_limit_but_keeps_the_explanations() -> None:
    inputs = BuyerInputs.empty(3)
    inputs = BuyerInputs(
        **{
            **{name: getattr(inputs, name) for name in BuyerInputs.__dataclass_fields__},
            "in_default": np.array([False, False, True]),
            "exposure": np.array([10_000.0, 10_000.0, 10_000.0]),
        }
    )
    expert = assess(inputs, FITTED)
    assert expert.grade.tolist() == [6, 6, 10]  # nothing known: the cautious prior, 3.6%
    assert with_model(expert, inputs, None, FITTED) is expert
    result = with_model(expert, inputs, FittedModel(1, _constant(0.001)), FITTED)
    assert np.allclose(result.pd, [0.001, 0.001, 1.0])  # in default: 100% whatever the model
    assert result.grade.tolist() == [2, 2, 10]  # 0.0005 <= 0.1% < 0.0015: grade 2
    assert result.class_code.tolist() == [0, 0, 2]  # A, A, C
    # grade 2: the whole expected exposure (under the discretionary 20,000); C: no limit
    assert result.limit.tolist() == [10_000.0, 10_000.0, 0.0]
    assert result.score is expert.score
    assert result.altman is expert.altman
    assert result.card is expert.card


def test_a_binned_model_reads_the_expert_factor_values() -> None:
    names = [f.name for f in FACTORS]
    column = names.index("days_beyond_terms")
    binnings: list[Binning | None] = [None] * len(FACTORS)
    binnings[column] = Binning([10.0], [-1.0, 1.0], 0.0)
    model = Scorecard([f.code for f in FACTORS], binnings, -3.0, [1.0])
    inputs = BuyerInputs.empty(2)
    inputs = BuyerInputs(
        **{
            **{name: getattr(inputs, name) for name in BuyerInputs.__dataclass_fields__},
            "days_beyond_terms": np.array([2.0, 30.0]),
        }
    )
    result = with_model(assess(inputs, FITTED), inputs, FittedModel(1, model), FITTED)
    expected = 1 / (1 + np.exp(-np.array([-3.0 - 1.0, -3.0 + 1.0])))
    assert np.allclose(result.pd, expected)
