"""What the API (and ``country show --format json``) answers about a country's risk."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from tradeguard.country.service import SOURCES
from tradeguard.domain.country.rating import CountryRisk


class PoliticalRiskDetailRead(BaseModel):
    transfer_and_convertibility: str | None
    expropriation: str | None
    war_and_civil_disturbance: str | None


class CountryIndicatorsRead(BaseModel):
    oecd_category: int | None
    wgi_year: int | None
    wgi_governance: float | None
    wgi_political_stability: float | None
    wgi_rule_of_law: float | None
    oecd_date: dt.date | None


class CountryRiskRead(BaseModel):
    country: str
    name: str
    grade: int
    political_risk: str
    political_risk_detail: PoliticalRiskDetailRead
    indicators: CountryIndicatorsRead
    income_group: str | None
    fragile_or_conflict: bool
    data: str
    source: str  # "table" or "override"
    table_grade: int | None
    note: str | None
    sources: dict[str, str]  # where each indicator comes from, with its licence

    @classmethod
    def of(cls, risk: CountryRisk) -> CountryRiskRead:
        i = risk.indicators
        return cls(
            country=risk.country,
            name=risk.name,
            grade=risk.grade,
            political_risk=risk.political_risk,
            political_risk_detail=PoliticalRiskDetailRead(
                transfer_and_convertibility=risk.transfer_risk,
                expropriation=risk.expropriation_risk,
                war_and_civil_disturbance=risk.war_risk,
            ),
            indicators=CountryIndicatorsRead(
                oecd_category=i.oecd_category,
                wgi_year=i.wgi_year,
                wgi_governance=i.wgi_governance,
                wgi_political_stability=i.wgi_political_stability,
                wgi_rule_of_law=i.wgi_rule_of_law,
                oecd_date=i.oecd_date,
            ),
            income_group=risk.income_group,
            fragile_or_conflict=risk.fragile,
            data=risk.data,
            source=risk.source,
            table_grade=risk.table_grade,
            note=risk.note,
            sources=SOURCES,
        )
