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
)


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
