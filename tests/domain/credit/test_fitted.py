"""The fitted scorecard: monotonic binning, monotonic PD, a stored form that round-trips."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeguard.domain.credit import fitted
from tradeguard.domain.credit.scorecard import FACTORS


def _synthetic(n: int = 6000, seed: int = 5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    values = np.full((n, len(FACTORS)), np.nan)
    dbt = rng.gamma(2.0, 6.0, n) - 3.0
    debt = rng.uniform(0.2, 1.1, n)
    country = rng.integers(1, 11, n).astype(float)
    names = [f.name for f in FACTORS]
    values[:, names.index("days_beyond_terms")] = dbt
    values[:, names.index("debt_ratio")] = np.where(rng.random(n) < 0.3, np.nan, debt)
    values[:, names.index("country_grade")] = country
    logit = -3.0 + 0.08 * dbt + 2.0 * debt + 0.15 * country
    # a noisy bump against the direction, which binning must pool away
    logit += np.where((dbt > 20) & (dbt < 25), -1.0, 0.0)
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    return values, y


def test_binning_pools_violations_into_a_monotonic_default_rate() -> None:
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 100, 5000)
    y = (rng.random(5000) < np.where((x > 40) & (x < 55), 0.02, 0.002 * x)).astype(float)
    binning = fitted.monotonic_binning(x, y, higher_is_safer=False)
    assert np.all(np.diff(binning.woe) >= 0)  # riskier (higher WoE) as x rises
    safer = fitted.monotonic_binning(x, y, higher_is_safer=True)
    assert np.all(np.diff(safer.woe) <= 0)


def test_fitted_pd_is_monotonic_in_each_factor_and_round_trips() -> None:
    values, y = _synthetic()
    model = fitted.fit(values, y)
    assert all(c > 0 for c in model.coefficients)
    again = fitted.Scorecard.from_dict(model.as_dict())
    assert np.allclose(again.predict(values), model.predict(values))
    for j, factor in enumerate(FACTORS):
        binning = model.binnings[j]
        if binning is None:
            continue
        steps = np.diff(binning.woe)
        assert np.all(steps <= 1e-12) if factor.scale > 0 else np.all(steps >= -1e-12)


@settings(max_examples=40, deadline=None)
@given(st.floats(-20, 120), st.floats(-20, 120), st.integers(1, 10))
def test_more_days_beyond_terms_never_lowers_the_fitted_pd(
    a: float, b: float, country: int
) -> None:
    model = _MODEL
    names = [f.name for f in FACTORS]
    rows = np.full((2, len(FACTORS)), np.nan)
    rows[:, names.index("days_beyond_terms")] = sorted((a, b))
    rows[:, names.index("country_grade")] = country
    pd = model.predict(rows)
    assert pd[0] <= pd[1] + 1e-12


def test_fitting_needs_both_outcomes() -> None:
    values, _ = _synthetic(100)
    with pytest.raises(ValueError, match="both"):
        fitted.fit(values, np.zeros(100, dtype=bool))


_MODEL = fitted.fit(*_synthetic())
