"""What the API reads and writes. Amounts are decimal strings with their currency."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from tradeguard.kit.schemas import money
from tradeguard.ledger import models as ledger_models
from tradeguard.ledger.repository import BuyerFacts, Exposure


class BuyerRead(BaseModel):
    buyer_id: str
    name: str
    country: str
    industry: str
    registration_number: str | None
    currency: str | None
    terms_days: int | None

    @classmethod
    def of(cls, buyer: ledger_models.Buyer) -> BuyerRead:
        return cls.model_validate(buyer, from_attributes=True)


class ExposureRead(BaseModel):
    as_of: dt.date
    currency: str
    open_amount: str
    overdue_amount: str
    open_invoices: int
    oldest_days_overdue: int | None


class BuyerDetailRead(BuyerRead):
    exposure: ExposureRead

    @classmethod
    def with_exposure(cls, buyer: BuyerFacts, exposure: Exposure) -> BuyerDetailRead:
        """The buyer and its exposure, validated once."""
        return cls(
            buyer_id=buyer.buyer_id,
            name=buyer.name,
            country=buyer.country,
            industry=buyer.industry,
            registration_number=buyer.registration_number,
            currency=buyer.currency,
            terms_days=buyer.terms_days,
            exposure=ExposureRead(
                as_of=exposure.as_of,
                currency=exposure.currency,
                open_amount=str(exposure.open_amount),
                overdue_amount=str(exposure.overdue_amount),
                open_invoices=exposure.open_invoices,
                oldest_days_overdue=exposure.oldest_days_overdue,
            ),
        )


class InvoiceRead(BaseModel):
    invoice_id: str
    buyer_id: str
    issue_date: dt.date
    due_date: dt.date
    delivery_date: dt.date | None
    amount: str
    currency: str
    settled: str
    open_amount: str

    @classmethod
    def of(cls, invoice: ledger_models.Invoice, settled: int) -> InvoiceRead:
        return cls(
            invoice_id=invoice.invoice_id,
            buyer_id=invoice.buyer_id,
            issue_date=invoice.issue_date,
            due_date=invoice.due_date,
            delivery_date=invoice.delivery_date,
            amount=money(invoice.amount, invoice.currency),
            currency=invoice.currency,
            settled=money(settled, invoice.currency),
            open_amount=money(invoice.amount - settled, invoice.currency),
        )


class PaymentRead(BaseModel):
    payment_id: str
    buyer_id: str
    date: dt.date
    amount: str
    currency: str
    invoice_id: str | None

    @classmethod
    def of(cls, payment: ledger_models.Payment) -> PaymentRead:
        return cls(
            payment_id=payment.payment_id,
            buyer_id=payment.buyer_id,
            date=payment.date,
            amount=money(payment.amount, payment.currency),
            currency=payment.currency,
            invoice_id=payment.invoice_id,
        )


class FinancialStatementRead(BaseModel):
    buyer_id: str
    fiscal_year: int
    currency: str
    total_assets: str
    current_assets: str
    current_liabilities: str
    total_liabilities: str
    retained_earnings: str
    ebit: str
    sales: str
    equity: str
    market_equity: str | None
    interest_expense: str | None
    net_income: str | None

    @classmethod
    def of(cls, row: ledger_models.FinancialStatement) -> FinancialStatementRead:
        c = row.currency
        return cls(
            buyer_id=row.buyer_id,
            fiscal_year=row.fiscal_year,
            currency=c,
            total_assets=money(row.total_assets, c),
            current_assets=money(row.current_assets, c),
            current_liabilities=money(row.current_liabilities, c),
            total_liabilities=money(row.total_liabilities, c),
            retained_earnings=money(row.retained_earnings, c),
            ebit=money(row.ebit, c),
            sales=money(row.sales, c),
            equity=money(row.equity, c),
            market_equity=None if row.market_equity is None else money(row.market_equity, c),
            interest_expense=None
            if row.interest_expense is None
            else money(row.interest_expense, c),
            net_income=None if row.net_income is None else money(row.net_income, c),
        )


class OrderRead(BaseModel):
    order_id: str
    buyer_id: str
    date: dt.date
    amount: str
    currency: str
    terms_days: int | None
    status: str

    @classmethod
    def of(cls, order: ledger_models.Order) -> OrderRead:
        return cls(
            order_id=order.order_id,
            buyer_id=order.buyer_id,
            date=order.date,
            amount=money(order.amount, order.currency),
            currency=order.currency,
            terms_days=order.terms_days,
            status=order.status,
        )
