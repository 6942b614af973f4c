"""Which tray the app picks at start-up, and the pure pieces of the SNI tray."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from traynotify.api.models import Notification
from traynotify.core.badge import Look
from traynotify.core.menu import Action, Entry, build_menu
from traynotify.core.state import Status, TrayState
from traynotify.core.toasts import Toast
from traynotify.desktop.choose import Probe, choose
from traynotify.desktop.icons import render_icon
from traynotify.desktop.notify.freedesktop import action_for, actions_for, body_text
from traynotify.desktop.tray.dbusmenu import (
    Changes,
    DBusMenu,
    Ids,
    changes,
    entry_props,
    every_row,
    rows_for,
)
from traynotify.desktop.tray.sni import argb32, sni_status, tooltip_body, tooltip_of

NOW = datetime(2026, 5, 22, 12, 0, tzinfo=timezone.utc)


def note(id_: int, title: str, hours: int = 1) -> Notification:
    return Notification(
        id=id_,
        type="admin.org.member.add",
        title=title,
        body="",
        link=None,
        created_at=NOW - timedelta(hours=hours),
        read_at=None,
    )


@pytest.mark.parametrize(
    ("probe", "mechanism", "reason"),
    [
        (Probe("linux", watcher=True, xembed=True), "sni", "a StatusNotifierWatcher is on"),
        (Probe("linux", xembed=True), "pystray", "but an XEmbed tray on the display"),
        (Probe("linux"), "sni", "no tray is running yet"),
        (Probe("linux", graphical=False), "pystray", "no graphical session"),
        (Probe("linux", watcher=True, graphical=False), "sni", "a StatusNotifierWatcher is on"),
        (
            Probe("linux", bus_problem="DBUS_SESSION_BUS_ADDRESS is not set"),
            "pystray",
            "no StatusNotifierItem without D-Bus: DBUS_SESSION_BUS_ADDRESS is not set",
        ),
        (Probe("linux", override="pystray", watcher=True), "pystray", "TRAYNOTIFY_TRAY=pystray"),
        (Probe("linux", override=" SNI ", xembed=True), "sni", "TRAYNOTIFY_TRAY=sni"),
        (Probe("linux", pystray_backend="gtk", watcher=True), "pystray", "PYSTRAY_BACKEND=gtk"),
        (Probe("linux", override="sni", pystray_backend="gtk"), "sni", "TRAYNOTIFY_TRAY=sni"),
        (Probe("darwin", override="sni", watcher=True), "pystray", "the system tray of this OS"),
        (Probe("win32"), "pystray", "the system tray of this OS"),
    ],
)
def test_the_tray_choice_and_its_reason(probe: Probe, mechanism: str, reason: str) -> None:
    choice = choose(probe)
    assert choice.mechanism == mechanism
    assert reason in choice.reason


def test_menu_ids_stay_with_what_a_row_does() -> None:
    ids = Ids()
    one = TrayState(status=Status.OK, count=2, items=(note(7, "A"), note(5, "B", 2)))
    before = {r.action: r.id for r in rows_for(build_menu(one, NOW), ids) if r.action}
    # a new notification arrives on top: every row moves down, but keeps its id
    two = TrayState(status=Status.OK, count=3, items=(note(9, "C", 0), *one.items))
    after = {r.action: r.id for r in rows_for(build_menu(two, NOW), ids) if r.action}
    for action, id_ in before.items():
        assert after[action] == id_
    assert after[Action("open", 9)] not in before.values()
    # the two "open console" rows (the "and N more" line and the entry) differ
    many = TrayState(status=Status.OK, count=30, items=one.items)
    consoles = [
        r.id for r in rows_for(build_menu(many, NOW), ids) if r.action == Action("open_console")
    ]
    assert len(set(consoles)) == 2


def test_menu_item_properties() -> None:
    state = TrayState(status=Status.OK, count=0, popups_paused=True)
    rows = {e.label: entry_props(e) for e in build_menu(state, NOW)}
    assert rows["No unread notifications"] == {
        "label": ("s", "No unread notifications"),
        "enabled": ("b", False),
        "visible": ("b", True),
    }
    assert rows["Mark all as read"]["enabled"] == ("b", False)  # nothing to mark
    # defaults are sent too: libdbusmenu-qt keeps an old value a layout leaves out
    assert rows["Refresh now"]["enabled"] == ("b", True)
    assert rows["Pause pop-ups"] == {
        "label": ("s", "Pause pop-ups"),
        "enabled": ("b", True),
        "visible": ("b", True),
        "children-display": ("s", "submenu"),
    }
    types = next(e for e in build_menu(state, NOW) if e.label == "Pop-ups for…")
    assert entry_props(types.children[0])["toggle-type"] == ("s", "checkmark")
    assert entry_props(types.children[0])["toggle-state"] == ("i", 1)
    assert rows[""] == {"type": ("s", "separator"), "visible": ("b", True)}


def test_menu_changes_as_the_signals_carry_them() -> None:
    ids = Ids()
    start = rows_for(build_menu(TrayState(), NOW), ids)
    ok = TrayState(
        status=Status.OK,
        count=1,
        items=(note(7, "A"),),
        popups_paused=True,
        muted_types=("admin.org.member.add",),
    )
    later = rows_for(build_menu(ok, NOW), ids)
    diff = changes(start, later)
    updated = dict(diff.updated)
    flat = list(every_row(later))
    header, mark_all, resume, members = (
        next(r.id for r in flat if dict(r.props).get("label", ("s", ""))[1] == label)
        for label in ("1 unread notification", "Mark all as read", "Resume now", "New org members")
    )
    assert updated[header] == {"label": ("s", "1 unread notification")}
    assert updated[mark_all] == {"enabled": ("b", True)}
    assert updated[resume] == {"enabled": ("b", True)}  # in the pause submenu
    assert updated[members] == {"toggle-state": ("i", 0)}  # in the types submenu
    assert diff.layout  # a notification row came
    assert diff.removed == []
    assert changes(later, rows_for(build_menu(ok, NOW), ids)) == Changes([], [], False)


def test_sni_status_and_tooltip() -> None:
    items = tuple(note(i, f"T{i} <b>&", i) for i in range(1, 8))
    state = TrayState(status=Status.OK, count=9, items=items)
    assert sni_status(state) == "NeedsAttention"
    lines = tooltip_body(state).splitlines()
    assert lines[0] == "T1 &lt;b&gt;&amp;"
    assert len(lines) == 6  # five titles and "…"
    assert lines[-1] == "…"
    assert sni_status(TrayState(status=Status.OK)) == "Active"
    assert sni_status(TrayState(status=Status.OFFLINE, count=3)) == "Active"
    assert tooltip_body(TrayState(status=Status.SIGNED_OUT, problem="x")) == ""


def test_tooltip_title_is_plain_text_and_only_the_body_is_markup() -> None:
    # Hosts escape the title themselves (xfce4-panel) or show it as text (Plasma):
    # escaped here, a user would read "&amp;" in the tooltip's first line.
    state = TrayState(
        status=Status.OFFLINE,
        count=2,
        items=(note(1, "<b>x</b> & Co_op"),),
        problem="HTTP 502 <html> & more",
    )
    _name, pixmaps, title, body = tooltip_of(state)
    assert pixmaps == []
    assert title == "traynotify: 2 unread · HTTP 502 <html> & more"
    assert body.splitlines()[0] == "&lt;b&gt;x&lt;/b&gt; &amp; Co_op"


def test_menu_labels_are_not_markup_but_underscores_stay_literal() -> None:
    state = TrayState(status=Status.OK, count=1, items=(note(1, "<b>x</b> & Co_op"),))
    now = datetime(2026, 5, 1, 12, tzinfo=timezone.utc)
    (item,) = [e for e in build_menu(state, now) if e.action == Action("open", 1)]
    label = entry_props(item)["label"][1]
    # dbusmenu: "__" shows one underscore, a single "_" marks the access key
    assert label.startswith("<b>x</b> & Co__op · ")


def test_pixmaps_are_argb_in_network_order() -> None:
    w, h, data = argb32(render_icon(Look.UNREAD, 5, 16))
    assert (w, h, len(data)) == (16, 16, 16 * 16 * 4)
    image = render_icon(Look.UNREAD, 5, 16)
    for x, y in ((0, 15), (8, 8), (14, 2)):
        r, g, b, a = image.getpixel((x, y))  # type: ignore[misc]
        i = 4 * (y * w + x)
        assert tuple(data[i : i + 4]) == (a, r, g, b)


def test_pop_up_actions_match_the_menu() -> None:
    single = Toast("Key revoked", "b", 42)
    summary = Toast("You have 3 unread notifications", "")
    assert actions_for(single) == ["default", "Open", "mark-read", "Mark read"]
    assert action_for(single, "default") == Action("open", 42)
    assert action_for(single, "mark-read") == Action("mark_read", 42)
    assert action_for(single, "other") is None
    assert actions_for(summary)[0] == "default"
    assert action_for(summary, "default") == Action("open_console")
    assert action_for(summary, "mark-read") is None
    assert body_text("a < b & c", markup=True) == "a &lt; b &amp; c"
    assert body_text("a < b & c", markup=False) == "a < b & c"


def test_doctor_names_what_is_missing_and_what_to_install() -> None:
    from traynotify.desktop.doctor import MISSING, NOTE, OK, popup_finding, tray_finding

    sni = tray_finding(Probe("linux", watcher=True, host=True))
    assert (sni.status, sni.fix) == (OK, "")
    assert "StatusNotifierItem" in sni.text
    no_host = tray_finding(Probe("linux", watcher=True, host=False))
    assert no_host.status == MISSING
    nothing = tray_finding(Probe("linux"))
    assert nothing.status == MISSING
    assert "gnome-shell-extension-appindicator" in nothing.fix
    xembed = tray_finding(Probe("linux", xembed=True))
    assert xembed.status == NOTE
    assert "no menu" in xembed.text
    assert "'linux' extra" in xembed.fix
    headless = tray_finding(Probe("linux", bus_problem="x", gtk=True), display=False)
    assert headless.status == MISSING
    daemon = popup_finding(None, ("dunst", "knopwob", "1.9.0", "1.2"), frozenset({"body"}))
    assert daemon.status == OK
    assert "no actions: pop-ups cannot be clicked" in daemon.text
    assert "plain text" in daemon.text
    none = popup_finding(None, None, None)
    assert none.status == MISSING
    assert "dunst" in none.fix


@pytest.mark.parametrize("text", ["", "a < b & c > d", "\"q\" 'x' &amp;", "plain", "<<&&>>"])
def test_markup_escape_matches_html_escape(text: str) -> None:
    import html

    from traynotify.desktop.markup import escape

    assert escape(text) == html.escape(text, quote=False)
    assert escape(text, quote=True) == html.escape(text, quote=True)


class _Bus:
    """The edge a menu talks to: it only exports itself and emits signals in order."""

    def __init__(self) -> None:
        self.order = threading.RLock()

    def in_order(self) -> threading.RLock:
        return self.order

    def export(self, path: str, *interfaces: object) -> None:
        pass

    def emit(self, *signal: object) -> None:
        pass


def test_a_menu_rebuilt_on_the_host_thread_cannot_bring_back_a_clicked_row() -> None:
    """The host closes the menu (an Event, on the D-Bus thread: the rows that waited
    are applied) at the moment the poller publishes the state that drops a clicked
    row: the menu must end on the newer state, never on the one the click already
    left behind. (While the menu is open, rows stay put: see tests/test_still_menu.py.)"""
    before = TrayState(status=Status.OK, count=2, items=(note(7, "A"), note(5, "B", 2)))
    after = TrayState(status=Status.OK, count=1, items=(note(5, "B", 2),))
    current = [before]
    host_read, go = threading.Event(), threading.Event()

    def entries() -> list[Entry]:
        state = current[0]
        if threading.current_thread().name == "host":
            host_read.set()
            go.wait(10)  # the host's rebuild is slow: the poller's overtakes it
        return build_menu(state, NOW)

    menu = DBusMenu(_Bus(), entries, lambda action: None)  # type: ignore[arg-type]
    host = threading.Thread(target=menu.event, args=(0, "closed", ("i", 0), 0), name="host")
    host.start()
    assert host_read.wait(10)
    current[0] = after  # the poller publishes the state after the click...
    poller = threading.Thread(target=menu.refresh, name="poller")
    poller.start()
    poller.join(0.5)  # ...and rebuilds (or waits for the host's rebuild to finish)
    go.set()
    host.join(10)
    poller.join(10)
    _revision, (_root, _props, children) = menu.get_layout(0, -1, [])
    labels = [dict(child[1][1]).get("label", ("s", ""))[1] for child in children]
    assert not any(label.startswith("A") for label in labels), labels
    assert any(label.startswith("B") for label in labels), labels
