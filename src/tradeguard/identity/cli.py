"""``tradeguard user ...`` and ``tradeguard token create|list|revoke``: people and their
API tokens."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import asdict
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from tradeguard.domain.identity.access import Permission, Role
from tradeguard.identity import service as users
from tradeguard.identity.commands import STATE, authorise, org_session
from tradeguard.identity.models import Organisation, User
from tradeguard.kit.db import unit_of_work
from tradeguard.kit.options import DbOption, FormatOption
from tradeguard.kit.output import OutputFormat, emit_json, rows_table, stderr

user_app = typer.Typer(help="Users of the web application and API.", no_args_is_help=True)
token_app = typer.Typer(help="Personal API tokens.", no_args_is_help=True)


def _user_in_scope(session: Session, email: str) -> User:
    """The user named ``email``, if the caller may manage users of that organisation."""
    user = users.find(session, email)
    organisation = session.get_one(Organisation, user.org_id)
    authorise(session, organisation.name, Permission.MANAGE_USERS)
    return user


def _read_password() -> str:
    """From standard input when piped (scripts), else prompted twice without echo."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@user_app.command("add")
def add(
    email: str,
    org: Annotated[str | None, typer.Option("--org", help="Organisation name")] = None,
    role: Annotated[
        Role, typer.Option("--role", help="admin, credit_manager, sales or viewer")
    ] = Role.VIEWER,
    db: DbOption = None,
) -> None:
    """Add a user to an organisation (password read from stdin when piped)."""
    password = _read_password()
    with unit_of_work(STATE.engine(db)) as session:
        organisation = authorise(session, org, Permission.MANAGE_USERS)
        users.add_user(session, organisation, email, role, password, STATE.actor)
    stderr.print(f"user {email} added to {organisation.name} as {role.value}")


@user_app.command("passwd")
def passwd(email: str, db: DbOption = None) -> None:
    """Set a user's password (read from stdin when piped); signs out their browsers and
    revokes their API tokens."""
    password = _read_password()
    with unit_of_work(STATE.engine(db)) as session:
        revoked = users.set_password(session, _user_in_scope(session, email), password, STATE.actor)
    stderr.print(f"password of {email} changed; {_tokens(revoked)} revoked")


@user_app.command("list")
def list_(
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: Annotated[str | None, typer.Option("--org")] = None,
) -> None:
    """List the users of an organisation."""
    with org_session(db, org, Permission.MANAGE_USERS) as (session, organisation):
        rows = [
            {
                "email": u.email,
                "role": u.role.value,
                "language": u.language,
                "created_at": u.created_at.isoformat(),
            }
            for u in users.list_users(session, organisation.id)
        ]
    if output is OutputFormat.JSON:
        emit_json({"organisation": organisation.name, "users": rows})
    else:
        rows_table(
            f"Users of {organisation.name}",
            ["email", "role", "language", "created"],
            [[r["email"], r["role"], r["language"], r["created_at"][:10]] for r in rows],
        )


def _tokens(count: int) -> str:
    return f"{count} API token" + ("" if count == 1 else "s")


@token_app.command("create")
def create(
    email: str,
    expires_in: Annotated[
        int | None,
        typer.Option("--expires-in", metavar="DAYS", help="Expires after this many days"),
    ] = None,
    db: DbOption = None,
) -> None:
    """Create a personal API token and print it once (send it as ``Authorization: Bearer``)."""
    with unit_of_work(STATE.engine(db)) as session:
        token = users.create_token(
            session, _user_in_scope(session, email), STATE.actor, expires_in_days=expires_in
        )
    sys.stdout.write(token + "\n")
    stderr.print("store this token now: it is shown only once")


@token_app.command("list")
def list_tokens(
    user: Annotated[
        str | None, typer.Option("--user", metavar="EMAIL", help="Only this user's")
    ] = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: Annotated[str | None, typer.Option("--org")] = None,
) -> None:
    """The organisation's API tokens (never their secrets): id, user, created, expires,
    last used, revoked."""
    with unit_of_work(STATE.engine(db)) as session:
        if user is None:
            org_id = authorise(session, org, Permission.MANAGE_USERS).id
        else:
            org_id = _user_in_scope(session, user).org_id
        rows = users.list_tokens(session, org_id, user)
    if output is OutputFormat.JSON:
        emit_json([asdict(r) for r in rows])
        return
    rows_table(
        "API tokens",
        ["id", "user", "created", "expires", "last used", "revoked"],
        [
            [
                r.id,
                r.user,
                _minute(r.created_at),
                _minute(r.expires_at),
                _minute(r.last_used_at),
                "yes" if r.revoked else "no",
            ]
            for r in rows
        ],
    )


def _minute(moment: dt.datetime | None) -> str:
    """A token's time to the minute as ISO 8601 (in UTC), or "never"."""
    return "never" if moment is None else moment.isoformat()[:16]


@token_app.command("revoke")
def revoke(token_id: Annotated[int, typer.Argument(metavar="ID")], db: DbOption = None) -> None:
    """Revoke an API token by its id (``token list``): refused from the next request on."""
    with unit_of_work(STATE.engine(db)) as session:
        owner = _user_in_scope(session, users.token_owner(session, token_id).email)
        users.revoke_token(session, owner.org_id, token_id, STATE.actor)
    stderr.print(f"API token {token_id} of {owner.email} revoked")


def register(app: typer.Typer) -> None:
    """Add ``user`` and ``token`` to the ``tradeguard`` application."""
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
