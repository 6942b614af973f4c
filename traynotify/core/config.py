"""Settings: what they are, where each comes from, and which values are acceptable."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any
from urllib.parse import urlsplit

from ..api.models import KNOWN_TYPES
from ..errors import ConfigError, CredentialError
from ..i18n import _
from .defaults import DEFAULT_API_URL as DEFAULT_API_URL
from .defaults import DEFAULT_CONSOLE_URL as DEFAULT_CONSOLE_URL
from .defaults import ENV_API_URL as ENV_API_URL
from .defaults import ENV_CONSOLE_URL as ENV_CONSOLE_URL
from .defaults import ENV_KEY as ENV_KEY

MIN_INTERVAL = 1.0
MAX_INTERVAL = 86400.0
"""One day: a longer interval is a typo, not a wish (the badge would be days old)."""
MAX_MENU_LENGTH = 50
LANGUAGES = ("en", "zh_CN")
"""The languages traynotify can show (besides "auto": the OS's)."""
DEFAULT_SNOOZE_MORNING = "09:00"


@dataclass(frozen=True)
class Settings:
    """Everything a user can set (the API key is not a setting: see credentials)."""

    api_url: str = DEFAULT_API_URL
    """Base URL of the API; https unless loopback."""
    console_url: str = DEFAULT_CONSOLE_URL
    """Base URL that notification links are joined to."""
    interval: float = 60.0
    """Seconds between unread-count polls."""
    popups: bool = True
    """Whether new notifications pop up as toasts."""
    muted_types: tuple[str, ...] = field(default=())
    """Event types that never pop up (they still count and list)."""
    menu_length: int = 10
    """How many unread titles the menu shows."""
    language: str | None = None
    """UI language ("en", "zh_CN"); None follows the OS."""
    snooze_morning: str = DEFAULT_SNOOZE_MORNING
    """Local time (HH:MM) that ``snooze tomorrow`` pauses pop-ups until."""


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_base_url(value: str, name: str) -> str:
    """A usable base URL: http(s), a host, https unless the host is loopback."""
    text = value.strip()
    if any(ch.isspace() or not ch.isprintable() for ch in text):
        raise ConfigError(
            _("{name} must not contain spaces, tabs or control characters: {text!r}.").format(
                name=name, text=text
            )
        )
    try:
        parts = urlsplit(text)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ConfigError(
            _("{name} is not a valid URL: {text!r}.").format(name=name, text=text)
        ) from None
    if parts.scheme not in ("http", "https") or not host:
        raise ConfigError(
            _("{name} must be an http(s) URL with a host, not {text!r}.").format(
                name=name, text=text
            )
        )
    if parts.username or parts.password:
        raise ConfigError(_("{name} must not contain a user name or password.").format(name=name))
    if parts.query or parts.fragment:
        raise ConfigError(
            _("{name} must not contain a query or fragment: {text!r}.").format(name=name, text=text)
        )
    if parts.scheme != "https" and not is_loopback_host(host):
        raise ConfigError(
            _("{name} must use https (only loopback addresses may use http): {text!r}.").format(
                name=name, text=text
            )
        )
    return text.rstrip("/")


def _as_float(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(
            _("{name} must be a number of seconds, not {value!r}.").format(name=name, value=value)
        ) from None
    if not number >= MIN_INTERVAL:
        raise ConfigError(
            _("{name} must be at least {min:g} second, not {value!r}.").format(
                name=name, min=MIN_INTERVAL, value=value
            )
        )
    if number > MAX_INTERVAL:
        raise ConfigError(
            _("{name} must be at most {max:g} seconds (one day), not {value!r}.").format(
                name=name, max=MAX_INTERVAL, value=value
            )
        )
    return number


def _as_bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise ConfigError(
        _("{name} must be true or false, not {value!r}.").format(name=name, value=value)
    )


def _as_types(value: Any, name: str) -> tuple[str, ...]:
    items = value if isinstance(value, (list, tuple)) else str(value).split(",")
    types = tuple(str(t).strip() for t in items if str(t).strip())
    unknown = [t for t in types if t not in KNOWN_TYPES]
    if unknown:
        raise ConfigError(
            _("{name}: unknown type {type!r}; known types: {known}.").format(
                name=name, type=unknown[0], known=", ".join(KNOWN_TYPES)
            )
        )
    return types


def _as_menu_length(value: Any, name: str) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ConfigError(
            _("{name} must be a whole number, not {value!r}.").format(name=name, value=value)
        ) from None
    if not 1 <= number <= MAX_MENU_LENGTH:
        raise ConfigError(
            _("{name} must be from 1 to {max}, not {number}.").format(
                name=name, max=MAX_MENU_LENGTH, number=number
            )
        )
    return number


def language_code(text: str) -> str | None:
    """``text`` as one of LANGUAGES, "auto" (None), or "" when it names neither.

    Case does not matter, and ``-`` is ``_``: "zh", "zh-CN" and "ZH_cn" are zh_CN."""
    code = text.strip().replace("-", "_").lower()
    if code in ("", "auto", "system"):
        return None
    if code in ("zh", "zh_cn"):
        return "zh_CN"
    if code == "en":
        return "en"
    return ""


def _as_language(value: Any, name: str) -> str | None:
    text = value if isinstance(value, str) else ("" if value is None else repr(value))
    code = language_code(text)
    if code == "" or (value is not None and not isinstance(value, str)):
        raise ConfigError(
            _("{name} must be auto, en or zh_CN, not {text!r}.").format(name=name, text=text)
        )
    return code


def _as_clock_time(value: Any, name: str) -> str:
    from .snooze import parse_clock

    hour_minute = parse_clock(str(value)) if isinstance(value, str) else None
    if hour_minute is None:
        raise ConfigError(
            _("{name} must be a time of day from 00:00 to 23:59, not {value!r}.").format(
                name=name, value=value
            )
        )
    return f"{hour_minute[0]:02d}:{hour_minute[1]:02d}"


_CHECKS = {
    "api_url": lambda v, n: check_base_url(str(v), n),
    "console_url": lambda v, n: check_base_url(str(v), n),
    "interval": _as_float,
    "popups": _as_bool,
    "muted_types": _as_types,
    "menu_length": _as_menu_length,
    "language": _as_language,
    "snooze_morning": _as_clock_time,
}
SETTING_NAMES = tuple(f.name for f in fields(Settings))


def check_value(name: str, value: Any, source: str | None = None) -> Any:
    """Validate one setting; errors name where the value came from."""
    if name not in _CHECKS:
        raise ConfigError(
            _("Unknown setting {name!r}; settings: {names}.").format(
                name=name, names=", ".join(SETTING_NAMES)
            )
        )
    return _CHECKS[name](value, source or name)


def apply(base: Settings, values: Mapping[str, Any], source: str) -> Settings:
    """``base`` with each given value checked and applied."""
    changes = {
        name: check_value(name, value, f"{name} ({source})")
        for name, value in values.items()
        if value is not None
    }
    return replace(base, **changes)


def from_env(env: Mapping[str, str]) -> dict[str, str]:
    """Settings the environment gives."""
    values = {}
    if env.get(ENV_API_URL, "").strip():
        values["api_url"] = env[ENV_API_URL]
    if env.get(ENV_CONSOLE_URL, "").strip():
        values["console_url"] = env[ENV_CONSOLE_URL]
    return values


def resolve(
    flags: Mapping[str, Any],
    env: Mapping[str, str],
    file_values: Mapping[str, Any] | None = None,
) -> Settings:
    """Defaults < settings file < environment < command-line flags."""
    settings = Settings()
    if file_values:
        settings = apply(settings, file_values, "settings file")
    settings = apply(settings, from_env(env), "environment")
    return apply(settings, flags, "command line")


def explain(
    flags: Mapping[str, Any],
    env: Mapping[str, str],
    file_values: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """Where each setting's value comes from: default, file, environment, command line."""
    where = dict.fromkeys(SETTING_NAMES, "default")
    layers = (("file", file_values or {}), ("environment", from_env(env)), ("command line", flags))
    for source, values in layers:
        for name, value in values.items():
            if value is not None and name in where:
                where[name] = source
    return where


def check_key(key: str, source: str) -> str:
    """A key that can travel in an Authorization header; never echoes the key."""
    key = key.strip()
    if not key:
        raise CredentialError(_("The API key from {source} is empty.").format(source=source))
    if any(not ch.isascii() or not ch.isprintable() or ch.isspace() for ch in key):
        raise CredentialError(
            _(
                "The API key from {source} contains spaces or characters an API key cannot have."
            ).format(source=source)
        )
    return key


def key_from_env(env: Mapping[str, str]) -> str | None:
    """The key from BYTESPIKE_API_KEY, checked; None when unset or blank."""
    raw = env.get(ENV_KEY, "")
    return check_key(raw, ENV_KEY) if raw.strip() else None
