"""The tray menu as plain data, built from the state by one pure function."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..api.models import Notification
from ..i18n import _, ngettext
from .state import Status, TrayState
from .text import ago, one_line

ITEM_WIDTH = 60


@dataclass(frozen=True)
class Action:
    """What a click asks for."""

    kind: str
    """open, mark_read (a pop-up's button), mark_all, open_console, refresh, toggle_popups,
    toggle_autostart, sign_in, quit; snooze (``value``: what ``traynotify snooze`` takes,
    such as "1h" or "tomorrow", or "forever": until resumed), resume, mute_type
    (``value``: the event type whose pop-ups to mute, or unmute when muted)."""
    notification_id: int | None = None
    subject: Notification | None = field(default=None, compare=False)
    """The notification the row or pop-up showed (for open): a click acts on it even
    when the list has moved on since."""
    value: str | None = None
    """What snooze and mute_type act on (see ``kind``)."""


@dataclass(frozen=True)
class Entry:
    """One menu row; ``action`` None with ``separator`` False is an informational line."""

    label: str = ""
    action: Action | None = None
    enabled: bool = True
    checked: bool | None = None
    """None: not a check item."""
    separator: bool = False
    default: bool = False
    """The item a left click on the icon runs (where the desktop supports it)."""
    children: tuple[Entry, ...] = ()
    """The rows of its submenu (then ``action`` is None)."""


SEPARATOR = Entry(separator=True)


def header(state: TrayState) -> str:
    if state.status is Status.SIGNED_OUT:
        return _("Signed out: {problem}").format(problem=state.problem or _("no API key"))
    if state.status is Status.STARTING:
        return _("Connecting…")
    if state.count == 0:
        head = _("No unread notifications")
    else:
        head = ngettext("{n} unread notification", "{n} unread notifications", state.count).format(
            n=state.count
        )
    if state.status in (Status.OFFLINE, Status.ERROR):
        head = _("{head} (as of {when}, {problem})").format(
            head=head,
            when=state.updated_at.astimezone().strftime("%H:%M") if state.updated_at else "?",
            problem=state.problem or _("offline"),
        )
    return head


def item_label(title: str, created: datetime, now: datetime) -> str:
    when = ago(created, now)
    return f"{one_line(title, ITEM_WIDTH - len(when) - 3) or _('(no title)')} · {when}"


def build_menu(state: TrayState, now: datetime, menu_length: int = 10) -> list[Entry]:
    """Rows of the menu for ``state``: header first, so the newest item is the first
    entry a keyboard reaches."""
    entries = [Entry(one_line(header(state), 90), enabled=False)]
    if state.notice:
        entries.append(Entry("⚠ " + one_line(state.notice, 90), enabled=False))
    signed_out = state.status is Status.SIGNED_OUT
    if not signed_out:
        for note in state.items[:menu_length]:
            entries.append(
                Entry(
                    item_label(note.title, note.created_at, now),
                    Action("open", note.id, note),
                )
            )
        if state.count > len(state.items[:menu_length]):
            more = state.count - len(state.items[:menu_length])
            entries.append(
                Entry(
                    ngettext("and {n} more…", "and {n} more…", more).format(n=more),
                    Action("open_console"),
                )
            )
    entries.append(SEPARATOR)
    if signed_out:
        entries.append(Entry(_("How to sign in…"), Action("sign_in")))
    else:
        entries.append(Entry(_("Mark all as read"), Action("mark_all"), enabled=state.count > 0))
    entries += [
        Entry(_("Open notifications in console"), Action("open_console"), default=True),
        Entry(_("Refresh now"), Action("refresh")),
        Entry(_("Pause pop-ups"), Action("toggle_popups"), checked=state.popups_paused),
    ]
    if state.autostart is not None:
        entries.append(
            Entry(_("Start at login"), Action("toggle_autostart"), checked=state.autostart)
        )
    entries += [
        SEPARATOR,
        Entry(_("Quit"), Action("quit")),
    ]
    return entries
