"""Country risk as the organisation sees it: the shipped table with its own overrides.

The table ``tradeguard/country/data/country_risk.csv`` is built by
``scripts/build_country_risk.py`` from public sources (docs/country-risk.md). An
organisation overrides single countries with ``tradeguard import countries FILE``
(rows in ``country_overrides``): the override's grade (and political risk, when
given) replaces the table's, and the answer says so (``source: "override"``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from functools import cache
from importlib import resources

from sqlalchemy.orm import Session

from tradeguard.country import repository
from tradeguard.country.models import CountryOverride
from tradeguard.domain.country.rating import CountryIndicators, CountryRisk, with_override
from tradeguard.domain.errors import NotFoundError
from tradeguard.domain.identity.access import Org
from tradeguard.locale import N_

TABLE = "country_risk.csv"
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


def _int(text: str) -> int | None:
    return None if text == "" else int(text)


def _float(text: str) -> float | None:
    return None if text == "" else float(text)


@cache
def table() -> dict[str, CountryRisk]:
    """Every ISO 3166 country of the shipped table, by alpha-2 code."""
    text = (
        resources.files("tradeguard").joinpath("country", "data", TABLE).read_text(encoding="utf-8")
    )
    result = {}
    for row in csv.DictReader(io.StringIO(text)):
        indicators = CountryIndicators(
            oecd_category=_int(row["oecd_category"]),
            wgi_year=_int(row["wgi_year"]),
            wgi_governance=_float(row["wgi_governance"]),
            wgi_political_stability=_float(row["wgi_political_stability"]),
            wgi_rule_of_law=_float(row["wgi_rule_of_law"]),
            oecd_date=dt.date.fromisoformat(row["oecd_date"]) if row["oecd_date"] else None,
        )
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


def _overridden(risk: CountryRisk, override: CountryOverride) -> CountryRisk:
    return with_override(risk, override.grade, override.political_risk, override.note)


def country_risks(session: Session, org: Org) -> dict[str, CountryRisk]:
    """Every country, the organisation's overrides applied."""
    risks = dict(table())
    for override in repository.overrides(session, org.id):
        if override.country in risks:
            risks[override.country] = _overridden(risks[override.country], override)
    return risks


def country_risk(session: Session, org: Org, code: str) -> CountryRisk:
    code = code.strip().upper()
    risk = table().get(code)
    if risk is None:
        raise NotFoundError(f"unknown country code {code!r} (ISO 3166 alpha-2)")
    override = repository.override(session, org.id, code)
    return risk if override is None else _overridden(risk, override)
