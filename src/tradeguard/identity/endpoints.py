"""``/api/v1/users`` and ``/api/v1/tokens``: users and their personal API tokens
(administrators), and who the caller is."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response, status
from fastapi import Path as PathParam
from sqlalchemy.orm import Session

from tradeguard.domain.errors import NotFoundError, TradeGuardError
from tradeguard.identity import service as users
from tradeguard.identity.dependencies import Admin, Caller, Reader
from tradeguard.identity.models import User
from tradeguard.identity.schemas import TokenCreate, TokenCreated, TokenRead, UserCreate, UserRead
from tradeguard.kit.problems import PROBLEM_RESPONSES, problem_response

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)


@router.get("/users", tags=["users"])
async def list_users(admin: Admin) -> list[UserRead]:
    found = await admin.run(lambda session, caller: users.list_users(session, caller.org.id))
    return [UserRead.model_validate(u) for u in found]


@router.post(
    "/users",
    tags=["users"],
    status_code=status.HTTP_201_CREATED,
    responses={409: problem_response("The e-mail address cannot be used")},
)
async def create_user(body: UserCreate, admin: Admin) -> UserRead:
    def create(session: Session, caller: Caller) -> UserRead:
        user = users.add_user(
            session, caller.org, body.email, body.role, body.password, caller.actor
        )
        return UserRead.model_validate(user)

    try:
        return await admin.run(create)
    except users.UserExistsError as refused:  # the same answer whoever holds the address
        raise HTTPException(409, str(refused)) from None


@router.get("/users/me", tags=["users"])
async def me(reader: Reader) -> UserRead:
    def own(session: Session, caller: Caller) -> UserRead:
        return UserRead.model_validate(users.find(session, caller.principal.email))

    return await reader.read(own)


def _member(session: Session, caller: Caller, email: str) -> User:
    """A user of the caller's organisation; 404 for anyone else (no enumeration)."""
    try:
        user = users.find(session, email)
    except TradeGuardError:
        user = None
    if user is None or user.org_id != caller.org.id:
        raise NotFoundError(f"no user {email!r}")
    return user


@router.get("/tokens", tags=["users"])
async def list_tokens(
    admin: Admin, user: Annotated[str | None, Query(max_length=200)] = None
) -> list[TokenRead]:
    """The organisation's API tokens (one user's with ``user``), oldest first."""

    def listed(session: Session, caller: Caller) -> list[TokenRead]:
        if user is not None:
            _member(session, caller, user)
        return [
            TokenRead.model_validate(t) for t in users.list_tokens(session, caller.org.id, user)
        ]

    return await admin.run(listed)


@router.post("/tokens", tags=["users"], status_code=status.HTTP_201_CREATED)
async def create_token(body: TokenCreate, admin: Admin) -> TokenCreated:
    """A new token for a user of the organisation; the answer holds the secret, once."""

    def create(session: Session, caller: Caller) -> TokenCreated:
        secret, shown = users.issue_token(
            session,
            _member(session, caller, body.user),
            caller.actor,
            expires_in_days=body.expires_in_days,
        )
        return TokenCreated.model_validate({**asdict(shown), "token": secret})

    return await admin.run(create)


TokenId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]


@router.delete(
    "/tokens/{token_id}",
    tags=["users"],
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
)
async def revoke_token(token_id: TokenId, admin: Admin) -> None:
    """Revoke a token: every later request with it is refused (401), at once."""
    await admin.run(
        lambda session, caller: users.revoke_token(session, caller.org.id, token_id, caller.actor)
    )
