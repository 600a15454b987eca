"""Credit scoring benchmark: 1,000,000 buyers, vectorised, against a per-buyer Python loop.

    python bench/bench_credit.py [--buyers 1000000] [--loop-buyers 1000000]

Both sides get the same inputs (random but realistic statements, payment behaviour,
country and industry, 20% of buyers without statements and 10% without payment
history) and compute the same chain: ratios, the Altman variant per buyer with its
value and zone, the expert scorecard (13 factors, missing at the prior), PD, grade,
class, recommended limit and the top five reason codes. The vectorised side is
``tradeguard.domain.credit.assess.assess`` plus ``scorecard.top_reasons``; the loop is
a plain Python function per buyer over the same numbers (``math``, no NumPy). The
script checks that both agree (grades and classes exactly, PD to 1e-9) before it
prints the times and their ratio as JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np

from tradeguard.domain.credit import altman as alt
from tradeguard.domain.credit.assess import BuyerInputs, assess
from tradeguard.domain.credit.ratios import Statements
from tradeguard.domain.credit.scorecard import FACTORS, top_reasons
from tradeguard.domain.credit.settings import CreditSettings


def inputs(n: int, seed: int = 11) -> BuyerInputs:
    rng = np.random.default_rng(seed)
    ta = np.exp(rng.normal(15.0, 1.5, n))
    no_statement = rng.random(n) < 0.2
    ta = np.where(no_statement, np.nan, ta)
    tl = ta * rng.uniform(0.2, 1.1, n)
    ca = ta * rng.uniform(0.2, 0.8, n)
    no_history = rng.random(n) < 0.1
    dbt = np.where(no_history, np.nan, rng.gamma(2.0, 5.0, n) - 4.0)
    statements = Statements.of(
        total_assets=ta,
        current_assets=ca,
        current_liabilities=ca / rng.uniform(0.6, 2.5, n),
        total_liabilities=tl,
        retained_earnings=ta * rng.normal(0.15, 0.2, n),
        ebit=ta * rng.normal(0.05, 0.06, n),
        sales=ta * rng.uniform(0.5, 2.5, n),
        equity=ta - tl,
        market_equity=np.where(rng.random(n) < 0.1, (ta - tl) * 1.8, np.nan),
        interest_expense=tl * rng.uniform(0.0, 0.06, n),
    )
    return BuyerInputs(
        statements=statements,
        manufacturer=rng.random(n) < 0.5,
        emerging=rng.random(n) < 0.25,
        country_grade=rng.integers(1, 11, n).astype(np.float64),
        industry_risk=rng.uniform(-0.8, 0.9, n),
        days_beyond_terms=dbt,
        dbt_trend=np.where(no_history, np.nan, rng.normal(0.0, 1.0, n)),
        max_delay_days=np.where(no_history, np.nan, rng.gamma(2.0, 10.0, n)),
        disputes=np.where(no_history, np.nan, rng.poisson(0.5, n).astype(np.float64)),
        relationship_years=np.where(no_history, np.nan, rng.uniform(0, 10, n)),
        in_default=rng.random(n) < 0.01,
        exposure=np.where(no_history, np.nan, rng.uniform(1e3, 5e5, n)),
        insurer_limit=np.where(rng.random(n) < 0.3, rng.uniform(1e4, 3e5, n), np.nan),
    )


def _logistic(t: float) -> float:
    """100 / (1 + e^t), like NumPy's: 0 where e^t overflows."""
    return 0.0 if t > 700 else 100.0 / (1.0 + math.exp(t))


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else math.nan


def score_one(row: dict[str, float], s: CreditSettings) -> tuple[float, int, int, float, list[str]]:
    """One buyer in plain Python: the same rules as the vectorised domain code."""
    ta = row["total_assets"]
    x1 = _ratio(row["current_assets"] - row["current_liabilities"], ta)
    x2 = _ratio(row["retained_earnings"], ta)
    x3 = _ratio(row["ebit"], ta)
    x4b = _ratio(row["equity"], row["total_liabilities"])
    x4m = _ratio(row["market_equity"], row["total_liabilities"])
    x5 = _ratio(row["sales"], ta)
    manufacturer, emerging = row["manufacturer"] > 0, row["emerging"] > 0
    variant = 2 if (not manufacturer or emerging) else (0 if not math.isnan(x4m) else 1)
    coef = alt.MODELS[alt.VARIANTS[variant]].coefficients
    x4 = x4m if variant == 0 else x4b
    z = (
        coef[0] * x1
        + coef[1] * x2
        + coef[2] * x3
        + coef[3] * x4
        + (coef[4] * x5 if variant < 2 else 0)
    )
    lower = alt.MODELS[alt.VARIANTS[variant]].distress_below
    upper = alt.MODELS[alt.VARIANTS[variant]].safe_above
    values = {
        "altman_position": (z - lower) / (upper - lower),
        "current_ratio": _ratio(row["current_assets"], row["current_liabilities"]),
        "debt_ratio": _ratio(row["total_liabilities"], ta),
        "ebit_to_assets": x3,
        "interest_cover": _ratio(row["ebit"], row["interest_expense"]),
        "log_assets": math.log10(ta) if ta > 0 else math.nan,
        **{k: row[k] for k in ("days_beyond_terms", "dbt_trend", "max_delay_days", "disputes")},
        **{k: row[k] for k in ("country_grade", "industry_risk", "relationship_years")},
    }
    score = 0.0
    impacts = []
    for f in FACTORS:
        x = values[f.name]
        sub = s.prior_subscore if math.isnan(x) else _logistic(-(x - f.midpoint) / f.scale)
        score += f.weight * sub
        impacts.append((-abs(f.weight * (sub - 50.0)), f.code))
    reasons = [code for _, code in sorted(impacts, key=lambda t: t[0])[:5]]
    in_default = row["in_default"] > 0
    pd = (
        1.0
        if in_default
        else 1.0 / (1.0 + math.exp(-(s.pd_intercept + s.pd_slope * (score - 50.0))))
    )
    grade = 10 if in_default else 1 + sum(1 for b in s.grade_bounds[:-1] if b <= pd)
    klass = 0 if grade <= s.class_a_max_grade else (1 if grade <= s.class_b_max_grade else 2)
    share = s.limit_factors[grade - 1]
    trade = row["exposure"]
    need = share * (s.discretionary_limit if math.isnan(trade) or trade <= 0 else trade)
    caps = [
        v
        for v in (
            s.limit_equity_share * max(row["equity"], 0.0),
            s.limit_sales_share * max(row["sales"], 0.0),
        )
        if not math.isnan(v)
    ]
    cap = min(caps) if caps else s.discretionary_limit
    limit = min(need, cap)
    if not math.isnan(row["insurer_limit"]):
        limit = min(limit, row["insurer_limit"])
    limit = 0.0 if klass == 2 else math.floor(limit / s.limit_rounding + 1e-9) * s.limit_rounding
    return pd, grade, klass, limit, reasons


def rows_of(data: BuyerInputs, count: int) -> list[dict[str, float]]:
    st = data.statements
    columns = {
        **{name: getattr(st, name)[:count] for name in st.__dataclass_fields__},
        **{
            name: np.asarray(getattr(data, name)[:count], dtype=np.float64)
            for name in data.__dataclass_fields__
            if name != "statements"
        },
    }
    names = list(columns)
    return [
        dict(zip(names, values, strict=True))
        for values in zip(*(columns[n].tolist() for n in names), strict=True)
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--buyers", type=int, default=1_000_000)
    parser.add_argument("--loop-buyers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = inputs(args.buyers)
    settings = CreditSettings()
    best = math.inf
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = assess(data, settings)
        reasons = top_reasons(result.card.impacts, 5)
        best = min(best, time.perf_counter() - start)
    loop_n = min(args.loop_buyers, args.buyers)
    rows = rows_of(data, loop_n)
    start = time.perf_counter()
    looped = [score_one(row, settings) for row in rows]
    loop_seconds = time.perf_counter() - start
    pd = np.array([r[0] for r in looped])
    assert np.allclose(pd, result.pd[:loop_n], rtol=0, atol=1e-9)
    assert [r[1] for r in looped] == result.grade[:loop_n].tolist()
    assert [r[2] for r in looped] == result.class_code[:loop_n].tolist()
    assert np.allclose([r[3] for r in looped], result.limit[:loop_n])
    codes = np.array([f.code for f in FACTORS])
    agree = np.mean([set(r[4]) == set(codes[reasons[i]]) for i, r in enumerate(looped[:10_000])])
    loop_per_buyer = loop_seconds / loop_n
    print(
        json.dumps(
            {
                "buyers": args.buyers,
                "vectorised_seconds_best_of_repeat": round(best, 3),
                "loop_buyers": loop_n,
                "loop_seconds": round(loop_seconds, 2),
                "loop_seconds_scaled_to_all": round(loop_per_buyer * args.buyers, 2),
                "speed_up": round(loop_per_buyer * args.buyers / best, 1),
                "reason_sets_agree_first_10000": float(agree),
                "grades": np.bincount(result.grade, minlength=11)[1:].tolist(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
