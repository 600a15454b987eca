"""The one settings object: its defaults, each ``TRADEGUARD_*`` variable read where it is
used, and a bad value's message naming the variable."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from tradeguard.domain.identity.access import Role
from tradeguard.identity import service as users
from tradeguard.identity.commands import TOKEN_ENV
from tradeguard.identity.models import Organisation, WebSession
from tradeguard.imports.uploads import MAX_UPLOAD_ENV, max_upload_bytes
from tradeguard.kit.db import get_engine, resolve_url
from tradeguard.kit.pdf_fonts import CJK_FONT_ENV, CjkFontNotFoundError, cjk_font_path
from tradeguard.kit.settings import ENV_PREFIX, Settings, settings

VARIABLES = [ENV_PREFIX + field.upper() for field in Settings.model_fields]


@pytest.fixture(autouse=True)
def _unset(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts from an environment without any of the settings' variables."""
    for variable in VARIABLES:
        monkeypatch.delenv(variable, raising=False)


def test_the_defaults() -> None:
    configured = settings()
    assert configured.db == "sqlite:///tradeguard.db"
    assert (configured.pool_size, configured.max_overflow) == (20, 20)
    assert configured.session_hours == 12
    assert configured.max_upload_mb == 100
    assert configured.cjk_font is None
    assert configured.token is None
    assert max_upload_bytes() == 100 * 1024 * 1024


@pytest.mark.parametrize(
    ("variable", "value", "field", "expected"),
    [
        ("TRADEGUARD_DB", "postgresql+psycopg://tg@db/tg", "db", "postgresql+psycopg://tg@db/tg"),
        ("TRADEGUARD_POOL_SIZE", "5", "pool_size", 5),
        ("TRADEGUARD_MAX_OVERFLOW", "0", "max_overflow", 0),
        ("TRADEGUARD_SESSION_HOURS", "48", "session_hours", 48),
        ("TRADEGUARD_MAX_UPLOAD_MB", "0.5", "max_upload_mb", 0.5),
        ("TRADEGUARD_MAX_UPLOAD_MB", " 250 ", "max_upload_mb", 250),
        ("TRADEGUARD_MAX_UPLOAD_MB", "  ", "max_upload_mb", 100),
        ("TRADEGUARD_CJK_FONT", "/fonts/wqy.ttc", "cjk_font", Path("/fonts/wqy.ttc")),
        ("TRADEGUARD_SMTP_PORT", "2525", "smtp_port", 2525),
        ("TRADEGUARD_SMTP_STARTTLS", "true", "smtp_starttls", True),
        ("TRADEGUARD_SMTP_USER", "mailer", "smtp_user", "mailer"),
        (
            "TRADEGUARD_SMTP_FROM",
            "Credit <credit@acme.test>",
            "smtp_from",
            "Credit <credit@acme.test>",
        ),
    ],
)
def test_each_variable_is_read_on_every_call(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, field: str, expected: Any
) -> None:
    monkeypatch.setenv(variable, value)
    assert getattr(settings(), field) == expected
    monkeypatch.delenv(variable)
    assert getattr(settings(), field) == Settings.model_fields[field].default


def test_an_empty_variable_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in VARIABLES:
        monkeypatch.setenv(variable, "")
    assert settings() == Settings()


def test_the_token_is_kept_out_of_reprs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, "tg_secret")
    configured = settings()
    assert configured.token is not None
    assert configured.token.get_secret_value() == "tg_secret"
    assert "tg_secret" not in repr(configured)


def test_the_smtp_server_needs_a_host_and_a_sender(monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings().smtp is None  # e-mails wait in the outbox
    monkeypatch.setenv("TRADEGUARD_SMTP_FROM", "credit@acme.test")
    assert settings().smtp is None
    monkeypatch.setenv("TRADEGUARD_SMTP_HOST", "mail.acme.test")
    monkeypatch.setenv("TRADEGUARD_SMTP_PASSWORD", "smtp-secret")
    plain = settings().smtp
    assert plain is not None
    assert (plain.host, plain.port, plain.starttls, plain.sender) == (
        "mail.acme.test",
        25,
        False,
        "credit@acme.test",
    )
    assert "smtp-secret" not in repr(settings())
    monkeypatch.setenv("TRADEGUARD_SMTP_STARTTLS", "1")
    secure = settings().smtp
    assert secure is not None
    assert (secure.port, secure.starttls) == (587, True)
    monkeypatch.setenv("TRADEGUARD_SMTP_PORT", "465")
    assert settings().smtp == replace(secure, port=465)


def test_the_settings_cannot_be_changed() -> None:
    with pytest.raises(ValidationError, match="frozen"):
        settings().db = "sqlite://"  # type: ignore[misc]


def test_the_names_in_messages_are_the_variables_read() -> None:
    assert {MAX_UPLOAD_ENV, CJK_FONT_ENV, TOKEN_ENV} <= set(VARIABLES)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            MAX_UPLOAD_ENV,
            "lots",
            "TRADEGUARD_MAX_UPLOAD_MB='lots': give a number of megabytes above 0",
        ),
        (MAX_UPLOAD_ENV, "0", "TRADEGUARD_MAX_UPLOAD_MB='0': give a number of megabytes above 0"),
        (MAX_UPLOAD_ENV, "-5", "TRADEGUARD_MAX_UPLOAD_MB='-5': give a number of megabytes above 0"),
        (
            MAX_UPLOAD_ENV,
            "nan",
            "TRADEGUARD_MAX_UPLOAD_MB='nan': give a number of megabytes above 0",
        ),
        (
            MAX_UPLOAD_ENV,
            "2e6",
            "TRADEGUARD_MAX_UPLOAD_MB='2e6': give a number of megabytes above 0",
        ),
        (
            "TRADEGUARD_POOL_SIZE",
            "many",
            "TRADEGUARD_POOL_SIZE='many': Input should be a valid integer",
        ),
        (
            "TRADEGUARD_POOL_SIZE",
            "0",
            "TRADEGUARD_POOL_SIZE='0': Input should be greater than or equal to 1",
        ),
        (
            "TRADEGUARD_SESSION_HOURS",
            "9000",
            "TRADEGUARD_SESSION_HOURS='9000': Input should be less than or equal to 8760",
        ),
        (
            "TRADEGUARD_SMTP_HOST",
            "mail.acme.test",
            "TRADEGUARD_SMTP_FROM is not set: the sender's address is needed when "
            "TRADEGUARD_SMTP_HOST is set",
        ),
        (
            "TRADEGUARD_SMTP_FROM",
            "Credit department",
            "TRADEGUARD_SMTP_FROM='Credit department': give an e-mail address, "
            "e.g. credit@example.com",
        ),
        (
            "TRADEGUARD_SMTP_PORT",
            "0",
            "TRADEGUARD_SMTP_PORT='0': Input should be greater than or equal to 1",
        ),
    ],
)
def test_a_bad_value_names_the_variable_and_what_it_needs(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match="^" + re.escape(message)) as raised:
        settings()
    assert not isinstance(raised.value, ValidationError)  # one line, not pydantic's report


def test_every_bad_value_is_named_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MAX_UPLOAD_ENV, "lots")
    monkeypatch.setenv("TRADEGUARD_MAX_OVERFLOW", "-1")
    both = (
        "TRADEGUARD_MAX_OVERFLOW='-1': Input should be greater than or equal to 0; "
        "TRADEGUARD_MAX_UPLOAD_MB='lots': give a number of megabytes above 0"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(both)}$"):
        settings()


def test_the_database_url_comes_from_the_option_then_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert resolve_url() == "sqlite:///tradeguard.db"
    monkeypatch.setenv("TRADEGUARD_DB", "sqlite:///other.db")
    assert resolve_url() == "sqlite:///other.db"
    assert resolve_url("sqlite:///given.db") == "sqlite:///given.db"


def test_a_new_engine_is_pooled_as_configured(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TRADEGUARD_POOL_SIZE", "3")
    monkeypatch.setenv("TRADEGUARD_MAX_OVERFLOW", "1")
    engine = get_engine(f"sqlite:///{tmp_path / 'pooled.db'}")
    try:
        assert engine.pool.size() == 3  # type: ignore[attr-defined]
        assert engine.pool._max_overflow == 1  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def test_the_upload_limit_is_in_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MAX_UPLOAD_ENV, "1.5")
    assert max_upload_bytes() == 1536 * 1024


def test_the_configured_font_is_used_when_it_exists(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    font = tmp_path / "font.ttf"
    monkeypatch.setenv(CJK_FONT_ENV, str(font))
    with pytest.raises(CjkFontNotFoundError, match=f"{CJK_FONT_ENV}={font}: no such font file"):
        cjk_font_path()
    font.write_bytes(b"")
    assert cjk_font_path() == font


def test_a_browser_session_lasts_the_configured_hours(
    monkeypatch: pytest.MonkeyPatch, session: Session, org: Organisation
) -> None:
    users.add_user(session, org, "a@acme.test", Role.ADMIN, "a long password", "test")
    principal = users.authenticate(session, "a@acme.test", "a long password", "127.0.0.1")
    assert principal is not None
    monkeypatch.setenv("TRADEGUARD_SESSION_HOURS", "3")
    users.open_web_session(session, principal)
    opened = session.query(WebSession).one()
    assert opened.expires_at - opened.created_at == dt.timedelta(hours=3)
