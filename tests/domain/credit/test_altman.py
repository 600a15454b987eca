"""Altman Z, Z' and Z'' against the published coefficients, group means and zones."""

from __future__ import annotations

import numpy as np
import pytest

from tradeguard.domain.credit import altman as alt
from tradeguard.domain.credit.altman import Variant, Zone

# Altman (1968), group means of the bankrupt and non-bankrupt firms (REFERENCES.md).
BANKRUPT = (-0.061, -0.626, -0.318, 0.401, 1.50)
SOUND = (0.414, 0.355, 0.153, 2.477, 1.90)


def test_z_of_altmans_group_means() -> None:
    assert float(alt.z_score(Variant.Z, *BANKRUPT)) == pytest.approx(-0.258, abs=5e-4)
    assert float(alt.z_score(Variant.Z, *SOUND)) == pytest.approx(4.885, abs=5e-4)


def test_published_coefficients() -> None:
    unit = np.eye(5)
    assert [float(alt.z_score(Variant.Z, *row)) for row in unit] == [1.2, 1.4, 3.3, 0.6, 1.0]
    assert [float(alt.z_score(Variant.Z_PRIME, *row)) for row in unit] == [
        0.717,
        0.847,
        3.107,
        0.420,
        0.998,
    ]
    assert [float(alt.z_score(Variant.Z_DOUBLE_PRIME, *row)) for row in unit] == [
        6.56,
        3.26,
        6.72,
        1.05,
        0.0,
    ]


def test_hand_checked_z_prime_and_z_double_prime() -> None:
    # X1 0.2, X2 0.1, X3 0.05, X4' 0.8, X5 1.5
    # Z'  = 0.1434 + 0.0847 + 0.15535 + 0.336 + 1.497 = 2.21645
    # Z'' = 1.312 + 0.326 + 0.336 + 0.84 = 2.814
    ratios = (0.2, 0.1, 0.05, 0.8, 1.5)
    assert float(alt.z_score(Variant.Z_PRIME, *ratios)) == pytest.approx(2.21645)
    assert float(alt.z_score(Variant.Z_DOUBLE_PRIME, *ratios)) == pytest.approx(2.814)
    assert alt.zone(2.21645, Variant.Z_PRIME) is Zone.GREY
    assert alt.zone(2.814, Variant.Z_DOUBLE_PRIME) is Zone.SAFE


@pytest.mark.parametrize(
    ("variant", "lower", "upper"),
    [(Variant.Z, 1.81, 2.99), (Variant.Z_PRIME, 1.23, 2.90), (Variant.Z_DOUBLE_PRIME, 1.10, 2.60)],
)
def test_zones_at_the_boundaries_under_both_conventions(
    variant: Variant, lower: float, upper: float
) -> None:
    assert alt.zone(lower - 1e-9, variant) is Zone.DISTRESS
    assert alt.zone(lower, variant) is Zone.GREY
    assert alt.zone(upper, variant) is Zone.GREY
    assert alt.zone(upper + 1e-9, variant) is Zone.SAFE
    assert alt.zone(lower, variant, "outer") is Zone.DISTRESS
    assert alt.zone(upper, variant, "outer") is Zone.SAFE
    assert alt.zone((lower + upper) / 2, variant, "outer") is Zone.GREY


def test_zone_of_group_means() -> None:
    assert alt.zone(-0.258, Variant.Z) is Zone.DISTRESS
    assert alt.zone(4.885, Variant.Z) is Zone.SAFE


def test_variant_rule() -> None:
    choose = alt.choose_variant
    assert choose(manufacturer=True, public=True, emerging=False) is Variant.Z
    assert choose(manufacturer=True, public=False, emerging=False) is Variant.Z_PRIME
    assert choose(manufacturer=False, public=True, emerging=False) is Variant.Z_DOUBLE_PRIME
    assert choose(manufacturer=True, public=True, emerging=True) is Variant.Z_DOUBLE_PRIME
    assert alt.is_manufacturer("Machinery")
    assert alt.is_manufacturer("Food manufacturing")
    assert not alt.is_manufacturer("Retail")
    assert not alt.is_manufacturer(None)


def test_batch_matches_one_at_a_time_and_falls_back_without_market_equity() -> None:
    x1, x2, x3 = np.array([0.2, 0.2, 0.2, np.nan]), np.full(4, 0.1), np.full(4, 0.05)
    book, market, x5 = np.full(4, 0.8), np.array([1.6, np.nan, 1.6, 1.6]), np.full(4, 1.5)
    batch = alt.altman_batch([0, 0, 2, 1], x1, x2, x3, book, market, x5)
    assert batch.variant.tolist() == [0, 1, 2, -1]  # Z without market equity -> Z'
    assert batch.value[0] == pytest.approx(float(alt.z_score(Variant.Z, 0.2, 0.1, 0.05, 1.6, 1.5)))
    assert batch.value[1] == pytest.approx(2.21645)
    assert batch.value[2] == pytest.approx(2.814)
    assert np.isnan(batch.value[3])
    assert batch.zone.tolist() == [2, 1, 2, -1]  # Z = 3.005 is just safe


def test_z_double_prime_x4_convention() -> None:
    book = alt.altman_batch([2], [0.2], [0.1], [0.05], [0.8], [1.6], [1.5])
    market = alt.altman_batch([2], [0.2], [0.1], [0.05], [0.8], [1.6], [1.5], z2_x4="market")
    assert book.value[0] == pytest.approx(2.814)
    assert market.value[0] == pytest.approx(2.814 + 1.05 * 0.8)
    no_market = alt.altman_batch([2], [0.2], [0.1], [0.05], [0.8], [np.nan], [1.5], z2_x4="market")
    assert no_market.value[0] == pytest.approx(2.814)


def test_zone_position_is_zero_at_distress_and_one_at_safe() -> None:
    pos = alt.zone_position([1.81, 2.99, 1.23, 2.90, 1.10, 2.60], [0, 0, 1, 1, 2, 2])
    assert pos == pytest.approx([0, 1, 0, 1, 0, 1])
