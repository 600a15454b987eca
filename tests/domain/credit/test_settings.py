"""Credit settings as stored: retired names ignored on loading, refused as changes."""

from __future__ import annotations

import pytest

from tradeguard.domain.credit.settings import CreditSettings, InvalidSettingsError


def test_settings_stored_by_an_older_version_with_extra_load() -> None:
    stored = {"mode": "fitted", "class_a_max_grade": 4, "extra": {"note": "old"}}
    settings = CreditSettings.stored(stored)
    assert (settings.mode, settings.class_a_max_grade) == ("fitted", 4)
    assert "extra" not in settings.as_dict()
    assert CreditSettings.stored(None) == CreditSettings()


def test_a_change_naming_extra_is_an_unknown_setting() -> None:
    with pytest.raises(InvalidSettingsError, match="unknown credit settings: extra"):
        CreditSettings.from_dict({"extra": {}})
    with pytest.raises(InvalidSettingsError, match="unknown credit settings: colour"):
        CreditSettings.stored({"colour": 1})  # only retired names are ignored
