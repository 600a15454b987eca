"""The Polish bankruptcy file (UCI, CC BY 4.0) as arrays, for validation and benchmarks.

The ARFF has 64 numeric ratios ``Attr1``…``Attr64`` and ``class`` (1 = bankrupt within
the following year); ``?`` is missing. A description line sits after ``@data`` in the
shared copy, so the parser keeps only rows of 65 numeric fields (standard ARFF readers
stop at it).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from tests.conftest import SHARED_DATA

POLISH = SHARED_DATA / "companies" / "polish-bankruptcy-5year.arff"


def load(path: Path = POLISH) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    rows: list[list[float]] = []
    in_data = False
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if not text or text.startswith("%"):
            continue
        if text.lower().startswith("@data"):
            in_data = True
            continue
        parts = text.split(",")
        if not in_data or len(parts) != 65:
            continue
        try:
            rows.append([np.nan if p == "?" else float(p) for p in parts])
        except ValueError:
            continue
    table = np.array(rows, dtype=np.float64)
    return table[:, :64], table[:, 64].astype(np.int64)


def attr(x: npt.NDArray[np.float64], number: int) -> npt.NDArray[np.float64]:
    """``AttrN`` (1-based, as in the file's header)."""
    return x[:, number - 1]


def financial_inputs(x: npt.NDArray[np.float64]) -> dict[str, npt.NDArray[np.float64]]:
    """The expert scorecard's financial factors from the file's ratios.

    Altman Z'' (X1 Attr3, X2 Attr6, X3 Attr7, X4' Attr8), current ratio Attr4, debt
    ratio Attr2, EBIT / TA Attr7, interest cover Attr27 (operating profit / financial
    expenses), size Attr29 (logarithm of total assets, unit not stated in the file).
    """
    from tradeguard.domain.credit import altman as alt

    z2 = alt.z_score(alt.Variant.Z_DOUBLE_PRIME, attr(x, 3), attr(x, 6), attr(x, 7), attr(x, 8))
    return {
        "altman_position": alt.zone_position(z2, np.full(x.shape[0], 2)),
        "current_ratio": attr(x, 4),
        "debt_ratio": attr(x, 2),
        "ebit_to_assets": attr(x, 7),
        "interest_cover": attr(x, 27),
        "log_assets": attr(x, 29),
    }
