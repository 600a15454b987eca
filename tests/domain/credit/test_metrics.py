"""AUC, Gini, KS, Brier and the calibration table on hand-checked cases."""

from __future__ import annotations

import numpy as np
import pytest

from tradeguard.domain.credit.metrics import auc, brier, calibration_table, gini, ks


def test_auc_hand_checked_with_ties() -> None:
    # defaulters' risk 0.9, 0.5; non-defaulters' 0.5, 0.1, 0.2
    # pairs: (0.9 > all three) 3, (0.5 vs 0.5) 0.5, (0.5 > 0.1, 0.2) 2 -> 5.5 / 6
    y = [1, 1, 0, 0, 0]
    r = [0.9, 0.5, 0.5, 0.1, 0.2]
    assert auc(y, r) == pytest.approx(5.5 / 6)
    assert gini(y, r) == pytest.approx(2 * 5.5 / 6 - 1)


def test_auc_agrees_with_sklearn_on_random_data() -> None:
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(3)
    y = rng.random(2000) < 0.1
    r = np.round(rng.normal(size=2000) + y, 1)  # many ties
    assert auc(y, r) == pytest.approx(roc_auc_score(y, r))


def test_ks_and_brier_hand_checked() -> None:
    # perfectly separated: KS 1; Brier of PDs 0.2/0.8 on outcomes 0/1: 0.04
    assert ks([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == pytest.approx(1.0)
    assert ks([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4]) == pytest.approx(0.5)
    assert brier([0, 1], [0.2, 0.8]) == pytest.approx(0.04)


def test_calibration_table_groups_of_equal_count() -> None:
    rows = calibration_table([0, 0, 1, 0, 1, 1], [0.1, 0.1, 0.2, 0.2, 0.9, 0.8], bins=3)
    assert [r.count for r in rows] == [2, 2, 2]
    assert [r.default_rate for r in rows] == [0.0, 0.5, 1.0]
    assert rows[2].mean_pd == pytest.approx(0.85)
