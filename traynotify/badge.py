"""What the tray icon should show: pure decisions, no drawing."""

from __future__ import annotations

import enum


class Look(enum.Enum):
    """The icon's distinct looks."""

    NONE = "none"
    """Signed in, nothing unread."""
    UNREAD = "unread"
    """Signed in, a count to show."""
    OFFLINE = "offline"
    """The server could not be reached; the count may be stale."""
    SIGNED_OUT = "signed-out"
    """No key, or the key was revoked."""


def badge_text(count: int) -> str:
    """The badge label: "" for none, 1-99, then "99+"."""
    if count <= 0:
        return ""
    return str(count) if count <= 99 else "99+"
