"""Credit settings in the database: rows written by older versions, and the API's schema."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields

from sqlalchemy import Engine

from tradeguard.credit import service as credit
from tradeguard.credit.models import CreditSettingsRow
from tradeguard.credit.schemas import CreditSettingsRead
from tradeguard.domain.credit.settings import CreditSettings
from tradeguard.identity.models import Organisation
from tradeguard.kit.db import unit_of_work


def test_settings_stored_with_extra_by_an_older_version_load_and_save(
    engine: Engine, org: Organisation
) -> None:
    with unit_of_work(engine) as session:
        session.add(
            CreditSettingsRow(
                org_id=org.id,
                settings={"mode": "fitted", "limit_rounding": 50, "extra": {"note": "old"}},
                updated_at=dt.datetime.now(dt.UTC),
                updated_by="an older version",
            )
        )
    with unit_of_work(engine) as session:
        loaded = credit.load_settings(session, org)
        assert (loaded.mode, loaded.limit_rounding) == ("fitted", 50)
        credit.save_settings(session, org, {"class_a_max_grade": 4}, "test")
    with unit_of_work(engine) as session:
        row = session.get(CreditSettingsRow, org.id)
        assert row is not None
        assert "extra" not in row.settings  # rewritten without the retired name
        assert (row.settings["mode"], row.settings["class_a_max_grade"]) == ("fitted", 4)


def test_the_settings_schema_names_every_setting_in_order() -> None:
    assert list(CreditSettingsRead.model_fields) == [f.name for f in fields(CreditSettings)]
    given = CreditSettings(discretionary_limit=30000, prepayment_b_share=0.25)
    shown = CreditSettingsRead.of(given).model_dump(mode="json")
    assert shown == given.as_dict()
    assert isinstance(shown["discretionary_limit"], int)  # as set: 30000, not 30000.0
