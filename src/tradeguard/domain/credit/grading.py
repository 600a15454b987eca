"""From a score to a probability of default, a grade 1–10 and a credit class A/B/C.

- PD: a logistic calibration ``logit(PD) = intercept + slope · (score − 50)``; the
  defaults map 100 → 0.1%, 50 → 2%, 0 → 30%. ``fit_calibration`` refits the two
  numbers on observed defaults (Platt scaling, by Newton's method).
- Grade: 1 + the number of band bounds at or below the PD, so grade g holds
  ``bounds[g-2] <= PD < bounds[g-1]``; grade 10 is "in default" (90+ days overdue,
  written off or insolvent) and is set by that fact alone, with PD 1.
- Class: A for grades up to ``class_a_max_grade`` (open account, terms 60–90 days),
  B up to ``class_b_max_grade`` (open account with a partial prepayment), C beyond
  (cash before delivery).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tradeguard.domain.credit.settings import CreditSettings

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

CLASSES = ("A", "B", "C")
CLASS_TERMS = {
    "A": "open account, terms {min}-{max} days",
    "B": "open account with a {share:.0%} prepayment",
    "C": "cash before delivery",
}


def score_to_pd(score: npt.ArrayLike, intercept: float, slope: float) -> FloatArray:
    s = np.asarray(score, dtype=np.float64)
    return np.asarray(1.0 / (1.0 + np.exp(-(intercept + slope * (s - 50.0)))))


def pd_to_score(pd: npt.ArrayLike, intercept: float, slope: float) -> FloatArray:
    p = np.asarray(pd, dtype=np.float64)
    return np.asarray(50.0 + (np.log(p / (1.0 - p)) - intercept) / slope)


def fit_calibration(
    score: npt.ArrayLike, defaulted: npt.ArrayLike, iterations: int = 50
) -> tuple[float, float]:
    """Maximum-likelihood (intercept, slope) of logit(PD) on score − 50."""
    x = np.asarray(score, dtype=np.float64) - 50.0
    y = np.asarray(defaulted, dtype=np.float64)
    design = np.column_stack([np.ones_like(x), x])
    rate = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
    beta = np.array([np.log(rate / (1 - rate)), 0.0])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(design @ beta)))
        gradient = design.T @ (y - p)
        hessian = (design * (p * (1 - p))[:, None]).T @ design + 1e-9 * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10:
            break
    return float(beta[0]), float(beta[1])


def grades(pd: npt.ArrayLike, in_default: npt.ArrayLike, bounds: tuple[float, ...]) -> IntArray:
    p = np.asarray(pd, dtype=np.float64)
    grade = np.searchsorted(np.asarray(bounds[:-1]), p, side="right") + 1
    return np.where(np.asarray(in_default, dtype=np.bool_), 10, grade).astype(np.int64)


def class_codes(grade: npt.ArrayLike, settings: CreditSettings) -> IntArray:
    """0 A, 1 B, 2 C (index into ``CLASSES``)."""
    g = np.asarray(grade, dtype=np.int64)
    return np.where(
        g <= settings.class_a_max_grade, 0, np.where(g <= settings.class_b_max_grade, 1, 2)
    ).astype(np.int64)


def class_terms(credit_class: str, settings: CreditSettings) -> str:
    return CLASS_TERMS[credit_class].format(
        min=settings.terms_a_min_days,
        max=settings.terms_a_max_days,
        share=settings.prepayment_b_share,
    )


@dataclass(frozen=True, slots=True)
class Band:
    grade: int
    pd_from: float
    pd_to: float | None  # None for grade 10 (in default)
    credit_class: str


def bands(settings: CreditSettings) -> list[Band]:
    """The published grade table: PD band and class of every grade."""
    lower = (0.0, *settings.grade_bounds[:-1])
    rows = [
        Band(g, lower[g - 1], settings.grade_bounds[g - 1], CLASSES[int(class_codes(g, settings))])
        for g in range(1, 10)
    ]
    rows.append(Band(10, 1.0, None, "C"))
    return rows
