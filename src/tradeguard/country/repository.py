"""The organisation's country overrides (``country_overrides``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradeguard.country.models import CountryOverride


def overrides(session: Session, org_id: int) -> list[CountryOverride]:
    return list(session.scalars(select(CountryOverride).where(CountryOverride.org_id == org_id)))


def override(session: Session, org_id: int, country: str) -> CountryOverride | None:
    return session.get(CountryOverride, (org_id, country))
