"""The recommended credit limit, from the grade, the buyer's size, the seller's expected
trade and the insurer's limit.

All amounts are in the base currency's major unit (floats inside the model; the
service turns the result into ``Decimal``). For each buyer:

1. **need** = the seller's expected peak exposure (``expected_exposure``: annual sales
   to the buyer / 365 × (terms + average days beyond terms, at least the terms)),
   times the grade's share ``limit_factors[grade]`` (1.0 for grades 1–3 down to 0 for
   8–10); where there is no trade yet, the discretionary limit times that share;
2. **size cap** = the smaller of ``limit_equity_share`` × equity (nothing for negative
   equity) and ``limit_sales_share`` × the buyer's sales, where a statement exists;
   otherwise the organisation's discretionary limit;
3. the insurer's limit, where one exists, caps the result (exposure above it would be
   uninsured);
4. class C (cash before delivery) gets no limit; the result is rounded down to
   ``limit_rounding``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tradeguard.domain.credit.settings import CreditSettings

FloatArray = npt.NDArray[np.float64]


def expected_exposure(
    annual_sales: npt.ArrayLike, terms_days: npt.ArrayLike, days_beyond_terms: npt.ArrayLike
) -> FloatArray:
    """Peak receivable the seller expects: a year's trade over the days it stays unpaid."""
    sales = np.asarray(annual_sales, dtype=np.float64)
    terms = np.asarray(terms_days, dtype=np.float64)
    late = np.nan_to_num(np.asarray(days_beyond_terms, dtype=np.float64), nan=0.0)
    return np.asarray(sales / 365.0 * (terms + np.clip(late, 0.0, None)))


def recommended_limit(
    grade: npt.ArrayLike,
    class_code: npt.ArrayLike,
    exposure: npt.ArrayLike,
    equity: npt.ArrayLike,
    sales: npt.ArrayLike,
    insurer_limit: npt.ArrayLike,
    settings: CreditSettings,
) -> FloatArray:
    """Arrays in, one limit per buyer out (0 for class C); NaN inputs mean unknown."""
    g = np.asarray(grade, dtype=np.int64)
    share = np.asarray(settings.limit_factors)[np.clip(g, 1, 10) - 1]
    trade = np.asarray(exposure, dtype=np.float64)
    need = share * np.where(np.isnan(trade) | (trade <= 0), settings.discretionary_limit, trade)
    eq = np.asarray(equity, dtype=np.float64)
    sa = np.asarray(sales, dtype=np.float64)
    by_equity = settings.limit_equity_share * np.clip(eq, 0.0, None)
    by_sales = settings.limit_sales_share * np.clip(sa, 0.0, None)
    size_cap = np.fmin(by_equity, by_sales)  # fmin ignores a NaN on one side
    size_cap = np.where(np.isnan(size_cap), settings.discretionary_limit, size_cap)
    ins = np.asarray(insurer_limit, dtype=np.float64)
    limit = np.fmin(np.minimum(need, size_cap), np.where(np.isnan(ins), np.inf, ins))
    limit = np.where(np.asarray(class_code) == 2, 0.0, limit)
    unit = settings.limit_rounding
    return np.asarray(np.floor(limit / unit + 1e-9) * unit)
