"""``/api/v1``: buyers, invoices, payments, financial statements and orders, page by page.

Endpoints are thin: they reach the services through the caller's ``Access``
(``identity.dependencies``: authenticated, authorised, one unit of work) and shape the
answer."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from tradeguard.identity.dependencies import Caller, Reader
from tradeguard.kit.bounds import AsOf, Limit, Offset
from tradeguard.kit.problems import PROBLEM_RESPONSES
from tradeguard.kit.schemas import PageRead
from tradeguard.ledger import repository as ledger
from tradeguard.ledger.schemas import (
    BuyerDetailRead,
    BuyerRead,
    FinancialStatementRead,
    InvoiceRead,
    OrderRead,
    PaymentRead,
)

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)


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
