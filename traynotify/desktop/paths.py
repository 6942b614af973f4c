"""Where traynotify keeps its files (platformdirs; XDG variables honoured on Linux)."""

from __future__ import annotations

from pathlib import Path


def state_dir() -> Path:
    from platformdirs import user_state_dir

    return Path(user_state_dir("traynotify", appauthor=False))


def config_dir() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("traynotify", appauthor=False))
