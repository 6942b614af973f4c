"""The settings file: ``config.toml`` in the user's config folder.

Reading never fails: a broken file or a bad value is reported (with the file's
path and line) and that value falls back to its default. Writing refuses to
touch a file it cannot read, so a typo by hand is never overwritten.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.config import SETTING_NAMES, check_value
from ..errors import ConfigError
from ..i18n import _
from .files import write_atomic

FILE_NAME = "config.toml"
HEADER = (
    "# traynotify settings; 'traynotify config set NAME VALUE' checks and writes them.\n"
    "# The API key is not kept here: see 'traynotify login'.\n"
)


def settings_path() -> Path:
    from .paths import config_dir

    return config_dir() / FILE_NAME


@dataclass
class FileSettings:
    """What a settings file holds: the good values, and a line for each problem."""

    path: Path
    values: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    """Everything the file says, good or not (kept when the file is rewritten)."""
    problems: list[str] = field(default_factory=list)
    readable: bool = True
    """False when the file exists but could not be parsed (writing would lose it)."""


def _line_of(text: str, name: str) -> int | None:
    match = re.search(rf"^[ \t]*{re.escape(name)}[ \t]*=", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _where(path: Path, line: int | None) -> str:
    return f"{path}, line {line}" if line else str(path)


def read_settings(path: Path) -> FileSettings:
    """Parse and check ``path``; a missing file is simply empty."""
    result = FileSettings(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return result
    except (OSError, UnicodeDecodeError) as exc:
        result.readable = False
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        result.problems.append(
            _("{path}: cannot read it ({reason}).").format(path=path, reason=reason)
        )
        return result
    if sys.version_info >= (3, 11):  # loaded here: most users have no settings file
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        result.readable = False
        result.problems.append(
            _("{path}: not valid TOML: {error}.").format(path=path, error=str(exc).rstrip("."))
        )
        return result
    result.raw = raw
    for name, value in raw.items():
        where = _where(path, _line_of(text, name))
        if name not in SETTING_NAMES:
            result.problems.append(
                _("{where}: unknown setting {name!r} ignored; settings: {names}.").format(
                    where=where, name=name, names=", ".join(SETTING_NAMES)
                )
            )
            continue
        try:
            result.values[name] = check_value(name, value)
        except ConfigError as exc:
            result.problems.append(
                _("{where}: {error} Using the default.").format(where=where, error=exc)
            )
    return result


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        pairs = (f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items())
        return "{" + ", ".join(pairs) + "}"
    if hasattr(value, "isoformat"):  # TOML dates and times
        return str(value.isoformat())
    # A JSON string is a valid TOML basic string (same escapes).
    return json.dumps(str(value), ensure_ascii=False)


def dumps(values: Mapping[str, Any]) -> str:
    """TOML text for ``values``: known settings in their order, then anything else."""
    order = [n for n in SETTING_NAMES if n in values] + [
        n for n in values if n not in SETTING_NAMES
    ]
    lines = [HEADER]
    for name in order:
        if values[name] is not None:
            key = name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)
            lines.append(f"{key} = {_toml_value(values[name])}\n")
    return "".join(lines)


def change_setting(path: Path, name: str, value: Any | None) -> FileSettings:
    """Check ``value`` and store it (None removes the setting); returns the new contents."""
    current = read_settings(path)
    if not current.readable:
        raise ConfigError(
            _("Not changing {path}: {problem} Fix or remove the file first.").format(
                path=path, problem=current.problems[0]
            )
        )
    # Values that are wrong or unknown stay as the user wrote them.
    values = {**current.raw, **current.values}
    if value is None:
        if name not in SETTING_NAMES:
            check_value(name, "")  # raises the unknown-setting error
        values.pop(name, None)
    else:
        checked = check_value(name, value)
        if checked is None:
            values.pop(name, None)
        else:
            values[name] = list(checked) if isinstance(checked, tuple) else checked
    write_atomic(path, dumps(values))
    return read_settings(path)
