"""Which changed settings a running tray takes at once, and which wait for its next start."""

from __future__ import annotations

from .config import SETTING_NAMES, Settings

RESTART_SETTINGS = frozenset({"api_url"})
"""Settings a running tray keeps until it restarts: the ids it has shown and the reads it
has yet to send belong to one server, so another server is a new start."""


def live_changes(old: Settings, new: Settings) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The settings that differ: (those applied now, those that need a restart), each in
    the order of SETTING_NAMES."""
    changed = [name for name in SETTING_NAMES if getattr(old, name) != getattr(new, name)]
    return (
        tuple(name for name in changed if name not in RESTART_SETTINGS),
        tuple(name for name in changed if name in RESTART_SETTINGS),
    )
