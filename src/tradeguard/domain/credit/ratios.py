"""Financial ratios from balance-sheet and income-statement lines, vectorised.

Inputs are arrays of statement lines in one unit (floats; NaN where a line is
unknown); a ratio is NaN where its inputs are unknown or its denominator is not
positive (a ratio over zero or negative assets means nothing), so that a missing
ratio lowers the confidence of a score rather than moving it.

========================  =============================================  ===========
ratio                     definition                                     family
========================  =============================================  ===========
``current_ratio``         current assets / current liabilities           liquidity
``x1``                    (current assets − current liabilities) / TA     Altman X1
``x2``                    retained earnings / TA                          Altman X2
``x3``                    EBIT / TA (return on assets before interest)    Altman X3
``x4_market``             market value of equity / total liabilities      Altman X4 (Z)
``x4_book``               book equity / total liabilities                 Altman X4'
``x5``                    sales / TA (asset turnover)                     Altman X5
``debt_ratio``            total liabilities / TA                          leverage
``ebit_margin``           EBIT / sales                                    profitability
``interest_cover``        EBIT / interest expense                         coverage
``log_assets``            log10(TA) in the base currency's major unit     size
========================  =============================================  ===========
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def _f(values: npt.ArrayLike) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


def safe_ratio(numerator: npt.ArrayLike, denominator: npt.ArrayLike) -> FloatArray:
    """numerator / denominator, NaN where the denominator is not positive or unknown."""
    n, d = _f(numerator), _f(denominator)
    ok = d > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok, n / np.where(ok, d, 1.0), np.nan)


@dataclass(frozen=True, slots=True)
class Statements:
    """Statement lines per buyer (arrays of one length; NaN = unknown)."""

    total_assets: FloatArray
    current_assets: FloatArray
    current_liabilities: FloatArray
    total_liabilities: FloatArray
    retained_earnings: FloatArray
    ebit: FloatArray
    sales: FloatArray
    equity: FloatArray
    market_equity: FloatArray
    interest_expense: FloatArray
    net_income: FloatArray  # carried for models on the ratios; the scorecard does not read it

    @classmethod
    def of(cls, **lines: npt.ArrayLike) -> Statements:
        """From keyword arrays or scalars; absent lines are unknown (NaN)."""
        names = [f.name for f in fields(cls)]
        unknown = set(lines) - set(names)
        if unknown:
            raise TypeError(f"unknown statement lines: {sorted(unknown)}")
        arrays = {k: np.atleast_1d(_f(v)) for k, v in lines.items()}
        size = max((a.shape[0] for a in arrays.values()), default=1)
        return cls(
            **{
                name: np.broadcast_to(arrays.get(name, np.full(size, np.nan)), (size,)).copy()
                for name in names
            }
        )

    def __len__(self) -> int:
        return int(self.total_assets.shape[0])


@dataclass(frozen=True, slots=True)
class Ratios:
    current_ratio: FloatArray
    x1: FloatArray
    x2: FloatArray
    x3: FloatArray
    x4_market: FloatArray
    x4_book: FloatArray
    x5: FloatArray
    debt_ratio: FloatArray
    ebit_margin: FloatArray
    interest_cover: FloatArray
    log_assets: FloatArray


def ratios(s: Statements) -> Ratios:
    ta = s.total_assets
    with np.errstate(divide="ignore", invalid="ignore"):
        log_assets = np.where(ta > 0, np.log10(np.where(ta > 0, ta, 1.0)), np.nan)
    return Ratios(
        current_ratio=safe_ratio(s.current_assets, s.current_liabilities),
        x1=safe_ratio(s.current_assets - s.current_liabilities, ta),
        x2=safe_ratio(s.retained_earnings, ta),
        x3=safe_ratio(s.ebit, ta),
        x4_market=safe_ratio(s.market_equity, s.total_liabilities),
        x4_book=safe_ratio(s.equity, s.total_liabilities),
        x5=safe_ratio(s.sales, ta),
        debt_ratio=safe_ratio(s.total_liabilities, ta),
        ebit_margin=safe_ratio(s.ebit, s.sales),
        interest_cover=safe_ratio(s.ebit, s.interest_expense),
        log_assets=log_assets,
    )
