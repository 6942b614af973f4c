"""What the tray icon should show: pure decisions, no drawing."""

from __future__ import annotations

import enum
from datetime import datetime, timezone, tzinfo

from ..i18n import _
from .snooze import clock_text
from .state import Status, TrayState


class Look(enum.Enum):
    """The icon's distinct looks."""

    NONE = "none"
    """Signed in, nothing unread."""
    UNREAD = "unread"
    """Signed in, a count to show."""
    OFFLINE = "offline"
    """The server could not be reached or failed; the count may be stale."""
    SIGNED_OUT = "signed-out"
    """No key, or the key was revoked."""


def badge_text(count: int) -> str:
    """The badge label: "" for none, 1-99, then "99+"."""
    if count <= 0:
        return ""
    return str(count) if count <= 99 else "99+"


def look_for(state: TrayState) -> Look:
    if state.status is Status.SIGNED_OUT:
        return Look.SIGNED_OUT
    if state.status in (Status.OFFLINE, Status.ERROR):
        return Look.OFFLINE
    return Look.UNREAD if state.count > 0 else Look.NONE


def tooltip(
    state: TrayState,
    has_menu: bool = True,
    now: datetime | None = None,
    zone: tzinfo | None = None,
) -> str:
    """The icon's title: "traynotify: 7 unread", plus the problem and a pause in words.

    ``now``: the time a pause's end is read against (None: now); ``zone``: the zone
    its clock time is shown in (None: the system's)."""
    if state.status is Status.SIGNED_OUT:
        text = _("traynotify: signed out ({problem})").format(
            problem=state.problem or _("no API key")
        )
    elif state.status is Status.STARTING:
        text = _("traynotify: connecting…")
    else:
        text = _("traynotify: {n} unread").format(n=state.count)
        if state.status in (Status.OFFLINE, Status.ERROR):
            text += " · " + (state.problem or _("offline"))
    if state.popups_setting_off:
        text += " · " + _("pop-ups off in the settings")
    elif state.popups_paused:
        if state.paused_until is None:
            text += " · " + _("pop-ups paused until you resume them")
        else:
            # (a naive now reads as local time: the same instant, so a mutant's twin)
            moment = now or datetime.now(timezone.utc)  # pragma: no mutate
            text += " · " + _("pop-ups paused until {time}").format(
                time=clock_text(state.paused_until, moment, zone)
            )
    if not has_menu:
        text += " · " + _("no menu on this desktop: install the 'linux' extra")
    return text
