"""Translations through the standard gettext machinery (catalogs in ``locale/``)."""

from __future__ import annotations

import gettext
from pathlib import Path

DOMAIN = "traynotify"
LOCALE_DIR = Path(__file__).parent / "locale"

_translation: gettext.NullTranslations = gettext.NullTranslations()


def use_language(language: str | None) -> None:
    """Switch to ``language`` (e.g. "zh_CN"); None follows the OS locale."""
    global _translation
    languages = [language] if language else None
    _translation = gettext.translation(
        DOMAIN, localedir=LOCALE_DIR, languages=languages, fallback=True
    )


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)
