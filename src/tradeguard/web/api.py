"""``/api/v1``: the ledger, imports, audit log and users, for scripts.

Endpoints are thin: they reach the services through the caller's ``Access`` (``deps``:
authenticated, authorised, one unit of work) and shape the answer.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, HTTPException, Query, Response, UploadFile, status
from fastapi import Path as PathParam
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from tradeguard.domain.errors import TradeGuardError
from tradeguard.services import ledger, users
from tradeguard.services.imports import import_file
from tradeguard.services.ledger import NotFoundError
from tradeguard.store.models import User
from tradeguard.web.bounds import AsOf
from tradeguard.web.deps import Admin, Auditor, Caller, Reader, Writer
from tradeguard.web.problems import MEDIA_TYPE, PROBLEM_RESPONSES, Problem
from tradeguard.web.schemas import (
    AuditRead,
    BuyerDetailRead,
    BuyerRead,
    FinancialStatementRead,
    ImportResultRead,
    InvoiceRead,
    OrderRead,
    PageRead,
    PaymentRead,
    UserCreate,
    UserRead,
)
from tradeguard.web.uploads import MAX_UPLOAD_ENV, save_upload

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)


def _problem(description: str) -> dict[str, Any]:
    """An answer of one endpoint beyond the common ones, as problem details."""
    return {"model": Problem, "content": {MEDIA_TYPE: {}}, "description": description}


Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
BuyerSort = Literal[
    "buyer_id", "-buyer_id", "name", "-name", "country", "-country", "industry", "-industry"
]
InvoiceSort = Literal[
    "invoice_id",
    "-invoice_id",
    "issue_date",
    "-issue_date",
    "due_date",
    "-due_date",
    "amount",
    "-amount",
    "buyer_id",
    "-buyer_id",
]
PaymentSort = Literal["payment_id", "-payment_id", "date", "-date", "amount", "-amount"]
FinancialSort = Literal["buyer_id", "-buyer_id", "fiscal_year", "-fiscal_year"]
OrderSort = Literal["order_id", "-order_id", "date", "-date", "amount", "-amount"]
AuditSort = Literal["at", "-at", "id", "-id"]
ImportKind = Literal[
    "buyers", "invoices", "payments", "credit-notes", "write-offs", "financials", "fx", "countries"
]


@router.get("/buyers", tags=["buyers"])
async def list_buyers(
    reader: Reader,
    q: Annotated[str | None, Query(max_length=100)] = None,
    country: Annotated[str | None, Query(max_length=2)] = None,
    industry: Annotated[str | None, Query(max_length=100)] = None,
    sort: BuyerSort = "buyer_id",
    limit: Limit = 50,
    offset: Offset = 0,
) -> PageRead[BuyerRead]:
    page = await reader.call(
        ledger.buyers,
        q=q,
        country=country,
        industry=industry,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    return PageRead(
        items=[BuyerRead.of(b) for b in page.items], total=page.total, limit=limit, offset=offset
    )


@router.get("/buyers/{buyer_id}", tags=["buyers"], response_model=BuyerDetailRead)
async def get_buyer(buyer_id: str, reader: Reader, as_of: AsOf = None) -> Response:
    """One buyer with its exposure (open and overdue amounts in the base currency).

    The answer is built and validated once here and sent as JSON as it is (returning
    the model would make FastAPI validate it a second time).
    """
    day = as_of or dt.date.today()
    buyer, exposure = await reader.read(
        lambda session, caller: ledger.buyer_with_exposure(session, caller.org, buyer_id, day)
    )
    body = BuyerDetailRead.with_exposure(buyer, exposure)
    return Response(body.model_dump_json(), media_type="application/json")


@router.get("/invoices", tags=["invoices"])
async def list_invoices(
    reader: Reader,
    buyer_id: Annotated[str | None, Query(max_length=64)] = None,
    currency: Annotated[str | None, Query(max_length=3)] = None,
    issued_from: dt.date | None = None,
    issued_to: dt.date | None = None,
    sort: InvoiceSort = "-issue_date",
    limit: Limit = 50,
    offset: Offset = 0,
) -> PageRead[InvoiceRead]:
    def invoices(session: Session, caller: Caller) -> PageRead[InvoiceRead]:
        page = ledger.invoices(
            session,
            caller.org,
            buyer_id=buyer_id,
            currency=currency,
            issued_from=issued_from,
            issued_to=issued_to,
            sort=sort,
            limit=limit,
            offset=offset,
        )
        settled = ledger.settled_amounts(session, caller.org, [i.invoice_id for i in page.items])
        return PageRead(
            items=[InvoiceRead.of(i, settled.get(i.invoice_id, 0)) for i in page.items],
            total=page.total,
            limit=limit,
            offset=offset,
        )

    return await reader.run(invoices)


@router.get("/invoices/{invoice_id}", tags=["invoices"])
async def get_invoice(invoice_id: str, reader: Reader) -> InvoiceRead:
    def invoice(session: Session, caller: Caller) -> InvoiceRead:
        found = ledger.invoice(session, caller.org, invoice_id)
        settled = ledger.settled_amounts(session, caller.org, [invoice_id]).get(invoice_id, 0)
        return InvoiceRead.of(found, settled)

    return await reader.read(invoice)


@router.get("/payments", tags=["payments"])
async def list_payments(
    reader: Reader,
    buyer_id: Annotated[str | None, Query(max_length=64)] = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    sort: PaymentSort = "-date",
    limit: Limit = 50,
    offset: Offset = 0,
) -> PageRead[PaymentRead]:
    page = await reader.call(
        ledger.payments,
        buyer_id=buyer_id,
        date_from=date_from,
        date_to=date_to,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    return PageRead(
        items=[PaymentRead.of(p) for p in page.items], total=page.total, limit=limit, offset=offset
    )


@router.get("/payments/{payment_id}", tags=["payments"])
async def get_payment(payment_id: str, reader: Reader) -> PaymentRead:
    payment = await reader.read(
        lambda session, caller: ledger.payment(session, caller.org, payment_id)
    )
    return PaymentRead.of(payment)


@router.get("/financials", tags=["financials"])
async def list_financials(
    reader: Reader,
    buyer_id: Annotated[str | None, Query(max_length=64)] = None,
    sort: FinancialSort = "buyer_id",
    limit: Limit = 50,
    offset: Offset = 0,
) -> PageRead[FinancialStatementRead]:
    page = await reader.call(
        ledger.financials, buyer_id=buyer_id, sort=sort, limit=limit, offset=offset
    )
    return PageRead(
        items=[FinancialStatementRead.of(f) for f in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
    )


@router.get("/orders", tags=["orders"])
async def list_orders(
    reader: Reader,
    buyer_id: Annotated[str | None, Query(max_length=64)] = None,
    status_: Annotated[str | None, Query(alias="status", max_length=20)] = None,
    sort: OrderSort = "-date",
    limit: Limit = 50,
    offset: Offset = 0,
) -> PageRead[OrderRead]:
    page = await reader.call(
        ledger.orders, buyer_id=buyer_id, status=status_, sort=sort, limit=limit, offset=offset
    )
    return PageRead(
        items=[OrderRead.of(o) for o in page.items], total=page.total, limit=limit, offset=offset
    )


@router.post(
    "/imports/{kind}",
    tags=["imports"],
    responses={413: _problem(f"Larger than {MAX_UPLOAD_ENV}")},
)
async def upload_import(
    kind: ImportKind, writer: Writer, file: Annotated[UploadFile, File()]
) -> ImportResultRead:
    """Import a CSV, XLSX or Parquet file: the same validation and all-or-nothing rule as
    the CLI. The body may be at most ``TRADEGUARD_MAX_UPLOAD_MB`` (413 above it)."""

    def upload(session: Session, caller: Caller) -> ImportResultRead:
        with tempfile.TemporaryDirectory(prefix="tradeguard-upload-") as folder:
            path = save_upload(file, Path(folder))
            result = import_file(session, caller.org, kind, path, caller.actor)
        return ImportResultRead(**result.as_dict())

    return await writer.run(upload)


@router.get("/audit", tags=["audit"])
async def list_audit(
    auditor: Auditor,
    entity: Annotated[str | None, Query(max_length=40)] = None,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    sort: AuditSort = "-at",
    limit: Limit = 50,
    offset: Offset = 0,
) -> PageRead[AuditRead]:
    page = await auditor.call(
        ledger.audit_log, entity=entity, actor=actor, sort=sort, limit=limit, offset=offset
    )
    return PageRead(
        items=[AuditRead.model_validate(a) for a in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
    )


@router.get("/users", tags=["users"])
async def list_users(admin: Admin) -> list[UserRead]:
    found = await admin.run(lambda session, caller: users.list_users(session, caller.org.id))
    return [UserRead.model_validate(u) for u in found]


@router.post(
    "/users",
    tags=["users"],
    status_code=status.HTTP_201_CREATED,
    responses={409: _problem("The e-mail address cannot be used")},
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


# ---- API tokens (admins, their own organisation's) ----------------------------------


class TokenRead(BaseModel):
    """A token as it may be shown: never its secret nor its hash."""

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
        return TokenCreated.model_validate({**shown, "token": secret})

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
