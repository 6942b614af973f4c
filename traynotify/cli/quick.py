"""``traynotify count`` answered by the running tray app, loading as little as it can.

A status bar starts ``traynotify count`` every few seconds, so its start-up is nearly
all it costs. When the command line is only ``count`` (with ``--format``), and the
tray app runs for the same API URL with a state that needs no warning, the answer comes
from here: no parser, no settings checks, no HTTP library, no key. Anything else (other
options, no tray, a settings file this cannot read plainly, a state to warn about)
returns None, and the full command runs as usual and decides.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

FORMATS = ("text", "json", "waybar")


def _format(argv: Sequence[str]) -> str | None:
    """The format of a plain ``count [--format F]``; None for any other command line."""
    args = list(argv)
    if not args or args[0] != "count":
        return None
    rest = args[1:]
    if not rest:
        return "text"
    if len(rest) == 2 and rest[0] == "--format":
        fmt = rest[1]
    elif len(rest) == 1 and rest[0].startswith("--format="):
        fmt = rest[0].split("=", 1)[1]
    else:
        return None
    return fmt if fmt in FORMATS else None


def _config_file() -> Path:
    """The settings file (:func:`traynotify.desktop.settings_file.settings_path`), as _state_dir."""
    if sys.platform.startswith("linux"):
        base = os.environ.get("XDG_CONFIG_HOME", "").strip()
        return Path(base or os.path.expanduser("~/.config")) / "traynotify" / "config.toml"
    from ..desktop.settings_file import settings_path

    return settings_path()


def _file_settings() -> dict[str, str] | None:
    """``api_url`` and ``language`` from the settings file, when plainly given.

    None when the file exists but says something this does not read plainly: the full
    command then reads it and reports its problems."""
    try:
        text = _config_file().read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError):
        return None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    plain: dict[str, str] = {}
    for name in ("api_url", "language"):
        value = raw.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            return None
        if name == "language":
            value = value.strip()
            if value in ("", "auto", "system"):
                continue  # the OS's language
            if value.replace("-", "_").lower() not in ("en", "zh", "zh_cn"):
                return None  # not a language the app shows: the full command says so
        plain[name] = value
    return plain


def _state_dir() -> Path:
    """Where the tray app says how to reach it (:func:`traynotify.desktop.paths.state_dir`).

    On Linux this is the XDG rule, written out: platformdirs takes longer to load than
    the rest of this answer. Should the two ever differ, no tray answers here and the
    full command asks at the right place."""
    if sys.platform.startswith("linux"):
        base = os.environ.get("XDG_STATE_HOME", "").strip()
        return Path(base or os.path.expanduser("~/.local/state")) / "traynotify"
    from ..desktop.paths import state_dir

    return state_dir()


def count_from_tray(argv: Sequence[str], env: Mapping[str, str], out: TextIO) -> int | None:
    """The exit code after printing the tray's count; None: run the full command."""
    fmt = _format(argv)
    if fmt is None:
        return None
    file = _file_settings()
    if file is None:
        return None
    from ..core.defaults import DEFAULT_API_URL, ENV_API_URL
    from ..desktop.channel import request

    answer = request(_state_dir(), "state", timeout=1.0)
    if answer is None or answer.get("ok") is not True:
        return None
    api_url = env.get(ENV_API_URL, "").strip() or file.get("api_url") or DEFAULT_API_URL
    if answer.get("api_url") != api_url:
        return None  # another API URL, or one written differently: the full command checks
    from ..core.bar import from_wire, render
    from ..i18n import use_language

    bar = from_wire(answer.get("state"))
    if bar is None or bar.freshness in ("starting", "signed-out"):
        return None
    if fmt == "text" and bar.freshness != "fresh":
        return None  # the full command warns on stderr
    use_language(file.get("language"))
    line = str(bar.unread) if fmt == "text" else render(bar, fmt, "tray")  # type: ignore[arg-type]
    if isinstance(out, io.TextIOWrapper) and out.errors == "strict":
        out.reconfigure(errors="replace")  # as the full command: "?" for what cannot show
    print(line, file=out)
    out.flush()
    return 0
