"""Country risk as the organisation sees it: the shipped table with its own overrides.

The table ``tradeguard/country/data/country_risk.csv`` is built by
``scripts/build_country_risk.py`` from public sources (docs/country-risk.md). An
organisation overrides single countries with ``tradeguard import countries FILE``
(rows in ``country_overrides``): the override's grade (and political risk, when
given) replaces the table's, and the answer says so (``source: "override"``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradeguard.country.models import CountryOverride
from tradeguard.domain.country.rating import LEVELS
from tradeguard.domain.errors import NotFoundError
from tradeguard.domain.identity.access import Org
from tradeguard.locale import N_

TABLE = "country_risk.csv"
_INDICATORS = (
    ("oecd_category", int),
    ("wgi_year", int),
    ("wgi_governance", float),
    ("wgi_political_stability", float),
    ("wgi_rule_of_law", float),
)
SOURCES = {  # marked for the report's translations (tradeguard.locale)
    "oecd_category": N_(
        "OECD Country Risk Classification (Arrangement on Officially Supported "
        "Export Credits), OECD terms, reuse with attribution"
    ),
    "wgi": N_(
        "World Bank, Worldwide Governance Indicators 2023 (gaps: 1996-2021 panel), CC BY 4.0"
    ),
    "income_group": N_("World Bank country and lending groups, fiscal year 2025, CC BY 4.0"),
    "fragile": N_("World Bank list of fragile and conflict-affected situations, FY2025, CC BY 4.0"),
}


@dataclass(frozen=True, slots=True)
class CountryRisk:
    country: str
    name: str
    grade: int
    political_risk: str
    transfer_risk: str | None
    expropriation_risk: str | None
    war_risk: str | None
    indicators: dict[str, Any]
    income_group: str | None
    fragile: bool
    data: str
    source: str = "table"  # or "override"
    table_grade: int | None = None
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "country": self.country,
            "name": self.name,
            "grade": self.grade,
            "political_risk": self.political_risk,
            "political_risk_detail": {
                "transfer_and_convertibility": self.transfer_risk,
                "expropriation": self.expropriation_risk,
                "war_and_civil_disturbance": self.war_risk,
            },
            "indicators": self.indicators,
            "income_group": self.income_group,
            "fragile_or_conflict": self.fragile,
            "data": self.data,
            "source": self.source,
            "table_grade": self.table_grade,
            "note": self.note,
            "sources": SOURCES,
        }


def _value(text: str, kind: type) -> Any:
    return None if text == "" else kind(text)


@cache
def table() -> dict[str, CountryRisk]:
    """Every ISO 3166 country of the shipped table, by alpha-2 code."""
    text = (
        resources.files("tradeguard").joinpath("country", "data", TABLE).read_text(encoding="utf-8")
    )
    result = {}
    for row in csv.DictReader(io.StringIO(text)):
        indicators = {name: _value(row[name], kind) for name, kind in _INDICATORS}
        indicators["oecd_date"] = row["oecd_date"] or None
        result[row["country"]] = CountryRisk(
            country=row["country"],
            name=row["name"],
            grade=int(row["grade"]),
            political_risk=row["political_risk"],
            transfer_risk=row["transfer_risk"] or None,
            expropriation_risk=row["expropriation_risk"] or None,
            war_risk=row["war_risk"] or None,
            indicators=indicators,
            income_group=row["income_group"] or None,
            fragile=row["fragile"] == "yes",
            data=row["data"],
            table_grade=int(row["grade"]),
        )
    return result


def _apply(risk: CountryRisk, override: CountryOverride) -> CountryRisk:
    political = override.political_risk or risk.political_risk
    assert political in LEVELS
    return replace(
        risk, grade=override.grade, political_risk=political, source="override", note=override.note
    )


def country_risks(session: Session, org: Org) -> dict[str, CountryRisk]:
    """Every country, the organisation's overrides applied."""
    risks = dict(table())
    for override in session.scalars(
        select(CountryOverride).where(CountryOverride.org_id == org.id)
    ):
        if override.country in risks:
            risks[override.country] = _apply(risks[override.country], override)
    return risks


def country_risk(session: Session, org: Org, code: str) -> CountryRisk:
    code = code.strip().upper()
    risk = table().get(code)
    if risk is None:
        raise NotFoundError(f"unknown country code {code!r} (ISO 3166 alpha-2)")
    override = session.get(CountryOverride, (org.id, code))
    return risk if override is None else _apply(risk, override)


def is_emerging(risk: CountryRisk | None) -> bool:
    """An emerging market for the Altman rule: not high income (World Bank)."""
    return risk is not None and risk.income_group != "High income"
