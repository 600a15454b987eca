"""The one settings object: every ``TRADEGUARD_*`` environment variable, typed, in one place.

``settings()`` reads the environment on every call (it is cheap), so the variables set
before a command, a server start or a test's ``monkeypatch.setenv`` are the ones used.
An unset or empty variable means the default. ``docs/configuration.md`` lists them; a
new setting (SMTP, later) is a field here and a row there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "TRADEGUARD_"
DEFAULT_MAX_UPLOAD_MB = 100.0
_LARGEST_UPLOAD_MB = 1024 * 1024  # a terabyte: anything above is a typo


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
    return f"{variable}={error['input']!r}: {reason}"
