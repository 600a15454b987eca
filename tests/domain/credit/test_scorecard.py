"""The expert scorecard, PD, grades, classes and limits: hand-checked and monotonic."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeguard.domain.credit import scorecard as sc
from tradeguard.domain.credit.assess import BuyerInputs, assess, assess_one
from tradeguard.domain.credit.grading import (
    bands,
    class_codes,
    fit_calibration,
    grades,
    pd_to_score,
    score_to_pd,
)
from tradeguard.domain.credit.settings import CreditSettings, InvalidSettingsError
from tradeguard.domain.credit.sizing import expected_exposure, recommended_limit

S = CreditSettings()
FACTOR = {f.name: f for f in sc.FACTORS}


def test_weights_are_documented_and_add_up() -> None:
    assert sum(f.weight for f in sc.FACTORS) == pytest.approx(1.0)
    assert sum(f.weight for f in sc.FINANCIAL) == pytest.approx(0.40)
    assert len({f.code for f in sc.FACTORS}) == len(sc.FACTORS)


def test_subscore_is_fifty_at_the_midpoint_and_logistic_around_it() -> None:
    dbt = FACTOR["days_beyond_terms"]
    assert float(sc.subscore(12.0, dbt)) == pytest.approx(50.0)
    # 18 days: 100 / (1 + e^1) = 26.894
    assert float(sc.subscore(18.0, dbt)) == pytest.approx(26.8941, abs=1e-4)
    assert float(sc.subscore(6.0, dbt)) == pytest.approx(73.1059, abs=1e-4)


def test_no_data_at_all_scores_the_cautious_prior() -> None:
    result = assess_one()
    assert result.score == pytest.approx(40.0)
    assert result.confidence == 0.0
    # logit(PD) = -3.8918 - 0.0606 * (40 - 50) = -3.2858 -> PD 3.61% -> grade 6, class B
    assert result.pd == pytest.approx(1 / (1 + math.exp(3.2858)), rel=1e-4)
    assert result.grade == 6
    assert result.credit_class == "B"
    assert result.altman is None
    assert all(r.value is None for r in result.reasons)


def test_hand_checked_partial_data() -> None:
    # Only days beyond terms (12 -> 50) and the country grade (5.5 -> 50) are known:
    # 0.20 * 50 + 0.12 * 50 + 0.68 * 40 = 43.2, confidence 0.32.
    result = assess_one(days_beyond_terms=12.0, country_grade=5.5)
    assert result.score == pytest.approx(43.2)
    assert result.confidence == pytest.approx(0.32)
    # 18 days beyond terms alone: 0.2 * 26.8941 + 0.8 * 40 = 37.3788
    assert assess_one(days_beyond_terms=18.0).score == pytest.approx(37.38, abs=0.01)


def test_a_strong_buyer_gets_grade_a_with_the_altman_result_and_reasons() -> None:
    result = assess_one(
        total_assets=50_000_000,
        current_assets=20_000_000,
        current_liabilities=8_000_000,
        total_liabilities=20_000_000,
        retained_earnings=15_000_000,
        ebit=6_000_000,
        sales=60_000_000,
        equity=30_000_000,
        interest_expense=500_000,
        manufacturer=True,
        days_beyond_terms=-2.0,
        dbt_trend=-0.5,
        max_delay_days=5.0,
        disputes=0.0,
        country_grade=1.0,
        industry_risk=0.0,
        relationship_years=6.0,
        exposure=400_000.0,
    )
    assert result.altman is not None
    assert result.altman.variant == "Z'"
    # Z' = 0.17208 + 0.2541 + 0.37284 + 0.63 + 1.1976 = 2.62662 (grey: 1.23..2.90)
    assert result.altman.value == pytest.approx(2.6266, abs=1e-4)
    assert result.altman.zone == "grey"
    assert result.confidence == pytest.approx(1.0)
    assert result.grade <= 3
    assert result.credit_class == "A"
    # need 400,000 * 1.0; size cap min(10% * 30m, 5% * 60m) = 3m -> 400,000
    assert result.limit == 400_000.0
    assert result.reasons[0].impact > 0
    assert len(result.reasons) == 5


def test_in_default_is_grade_ten_class_c_and_no_limit() -> None:
    result = assess_one(in_default=True, days_beyond_terms=0.0, exposure=50_000.0)
    assert (result.grade, result.credit_class, result.pd, result.limit) == (10, "C", 1.0, 0.0)


def test_pd_calibration_anchors_and_inverse() -> None:
    pd = score_to_pd([0.0, 50.0, 100.0], S.pd_intercept, S.pd_slope)
    assert pd[1] == pytest.approx(0.02, rel=1e-3)
    assert pd[0] == pytest.approx(0.297, abs=0.002)
    assert pd[2] == pytest.approx(0.001, abs=0.00005)
    assert pd_to_score(pd, S.pd_intercept, S.pd_slope) == pytest.approx([0.0, 50.0, 100.0])


def test_calibration_fit_recovers_known_parameters() -> None:
    rng = np.random.default_rng(1)
    score = rng.uniform(0, 100, 40_000)
    defaulted = rng.random(40_000) < score_to_pd(score, -3.0, -0.05)
    intercept, slope = fit_calibration(score, defaulted)
    assert intercept == pytest.approx(-3.0, abs=0.08)
    assert slope == pytest.approx(-0.05, abs=0.004)


def test_grade_bands_at_their_boundaries() -> None:
    bounds = S.grade_bounds
    pd = np.array([0.0, 0.0004999, 0.0005, 0.0015, 0.004, 0.01, 0.02, 0.04, 0.08, 0.15, 0.99])
    assert grades(pd, np.zeros(11, bool), bounds).tolist() == [1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9]
    assert grades([0.0001], [True], bounds).tolist() == [10]
    assert class_codes(np.arange(1, 11), S).tolist() == [0] * 5 + [1] * 2 + [2] * 3
    table = bands(S)
    assert [b.credit_class for b in table] == ["A"] * 5 + ["B"] * 2 + ["C"] * 3
    assert table[0].pd_from == 0.0
    assert table[9].pd_to is None


def test_classes_follow_the_settings() -> None:
    strict = CreditSettings(class_a_max_grade=3, class_b_max_grade=5)
    assert class_codes([3, 4, 5, 6], strict).tolist() == [0, 1, 1, 2]
    with pytest.raises(InvalidSettingsError):
        CreditSettings(class_a_max_grade=6, class_b_max_grade=4)
    with pytest.raises(InvalidSettingsError):
        CreditSettings.from_dict({"no_such_setting": 1})
    assert CreditSettings.from_dict(S.as_dict()) == S


def test_hand_checked_limits() -> None:
    # expected exposure: 365,000 a year on 60 days + 15 days late = 1,000/day * 75 = 75,000
    assert float(expected_exposure(365_000, 60, 15)[()]) == pytest.approx(75_000)
    assert float(expected_exposure(365_000, 60, -5)[()]) == pytest.approx(60_000)
    limit = recommended_limit(
        grade=[2, 6, 6, 6, 8, 4],
        class_code=[0, 1, 1, 1, 2, 0],
        exposure=[75_000, 75_000, np.nan, 75_000, 75_000, 75_000],
        equity=[1e6, 1e6, np.nan, 300_000, 1e6, -1.0],
        sales=[5e6, 5e6, np.nan, 5e6, 5e6, 5e6],
        insurer_limit=[50_000, np.nan, np.nan, np.nan, np.nan, np.nan],
        settings=S,
    )
    # 1: min(75,000, 100,000, insurer 50,000) = 50,000
    # 2: 0.6 * 75,000 = 45,000 under min(100,000, 250,000)
    # 3: no trade, no statement: 0.6 * 20,000 discretionary = 12,000
    # 4: capped by 10% of 300,000 equity = 30,000
    # 5: class C: 0;  6: negative equity: cap 0
    assert limit.tolist() == [50_000, 45_000, 12_000, 30_000, 0, 0]


finite = st.floats(-1e3, 1e3, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sc.FACTORS), finite, finite)
def test_every_factor_is_monotonic_in_its_documented_direction(
    factor: sc.Factor, a: float, b: float
) -> None:
    low, high = sorted((a, b))
    s_low, s_high = float(sc.subscore(low, factor)), float(sc.subscore(high, factor))
    if factor.scale > 0:
        assert s_high >= s_low
    else:
        assert s_high <= s_low


@settings(max_examples=60, deadline=None)
@given(
    st.floats(-30, 200),
    st.floats(-30, 200),
    st.floats(0.05, 1.5),
    st.integers(1, 10),
    st.integers(1, 10),
)
def test_score_pd_and_grade_move_the_right_way(
    dbt_a: float, dbt_b: float, debt: float, country_a: int, country_b: int
) -> None:
    n = 2
    inputs = BuyerInputs.empty(n)
    early, late = sorted((dbt_a, dbt_b))
    inputs.days_beyond_terms[:] = [early, late]
    better, worse = sorted((country_a, country_b))
    inputs.country_grade[:] = [better, worse]
    inputs.statements.total_assets[:] = 1e6
    inputs.statements.total_liabilities[:] = debt * 1e6
    result = assess(inputs)
    assert result.score[0] >= result.score[1]
    assert result.pd[0] <= result.pd[1]
    assert result.grade[0] <= result.grade[1]
    assert result.class_code[0] <= result.class_code[1]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=13, max_size=13), st.floats(0, 100))
def test_missing_data_pulls_towards_the_prior_not_to_zero(mask: list[float], value: float) -> None:
    inputs = {f.name: (np.nan if m < 0.5 else value) for f, m in zip(sc.FACTORS, mask, strict=True)}
    card = sc.score({k: np.array([v]) for k, v in inputs.items()})
    observed = sum(f.weight for f, m in zip(sc.FACTORS, mask, strict=True) if m >= 0.5)
    assert card.confidence[0] == pytest.approx(observed)
    prior_part = (1 - observed) * 40.0
    assert prior_part - 1e-9 <= card.score[0] <= prior_part + observed * 100.0 + 1e-9
