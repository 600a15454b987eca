"""What the API reads and writes about users and tokens."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from tradeguard.domain.identity.access import Role
from tradeguard.identity import service as users


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    role: Role
    language: str
    created_at: dt.datetime


class UserCreate(BaseModel):
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    role: Role
    password: str = Field(min_length=10, max_length=200)


class TokenRead(BaseModel):
    """A token as it may be shown: never its secret nor its hash."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    user: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked: bool


class TokenCreate(BaseModel):
    user: str = Field(min_length=3, max_length=200, description="The user's e-mail")
    expires_in_days: int | None = Field(
        default=None, ge=1, le=users.MAX_TOKEN_DAYS, description="None: never expires"
    )


class TokenCreated(TokenRead):
    token: str = Field(description="The secret: shown this once, store it now")
