"""The tray menu as plain data, built from the state by one pure function."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from ..api.models import KNOWN_TYPES, Notification
from ..i18n import _, ngettext
from .snooze import describe
from .state import Status, TrayState
from .text import ago, one_line

ITEM_WIDTH = 60


@dataclass(frozen=True)
class Action:
    """What a click asks for."""

    kind: str
    """open, mark_read (a pop-up's button), mark_all, open_console, refresh,
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


def type_name(event_type: str) -> str:
    """An event type as the menu names it: "Payments received"; an unknown one as is."""
    names = {
        "system.payment.received": _("Payments received"),
        "system.balance.notify.dispatched": _("Low balance"),
        "admin.org.member.add": _("New org members"),
        "admin.api_key.revoke": _("Personal API keys revoked"),
        "org.api_key.revoke": _("Org API keys revoked"),
    }
    return names.get(event_type, event_type)


def pause_menu(state: TrayState, morning: str) -> Entry:
    """The "Pause pop-ups" submenu: for a while, until resumed, or resume now."""
    return Entry(
        _("Pause pop-ups"),
        children=(
            Entry(_("For 1 hour"), Action("snooze", value="1h")),
            Entry(
                _("Until tomorrow {time}").format(time=morning),
                Action("snooze", value="tomorrow"),
            ),
            Entry(_("Until I resume"), Action("snooze", value="forever")),
            SEPARATOR,
            Entry(_("Resume now"), Action("resume"), enabled=state.popups_paused),
        ),
    )


def types_menu(state: TrayState) -> Entry:
    """The "Pop-ups for…" submenu: one check item per event type, ticked when its
    pop-ups show."""
    return Entry(
        _("Pop-ups for…"),
        children=tuple(
            Entry(
                type_name(t),
                Action("mute_type", value=t),
                checked=t not in state.muted_types,
            )
            for t in KNOWN_TYPES
        ),
    )


def build_menu(
    state: TrayState,
    now: datetime,
    menu_length: int = 10,
    morning: str = "09:00",
    zone: tzinfo | None = None,
) -> list[Entry]:
    """Rows of the menu for ``state``: header first, so the newest item is the first
    entry a keyboard reaches. ``morning``: the local time "tomorrow" pauses until;
    ``zone``: the zone clock times are shown in (None: the system's)."""
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
            # English and Chinese write "more" alike for every count: choosing the form by
            # another count changes nothing a test could see
            rest = ngettext("and {n} more…", "and {n} more…", more)  # pragma: no mutate
            entries.append(
                Entry(
                    rest.format(n=more),
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
    ]
    if state.popups_paused:
        entries.append(Entry(describe(True, state.paused_until, now, zone), enabled=False))
    if state.popups_setting_off:  # "Resume now" cannot bring them back: say what can
        entries.append(Entry(_("Pop-ups are off in the settings (popups = false)"), enabled=False))
    entries += [pause_menu(state, morning), types_menu(state)]
    if state.autostart is not None:
        entries.append(
            Entry(_("Start at login"), Action("toggle_autostart"), checked=state.autostart)
        )
    entries += [
        SEPARATOR,
        Entry(_("Quit"), Action("quit")),
    ]
    return entries
