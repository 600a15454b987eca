"""The import formats of docs/import-formats.md: one ``FileFormat`` per kind of file."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tradeguard.locale import N_


class ColumnKind(StrEnum):
    ID = "id"
    TEXT = "text"
    DATE = "date"
    MONEY = "money"  # positive amount in the row's currency
    SIGNED_MONEY = "signed_money"  # financial statement lines may be negative
    INTEGER = "integer"
    CURRENCY = "currency"
    COUNTRY = "country"
    RATE = "rate"  # a positive exact decimal
    EMAIL = "email"
    LANGUAGE = "language"  # en or zh


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: ColumnKind
    required: bool = True
    max_length: int = 64
    zero_allowed: bool = False  # a MONEY column that may hold 0 (an insurer's refusal)


@dataclass(frozen=True, slots=True)
class FileFormat:
    kind: str
    table: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


_C = Column
_K = ColumnKind

BUYERS = FileFormat(
    "buyers",
    "buyers",
    ("buyer_id",),
    (
        _C("buyer_id", _K.ID),
        _C("name", _K.TEXT, max_length=300),
        _C("country", _K.COUNTRY),
        _C("industry", _K.TEXT, max_length=100),
        _C("registration_number", _K.TEXT, required=False, max_length=100),
        _C("currency", _K.CURRENCY, required=False),
        _C("terms_days", _K.INTEGER, required=False),
        _C("email", _K.EMAIL, required=False, max_length=320),
        _C("phone", _K.TEXT, required=False, max_length=50),
        _C("contact_name", _K.TEXT, required=False, max_length=200),
        _C("language", _K.LANGUAGE, required=False),
    ),
)

INVOICES = FileFormat(
    "invoices",
    "invoices",
    ("invoice_id",),
    (
        _C("invoice_id", _K.ID),
        _C("buyer_id", _K.ID),
        _C("issue_date", _K.DATE),
        _C("due_date", _K.DATE),
        _C("amount", _K.MONEY),
        _C("currency", _K.CURRENCY),
        _C("delivery_date", _K.DATE, required=False),
    ),
)

PAYMENTS = FileFormat(
    "payments",
    "payments",
    ("payment_id",),
    (
        _C("payment_id", _K.ID),
        _C("buyer_id", _K.ID),
        _C("date", _K.DATE),
        _C("amount", _K.MONEY),
        _C("currency", _K.CURRENCY),
        _C("invoice_id", _K.ID, required=False),
    ),
)

CREDIT_NOTES = FileFormat(
    "credit-notes",
    "credit_notes",
    ("credit_note_id",),
    (
        _C("credit_note_id", _K.ID),
        _C("buyer_id", _K.ID),
        _C("date", _K.DATE),
        _C("amount", _K.MONEY),
        _C("currency", _K.CURRENCY),
        _C("invoice_id", _K.ID, required=False),
        _C("reason", _K.TEXT, required=False, max_length=2000),
    ),
)

WRITE_OFFS = FileFormat(
    "write-offs",
    "write_offs",
    ("invoice_id",),
    (
        _C("invoice_id", _K.ID),
        _C("date", _K.DATE),
        _C("amount", _K.MONEY),
    ),
)

_STATEMENT_LINES = (
    "total_assets",
    "current_assets",
    "current_liabilities",
    "total_liabilities",
    "retained_earnings",
    "ebit",
    "sales",
    "equity",
)

FINANCIALS = FileFormat(
    "financials",
    "financial_statements",
    ("buyer_id", "fiscal_year"),
    (
        _C("buyer_id", _K.ID),
        _C("fiscal_year", _K.INTEGER),
        *(_C(name, _K.SIGNED_MONEY) for name in _STATEMENT_LINES),
        _C("market_equity", _K.SIGNED_MONEY, required=False),
        # feed the interest-cover factor (EBIT / interest expense) and later models
        _C("interest_expense", _K.SIGNED_MONEY, required=False),
        _C("net_income", _K.SIGNED_MONEY, required=False),
        _C("currency", _K.CURRENCY, required=False),
    ),
)

FX = FileFormat(
    "fx",
    "fx_rates",
    ("currency", "date"),
    (
        _C("date", _K.DATE),
        _C("currency", _K.CURRENCY),
        _C("rate", _K.RATE),
    ),
)

# The organisation's own country grades, over the shipped table (docs/country-risk.md).
COUNTRIES = FileFormat(
    "countries",
    "country_overrides",
    ("country",),
    (
        _C("country", _K.COUNTRY),
        _C("grade", _K.INTEGER),
        _C("political_risk", _K.TEXT, required=False, max_length=10),
        _C("note", _K.TEXT, required=False, max_length=2000),
    ),
)

# Orders taken and not yet invoiced (what a shipment would add to the exposure).
ORDER_STATUSES = ("open", "delivered", "cancelled")
# The kinds and tables below are new to the import page and the audit log: N_ marks
# them for translation (the others are in kit.i18n.RUNTIME_MESSAGES).
ORDERS = FileFormat(
    N_("orders"),
    "orders",
    ("order_id",),
    (
        _C("order_id", _K.ID),
        _C("buyer_id", _K.ID),
        _C("date", _K.DATE),
        _C("amount", _K.MONEY),
        _C("currency", _K.CURRENCY),
        _C("terms_days", _K.INTEGER, required=False),
        _C("delivery_date", _K.DATE, required=False),
        _C("status", _K.TEXT, required=False, max_length=20),
    ),
)

# Disputes are in the currency of their invoice; the amount defaults to what was open.
DISPUTES = FileFormat(
    N_("disputes"),
    "disputes",
    ("dispute_id",),
    (
        _C("dispute_id", _K.ID),
        _C("invoice_id", _K.ID),
        _C("opened_on", _K.DATE),
        _C("reason", _K.TEXT, max_length=2000),
        _C("amount", _K.MONEY, required=False),
        _C("resolved_on", _K.DATE, required=False),
        _C("outcome", _K.TEXT, required=False, max_length=10),
    ),
)

# News about buyers; a row names its buyer by buyer_id or by registration_number.
EVENTS = FileFormat(
    N_("events"),
    N_("buyer_events"),
    ("event_id",),
    (
        _C("event_id", _K.ID),
        _C("date", _K.DATE),
        _C("type", _K.TEXT, max_length=40),
        _C("buyer_id", _K.ID, required=False),
        _C("registration_number", _K.TEXT, required=False, max_length=100),
        _C("source", _K.TEXT, required=False, max_length=200),
        _C("details", _K.TEXT, required=False, max_length=2000),
    ),
)
EVENT_BUYER_COLUMNS = ("buyer_id", "registration_number")

# The credit insurer's limit decisions per buyer, with their history (0 is a refusal).
INSURER_LIMITS = FileFormat(
    N_("insurer-limits"),
    N_("insurer_limits"),
    ("buyer_id", "effective_date"),
    (
        _C("buyer_id", _K.ID),
        _C("amount", _K.MONEY, zero_allowed=True),
        _C("currency", _K.CURRENCY),
        _C("effective_date", _K.DATE),
        _C("expiry_date", _K.DATE, required=False),
        _C("conditions", _K.TEXT, required=False, max_length=2000),
    ),
)

FORMATS: dict[str, FileFormat] = {
    f.kind: f
    for f in (
        BUYERS,
        INVOICES,
        PAYMENTS,
        CREDIT_NOTES,
        WRITE_OFFS,
        FINANCIALS,
        FX,
        COUNTRIES,
        ORDERS,
        DISPUTES,
        EVENTS,
        INSURER_LIMITS,
    )
}
