"""A logistic scorecard fitted on the seller's own history, monotonic by construction.

Each factor of the expert scorecard (same inputs, ``assess.factor_values``) is cut
into at most ``bins`` quantile bins, plus one bin for "missing". Adjacent bins whose
default rates run against the factor's documented direction (``Factor.scale``: e.g.
more days beyond terms may never lower the risk) are pooled (pool-adjacent-violators),
so the default rate is monotonic across the bins. Each bin gets its weight of evidence
WoE = ln(bad share / good share) (counts + 0.5), and a logistic regression on the WoE
values (a little L2 shrinkage) gives the PD. A factor whose coefficient comes out
negative, which would reverse its direction, is dropped and the rest refitted, so the
fitted PD is monotonic in every factor in its documented direction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tradeguard.domain.credit.scorecard import FACTORS

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Binning:
    edges: list[float]  # inner cut points, increasing; bin i holds edges[i-1] < x <= edges[i]
    woe: list[float]  # one per bin (len(edges) + 1)
    missing_woe: float

    def transform(self, x: FloatArray) -> FloatArray:
        index = np.searchsorted(np.asarray(self.edges), x, side="left")
        woe = np.asarray(self.woe)[np.clip(index, 0, len(self.woe) - 1)]
        return np.where(np.isnan(x), self.missing_woe, woe)


def _woe(bad: FloatArray, good: FloatArray, total_bad: float, total_good: float) -> FloatArray:
    return np.asarray(
        np.log(((bad + 0.5) / (total_bad + 1.0)) / ((good + 0.5) / (total_good + 1.0)))
    )


def monotonic_binning(
    x: FloatArray, y: FloatArray, higher_is_safer: bool, bins: int = 8
) -> Binning:
    """Quantile bins pooled until the default rate is monotonic in the given direction."""
    total_bad, total_good = float(y.sum()), float((1 - y).sum())
    known = ~np.isnan(x)
    xs, ys = x[known], y[known]
    missing_bad, missing_good = float(y[~known].sum()), float((1 - y[~known]).sum())
    missing = float(_woe(np.array(missing_bad), np.array(missing_good), total_bad, total_good))
    if xs.size == 0:
        return Binning([], [0.0], missing)
    edges = np.unique(np.quantile(xs, np.linspace(0, 1, bins + 1)[1:-1]))
    index = np.searchsorted(edges, xs, side="left")
    bad = np.bincount(index, weights=ys, minlength=len(edges) + 1).astype(np.float64)
    count = np.bincount(index, minlength=len(edges) + 1).astype(np.float64)
    # pool adjacent violators: blocks of [bad, count, last edge index]
    blocks: list[list[float]] = []
    for i in range(len(count)):
        if count[i] == 0:
            continue
        blocks.append([bad[i], count[i], float(i)])
        while len(blocks) > 1:
            b2, c2, _ = blocks[-1]
            b1, c1, _ = blocks[-2]
            rising = b2 / c2 > b1 / c1
            if rising == higher_is_safer and b2 / c2 != b1 / c1:
                last = blocks.pop()
                blocks[-1] = [b1 + b2, c1 + c2, last[2]]
            else:
                break
    cut = [float(edges[int(b[2])]) for b in blocks[:-1]]
    b_bad = np.array([b[0] for b in blocks])
    b_good = np.array([b[1] - b[0] for b in blocks])
    woe = _woe(b_bad, b_good, total_bad, total_good)
    return Binning(cut, [float(w) for w in woe], missing)


def _logistic(
    design: FloatArray, y: FloatArray, l2: float = 1e-3, iterations: int = 100
) -> FloatArray:
    n, k = design.shape
    x = np.column_stack([np.ones(n), design])
    beta = np.zeros(k + 1)
    rate = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
    beta[0] = np.log(rate / (1 - rate))
    penalty = l2 * n * np.eye(k + 1)
    penalty[0, 0] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        gradient = x.T @ (y - p) - penalty @ beta
        hessian = (x * (p * (1 - p))[:, None]).T @ x + penalty + 1e-9 * np.eye(k + 1)
        step = np.linalg.solve(hessian, gradient)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-9:
            break
    return beta


@dataclass(frozen=True, slots=True)
class Scorecard:
    names: list[str]
    binnings: list[Binning | None]  # None: factor dropped
    intercept: float
    coefficients: list[float]

    def woe_matrix(self, values: FloatArray) -> FloatArray:
        columns = [b.transform(values[:, j]) for j, b in enumerate(self.binnings) if b is not None]
        return np.column_stack(columns) if columns else np.zeros((values.shape[0], 0))

    def predict(self, values: FloatArray) -> FloatArray:
        """PD per row of a factor-value matrix (columns in ``FACTORS`` order)."""
        logit = self.intercept + self.woe_matrix(values) @ np.asarray(self.coefficients)
        return np.asarray(1.0 / (1.0 + np.exp(-logit)))

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": "monotonic_woe_logistic",
            "names": self.names,
            "binnings": [
                None
                if b is None
                else {"edges": b.edges, "woe": b.woe, "missing_woe": b.missing_woe}
                for b in self.binnings
            ],
            "intercept": self.intercept,
            "coefficients": self.coefficients,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scorecard:
        return cls(
            names=list(data["names"]),
            binnings=[
                None if b is None else Binning(b["edges"], b["woe"], b["missing_woe"])
                for b in data["binnings"]
            ],
            intercept=float(data["intercept"]),
            coefficients=[float(c) for c in data["coefficients"]],
        )


def features(values: FloatArray) -> FloatArray:
    """The model's inputs: the expert scorecard's factor values, unchanged."""
    return values


def fit(values: FloatArray, defaulted: npt.ArrayLike, bins: int = 8) -> Scorecard:
    """Fit on a factor-value matrix (rows buyers, columns ``FACTORS``) and outcomes."""
    y = np.asarray(defaulted, dtype=np.float64)
    if y.min() == y.max():
        raise ValueError("the history needs both defaulted and sound buyers")
    binnings: list[Binning | None] = []
    for j, factor in enumerate(FACTORS):
        binning = monotonic_binning(values[:, j], y, factor.scale > 0, bins)
        useful = len(binning.woe) > 1 or binning.missing_woe != binning.woe[0]
        binnings.append(binning if useful else None)
    while True:
        kept = [b for b in binnings if b is not None]
        design = (
            np.column_stack(
                [b.transform(values[:, j]) for j, b in enumerate(binnings) if b is not None]
            )
            if kept
            else np.zeros((len(y), 0))
        )
        beta = _logistic(design, y)
        # WoE is high for risky bins, so every coefficient must be positive.
        negative = [i for i, c in enumerate(beta[1:]) if c <= 0]
        if not negative:
            break
        live = [j for j, b in enumerate(binnings) if b is not None]
        binnings[live[negative[0]]] = None
    return Scorecard(
        [f.code for f in FACTORS], binnings, float(beta[0]), [float(c) for c in beta[1:]]
    )
