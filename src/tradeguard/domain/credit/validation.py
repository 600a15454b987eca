"""A fitted model judged out of time, and the validation report kept with it.

A ``Sample`` is one observation date's buyers: their factor values, the expert PD and
whether each defaulted within the next 12 months. ``evaluate`` scores the test sample
with a fitted model and beside it the expert scorecard: AUC, Gini, KS and Brier score
of each, and the fitted model's calibration table (ten groups of equal count).
``FitReport`` is what ``credit_models.report`` keeps (JSON); reports written by older
versions may lack the training figures and the factors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from tradeguard.domain.credit.fitted import FloatArray, Scorecard
from tradeguard.domain.credit.metrics import auc, brier, calibration_table, gini, ks
from tradeguard.domain.errors import ConflictError


class NotEnoughHistoryError(ConflictError):
    pass


@dataclass(frozen=True, slots=True)
class Sample:
    date: dt.date
    values: FloatArray  # buyers × factors
    expert_pd: FloatArray
    defaulted: np.ndarray


@dataclass(frozen=True, slots=True)
class Metrics:
    auc: float
    gini: float
    ks: float
    brier: float

    @classmethod
    def of(cls, defaulted: np.ndarray, pd: FloatArray) -> Metrics:
        return cls(
            auc=round(auc(defaulted, pd), 4),
            gini=round(gini(defaulted, pd), 4),
            ks=round(ks(defaulted, pd), 4),
            brier=round(brier(defaulted, pd), 5),
        )

    def as_dict(self) -> dict[str, float]:
        return {"auc": self.auc, "gini": self.gini, "ks": self.ks, "brier": self.brier}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Metrics:
        return cls(data["auc"], data["gini"], data["ks"], data["brier"])


@dataclass(frozen=True, slots=True)
class CalibrationGroup:
    pd_from: float
    pd_to: float
    buyers: int
    mean_pd: float
    default_rate: float

    def as_dict(self) -> dict[str, float]:
        return {
            "pd_from": self.pd_from,
            "pd_to": self.pd_to,
            "buyers": self.buyers,
            "mean_pd": self.mean_pd,
            "default_rate": self.default_rate,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CalibrationGroup:
        return cls(
            data["pd_from"], data["pd_to"], data["buyers"], data["mean_pd"], data["default_rate"]
        )


@dataclass(frozen=True, slots=True)
class Evaluation:
    """A model on the out-of-time test sample, beside the expert scorecard."""

    test_date: dt.date
    test_buyers: int
    test_defaults: int
    fitted: Metrics
    expert: Metrics
    calibration: tuple[CalibrationGroup, ...]  # the fitted model's

    def as_dict(self) -> dict[str, Any]:
        return {
            "test_date": self.test_date.isoformat(),
            "test_buyers": self.test_buyers,
            "test_defaults": self.test_defaults,
            "fitted": self.fitted.as_dict(),
            "expert": self.expert.as_dict(),
            "calibration": [group.as_dict() for group in self.calibration],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Evaluation:
        return cls(
            test_date=dt.date.fromisoformat(data["test_date"]),
            test_buyers=data["test_buyers"],
            test_defaults=data["test_defaults"],
            fitted=Metrics.from_dict(data["fitted"]),
            expert=Metrics.from_dict(data["expert"]),
            calibration=tuple(CalibrationGroup.from_dict(g) for g in data["calibration"]),
        )


def evaluate(model: Scorecard, test: Sample) -> Evaluation:
    pd = model.predict(test.values)
    if test.defaulted.all() or not test.defaulted.any():
        raise NotEnoughHistoryError("the test period needs both defaulted and sound buyers")
    return Evaluation(
        test_date=test.date,
        test_buyers=int(test.defaulted.size),
        test_defaults=int(test.defaulted.sum()),
        fitted=Metrics.of(test.defaulted, pd),
        expert=Metrics.of(test.defaulted, test.expert_pd),
        calibration=tuple(
            CalibrationGroup(
                pd_from=round(row.pd_from, 5),
                pd_to=round(row.pd_to, 5),
                buyers=row.count,
                mean_pd=round(row.mean_pd, 5),
                default_rate=round(row.default_rate, 5),
            )
            for row in calibration_table(test.defaulted, pd)
        ),
    )


@dataclass(frozen=True, slots=True)
class FactorUse:
    """Whether the fitted model kept a factor, and in how many bins."""

    code: str
    used: bool
    bins: int | None

    @classmethod
    def of(cls, model: Scorecard) -> tuple[FactorUse, ...]:
        return tuple(
            cls(name, binning is not None, None if binning is None else len(binning.woe))
            for name, binning in zip(model.names, model.binnings, strict=True)
        )


@dataclass(frozen=True, slots=True)
class FitReport:
    """How a model was fitted (training dates and counts) and how it tested out of time."""

    as_of: dt.date | None
    train_dates: tuple[dt.date, ...]
    train_rows: int | None
    train_defaults: int | None
    evaluation: Evaluation
    factors: tuple[FactorUse, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
            "train_dates": [day.isoformat() for day in self.train_dates],
            "train_rows": self.train_rows,
            "train_defaults": self.train_defaults,
            **self.evaluation.as_dict(),
            "factors": [{"code": f.code, "used": f.used, "bins": f.bins} for f in self.factors],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FitReport:
        as_of = data.get("as_of")
        return cls(
            as_of=None if as_of is None else dt.date.fromisoformat(as_of),
            train_dates=tuple(dt.date.fromisoformat(d) for d in data.get("train_dates", [])),
            train_rows=data.get("train_rows"),
            train_defaults=data.get("train_defaults"),
            evaluation=Evaluation.from_dict(data),
            factors=tuple(
                FactorUse(f["code"], f["used"], f["bins"]) for f in data.get("factors", [])
            ),
        )
