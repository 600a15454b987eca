"""The Altman Z-score family: Z (1968), Z' (private firms) and Z'' (non-manufacturers).

Coefficients and zones (Altman 1968; Altman 1983/2000 for Z' and Z''; see
``docs/credit.md`` and the project's REFERENCES.md):

=========  ==========================================================  ===============
variant    formula                                                     distress / safe
=========  ==========================================================  ===============
``Z``      1.2·X1 + 1.4·X2 + 3.3·X3 + 0.6·X4 + 1.0·X5                   1.81 / 2.99
``Z'``     0.717·X1 + 0.847·X2 + 3.107·X3 + 0.420·X4' + 0.998·X5        1.23 / 2.90
``Z''``    6.56·X1 + 3.26·X2 + 6.72·X3 + 1.05·X4'                       1.10 / 2.60
=========  ==========================================================  ===============

X1 working capital / total assets, X2 retained earnings / TA, X3 EBIT / TA, X4 market
value of equity / total liabilities, X4' book equity / total liabilities, X5 sales / TA.

Two conventions where secondary sources disagree are settings, both tested:

- ``z2_x4``: Altman's Z'' uses *book* equity / total liabilities (``"book"``, the
  default); some secondary sources print it with market equity (``"market"``, which
  falls back to book equity where no market value exists).
- ``boundary``: ``"grey"`` (default) puts a score exactly on a cut-off in the grey
  zone (distress is strictly below the lower cut-off, safe strictly above the upper
  one, as Altman's "zone of ignorance" 1.81–2.99 is printed); ``"outer"`` puts it in
  the outer zone (≤ lower is distress, ≥ upper is safe), as some textbooks do.

Everything is vectorised over NumPy arrays; a scalar works too (a 0-d array).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

Boundary = Literal["grey", "outer"]
Z2X4 = Literal["book", "market"]


class Variant(StrEnum):
    Z = "Z"
    Z_PRIME = "Z'"
    Z_DOUBLE_PRIME = "Z''"


class Zone(StrEnum):
    DISTRESS = "distress"
    GREY = "grey"
    SAFE = "safe"


ZONES = (Zone.DISTRESS, Zone.GREY, Zone.SAFE)  # zone codes 0, 1, 2
VARIANTS = (Variant.Z, Variant.Z_PRIME, Variant.Z_DOUBLE_PRIME)  # variant codes 0, 1, 2


@dataclass(frozen=True, slots=True)
class Model:
    variant: Variant
    coefficients: tuple[float, float, float, float, float]  # X1..X5 (X5 0 for Z'')
    distress_below: float
    safe_above: float


MODELS: dict[Variant, Model] = {
    Variant.Z: Model(Variant.Z, (1.2, 1.4, 3.3, 0.6, 1.0), 1.81, 2.99),
    Variant.Z_PRIME: Model(Variant.Z_PRIME, (0.717, 0.847, 3.107, 0.420, 0.998), 1.23, 2.90),
    Variant.Z_DOUBLE_PRIME: Model(
        Variant.Z_DOUBLE_PRIME, (6.56, 3.26, 6.72, 1.05, 0.0), 1.10, 2.60
    ),
}

# Cut-offs per variant code, for vectorised zoning.
_LOWER = np.array([MODELS[v].distress_below for v in VARIANTS])
_UPPER = np.array([MODELS[v].safe_above for v in VARIANTS])
_COEF = np.array([MODELS[v].coefficients for v in VARIANTS])


def z_score(
    variant: Variant,
    x1: npt.ArrayLike,
    x2: npt.ArrayLike,
    x3: npt.ArrayLike,
    x4: npt.ArrayLike,
    x5: npt.ArrayLike = 0.0,
) -> FloatArray:
    """The score of one variant from its ratios (X4 as the variant defines it)."""
    c = MODELS[variant].coefficients
    return np.asarray(
        c[0] * np.asarray(x1, dtype=np.float64)
        + c[1] * np.asarray(x2, dtype=np.float64)
        + c[2] * np.asarray(x3, dtype=np.float64)
        + c[3] * np.asarray(x4, dtype=np.float64)
        + c[4] * np.asarray(x5, dtype=np.float64),
        dtype=np.float64,
    )


def zone_codes(
    values: npt.ArrayLike, variant_codes: npt.ArrayLike, boundary: Boundary = "grey"
) -> IntArray:
    """0 distress, 1 grey, 2 safe; -1 where the value is NaN (no score)."""
    z = np.asarray(values, dtype=np.float64)
    v = np.asarray(variant_codes, dtype=np.int64)
    lower, upper = _LOWER[v], _UPPER[v]
    if boundary == "grey":
        code = np.where(z < lower, 0, np.where(z > upper, 2, 1))
    elif boundary == "outer":
        code = np.where(z <= lower, 0, np.where(z >= upper, 2, 1))
    else:
        raise ValueError(f"unknown boundary convention {boundary!r}")
    return np.where(np.isnan(z), -1, code).astype(np.int64)


def zone(value: float, variant: Variant, boundary: Boundary = "grey") -> Zone:
    """The zone of one score."""
    code = int(zone_codes(np.array([value]), np.array([VARIANTS.index(variant)]), boundary)[0])
    if code < 0:
        raise ValueError("no zone for a missing score")
    return ZONES[code]


# Industries treated as manufacturing (case-insensitive; anything containing
# "manufactur" also counts). The demo data's and common NACE section C names.
MANUFACTURING = frozenset(
    {
        "automotive",
        "chemicals",
        "electronics",
        "food & beverage",
        "machinery",
        "metals",
        "pharmaceuticals",
        "plastics",
        "textiles",
        "paper & packaging",
        "manufacturing",
    }
)


def is_manufacturer(industry: str | None) -> bool:
    if not industry:
        return False
    name = industry.strip().lower()
    return name in MANUFACTURING or "manufactur" in name


def choose_variant_codes(
    manufacturer: npt.ArrayLike, public: npt.ArrayLike, emerging: npt.ArrayLike
) -> IntArray:
    """The variant per buyer (codes into ``VARIANTS``), by the documented rule.

    1. a non-manufacturer, or any firm in an emerging market → Z'' (Altman built Z''
       for both; it leaves out the industry-sensitive asset turnover X5);
    2. otherwise a public manufacturer (a market value of equity is known) → Z;
    3. otherwise (a private manufacturer in a developed market) → Z'.
    """
    m = np.asarray(manufacturer, dtype=np.bool_)
    p = np.asarray(public, dtype=np.bool_)
    e = np.asarray(emerging, dtype=np.bool_)
    return np.where(~m | e, 2, np.where(p, 0, 1)).astype(np.int64)


def choose_variant(*, manufacturer: bool, public: bool, emerging: bool) -> Variant:
    return VARIANTS[int(choose_variant_codes([manufacturer], [public], [emerging])[0])]


@dataclass(frozen=True, slots=True)
class AltmanBatch:
    variant: IntArray  # codes into VARIANTS; -1 where no statement
    value: FloatArray  # NaN where no statement
    zone: IntArray  # codes into ZONES; -1 where no statement


def altman_batch(
    variant_codes: npt.ArrayLike,
    x1: npt.ArrayLike,
    x2: npt.ArrayLike,
    x3: npt.ArrayLike,
    x4_book: npt.ArrayLike,
    x4_market: npt.ArrayLike,
    x5: npt.ArrayLike,
    *,
    boundary: Boundary = "grey",
    z2_x4: Z2X4 = "book",
) -> AltmanBatch:
    """Each buyer's chosen variant, its value and zone, for arrays of ratios.

    ``x4_market`` is market equity / total liabilities (NaN where unknown); Z falls
    back to Z' where it is missing, since Z is defined on market values only.
    """
    v = np.asarray(variant_codes, dtype=np.int64)
    x4m = np.asarray(x4_market, dtype=np.float64)
    x4b = np.asarray(x4_book, dtype=np.float64)
    v = np.where((v == 0) & np.isnan(x4m), 1, v)
    x4 = np.where(v == 0, x4m, x4b)
    if z2_x4 == "market":
        x4 = np.where((v == 2) & ~np.isnan(x4m), x4m, x4)
    elif z2_x4 != "book":
        raise ValueError(f"unknown Z'' X4 convention {z2_x4!r}")
    coef = _COEF[np.clip(v, 0, 2)]
    value = (
        coef[..., 0] * np.asarray(x1, dtype=np.float64)
        + coef[..., 1] * np.asarray(x2, dtype=np.float64)
        + coef[..., 2] * np.asarray(x3, dtype=np.float64)
        + coef[..., 3] * x4
        + coef[..., 4] * np.where(v == 2, 0.0, np.asarray(x5, dtype=np.float64))
    )
    missing = np.isnan(value) | (v < 0)
    value = np.where(missing, np.nan, value)
    return AltmanBatch(
        np.where(missing, -1, v).astype(np.int64),
        value.astype(np.float64),
        zone_codes(value, np.clip(v, 0, 2), boundary),
    )


def zone_position(values: npt.ArrayLike, variant_codes: npt.ArrayLike) -> FloatArray:
    """Where a score sits against its variant's cut-offs: 0 at distress, 1 at safe.

    Makes the three variants comparable for the scorecard (NaN where no score).
    """
    z = np.asarray(values, dtype=np.float64)
    v = np.clip(np.asarray(variant_codes, dtype=np.int64), 0, 2)
    return np.asarray((z - _LOWER[v]) / (_UPPER[v] - _LOWER[v]), dtype=np.float64)
