"""The country grade and political-risk rule, hand-checked."""

from __future__ import annotations

import pytest

from tradeguard.domain.country import rating as rule


def test_grade_hand_checked() -> None:
    # OECD 2 -> 2.5714; WGI mean -0.29 -> (1.75 + 0.29) * 9 / 3.5 = 5.2457
    # 0.6 * 2.5714 + 0.4 * 5.2457 = 3.6411 -> 1 + 4 = 5 (China in the shipped table)
    assert rule.composite(2, -0.29, "Upper middle income") == pytest.approx(3.6411, abs=1e-4)
    assert rule.grade(2, -0.29, "Upper middle income", fragile=False) == 5
    # unclassified high income: OECD part 0; WGI 1.318 -> 1.1109; 0.4 * 1.1109 = 0.444 -> 1
    assert rule.grade(None, 1.318, "High income", fragile=False) == 1
    assert rule.grade(7, -2.0, "Low income", fragile=True) == 10
    assert rule.grade(2, 0.5, "Lower middle income", fragile=True) == rule.FRAGILE_MIN_GRADE


def test_fallbacks() -> None:
    assert rule.grade(None, None, "Low income", fragile=False) == 9  # 1 + 8
    assert rule.grade(None, None, None, fragile=False) == 8  # 1 + round(6.5) half up
    assert rule.grade(None, -0.29, "Upper middle income", fragile=False) == 6  # WGI only


@pytest.mark.parametrize(
    ("estimate", "level"),
    [(0.5, "low"), (0.49, "medium"), (-0.5, "medium"), (-0.51, "high"), (-1.26, "very high")],
)
def test_governance_levels_at_their_cut_offs(estimate: float, level: str) -> None:
    assert rule.governance_level(estimate) == level


def test_political_risk_levels() -> None:
    assert rule.transfer_level(None, "High income") == "low"
    assert [rule.transfer_level(c, None) for c in range(8)] == [
        "low", "low", "medium", "medium", "high", "high", "very high", "very high"
    ]  # fmt: skip
    assert rule.war_level(1.0, fragile=True) == "high"
    assert rule.war_level(None, fragile=False) is None
    assert rule.worst("low", None, "high") == "high"
    assert rule.worst(None, None) == "high"


def _risk(income_group: str | None = "Upper middle income") -> rule.CountryRisk:
    indicators = rule.CountryIndicators(2, 2023, -0.29, -0.51, -0.04, None)
    return rule.CountryRisk(
        "CN", "China", 5, "high", "medium", "medium", "high", indicators, income_group, False,
        "oecd+wgi+worldbank", table_grade=5,
    )  # fmt: skip


def test_an_override_replaces_the_grade_and_a_given_political_risk() -> None:
    own = rule.with_override(_risk(), 8, "very high", "our experience")
    assert (own.grade, own.political_risk, own.source, own.note) == (
        8,
        "very high",
        "override",
        "our experience",
    )
    assert own.table_grade == 5  # the table's grade stays visible beside the override
    kept = rule.with_override(_risk(), 3, None, None)
    assert (kept.grade, kept.political_risk, kept.source) == (3, "high", "override")
    with pytest.raises(ValueError, match="political risk"):
        rule.with_override(_risk(), 3, "extreme", None)


def test_emerging_means_not_high_income() -> None:
    assert rule.is_emerging(_risk("Upper middle income"))
    assert rule.is_emerging(_risk(None))  # no World Bank group: cautious
    assert not rule.is_emerging(_risk("High income"))
    assert not rule.is_emerging(None)  # an unknown country: no Altman adjustment
