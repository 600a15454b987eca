"""Chinese and English for the web pages: the gettext catalogue and Babel formatting.

Messages are keyed by their English text (``t("English")`` in templates); the Chinese is
in ``tradeguard/locale/zh/LC_MESSAGES/messages.po`` (CONTRIBUTING.md, "Translations").
Numbers, money and dates are formatted for the user's locale by Babel.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

from tradeguard.domain.errors import RowError
from tradeguard.locale import N_
from tradeguard.locale import translate as translate

LOCALES = {"en": "en_GB", "zh": "zh_Hans_CN"}

# Messages that reach t() as data rather than as a template literal, marked here so that
# extraction keeps them in the catalogue; tests/i18n checks them against their sources.
RUNTIME_MESSAGES = (
    # the login page's error (web/pages.py)
    N_("Wrong e-mail or password."),
    # ageing buckets (bucket below)
    N_("current"),
    # Altman zones (domain/credit/altman.py Zone)
    N_("distress"),
    N_("grey"),
    N_("safe"),
    # score reasons (domain/credit/assess.py Reason), factor labels (scorecard.FACTORS)
    N_("raises"),
    N_("lowers"),
    N_("Altman score (0 = distress cut-off, 1 = safe cut-off)"),
    N_("current ratio"),
    N_("total liabilities / total assets"),
    N_("EBIT / total assets"),
    N_("EBIT / interest expense"),
    N_("log10 total assets (base currency)"),
    N_("average days beyond terms"),
    N_("trend of days beyond terms (days per month)"),
    N_("longest delay in the last year (days)"),
    N_("disputes opened in the last year"),
    N_("country grade (1 best, 10 worst)"),
    N_("industry risk (-1 low, 0 average, +1 high)"),
    N_("years since the first invoice"),
    # shipment stops and limit requests (services/limits.py)
    N_("permanent"),
    N_("temporary"),
    N_("pending"),
    N_("approved"),
    N_("rejected"),
    N_("withdrawn"),
    # the default triggers' factor labels (domain/credit/default.py; 90 is the default setting)
    N_("In default: 90+ days overdue"),
    N_("In default: written off"),
    # ---- messages that reach t() or translate() as data, from the pages, limits, imports
    # and security work: import row problems, error pages and parameter reasons, industry
    # names, import kinds, audit actions and entities, shipping reasons, page notices
    N_("Shipments stopped"),
    N_("Shipments allowed"),
    N_("required column is missing"),
    N_("duplicate column"),
    N_("the file has no rows below the header"),
    N_("row has {cells} cells, the header has {header}"),
    N_("missing value"),
    N_("contains a control character"),
    N_("longer than {limit} characters"),
    N_("not a date in YYYY-MM-DD form: {value}"),
    N_("the year of {value} is not between 1900 and 2200"),
    N_("not a whole number >= 0: {value}"),
    N_("unknown currency code {value}"),
    N_("not an e-mail address: {value}"),
    N_("not a language (en or zh): {value}"),
    N_("unknown country code {value} (ISO 3166 alpha-2)"),
    N_("not a number: {value}"),
    N_("rate {value} has more than {digits} digits before the decimal point"),
    N_("rate {value} has more than {places} decimal places"),
    N_("must be greater than zero"),
    N_("amount too large: {value} (the most one amount can be is {largest})"),
    N_("{value} has more decimal places than {currency} allows"),
    N_("negative amount: {value}"),
    N_("duplicate {key} {value} (first on row {first})"),
    N_("unknown buyer {value}"),
    N_("due date is before the issue date"),
    N_("delivery date is more than a year before the issue date"),
    N_("unknown invoice {value}"),
    N_("write-off is larger than the invoice amount"),
    N_("write-off is dated before the invoice was issued"),
    N_("invoice {value} belongs to buyer {buyer}"),
    N_("invoice {value} is in {currency}"),
    N_("the base currency {currency} has rate 1"),
    N_("fiscal year out of range 1900-2200"),
    N_("grade must be between 1 and 10"),
    N_("political risk must be low, medium, high or very high"),
    N_(
        "the {currency} total of {amounts} in {table} would pass {limit} minor units, "
        "the most a total can hold"
    ),
    N_("Not found"),
    N_("Invalid input"),
    N_("Forbidden"),
    N_("Conflict"),
    N_("Bad request"),
    N_("Not authenticated"),
    N_("Too many requests"),
    N_("Internal error"),
    N_("Service unavailable"),
    N_("Error"),
    N_("There is nothing at this address, or it is not in your organisation's ledger."),
    N_("Some values in the request are not valid; correct them and try again."),
    N_("Your role does not allow this page or action."),
    N_("The request conflicts with the data as it is now; nothing was changed."),
    N_("The request could not be carried out."),
    N_("Too many attempts; wait a little and try again."),
    N_("Something went wrong on the server; nothing was changed. Try again shortly."),
    N_("The database is busy; nothing was changed. Try again in a few seconds."),
    N_("the date is in the future"),
    N_("the request has invalid fields"),
    N_("not a date in YYYY-MM-DD form"),
    N_("not a whole number"),
    N_("at most %s"),
    N_("at least %s"),
    N_("at most %s characters"),
    N_("not one of the accepted values"),
    N_("true or false"),
    N_("missing"),
    N_("Pharmaceuticals"),
    N_("Food & Beverage"),
    N_("Energy"),
    N_("Chemicals"),
    N_("Electronics"),
    N_("Machinery"),
    N_("Paper & Packaging"),
    N_("Plastics"),
    N_("Wholesale"),
    N_("Agriculture"),
    N_("Logistics"),
    N_("Automotive"),
    N_("Metals"),
    N_("Textiles"),
    N_("Retail"),
    N_("Construction"),
    N_("Fitted model"),
    N_("buyers"),
    N_("invoices"),
    N_("payments"),
    N_("credit-notes"),
    N_("write-offs"),
    N_("financials"),
    N_("fx"),
    N_("countries"),
    N_("create"),
    N_("update"),
    N_("insert"),
    N_("import"),
    N_("password"),
    N_("request"),
    N_("approve"),
    N_("reject"),
    N_("withdraw"),
    N_("stop_shipment"),
    N_("lift_stop_shipment"),
    N_("cycle"),
    N_("fit"),
    N_("users"),
    N_("api_tokens"),
    N_("organisation"),
    N_("credit_limits"),
    N_("credit_limit_requests"),
    N_("stop_shipments"),
    N_("cycle_runs"),
    N_("credit_models"),
    N_("credit_settings"),
    N_("credit_notes"),
    N_("write_offs"),
    N_("financial_statements"),
    N_("fx_rates"),
    N_("country_overrides"),
    N_("Cash before delivery only"),
    N_("Open account with partial prepayment"),
    N_("DEFAULT_DAYS_OVERDUE"),
    N_("DEFAULT_WRITE_OFF"),
    N_("CLASS_A"),
    N_("CLASS_B"),
    N_("CLASS_C"),
    N_("NOT_ASSESSED"),
    N_("Too many failed sign-ins. Wait a moment and try again."),
    N_("Limit requested: it waits for a credit manager's decision."),
    N_("Limit approved: it is now in force."),
    N_("Limit request rejected."),
    N_("Shipments stopped."),
    N_("Stop-shipment lifted."),
    N_("Alert acknowledged."),
    N_("Alert resolved."),
    N_("Settings saved."),
    # alert severities and statuses (domain/monitoring)
    N_("high"),
    N_("medium"),
    N_("low"),
    N_("open"),
    N_("acknowledged"),
    N_("resolved"),
)

# What each alert rule is called on the pages (domain/monitoring/rules.py Rule).
ALERT_RULES = {
    "grade_downgrade": N_("grade downgraded"),
    "class_c": N_("moved to class C"),
    "default": N_("in default"),
    "delays_growing": N_("payment delays growing"),
    "over_limit": N_("over the limit"),
    "overdue": N_("invoice overdue"),
    "country_downgrade": N_("country downgraded"),
    "concentration": N_("largest buyer's share"),
    "large_dispute": N_("large dispute"),
    "severe_event": N_("insolvency or payment default"),
}
# The figures an alert's evidence names (domain/monitoring/rules.py evaluate).
EVIDENCE_FIELDS = {
    "grade": N_("grade"),
    "best_grade": N_("best grade in the window"),
    "credit_class": N_("class"),
    "days_overdue": N_("days overdue"),
    "invoice_id": N_("invoice"),
    "long_overdue": N_("overdue beyond the threshold"),
    "exposure": N_("exposure"),
    "limit": N_("limit"),
    "receivables": N_("receivables"),
    "open_orders": N_("open orders"),
    "trend_days_per_month": N_("trend (days per month)"),
    "avg_days_beyond_terms": N_("average days beyond terms"),
    "country": N_("country"),
    "country_grade": N_("country grade"),
    "best_country_grade": N_("best country grade in the window"),
    "share": N_("share"),
    "portfolio": N_("portfolio"),
    "dispute_id": N_("dispute"),
    "amount": N_("amount"),
    "opened_on": N_("opened on"),
    "event_id": N_("event"),
    "event_type": N_("event type"),
    "event_date": N_("event date"),
}


def alert_rule(language: str, name: str) -> str:
    """An alert rule's name on the pages; an unknown one as stored."""
    return translate(language, ALERT_RULES[name]) if name in ALERT_RULES else name


def evidence_field(language: str, name: str) -> str:
    """An evidence figure's label on the pages; an unknown one as stored."""
    return translate(language, EVIDENCE_FIELDS[name]) if name in EVIDENCE_FIELDS else name


def row_problem(language: str, error: RowError) -> str:
    """An import problem in the language: its template translated, then its values filled in."""
    if language != "zh" or not error.template:
        return error.message
    return translate(language, error.template).format(**error.params)


def industry(language: str, name: str) -> str:
    """An industry as stored ("food & beverage", "Retail") in the language; unknown: as is."""
    key = name.strip().title()
    translated = translate(language, key)
    return name if translated == key else translated


def model(language: str, name: str) -> str:
    """A credit model's name: ``expert`` the scorecard, ``fitted:N`` the organisation's Nth."""
    if name == "expert":
        return translate(language, "Expert scorecard")
    kind, _, number = name.partition(":")
    if kind == "fitted" and number:
        return f"{translate(language, 'Fitted model')} {number}"
    return name


def bucket(language: str, label: str) -> str:
    """An ageing bucket's label ("current", "1-30", "over 180", "up to 15") in the language."""
    if language != "zh":
        return label
    if label.startswith("over "):
        return f"{label[5:]} 天以上"
    if label.startswith("up to "):
        return f"{label[6:]} 天以内"
    if label == "current":
        return translate(language, label)
    return f"{label} 天"


def locale(language: str) -> str:
    return LOCALES.get(language, LOCALES["en"])


def money(language: str, amount: Decimal | str, currency: str) -> str:
    return format_currency(Decimal(amount), currency, locale=locale(language))


def number(language: str, value: int | float | Decimal) -> str:
    return format_decimal(value, locale=locale(language))


def percent(language: str, value: float) -> str:
    return format_percent(value, format="#,##0.0%", locale=locale(language))


def date(language: str, value: dt.date | str) -> str:
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(day, format="medium", locale=locale(language))
