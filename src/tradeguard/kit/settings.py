"""The one settings object: every ``TRADEGUARD_*`` environment variable, typed, in one place.

``settings()`` reads the environment on every call (it is cheap), so the variables set
before a command, a server start or a test's ``monkeypatch.setenv`` are the ones used.
An unset or empty variable means the default. ``docs/configuration.md`` lists them; a
new setting is a field here and a row there.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "TRADEGUARD_"
DEFAULT_MAX_UPLOAD_MB = 100.0
_LARGEST_UPLOAD_MB = 1024 * 1024  # a terabyte: anything above is a typo


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """The server the outbox's e-mails leave through (``kit.mail``)."""

    host: str
    port: int
    starttls: bool
    user: str | None
    password: SecretStr | None
    sender: str  # the From address, e.g. "ACME Credit <credit@acme.example>"


class Settings(BaseSettings):
    """What an operator may configure: each field is the variable ``TRADEGUARD_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_ignore_empty=True, frozen=True)

    db: str = "sqlite:///tradeguard.db"  # in the working directory; ``--db`` comes first
    # Connections per engine: the web server runs sync endpoints in a pool of 40 worker
    # threads and lets at most 20 requests hold a unit of work at once
    # (``identity.dependencies``), so 20 pooled connections plus 20 overflow are never the
    # bottleneck (SQLAlchemy's default of 5 + 10 was). Command-line use opens one.
    pool_size: int = Field(default=20, ge=1)
    max_overflow: int = Field(default=20, ge=0)
    session_hours: int = Field(default=12, ge=1, le=24 * 365)  # how long a sign-in lasts
    max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB
    cjk_font: Path | None = None  # checked when a PDF needs it (``kit.pdf_fonts``)
    token: SecretStr | None = None  # the CLI acts as this API token's user
    # The outbox's SMTP server; without a host, e-mails stay queued (for export).
    smtp_host: str | None = None
    smtp_port: int | None = Field(default=None, ge=1, le=65535)  # 587 with STARTTLS, else 25
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = Field(default=None, validate_default=True)

    @field_validator("max_upload_mb", mode="before")
    @classmethod
    def _megabytes(cls, configured: Any) -> float:
        """Any number of megabytes above 0 (``0.5`` too), up to a terabyte."""
        try:
            megabytes = float(str(configured).strip() or DEFAULT_MAX_UPLOAD_MB)
        except ValueError:
            megabytes = -1.0
        if not 0 < megabytes <= _LARGEST_UPLOAD_MB:
            raise ValueError("give a number of megabytes above 0")
        return megabytes

    @field_validator("smtp_from")
    @classmethod
    def _sender(cls, sender: str | None, info: ValidationInfo) -> str | None:
        """An address, and one is needed as soon as there is a server to send through."""
        if sender is None:
            if info.data.get("smtp_host"):
                raise ValueError(
                    f"the sender's address is needed when {ENV_PREFIX}SMTP_HOST is set"
                )
            return None
        if "@" not in parseaddr(sender)[1]:
            raise ValueError("give an e-mail address, e.g. credit@example.com")
        return sender

    @property
    def smtp(self) -> SmtpSettings | None:
        """The SMTP server, or None where no host is configured."""
        if self.smtp_host is None or self.smtp_from is None:
            return None
        return SmtpSettings(
            host=self.smtp_host,
            port=self.smtp_port or (587 if self.smtp_starttls else 25),
            starttls=self.smtp_starttls,
            user=self.smtp_user,
            password=self.smtp_password,
            sender=self.smtp_from,
        )


def settings() -> Settings:
    """The settings as the environment says now.

    A bad value raises ``ValueError`` naming each variable, its value and what it needs,
    e.g. ``TRADEGUARD_MAX_UPLOAD_MB='lots': give a number of megabytes above 0``.
    """
    try:
        return Settings()
    except ValidationError as invalid:
        raise ValueError("; ".join(_problem(error) for error in invalid.errors())) from None


def _problem(error: ErrorDetails) -> str:
    variable = ENV_PREFIX + "_".join(str(part) for part in error["loc"]).upper()
    # A validator's own ValueError reads as written, without pydantic's "Value error, ".
    reason = error.get("ctx", {}).get("error") or error["msg"]
    if error["input"] is None:  # a validator that needs a variable left unset
        return f"{variable} is not set: {reason}"
    return f"{variable}={error['input']!r}: {reason}"
