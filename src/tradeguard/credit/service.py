"""Score buyers: gather their evidence from the ledger, assess them, keep the history.

For an as-of date D, for every buyer (or one):

- financial statements: the latest fiscal year before D's year (a year's accounts are
  not known before it ends), converted to the base currency at D's rate;
- payment experience: ``domain.receivables.behaviour`` on D (days beyond terms, its trend,
  longest delay, disputes), the age of the relationship (first invoice), the trade of
  the last 365 days and the usual terms (median due − issue days of that trade);
- default (grade 10): an invoice open 90+ days past due on D (``default_days_overdue``)
  or a write-off in the last 365 days; the trigger is the first of the buyer's reasons
  (``DEFAULT_DAYS_OVERDUE``, ``DEFAULT_WRITE_OFF``);
- the country grade (shipped table plus the organisation's overrides); a buyer in a
  country that is not high income counts as an emerging market for the Altman rule;
- the industry's expert risk.

Then ``domain.credit.assess`` (or the organisation's fitted model, in ``fitted`` mode:
``domain.credit.model_choice``) gives the score, PD, grade, class, limit and reasons;
``score_buyers(save=True)`` keeps one ``credit_scores`` row per buyer and date (a rerun
for the date replaces it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import polars as pl
from sqlalchemy.orm import Session

from tradeguard.audit import service as audit
from tradeguard.country.service import country_risks
from tradeguard.credit import repository
from tradeguard.domain.country.rating import is_emerging
from tradeguard.domain.credit.altman import is_manufacturer
from tradeguard.domain.credit.assess import Assessment, BuyerInputs, assess, pick
from tradeguard.domain.credit.default import default_reasons
from tradeguard.domain.credit.grading import CLASSES, class_codes, class_terms
from tradeguard.domain.credit.model_choice import model_name, scoring_model, with_model
from tradeguard.domain.credit.ratios import Statements
from tradeguard.domain.credit.scorecard import industry_risk
from tradeguard.domain.credit.scores import BuyerScore, GradeCount, GradeDistribution, ScorePoint
from tradeguard.domain.credit.settings import CreditSettings
from tradeguard.domain.credit.sizing import expected_exposure
from tradeguard.domain.errors import NotFoundError
from tradeguard.domain.identity.access import Org
from tradeguard.domain.ledger.snapshot import LedgerSnapshot, rates_on
from tradeguard.domain.money import minor_exponent
from tradeguard.domain.receivables.ageing import GradesNotComputedError, positions
from tradeguard.domain.receivables.behaviour import behaviour
from tradeguard.imports.formats import FINANCIALS, ColumnKind
from tradeguard.ledger.repository import load_snapshot

WINDOW_DAYS = 365


# The statement lines the assessment reads: every amount of the financials format.
_LINES = tuple(c.name for c in FINANCIALS.columns if c.kind is ColumnKind.SIGNED_MONEY)


def load_settings(session: Session, org: Org) -> CreditSettings:
    return CreditSettings.stored(repository.settings_values(session, org.id))


def save_settings(
    session: Session, org: Org, changes: Mapping[str, object], actor: str
) -> CreditSettings:
    """Change some settings (validated as a whole); audited with before and after."""
    before = load_settings(session, org)
    after = CreditSettings.from_dict({**before.as_dict(), **changes})
    repository.save_settings_values(session, org.id, after.as_dict(), actor)
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="update",
        entity="credit_settings",
        entity_key=org.name,
        before={k: v for k, v in before.as_dict().items() if k in changes},
        after={k: v for k, v in after.as_dict().items() if k in changes},
    )
    session.flush()
    return after


@dataclass(frozen=True, slots=True)
class Evidence:
    """The buyers' inputs in one order, plus what the answer shows beside the score."""

    buyer_ids: list[str]
    inputs: BuyerInputs
    country_grade: np.ndarray
    terms_days: np.ndarray
    annual_sales: np.ndarray
    oldest_open_days_overdue: np.ndarray  # NaN: nothing open
    written_off_recently: np.ndarray


def _statements(
    session: Session, org: Org, snapshot: LedgerSnapshot, as_of: dt.date
) -> pl.DataFrame:
    """The latest statement per buyer with a fiscal year before ``as_of``'s, in base units."""
    frame = repository.statements_before(session, org.id, as_of.year, _LINES)
    if frame.height == 0:
        return frame
    latest = frame.sort("fiscal_year").group_by("buyer_id").last()
    currencies = latest["currency"].unique().to_list()
    rates = rates_on(snapshot.fx, currencies, snapshot.base_currency, as_of)
    factor = pl.col("currency").replace_strict(
        rates["currency"].to_list(),
        # Statement lines feed ratios (statistics, floats by nature), not the ledger.
        [float(r) / 10.0 ** minor_exponent(c) for c, r in rates.select("currency", "rate").rows()],
        return_dtype=pl.Float64,
    )
    return latest.with_columns((pl.col(name).cast(pl.Float64) * factor) for name in _LINES)


def gather(
    session: Session,
    org: Org,
    as_of: dt.date,
    settings: CreditSettings,
    buyer_id: str | None = None,
    snapshot: LedgerSnapshot | None = None,
) -> Evidence:
    """Every buyer's inputs on ``as_of`` (the snapshot may be passed in to reuse it)."""
    snapshot = snapshot or load_snapshot(session.connection(), org.id, org.base_currency)
    terms = repository.buyer_terms(session, org.id)
    buyers = snapshot.buyers.join(terms, on="buyer_id", how="left").sort("buyer_id")
    if buyer_id is not None:
        buyers = buyers.filter(pl.col("buyer_id") == buyer_id)
        if buyers.height == 0:
            raise NotFoundError(f"no buyer {buyer_id!r}")
    pos = positions(snapshot, as_of, WINDOW_DAYS)
    start = as_of - dt.timedelta(days=WINDOW_DAYS)
    trade = (
        pos.frame.group_by("buyer_id")
        .agg(
            first_invoice=pl.col("issue_date").min(),
            annual_sales=pl.when(pl.col("issue_date") > start).then(pl.col("amount_base")).sum(),
            usual_terms=pl.when(pl.col("issue_date") > start)
            .then((pl.col("due_date") - pl.col("issue_date")).dt.total_days())
            .median(),
            oldest_open_days_overdue=pl.when(pl.col("open") > 0).then(pl.col("days_overdue")).max(),
            written_off_recently=(pl.col("written_off_base") > 0).any(),
        )
        .with_columns(
            in_default=(
                pl.col("oldest_open_days_overdue") >= settings.default_days_overdue
            ).fill_null(value=False)
            | pl.col("written_off_recently")
        )
    )
    paying = behaviour(pos)
    statements = _statements(session, org, snapshot, as_of)
    frame = (
        buyers.join(trade, on="buyer_id", how="left")
        .join(paying, on="buyer_id", how="left")
        .join(statements, on="buyer_id", how="left")
    )
    n = frame.height
    scale = 10.0 ** minor_exponent(org.base_currency)
    risks = country_risks(session, org)
    countries = frame["country"].to_list()
    country_grade = np.array(
        [risks[c].grade if c in risks else np.nan for c in countries], dtype=np.float64
    )

    def col(name: str) -> np.ndarray:
        if name not in frame.columns:
            return np.full(n, np.nan)
        return frame[name].cast(pl.Float64).fill_null(np.nan).to_numpy().astype(np.float64)

    first = frame["first_invoice"]
    years = np.array([np.nan if d is None else (as_of - d).days / 365.25 for d in first.to_list()])
    usual = col("usual_terms")
    terms_days = np.where(np.isnan(usual), col("terms_days"), usual)
    terms_days = np.where(np.isnan(terms_days), 30.0, terms_days)
    annual_sales = np.nan_to_num(col("annual_sales"), nan=0.0) / scale
    dbt = col("avg_days_beyond_terms")
    statement_lines = {name: col(name) for name in _LINES}
    inputs = BuyerInputs(
        statements=Statements.of(**statement_lines),
        manufacturer=np.array([is_manufacturer(i) for i in frame["industry"].to_list()]),
        emerging=np.array([is_emerging(risks.get(c)) for c in countries]),
        country_grade=country_grade,
        industry_risk=np.array([industry_risk(i) for i in frame["industry"].to_list()]),
        days_beyond_terms=dbt,
        dbt_trend=col("trend_days_per_month"),
        max_delay_days=col("max_delay_days"),
        disputes=np.where(np.isnan(dbt), np.nan, col("disputes")),
        relationship_years=years,
        in_default=frame["in_default"].fill_null(value=False).to_numpy().astype(np.bool_),
        exposure=np.where(
            annual_sales > 0, expected_exposure(annual_sales, terms_days, dbt), np.nan
        ),
        insurer_limit=np.full(n, np.nan),
    )
    return Evidence(
        frame["buyer_id"].to_list(),
        inputs,
        country_grade,
        terms_days,
        annual_sales,
        col("oldest_open_days_overdue"),
        frame["written_off_recently"].fill_null(value=False).to_numpy().astype(np.bool_),
    )


def score_buyers(
    session: Session,
    org: Org,
    as_of: dt.date,
    *,
    buyer_id: str | None = None,
    save: bool = True,
    snapshot: LedgerSnapshot | None = None,
) -> list[BuyerScore]:
    """Assess every buyer (or one) on ``as_of``; with ``save``, record the history row.
    A caller that already holds the ledger snapshot passes it in (the daily cycle)."""
    settings = load_settings(session, org)
    evidence = gather(session, org, as_of, settings, buyer_id, snapshot)
    model = scoring_model(settings, repository.active_models(session, org.id))
    result = with_model(assess(evidence.inputs, settings), evidence.inputs, model, settings)
    scores = [
        _answer(org, as_of, evidence, result, i, model_name(model), settings)
        for i in range(len(evidence.buyer_ids))
    ]
    if save and scores:
        repository.replace_scores(session, org.id, as_of, scores)
    return scores


def _answer(
    org: Org,
    as_of: dt.date,
    evidence: Evidence,
    result: Assessment,
    i: int,
    model: str,
    settings: CreditSettings,
) -> BuyerScore:
    one = pick(result, i)
    grade = evidence.country_grade[i]
    limit = Decimal(str(one.limit)).quantize(Decimal(1) / 10 ** minor_exponent(org.base_currency))
    # The default triggers first: they alone make grade 10 (``domain.credit.default``).
    triggers = default_reasons(
        float(evidence.oldest_open_days_overdue[i]),
        bool(evidence.written_off_recently[i]),
        settings.default_days_overdue,
    )
    return BuyerScore(
        buyer_id=evidence.buyer_ids[i],
        as_of=as_of,
        model=model,
        score=one.score,
        confidence=one.confidence,
        pd=round(one.pd, 6),
        grade=one.grade,
        credit_class=one.credit_class,
        limit_recommended=limit,
        currency=org.base_currency,
        altman=one.altman,
        country_grade=None if np.isnan(grade) else int(grade),
        reasons=(*triggers, *one.reasons),
        terms=class_terms(one.credit_class, settings),
    )


def buyer_score(
    session: Session, org: Org, buyer_id: str, as_of: dt.date | None = None, *, today: dt.date
) -> BuyerScore:
    """The stored score of a buyer on a date (the latest without one); computed (and not
    saved) when none is stored for that date, or for ``today`` without a date."""
    stored = repository.stored_score(session, org.id, buyer_id, as_of)
    if stored is not None:
        return stored
    if not repository.buyer_exists(session, org.id, buyer_id):
        raise NotFoundError(f"no buyer {buyer_id!r}")
    return score_buyers(session, org, as_of or today, buyer_id=buyer_id, save=False)[0]


def score_history(session: Session, org: Org, buyer_id: str) -> list[ScorePoint]:
    """One point per scoring date, oldest first (none for a buyer never scored)."""
    points = repository.score_points(session, org.id, buyer_id)
    if not points and not repository.buyer_exists(session, org.id, buyer_id):
        raise NotFoundError(f"no buyer {buyer_id!r}")
    return points


def latest_grades(session: Session, org: Org, as_of: dt.date) -> pl.DataFrame:
    """Each buyer's grade from its latest score on or before ``as_of`` (buyer_id, grade);
    ``GradesNotComputedError`` when no buyer has been scored by then."""
    rows = repository.latest_grades(session, org.id, as_of)
    if not rows:
        raise GradesNotComputedError
    return pl.DataFrame(
        {"buyer_id": [r[0] for r in rows], "grade": [r[1] for r in rows]},
        schema={"buyer_id": pl.String, "grade": pl.Int64},
    )


def grade_distribution(
    session: Session, org: Org, as_of: dt.date | None = None
) -> GradeDistribution:
    """Buyers per grade and class on the latest scoring date (or ``as_of``)."""
    day = as_of or repository.latest_scoring_date(session, org.id)
    counts = {} if day is None else repository.grade_counts(session, org.id, day)
    klass = class_codes(np.arange(1, 11), load_settings(session, org))
    return GradeDistribution(
        as_of=day,
        grades=tuple(
            GradeCount(g, CLASSES[int(klass[g - 1])], counts.get(g, 0)) for g in range(1, 11)
        ),
    )
