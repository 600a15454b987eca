"""How well a score ranks and how well a PD is calibrated: AUC, Gini, KS, Brier, table.

- AUC: the probability that a random defaulter has a higher risk score than a random
  non-defaulter, ties counted half (the Mann-Whitney U statistic / n₁n₀), computed
  from mid-ranks.
- Gini (accuracy ratio) = 2·AUC − 1.
- KS: the largest distance between the cumulative risk-score distributions of
  defaulters and non-defaulters.
- Brier score: mean (PD − outcome)².
- Calibration table: buyers in ``bins`` groups of equal count by PD, with the mean
  PD, the observed default rate and the count of each.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


def _ranks(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Mid-ranks (1-based), ties sharing their average rank."""
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    ranks = np.empty(len(values))
    boundaries = np.flatnonzero(np.diff(ordered)) + 1
    starts = np.concatenate([[0], boundaries])
    ends = np.concatenate([boundaries, [len(values)]])
    mid = (starts + ends + 1) / 2.0  # average of ranks start+1 .. end
    ranks[order] = np.repeat(mid, ends - starts)
    return ranks


def auc(defaulted: npt.ArrayLike, risk: npt.ArrayLike) -> float:
    """Area under the ROC curve of ``risk`` (higher = riskier) for the outcome."""
    y = np.asarray(defaulted, dtype=np.bool_)
    r = np.asarray(risk, dtype=np.float64)
    positives, negatives = int(y.sum()), int((~y).sum())
    if positives == 0 or negatives == 0:
        raise ValueError("AUC needs both outcomes")
    ranks = _ranks(r)
    u = ranks[y].sum() - positives * (positives + 1) / 2.0
    return float(u / (positives * negatives))


def gini(defaulted: npt.ArrayLike, risk: npt.ArrayLike) -> float:
    return 2.0 * auc(defaulted, risk) - 1.0


def ks(defaulted: npt.ArrayLike, risk: npt.ArrayLike) -> float:
    y = np.asarray(defaulted, dtype=np.bool_)
    r = np.asarray(risk, dtype=np.float64)
    grid = np.unique(r)
    bad = np.searchsorted(np.sort(r[y]), grid, side="right") / max(int(y.sum()), 1)
    good = np.searchsorted(np.sort(r[~y]), grid, side="right") / max(int((~y).sum()), 1)
    return float(np.max(np.abs(bad - good)))


def brier(defaulted: npt.ArrayLike, pd: npt.ArrayLike) -> float:
    y = np.asarray(defaulted, dtype=np.float64)
    p = np.asarray(pd, dtype=np.float64)
    return float(np.mean((p - y) ** 2))


@dataclass(frozen=True, slots=True)
class CalibrationRow:
    pd_from: float
    pd_to: float
    count: int
    mean_pd: float
    default_rate: float


def calibration_table(
    defaulted: npt.ArrayLike, pd: npt.ArrayLike, bins: int = 10
) -> list[CalibrationRow]:
    y = np.asarray(defaulted, dtype=np.float64)
    p = np.asarray(pd, dtype=np.float64)
    order = np.argsort(p, kind="mergesort")
    rows = []
    for chunk in np.array_split(order, bins):
        if chunk.size == 0:
            continue
        rows.append(
            CalibrationRow(
                float(p[chunk].min()),
                float(p[chunk].max()),
                int(chunk.size),
                float(p[chunk].mean()),
                float(y[chunk].mean()),
            )
        )
    return rows
