"""Validation on real data: 5,910 Polish companies, 410 bankrupt within a year.

REFERENCES.md: Z' ranks them with AUC 0.708 and Z'' with 0.766; the expert financial
score must do at least as well as Z''; a gradient-boosting model must reach a
stratified 5-fold cross-validated AUC of at least 0.95 (published: 0.955–0.963).
The full-size model runs in ``bench/bench_polish.py``; this test uses a smaller one.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.credit.polish import POLISH, attr, financial_inputs, load
from tradeguard.domain.credit import altman as alt
from tradeguard.domain.credit import scorecard as sc
from tradeguard.domain.credit.metrics import auc

pytestmark = pytest.mark.skipif(
    not POLISH.exists(), reason=f"shared data not found at {POLISH} (validation needs it)"
)


@pytest.fixture(scope="module")
def polish() -> tuple[np.ndarray, np.ndarray]:
    return load()


def test_the_file_is_the_published_one(polish: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = polish
    assert x.shape == (5910, 64)
    assert int(y.sum()) == 410


def test_altman_aucs_match_the_published_values(polish: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = polish
    z2 = alt.z_score(alt.Variant.Z_DOUBLE_PRIME, attr(x, 3), attr(x, 6), attr(x, 7), attr(x, 8))
    z1 = alt.z_score(
        alt.Variant.Z_PRIME, attr(x, 3), attr(x, 6), attr(x, 7), attr(x, 8), attr(x, 9)
    )
    known = ~np.isnan(z2)
    assert auc(y[known], -z2[known]) == pytest.approx(0.766, abs=0.001)
    assert auc(y[known], -z1[known]) == pytest.approx(0.708, abs=0.001)


def test_expert_financial_score_ranks_at_least_as_well_as_z_double_prime(
    polish: tuple[np.ndarray, np.ndarray],
) -> None:
    x, y = polish
    inputs = financial_inputs(x)
    known = ~np.isnan(inputs["altman_position"])
    card = sc.score(inputs, sc.FINANCIAL)
    z2_auc = auc(y[known], -inputs["altman_position"][known])
    expert_auc = auc(y[known], -card.score[known])
    assert expert_auc >= z2_auc
    assert auc(y, -card.score) >= 0.77  # every firm, missing ratios at the prior


def test_gradient_boosting_cross_validated_auc(polish: tuple[np.ndarray, np.ndarray]) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from threadpoolctl import threadpool_limits

    x, y = polish
    model = HistGradientBoostingClassifier(
        max_iter=100, learning_rate=0.2, max_leaf_nodes=31, early_stopping=False, random_state=0
    )
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    # One OpenMP thread: beside the other test worker, threads for every core fought
    # over the two (57 s instead of 4); the scores are the same.
    with threadpool_limits(1):
        scores = cross_val_score(model, x, y, cv=folds, scoring="roc_auc")
    assert scores.mean() >= 0.95
