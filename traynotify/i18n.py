"""Translations through the standard gettext machinery (catalogs in ``locale/``).

The language is the one in the settings, else the OS's: the usual LANGUAGE /
LC_ALL / LC_MESSAGES / LANG variables, and where those are unset (a Windows or
macOS login session) the OS's own preference.
"""

from __future__ import annotations

import gettext
import os
import sys
from pathlib import Path

DOMAIN = "traynotify"
LOCALE_DIR = Path(__file__).parent / "locale"
_ENV_VARS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_translation: gettext.NullTranslations = gettext.NullTranslations()


def normalize(language: str) -> str:
    """Map the many spellings of Simplified Chinese to our catalog's name."""
    code = language.split(".")[0].split("@")[0].replace("-", "_")
    parts = code.split("_")
    if parts[0].lower() == "zh":
        rest = {p.lower() for p in parts[1:]}
        if not rest or rest & {"hans", "cn", "sg", "my"}:
            return "zh_CN"
    return code


def os_language() -> str | None:
    """The OS's UI language where no locale variable says it."""
    if any(os.environ.get(var) for var in _ENV_VARS):
        return None  # gettext reads those itself
    try:
        if sys.platform == "win32":
            import ctypes
            import locale

            lcid = ctypes.windll.kernel32.GetUserDefaultUILanguage()
            return locale.windows_locale.get(lcid)
        if sys.platform == "darwin":
            import subprocess

            from .desktop.children import child_env

            done = subprocess.run(
                ["/usr/bin/defaults", "read", "-g", "AppleLocale"],
                capture_output=True,
                text=True,
                timeout=2,
                env=child_env(),
            )
            return done.stdout.strip() or None
    except Exception:  # no answer: English it is, never a failed start
        return None
    return None


def use_language(language: str | None) -> None:
    """Switch to ``language`` (e.g. "zh_CN"); None follows the OS."""
    global _translation
    chosen = language or os_language()
    languages = [normalize(chosen)] if chosen else _from_environment()
    _translation = gettext.translation(
        DOMAIN, localedir=LOCALE_DIR, languages=languages, fallback=True
    )


def _from_environment() -> list[str] | None:
    for var in _ENV_VARS:
        value = os.environ.get(var)
        if value:
            return [normalize(v) for v in value.split(":") if v] or None
    return None


def language() -> str:
    """The catalog in use ("zh_CN"), or "" for English."""
    return str(_translation.info().get("language", ""))


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)
