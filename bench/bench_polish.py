"""Validation numbers on the Polish bankruptcy file, full size (docs/credit.md).

    python bench/bench_polish.py

Prints the AUCs of Altman Z' and Z'', of the expert financial score, and the
stratified 5-fold cross-validated AUC of gradient boosting (scikit-learn's
HistGradientBoostingClassifier, 300 trees) beside the smaller model the test uses.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.credit.polish import POLISH, attr, financial_inputs, load

from tradeguard.domain.credit import altman as alt
from tradeguard.domain.credit import scorecard as sc
from tradeguard.domain.credit.metrics import auc


def main() -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    x, y = load(POLISH)
    z2 = alt.z_score(alt.Variant.Z_DOUBLE_PRIME, attr(x, 3), attr(x, 6), attr(x, 7), attr(x, 8))
    z1 = alt.z_score(
        alt.Variant.Z_PRIME, attr(x, 3), attr(x, 6), attr(x, 7), attr(x, 8), attr(x, 9)
    )
    known = ~np.isnan(z2)
    card = sc.score(financial_inputs(x), sc.FINANCIAL)
    results: dict[str, object] = {
        "firms": int(x.shape[0]),
        "bankrupt": int(y.sum()),
        "auc_z_prime": round(auc(y[known], -z1[known]), 4),
        "auc_z_double_prime": round(auc(y[known], -z2[known]), 4),
        "auc_expert_financial_same_firms": round(auc(y[known], -card.score[known]), 4),
        "auc_expert_financial_all_firms": round(auc(y, -card.score), 4),
    }
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    for name, params in (
        ("gbm_300_trees", {"max_iter": 300, "learning_rate": 0.1, "max_leaf_nodes": 31}),
        ("gbm_100_trees_as_in_test", {"max_iter": 100, "learning_rate": 0.2, "max_leaf_nodes": 31}),
    ):
        start = time.perf_counter()
        model = HistGradientBoostingClassifier(early_stopping=False, random_state=0, **params)
        scores = cross_val_score(model, x, y, cv=folds, scoring="roc_auc")
        results[name] = {
            "cv_auc_mean": round(float(scores.mean()), 4),
            "cv_auc_folds": [round(float(s), 4) for s in scores],
            "seconds": round(time.perf_counter() - start, 1),
        }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
