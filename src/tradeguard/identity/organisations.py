"""Creating and finding the seller organisations that own every ledger row."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from sqlalchemy.orm import Session

from tradeguard.audit import service as audit
from tradeguard.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
)
from tradeguard.domain.money import is_currency
from tradeguard.identity import repository
from tradeguard.identity.models import Organisation

DEFAULT_LOCALE = "en_GB"


def checked_locale(text: str) -> str:
    """The CLDR identifier of a locale such as ``en_GB`` or ``de-CH``; an error if unknown."""
    try:
        return str(Locale.parse(text.strip().replace("-", "_")))
    except (UnknownLocaleError, ValueError, TypeError):
        raise InvalidInputError(
            f"unknown locale {text!r}: give a language and region such as en_GB, de_DE or zh_CN"
        ) from None


def create_or_get(
    session: Session, name: str, base_currency: str, actor: str, locale: str | None = None
) -> tuple[Organisation, bool]:
    """Return the organisation called ``name``, creating it if needed (and saying so).

    ``locale`` (default en_GB for a new organisation) sets how its amounts read; given
    for an existing organisation, it changes it (audited).
    """
    base_currency = base_currency.upper()
    if not is_currency(base_currency):
        raise InvalidInputError(f"unknown currency code {base_currency!r}")
    wanted_locale = None if locale is None else checked_locale(locale)
    existing = repository.organisation_named(session, name)
    if existing is not None:
        if existing.base_currency != base_currency:
            raise ConflictError(
                f"organisation {name!r} already exists with base currency {existing.base_currency}"
            )
        if wanted_locale is not None and wanted_locale != existing.locale:
            _change_locale(session, existing, wanted_locale, actor)
        return existing, False
    org = repository.add_organisation(session, name, base_currency, wanted_locale or DEFAULT_LOCALE)
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="create",
        entity="organisation",
        entity_key=name,
        after={"name": name, "base_currency": base_currency, "locale": org.locale},
    )
    return org, True


def _change_locale(session: Session, org: Organisation, locale: str, actor: str) -> None:
    before = org.locale
    org.locale = locale
    session.flush()
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="update",
        entity="organisation",
        entity_key=org.name,
        before={"locale": before},
        after={"locale": locale},
    )


def resolve(session: Session, name: str | None) -> Organisation:
    """The named organisation, or the only one; an error listing the choices otherwise."""
    if name is not None:
        org = repository.organisation_named(session, name)
        if org is None:
            raise NotFoundError(f"no organisation named {name!r}{_choices(session)}")
        return org
    orgs = repository.organisations(session)
    if len(orgs) == 1:
        return orgs[0]
    if not orgs:
        raise NotFoundError("no organisation yet: run `tradeguard init --org NAME` first")
    raise InvalidInputError(f"several organisations: choose one with --org{_choices(session)}")


def _choices(session: Session) -> str:
    names = repository.organisation_names(session)
    return f" (choices: {', '.join(names)})" if names else ""
