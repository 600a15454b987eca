"""Creating and finding the seller organisations that own every ledger row."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradeguard.domain.errors import TradeGuardError
from tradeguard.domain.money import is_currency
from tradeguard.services import audit
from tradeguard.store.models import Organisation


def create_or_get(
    session: Session, name: str, base_currency: str, actor: str
) -> tuple[Organisation, bool]:
    """Return the organisation called ``name``, creating it if needed (and saying so)."""
    base_currency = base_currency.upper()
    if not is_currency(base_currency):
        raise TradeGuardError(f"unknown currency code {base_currency!r}")
    existing = session.scalar(select(Organisation).where(Organisation.name == name))
    if existing is not None:
        if existing.base_currency != base_currency:
            raise TradeGuardError(
                f"organisation {name!r} already exists with base currency {existing.base_currency}"
            )
        return existing, False
    org = Organisation(name=name, base_currency=base_currency, settings={})
    session.add(org)
    session.flush()
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="create",
        entity="organisation",
        entity_key=name,
        after={"name": name, "base_currency": base_currency},
    )
    return org, True


def resolve(session: Session, name: str | None) -> Organisation:
    """The named organisation, or the only one; an error listing the choices otherwise."""
    if name is not None:
        org = session.scalar(select(Organisation).where(Organisation.name == name))
        if org is None:
            raise TradeGuardError(f"no organisation named {name!r}{_choices(session)}")
        return org
    orgs = list(session.scalars(select(Organisation).order_by(Organisation.name)))
    if len(orgs) == 1:
        return orgs[0]
    if not orgs:
        raise TradeGuardError("no organisation yet: run `tradeguard init --org NAME` first")
    raise TradeGuardError(f"several organisations: choose one with --org{_choices(session)}")


def _choices(session: Session) -> str:
    names = list(session.scalars(select(Organisation.name).order_by(Organisation.name)))
    return f" (choices: {', '.join(names)})" if names else ""
