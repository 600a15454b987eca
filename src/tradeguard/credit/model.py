"""Fit, validate and report the credit model on the organisation's own history.

Target: a buyer *defaults within 12 months* of an observation date T when, in
(T, T + 365 days], one of its invoices reaches 90 days past due unpaid (``default_days_
overdue``) or is written off. Buyers already in default at T, and buyers with no
invoice before T, are left out.

Samples: observation dates every ``step_months`` back from ``as_of − 365 days`` (the
latest date whose 12-month outcome is fully known) to a year after the first invoice.
**Out of time**: the latest observation date is the test sample, all earlier ones the
training sample, so the model is judged on a period it never saw. Reported
(``domain.credit.validation``): AUC, Gini, KS and Brier score of the fitted model and of
the expert scorecard on the test sample, and the fitted model's calibration table (ten
groups of equal count).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy.orm import Session

from tradeguard.audit import service as audit
from tradeguard.credit import repository
from tradeguard.credit.models import CreditModel
from tradeguard.credit.service import gather, load_settings
from tradeguard.domain.credit import fitted
from tradeguard.domain.credit.assess import assess
from tradeguard.domain.credit.validation import (
    Evaluation,
    FactorUse,
    FitReport,
    NotEnoughHistoryError,
    Sample,
    evaluate,
)
from tradeguard.domain.dates import months_back
from tradeguard.domain.identity.access import Org
from tradeguard.domain.ledger.snapshot import LedgerSnapshot
from tradeguard.domain.receivables.ageing import positions
from tradeguard.ledger.repository import load_snapshot

YEAR = dt.timedelta(days=365)


@dataclass(frozen=True, slots=True)
class KeptModel:
    """A fitted model as kept (``credit_models``): its scorecard and validation report."""

    id: int
    scorecard: fitted.Scorecard
    report: FitReport


@dataclass(frozen=True, slots=True)
class Validation:
    """A kept model checked again on the latest out-of-time sample (not stored)."""

    model_id: int
    evaluation: Evaluation

    def as_dict(self) -> dict[str, Any]:
        return {"model_id": self.model_id, **self.evaluation.as_dict()}


def outcomes(snapshot: LedgerSnapshot, start: dt.date, days_overdue: int = 90) -> pl.DataFrame:
    """Buyers (buyer_id, defaulted) with a default event in (start, start + 365 days]."""
    end = start + YEAR
    frame = positions(snapshot, end, 365).frame
    trigger = pl.col("due_date") + pl.duration(days=days_overdue)
    late = (
        (trigger > pl.lit(start))
        & (trigger <= pl.lit(end))
        & (pl.col("paid_on").is_null() | (pl.col("paid_on") > trigger))
    )
    return frame.group_by("buyer_id").agg(defaulted=(late | (pl.col("written_off_base") > 0)).any())


def samples(session: Session, org: Org, as_of: dt.date, step_months: int = 3) -> list[Sample]:
    """Observation samples, oldest first; the last one is the out-of-time test sample."""
    settings = load_settings(session, org)
    snapshot = load_snapshot(session.connection(), org.id, org.base_currency)
    if snapshot.invoices.height == 0:
        raise NotEnoughHistoryError("no invoices yet")
    first = snapshot.invoices["issue_date"].min()
    assert isinstance(first, dt.date)
    latest = as_of - YEAR
    dates = []
    k = 0
    while (day := months_back(latest, k * step_months)) >= first + YEAR:
        dates.append(day)
        k += 1
    if len(dates) < 2:
        raise NotEnoughHistoryError(
            "fitting needs at least two years and a quarter of history "
            f"(first invoice {first}, as of {as_of})"
        )
    result = []
    for day in sorted(dates):
        evidence = gather(session, org, day, settings, snapshot=snapshot)
        known = outcomes(snapshot, day, settings.default_days_overdue)
        frame = pl.DataFrame({"buyer_id": evidence.buyer_ids}).join(
            known, on="buyer_id", how="left"
        )
        invoiced = ~np.isnan(evidence.inputs.relationship_years)
        keep = invoiced & ~evidence.inputs.in_default
        expert = assess(evidence.inputs, settings)
        result.append(
            Sample(
                day,
                expert.values[keep],
                expert.pd[keep],
                frame["defaulted"].fill_null(value=False).to_numpy().astype(bool)[keep],
            )
        )
    return result


def fit_model(
    session: Session, org: Org, as_of: dt.date, actor: str, step_months: int = 3
) -> KeptModel:
    """Fit on all but the latest sample, test on the latest; keep it as the active model."""
    found = samples(session, org, as_of, step_months)
    train, test = found[:-1], found[-1]
    values = np.vstack([s.values for s in train])
    defaulted = np.concatenate([s.defaulted for s in train])
    if defaulted.all() or not defaulted.any():
        raise NotEnoughHistoryError("the training period needs both defaulted and sound buyers")
    model = fitted.fit(values, defaulted)
    report = FitReport(
        as_of=as_of,
        train_dates=tuple(s.date for s in train),
        train_rows=int(defaulted.size),
        train_defaults=int(defaulted.sum()),
        evaluation=evaluate(model, test),
        factors=FactorUse.of(model),
    )
    model_id = repository.add_active_model(
        session, org.id, as_of, actor, model.as_dict(), report.as_dict()
    )
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="fit",
        entity="credit_models",
        entity_key=str(model_id),
        after={"as_of": as_of.isoformat(), "test_auc": report.evaluation.fitted.auc},
    )
    return KeptModel(model_id, model, report)


def _latest(session: Session, org: Org) -> CreditModel:
    row = repository.latest_model(session, org.id)
    if row is None:
        raise NotEnoughHistoryError("no fitted model yet: run `tradeguard model fit`")
    return row


def latest_model(session: Session, org: Org) -> KeptModel:
    """The most recently fitted model, active or not, with its report."""
    row = _latest(session, org)
    return KeptModel(
        row.id, fitted.Scorecard.from_dict(row.params), FitReport.from_dict(row.report)
    )


def validate_model(session: Session, org: Org, as_of: dt.date) -> Validation:
    """The latest model on the latest out-of-time sample for ``as_of`` (not stored)."""
    row = _latest(session, org)
    test = samples(session, org, as_of)[-1]
    return Validation(row.id, evaluate(fitted.Scorecard.from_dict(row.params), test))
