"""The message catalogues of the web pages and reports: Babel gettext, msgid = the English.

``<language>/LC_MESSAGES/messages.po`` is the source, kept with ``scripts/i18n.py``
(CONTRIBUTING.md, "Translations"); ``messages.mo`` is compiled from it by the build
(setup.py) and by scripts/setup.sh for the editable install, and never committed. A
missing ``.mo`` raises instead of silently showing English.
"""

from __future__ import annotations

from functools import cache
from gettext import NullTranslations
from pathlib import Path

from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent
DOMAIN = "messages"
TRANSLATED_LANGUAGES = ("zh",)


class CatalogueNotCompiledError(RuntimeError):
    """The build step that compiles the catalogues did not run for this checkout."""


def N_(text: str) -> str:  # noqa: N802 (the gettext convention extraction looks for)
    """Marks a message that reaches ``translate`` as data, so that extraction finds it."""
    return text


@cache
def translations(language: str) -> NullTranslations:
    compiled = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not compiled.is_file():
        raise CatalogueNotCompiledError(
            f"{compiled} is missing: compile the message catalogues with "
            "`python scripts/i18n.py compile` (or `pybabel compile -d src/tradeguard/locale "
            "-D messages`); a built package contains them"
        )
    return Translations.load(str(LOCALE_DIR), [language], DOMAIN)


def translate(language: str, text: str) -> str:
    """``text`` (English) in ``language``; English where the language has no catalogue."""
    if language not in TRANSLATED_LANGUAGES or not text:  # gettext("") is the header
        return text
    return str(translations(language).gettext(text))
