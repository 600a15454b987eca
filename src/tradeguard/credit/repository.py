"""The credit tables: settings, scores and fitted models; and the ledger rows scoring reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl
from sqlalchemy import Connection, Select, delete, func, insert, select, update
from sqlalchemy.orm import Session

from tradeguard.credit.models import CreditModel, CreditScore, CreditSettingsRow
from tradeguard.domain.credit.assess import AltmanResult, Reason
from tradeguard.domain.credit.fitted import Scorecard
from tradeguard.domain.credit.model_choice import FittedModel
from tradeguard.domain.credit.scores import BuyerScore, ScorePoint
from tradeguard.domain.money import from_minor, minor_exponent
from tradeguard.kit.bulk import read_frame
from tradeguard.ledger.models import Buyer, FinancialStatement

_DELETE_BATCH = 500


# ---- settings ----------------------------------------------------------------------


def settings_values(session: Session, org_id: int) -> dict[str, Any] | None:
    """The organisation's stored settings (JSON); None where it never changed them."""
    row = session.get(CreditSettingsRow, org_id)
    return None if row is None else row.settings


def save_settings_values(session: Session, org_id: int, values: dict[str, Any], actor: str) -> None:
    row = session.get(CreditSettingsRow, org_id)
    now = dt.datetime.now(dt.UTC)
    if row is None:
        session.add(
            CreditSettingsRow(org_id=org_id, settings=values, updated_at=now, updated_by=actor)
        )
    else:
        row.settings, row.updated_at, row.updated_by = values, now, actor


# ---- what scoring reads from the ledger ----------------------------------------------


def buyer_exists(session: Session, org_id: int, buyer_id: str) -> bool:
    return session.get(Buyer, (org_id, buyer_id)) is not None


def buyer_terms(session: Session, org_id: int) -> pl.DataFrame:
    """Each buyer's agreed payment terms (buyer_id, terms_days; null where not agreed)."""
    return read_frame(
        session.connection(),
        select(Buyer.buyer_id, Buyer.terms_days).where(Buyer.org_id == org_id),
        {"buyer_id": pl.String, "terms_days": pl.Int64},
    )


def statements_before(
    session: Session, org_id: int, year: int, lines: Sequence[str]
) -> pl.DataFrame:
    """Every statement of a fiscal year before ``year``: buyer_id, fiscal_year, currency
    and the ``lines`` (minor units of the statement's currency)."""
    schema: dict[str, Any] = {
        "buyer_id": pl.String,
        "fiscal_year": pl.Int64,
        "currency": pl.String,
        **dict.fromkeys(lines, pl.Int64),
    }
    return read_frame(
        session.connection(),
        select(
            FinancialStatement.buyer_id,
            FinancialStatement.fiscal_year,
            FinancialStatement.currency,
            *(getattr(FinancialStatement, name) for name in lines),
        ).where(FinancialStatement.org_id == org_id, FinancialStatement.fiscal_year < year),
        schema,
    )


# ---- scores --------------------------------------------------------------------------


def replace_scores(
    session: Session, org_id: int, as_of: dt.date, scores: Sequence[BuyerScore]
) -> None:
    """Keep the scores of ``as_of``, replacing those buyers' earlier rows for that date."""
    ids = [s.buyer_id for s in scores]
    for start in range(0, len(ids), _DELETE_BATCH):
        session.execute(
            delete(CreditScore).where(
                CreditScore.org_id == org_id,
                CreditScore.as_of == as_of,
                CreditScore.buyer_id.in_(ids[start : start + _DELETE_BATCH]),
            )
        )
    now = dt.datetime.now(dt.UTC)
    session.execute(
        insert(CreditScore),
        [
            {
                "org_id": org_id,
                "buyer_id": s.buyer_id,
                "as_of": as_of,
                "model": s.model,
                "score": s.score,
                "confidence": s.confidence,
                "pd": s.pd,
                "grade": s.grade,
                "credit_class": s.credit_class,
                "limit_recommended": int(s.limit_recommended.scaleb(minor_exponent(s.currency))),
                "currency": s.currency,
                "altman_variant": s.altman.variant if s.altman else None,
                "altman_value": s.altman.value if s.altman else None,
                "altman_zone": s.altman.zone if s.altman else None,
                "country_grade": s.country_grade,
                "reasons": [r.as_dict() for r in s.reasons],
                "scored_at": now,
            }
            for s in scores
        ],
    )
    session.flush()


def _score(row: CreditScore) -> BuyerScore:
    return BuyerScore(
        buyer_id=row.buyer_id,
        as_of=row.as_of,
        model=row.model,
        score=row.score,
        confidence=row.confidence,
        pd=row.pd,
        grade=row.grade,
        credit_class=row.credit_class,
        limit_recommended=from_minor(row.limit_recommended, row.currency),
        currency=row.currency,
        altman=_altman(row),
        country_grade=row.country_grade,
        reasons=tuple(Reason.from_dict(r) for r in row.reasons),
    )


def _altman(row: CreditScore) -> AltmanResult | None:
    if row.altman_variant is None:
        return None
    # the three Altman columns are written together
    assert row.altman_value is not None
    assert row.altman_zone is not None
    return AltmanResult(row.altman_variant, row.altman_value, row.altman_zone)


def stored_score(
    session: Session, org_id: int, buyer_id: str, as_of: dt.date | None
) -> BuyerScore | None:
    """The buyer's score of ``as_of`` (its latest without a date); None when none is kept."""
    query = select(CreditScore).where(
        CreditScore.org_id == org_id, CreditScore.buyer_id == buyer_id
    )
    if as_of is not None:
        query = query.where(CreditScore.as_of == as_of)
    row = session.scalar(query.order_by(CreditScore.as_of.desc()).limit(1))
    return None if row is None else _score(row)


def score_points(session: Session, org_id: int, buyer_id: str) -> list[ScorePoint]:
    """The buyer's score history, oldest first."""
    rows = session.execute(
        select(CreditScore.as_of, CreditScore.pd, CreditScore.grade, CreditScore.credit_class)
        .where(CreditScore.org_id == org_id, CreditScore.buyer_id == buyer_id)
        .order_by(CreditScore.as_of)
    )
    return [ScorePoint(*row) for row in rows]


def latest_scoring_date(session: Session, org_id: int) -> dt.date | None:
    return session.scalar(select(func.max(CreditScore.as_of)).where(CreditScore.org_id == org_id))


def grade_counts(session: Session, org_id: int, as_of: dt.date) -> dict[int, int]:
    """Buyers scored on ``as_of`` per grade (grades without a buyer left out)."""
    rows = session.execute(
        select(CreditScore.grade, func.count())
        .where(CreditScore.org_id == org_id, CreditScore.as_of == as_of)
        .group_by(CreditScore.grade)
    )
    return {int(grade): int(count) for grade, count in rows}


def latest_scores_query(org_id: int, as_of: dt.date | None) -> Select[str, int, str]:
    """Each buyer's grade and class from its latest score (on or before ``as_of``)."""
    conditions = [CreditScore.org_id == org_id]
    if as_of is not None:
        conditions.append(CreditScore.as_of <= as_of)
    latest = (
        select(CreditScore.buyer_id, func.max(CreditScore.as_of).label("as_of"))
        .where(*conditions)
        .group_by(CreditScore.buyer_id)
        .subquery("latest")
    )
    return (
        select(CreditScore.buyer_id, CreditScore.grade, CreditScore.credit_class)
        .join(
            latest,
            (CreditScore.buyer_id == latest.c.buyer_id) & (CreditScore.as_of == latest.c.as_of),
        )
        .where(CreditScore.org_id == org_id)
    )


def latest_grades(session: Session, org_id: int, as_of: dt.date) -> list[tuple[str, int]]:
    """(buyer_id, grade) of each buyer's latest score on or before ``as_of``."""
    query = latest_scores_query(org_id, as_of)
    return [(buyer_id, int(grade)) for buyer_id, grade, _ in session.execute(query)]


# ---- fitted models -------------------------------------------------------------------


def active_models(session: Session, org_id: int) -> list[FittedModel]:
    rows = session.execute(
        select(CreditModel.id, CreditModel.params).where(
            CreditModel.org_id == org_id, CreditModel.active.is_(True)
        )
    )
    return [FittedModel(model_id, Scorecard.from_dict(params)) for model_id, params in rows]


def add_active_model(
    session: Session,
    org_id: int,
    as_of: dt.date,
    actor: str,
    params: Mapping[str, Any],
    report: Mapping[str, Any],
) -> int:
    """Keep a newly fitted model as the organisation's one active model; its id."""
    session.execute(update(CreditModel).where(CreditModel.org_id == org_id).values(active=False))
    row = CreditModel(
        org_id=org_id,
        kind="monotonic_woe_logistic",
        fitted_at=dt.datetime.now(dt.UTC),
        fitted_by=actor,
        as_of=as_of,
        active=True,
        params=dict(params),
        report=dict(report),
    )
    session.add(row)
    session.flush()
    return row.id


def latest_model(session: Session, org_id: int) -> CreditModel | None:
    """The organisation's most recently fitted model, active or not."""
    return session.scalar(
        select(CreditModel).where(CreditModel.org_id == org_id).order_by(CreditModel.id.desc())
    )


def day_scores(connection: Connection, org_id: int, as_of: dt.date) -> pl.DataFrame:
    """The scores of ``as_of``: buyer_id, grade, credit_class, country_grade,
    limit_recommended (minor units of currency), currency."""
    query = select(
        CreditScore.buyer_id,
        CreditScore.grade,
        CreditScore.credit_class,
        CreditScore.country_grade,
        CreditScore.limit_recommended,
        CreditScore.currency,
    ).where(CreditScore.org_id == org_id, CreditScore.as_of == as_of)
    schema = {
        "buyer_id": pl.String,
        "grade": pl.Int64,
        "credit_class": pl.String,
        "country_grade": pl.Int64,
        "limit_recommended": pl.Int64,
        "currency": pl.String,
    }
    return read_frame(connection, query, schema)


def grade_range(connection: Connection, org_id: int, start: dt.date, end: dt.date) -> pl.DataFrame:
    """Per buyer, over the scores dated in [``start``, ``end``]: best_grade and worst_grade
    (the lowest and highest number), best_country_grade; grouped in the database."""
    query = (
        select(
            CreditScore.buyer_id,
            func.min(CreditScore.grade).label("best_grade"),
            func.max(CreditScore.grade).label("worst_grade"),
            func.min(CreditScore.country_grade).label("best_country_grade"),
        )
        .where(CreditScore.org_id == org_id, CreditScore.as_of >= start, CreditScore.as_of <= end)
        .group_by(CreditScore.buyer_id)
    )
    schema = {
        "buyer_id": pl.String,
        "best_grade": pl.Int64,
        "worst_grade": pl.Int64,
        "best_country_grade": pl.Int64,
    }
    return read_frame(connection, query, schema)
