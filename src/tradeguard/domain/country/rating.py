"""Country risk: a grade 1–10 and political-risk levels from public indicators.

The rule (documented in docs/country-risk.md, applied by scripts/build_country_risk.py
to build the shipped table, and by nothing else at run time):

1. **OECD part** (0–9): the OECD country risk category c (0–7) × 9/7. A country the
   OECD does not classify counts as category 0 when the World Bank rates it high
   income (the OECD leaves high-income OECD and euro-area members unclassified, at the
   lowest premium), else as unknown.
2. **Governance part** (0–9): the mean g of the six Worldwide Governance Indicator
   estimates (about −2.5 … +2.5) mapped linearly, g ≥ +1.75 → 0, g ≤ −1.75 → 9.
3. **Composite** = 0.6 × OECD part + 0.4 × governance part where both exist, the one
   that exists otherwise; with neither, the World Bank income group (high 2,
   upper-middle 4.5, lower-middle 6.5, low 8); with nothing at all, 6.5 (cautious).
4. **Grade** = 1 + round(composite) (1 lowest risk … 10 highest). A country on the
   World Bank's list of fragile and conflict-affected situations gets at least 8.

Political risk, each on the scale low / medium / high / very high:

- **transfer and convertibility** from the OECD category (which measures transfer and
  convertibility risk and force majeure): 0–1 low, 2–3 medium, 4–5 high, 6–7 very high;
- **expropriation** from WGI rule of law: ≥ 0.5 low, ≥ −0.5 medium, ≥ −1.25 high,
  below very high;
- **war and civil disturbance** from WGI political stability and absence of violence,
  same cut-offs; a fragile or conflict-affected situation is at least high;
- **political risk** = the worst of the three (unknown ones left out; all unknown:
  high).

``CountryRisk`` is one country as the organisation sees it: the shipped table's row,
or the organisation's override of its grade (and political risk) when it has one.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace

LEVELS = ("low", "medium", "high", "very high")
INCOME_FALLBACK = {
    "High income": 2.0,
    "Upper middle income": 4.5,
    "Lower middle income": 6.5,
    "Low income": 8.0,
}
NO_DATA_COMPOSITE = 6.5
OECD_WEIGHT = 0.6
FRAGILE_MIN_GRADE = 8


def _known(value: float | None) -> bool:
    return value is not None and not math.isnan(value)


def oecd_part(category: int | None, income_group: str | None) -> float | None:
    if category is None:
        return 0.0 if income_group == "High income" else None
    if not 0 <= category <= 7:
        raise ValueError(f"OECD category out of range: {category}")
    return category * 9.0 / 7.0


def governance_part(mean_estimate: float | None) -> float | None:
    if not _known(mean_estimate):
        return None
    assert mean_estimate is not None
    return min(9.0, max(0.0, (1.75 - mean_estimate) * 9.0 / 3.5))


def composite(category: int | None, mean_estimate: float | None, income_group: str | None) -> float:
    o = oecd_part(category, income_group)
    g = governance_part(mean_estimate)
    if o is not None and g is not None:
        return OECD_WEIGHT * o + (1 - OECD_WEIGHT) * g
    if o is not None:
        return o
    if g is not None:
        return g
    return INCOME_FALLBACK.get(income_group or "", NO_DATA_COMPOSITE)


def grade(
    category: int | None,
    mean_estimate: float | None,
    income_group: str | None,
    fragile: bool,
) -> int:
    # round half up, so that 0.5 steps never depend on banker's rounding
    value = 1 + math.floor(composite(category, mean_estimate, income_group) + 0.5)
    if fragile:
        value = max(value, FRAGILE_MIN_GRADE)
    return min(10, max(1, value))


def transfer_level(category: int | None, income_group: str | None) -> str | None:
    if category is None:
        return "low" if income_group == "High income" else None
    return LEVELS[min(3, category // 2)]


def governance_level(estimate: float | None) -> str | None:
    if not _known(estimate):
        return None
    assert estimate is not None
    if estimate >= 0.5:
        return "low"
    if estimate >= -0.5:
        return "medium"
    if estimate >= -1.25:
        return "high"
    return "very high"


def war_level(political_stability: float | None, fragile: bool) -> str | None:
    level = governance_level(political_stability)
    if fragile:
        return worst(level, "high")
    return level


def worst(*levels: str | None) -> str:
    known = [LEVELS.index(level) for level in levels if level is not None]
    return LEVELS[max(known)] if known else "high"


@dataclass(frozen=True, slots=True)
class CountryIndicators:
    """The public figures behind a country's grade (None: not published for it)."""

    oecd_category: int | None
    wgi_year: int | None
    wgi_governance: float | None
    wgi_political_stability: float | None
    wgi_rule_of_law: float | None
    oecd_date: dt.date | None


@dataclass(frozen=True, slots=True)
class CountryRisk:
    country: str
    name: str
    grade: int
    political_risk: str
    transfer_risk: str | None
    expropriation_risk: str | None
    war_risk: str | None
    indicators: CountryIndicators
    income_group: str | None
    fragile: bool
    data: str
    source: str = "table"  # or "override"
    table_grade: int | None = None
    note: str | None = None


def with_override(
    risk: CountryRisk, grade: int, political_risk: str | None, note: str | None
) -> CountryRisk:
    """The organisation's own view: its grade, and its political risk where it gives one."""
    political = political_risk or risk.political_risk
    if political not in LEVELS:
        raise ValueError(f"political risk {political!r}: one of {', '.join(LEVELS)}")
    return replace(risk, grade=grade, political_risk=political, source="override", note=note)


def is_emerging(risk: CountryRisk | None) -> bool:
    """An emerging market for the Altman rule: not high income (World Bank)."""
    return risk is not None and risk.income_group != "High income"
