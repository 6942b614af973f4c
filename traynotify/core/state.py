"""What the tray shows, as one immutable value the poller publishes."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from ..api.models import Notification


class Status(enum.Enum):
    STARTING = "starting"
    OK = "ok"
    OFFLINE = "offline"
    """No answer from the server (network down, timeout)."""
    ERROR = "error"
    """The server answered, but with an error (5xx, 429, an answer not understood)."""
    SIGNED_OUT = "signed-out"
    """No key, or the server rejected it (401)."""


@dataclass(frozen=True)
class TrayState:
    """Everything the icon, tooltip and menu are drawn from."""

    status: Status = Status.STARTING
    count: int = 0
    """Unread count (last known when offline)."""
    items: tuple[Notification, ...] = ()
    """Recent unread notifications, newest first."""
    stale: bool = False
    """True when ``count``/``items`` are from before the current problem."""
    updated_at: datetime | None = None
    """When the server last answered."""
    problem: str | None = None
    """One line on what is wrong, for the menu header and the tooltip."""
    notice: str | None = None
    """The last message for the user (a mark-read that failed, a link not opened)."""
    popups_paused: bool = False
    """Pop-ups paused by the user (a snooze, the menu): "Resume now" ends it."""
    popups_setting_off: bool = False
    """The ``popups`` setting is off: nothing pops up, whatever a pause says."""
    paused_until: datetime | None = None
    """When a timed pause ends (aware); None: not paused, or paused until resumed."""
    muted_types: tuple[str, ...] = ()
    """Event types whose pop-ups are muted (they still count and list)."""
    autostart: bool | None = None
    """Whether traynotify starts at login; None when this system offers no way."""

    @property
    def popups_off(self) -> bool:
        """Whether nothing pops up: paused by the user, or the ``popups`` setting off."""
        return self.popups_paused or self.popups_setting_off
