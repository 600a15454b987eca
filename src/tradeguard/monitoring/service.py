"""Monitoring: the rules evaluated every day, alerts and their lifecycle, dynamic limits."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from tradeguard.audit import service as audit
from tradeguard.domain.identity.access import Org
from tradeguard.domain.monitoring.settings import MonitoringSettings
from tradeguard.monitoring import repository


def load_settings(session: Session, org: Org) -> MonitoringSettings:
    return MonitoringSettings.from_dict(repository.settings_values(session, org.id))


def save_settings(
    session: Session, org: Org, changes: Mapping[str, object], actor: str
) -> MonitoringSettings:
    """Change some thresholds (validated as a whole); audited with before and after."""
    before = load_settings(session, org)
    after = MonitoringSettings.from_dict({**before.as_dict(), **changes})
    repository.save_settings_values(session, org.id, after.as_dict(), actor)
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="update",
        entity="monitoring_settings",
        entity_key=str(org.id),
        before=before.as_dict(),
        after=after.as_dict(),
    )
    return after
