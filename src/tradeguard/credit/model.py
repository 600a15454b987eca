"""Fit, validate and report the credit model on the organisation's own history.

Target: a buyer *defaults within 12 months* of an observation date T when, in
(T, T + 365 days], one of its invoices reaches 90 days past due unpaid (``default_days_
overdue``) or is written off. Buyers already in default at T, and buyers with no
invoice before T, are left out.

Samples: observation dates every ``step_months`` back from ``as_of − 365 days`` (the
latest date whose 12-month outcome is fully known) to a year after the first invoice.
**Out of time**: the latest observation date is the test sample, all earlier ones the
training sample, so the model is judged on a period it never saw. Reported: AUC, Gini,
KS and Brier score of the fitted model and of the expert scorecard on the test sample,
and the fitted model's calibration table (ten groups of equal count).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tradeguard.audit import service as audit
from tradeguard.credit.models import CreditModel
from tradeguard.credit.service import gather, load_settings
from tradeguard.domain.credit import fitted
from tradeguard.domain.credit.assess import assess
from tradeguard.domain.credit.metrics import auc, brier, calibration_table, ks
from tradeguard.domain.errors import ConflictError
from tradeguard.domain.identity.access import Org
from tradeguard.domain.ledger.snapshot import LedgerSnapshot
from tradeguard.domain.receivables.ageing import positions
from tradeguard.kit.serialisation import to_jsonable
from tradeguard.ledger.repository import load_snapshot

YEAR = dt.timedelta(days=365)


class NotEnoughHistoryError(ConflictError):
    pass


@dataclass(frozen=True, slots=True)
class Sample:
    date: dt.date
    values: np.ndarray  # buyers × factors
    expert_pd: np.ndarray
    defaulted: np.ndarray


def _months_back(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 - months
    year = day.year + month // 12
    month = month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError(day)


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
    while (day := _months_back(latest, k * step_months)) >= first + YEAR:
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


def _metrics(defaulted: np.ndarray, pd: np.ndarray) -> dict[str, Any]:
    value = auc(defaulted, pd)
    return {
        "auc": round(value, 4),
        "gini": round(2 * value - 1, 4),
        "ks": round(ks(defaulted, pd), 4),
        "brier": round(brier(defaulted, pd), 5),
    }


def evaluate(model: fitted.Scorecard, test: Sample) -> dict[str, Any]:
    pd = model.predict(test.values)
    if test.defaulted.all() or not test.defaulted.any():
        raise NotEnoughHistoryError("the test period needs both defaulted and sound buyers")
    return {
        "test_date": test.date,
        "test_buyers": int(test.defaulted.size),
        "test_defaults": int(test.defaulted.sum()),
        "fitted": _metrics(test.defaulted, pd),
        "expert": _metrics(test.defaulted, test.expert_pd),
        "calibration": [
            {
                "pd_from": round(r.pd_from, 5),
                "pd_to": round(r.pd_to, 5),
                "buyers": r.count,
                "mean_pd": round(r.mean_pd, 5),
                "default_rate": round(r.default_rate, 5),
            }
            for r in calibration_table(test.defaulted, pd)
        ],
    }


def fit_model(
    session: Session, org: Org, as_of: dt.date, actor: str, step_months: int = 3
) -> CreditModel:
    """Fit on all but the latest sample, test on the latest; store it as the active model."""
    found = samples(session, org, as_of, step_months)
    train, test = found[:-1], found[-1]
    values = np.vstack([s.values for s in train])
    defaulted = np.concatenate([s.defaulted for s in train])
    if defaulted.all() or not defaulted.any():
        raise NotEnoughHistoryError("the training period needs both defaulted and sound buyers")
    model = fitted.fit(values, defaulted)
    report = {
        "as_of": as_of,
        "train_dates": [s.date for s in train],
        "train_rows": int(defaulted.size),
        "train_defaults": int(defaulted.sum()),
        **evaluate(model, test),
        "factors": [
            {"code": name, "used": b is not None, "bins": None if b is None else len(b.woe)}
            for name, b in zip(model.names, model.binnings, strict=True)
        ],
    }
    session.execute(update(CreditModel).where(CreditModel.org_id == org.id).values(active=False))
    row = CreditModel(
        org_id=org.id,
        kind="monotonic_woe_logistic",
        fitted_at=dt.datetime.now(dt.UTC),
        fitted_by=actor,
        as_of=as_of,
        active=True,
        params=model.as_dict(),
        report=to_jsonable(report),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="fit",
        entity="credit_models",
        entity_key=str(row.id),
        after={"as_of": as_of.isoformat(), "test_auc": report["fitted"]["auc"]},
    )
    return row


def latest_model(session: Session, org: Org) -> CreditModel:
    row = session.scalar(
        select(CreditModel).where(CreditModel.org_id == org.id).order_by(CreditModel.id.desc())
    )
    if row is None:
        raise NotEnoughHistoryError("no fitted model yet: run `tradeguard model fit`")
    return row


def validate_model(session: Session, org: Org, as_of: dt.date) -> dict[str, Any]:
    """The latest model on the latest out-of-time sample for ``as_of`` (not stored)."""
    row = latest_model(session, org)
    test = samples(session, org, as_of)[-1]
    result: dict[str, Any] = to_jsonable(
        {"model_id": row.id, **evaluate(fitted.Scorecard.from_dict(row.params), test)}
    )
    return result
