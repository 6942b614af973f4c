"""The StatusNotifierItem and its dbusmenu, read and driven the way a panel does.

The real app runs against the contract server on a private session bus with no
X display; the test is the StatusNotifierWatcher and host (see tests/sni.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from traynotify.desktop.dbus import BusError
from traynotify.devserver import ContractServer

from .conftest import KEY
from .desktop import browser_stub, wait_for
from .sni import GUARD, Host, MenuMirror, private_bus

CONSOLE = "https://console.bytespike.ai"


@pytest.fixture
def bus_address() -> Iterator[str]:
    yield from private_bus()


@pytest.fixture
def host(bus_address: str) -> Iterator[Host]:
    h = Host(bus_address)
    yield h
    h.close()


class App:
    def __init__(
        self, proc: subprocess.Popen[str], tmp: Path, browser_log: Path, env: dict[str, str]
    ) -> None:
        self.proc = proc
        self.tmp = tmp
        self.browser_log = browser_log
        self.env = env

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``traynotify ARGS`` in the app's session, as the user would type it."""
        return subprocess.run(
            [sys.executable, "-m", "traynotify", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def opened(self) -> list[str]:
        return self.browser_log.read_text().split() if self.browser_log.exists() else []

    def stderr(self) -> str:
        return (self.tmp / "app.stderr").read_text(errors="replace")

    def refused_imports(self) -> list[str]:
        path = self.tmp / "imports.log"
        return path.read_text().split() if path.exists() else []


@pytest.fixture
def start_app(
    bus_address: str, server: ContractServer, tmp_path: Path
) -> Iterator[Callable[..., App]]:
    apps: list[App] = []

    def start(*extra: str, env_extra: dict[str, str] | None = None, debug: bool = True) -> App:
        browser, browser_log = browser_stub(tmp_path)
        env = dict(os.environ)
        env.pop("DISPLAY", None)  # an SNI needs no X display
        env.pop("PYSTRAY_BACKEND", None)
        env.update(
            DBUS_SESSION_BUS_ADDRESS=bus_address,
            BYTESPIKE_API_URL=server.url,
            BYTESPIKE_API_KEY=KEY,
            BROWSER=browser,
            XDG_STATE_HOME=str(tmp_path / "state"),
            XDG_CONFIG_HOME=str(tmp_path / "config"),
            TRAYNOTIFY_IMPORT_LOG=str(tmp_path / "imports.log"),
            **(env_extra or {}),
        )
        with open(tmp_path / "app.stderr", "w") as err:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    str(GUARD),
                    *(["--debug"] if debug else []),
                    "run",
                    "--interval",
                    "1",
                    *extra,
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=err,
                text=True,
            )
        app = App(proc, tmp_path, browser_log, env)
        apps.append(app)
        return app

    yield start
    for app in apps:
        if app.proc.poll() is None:
            app.proc.kill()
            app.proc.wait(timeout=10)


def counted(host: Host, n: int) -> None:
    wait_for(f"the title to count {n}", lambda: host.props()["Title"] == f"traynotify: {n} unread")


def test_every_property_a_host_reads(
    host: Host, start_app: Callable[..., App], server: ContractServer
) -> None:
    server.store.add("alice", "admin.org.member.add", "R&D <team> joined_now", "b", None)
    app = start_app()
    service = host.item_service()
    assert service == f"org.kde.StatusNotifierItem-{app.proc.pid}-1"
    counted(host, 4)
    props = host.props()
    assert props["Id"] == "traynotify"  # hosts drop items with no Id
    assert props["Category"] == "Communications"
    assert props["Status"] == "NeedsAttention"
    assert props["ItemIsMenu"] is False  # so a left click reaches Activate
    assert props["Menu"] == "/MenuBar"
    # one pixmap of one good size, ARGB32 in network byte order
    ((w, h, data),) = props["IconPixmap"]
    assert (w, h) == (48, 48)
    assert len(data) == 4 * w * h
    assert props["AttentionIconPixmap"] == props["IconPixmap"]
    # what GNOME's extension reads besides (it logs a JS error on each icon change
    # for one that is missing): the accessible name is the title
    assert props["IconAccessibleDesc"] == "traynotify: 4 unread"
    assert props["AttentionAccessibleDesc"] == "traynotify: 4 unread"
    assert props["IconThemePath"] == ""
    assert props["WindowId"] == 0

    def pixel(x: int, y: int) -> tuple[int, ...]:
        i = 4 * (y * w + x)
        return tuple(data[i : i + 4])

    a, r, g, b = pixel(w - 8, 8)  # the red badge in the top-right corner
    assert a == 255
    assert r > 180
    assert g < 90
    assert b < 90
    assert pixel(0, h - 1)[0] == 0  # a transparent corner: alpha comes first
    # the tooltip: the count, then the newest titles as escaped markup
    _icon_name, icon_pixmaps, title, body = props["ToolTip"]
    assert title == "traynotify: 4 unread"
    assert icon_pixmaps == []
    assert body.splitlines()[0] == "R&amp;D &lt;team&gt; joined_now"
    assert "Payment received · $25.00" in body
    assert app.refused_imports() == []


def test_menu_layout_and_clicks_through_events(
    host: Host, start_app: Callable[..., App], server: ContractServer
) -> None:
    server.store.add("alice", "admin.org.member.add", "snake_case joined", "b", None)
    app = start_app()
    counted(host, 4)
    (version,) = host.call(
        host.item_service(),
        "/MenuBar",
        "org.freedesktop.DBus.Properties",
        "Get",
        "ss",
        ("com.canonical.dbusmenu", "Version"),
    )
    assert version == ("u", 3)
    rows = host.layout()
    labels = [p.get("label") for _i, p in rows if p.get("type") != "separator"]
    assert labels[0] == "4 unread notifications"
    assert labels[1].startswith("snake__case joined · ")  # "_" would be a mnemonic
    assert labels[2].startswith("Payment received · $25.00 · ")
    assert labels[-1] == "Quit"
    header = rows[0]
    assert header[1].get("enabled") is False
    # the group forms a libdbusmenu host uses with Version 3
    updated, errors = host.menu("AboutToShowGroup", "ai", ([0, 987654],))
    assert (updated, errors) == ([], [987654])  # nothing changed since it was last read
    (props,) = host.menu("GetGroupProperties", "aias", ([0, rows[1][0]], ["label"]))
    assert dict(props)[rows[1][0]] == {"label": ("s", labels[1])}
    payment = host.row_id("Payment received · $25.00")
    (errors,) = host.menu("EventGroup", "a(isvu)", ([(payment, "clicked", ("i", 0), 0)],))
    assert errors == []
    wait_for("the link to open", lambda: app.opened() == [f"{CONSOLE}/billing"])
    wait_for("mark-read at the server", lambda: server.store.unread_count("alice") == 3)
    note = server.store.get(5001)
    assert note is not None
    assert note.read_at is not None
    counted(host, 3)
    assert host.signals_of("LayoutUpdated")  # the host re-reads the menu at once
    assert all(
        not p.get("label", "").startswith("Payment received · $25.00") for _i, p in host.layout()
    )
    # the Version 2 forms
    (need_update,) = host.menu("AboutToShow", "i", (0,))
    assert need_update is False
    host.menu("Event", "isvu", (host.row_id("Mark all as read"), "clicked", ("i", 0), 0))
    wait_for("mark all at the server", lambda: server.store.unread_count("alice") == 0)
    counted(host, 0)
    assert host.props()["Status"] == "Active"
    assert ("Active",) in host.signals_of("NewStatus")
    assert len(server.requests("/mark-all-read")) == 1
    # a click on an id the menu does not have is an error, not a crash
    with pytest.raises(BusError, match="UnknownId"):
        host.menu("Event", "isvu", (424242, "clicked", ("i", 0), 0))
    # hovering is not clicking
    host.menu("Event", "isvu", (host.row_id("Refresh now"), "hovered", ("i", 0), 0))
    host.menu("Event", "isvu", (host.row_id("Quit"), "clicked", ("i", 0), 0))
    assert app.proc.wait(timeout=10) == 0
    assert "Traceback" not in app.stderr()
    assert app.opened() == [f"{CONSOLE}/billing"]


def test_left_middle_and_scroll(
    host: Host, start_app: Callable[..., App], server: ContractServer
) -> None:
    app = start_app()
    counted(host, 3)
    host.item("Activate", "ii", (10, 10))  # left click: the console's notifications page
    wait_for("the console to open", lambda: app.opened() == [f"{CONSOLE}/"])
    host.item("SecondaryActivate", "ii", (10, 10))  # middle click: the newest unread
    wait_for("the newest to open", lambda: app.opened()[1:] == [f"{CONSOLE}/billing"])
    wait_for("it to be marked read", lambda: server.store.unread_count("alice") == 2)
    assert [r.path for r in server.requests("/mark-read")] == [
        "/api/v1/me/notifications/5001/mark-read"
    ]
    host.item("Scroll", "is", (120, "vertical"))
    host.item("ContextMenu", "ii", (10, 10))
    counted(host, 2)
    assert server.store.unread_count("alice") == 2
    assert len(app.opened()) == 2
    (xml,) = host.call(
        host.item_service(),
        "/StatusNotifierItem",
        "org.freedesktop.DBus.Introspectable",
        "Introspect",
    )
    assert '<interface name="org.kde.StatusNotifierItem">' in xml
    assert '<property name="IconPixmap" type="a(iiay)" access="read"/>' in xml


def test_registers_again_when_the_watcher_comes_back(
    bus_address: str, start_app: Callable[..., App]
) -> None:
    # a Wayland session whose bar has not started yet: no watcher, no X display
    app = start_app(env_extra={"WAYLAND_DISPLAY": "wayland-test"})
    wait_for(
        "the app to wait for a tray", lambda: "the icon appears when one starts" in app.stderr()
    )
    assert "Tray: sni, because no tray is running yet" in app.stderr()
    first = Host(bus_address)
    try:
        service = first.item_service()
        counted(first, 3)
    finally:
        first.close()  # the panel quits
    second = Host(bus_address)  # ... and starts again
    try:
        assert second.item_service() == service
        counted(second, 3)
    finally:
        second.close()
    assert app.proc.poll() is None


def test_the_choice_can_be_forced_to_pystray(host: Host, start_app: Callable[..., App]) -> None:
    app = start_app(env_extra={"TRAYNOTIFY_TRAY": "pystray"})
    assert app.proc.wait(timeout=20) != 0  # no display: pystray cannot start
    assert "Tray: pystray, because TRAYNOTIFY_TRAY=pystray." in app.stderr()
    assert "No graphical session" in app.stderr()
    assert host.items == []


def test_no_tray_and_no_graphical_session_is_one_clear_error(
    bus_address: str, start_app: Callable[..., App]
) -> None:
    # a user bus but no display, as in an SSH login: nothing to show an icon in
    app = start_app(debug=False)
    assert app.proc.wait(timeout=20) != 0
    assert "No graphical session (DISPLAY is not set)" in app.stderr()
    assert "Traceback" not in app.stderr()


@pytest.mark.parametrize("kind", ["gnome", "qt"])
def test_a_changed_row_is_shown_changed_by_each_host(
    kind: str, host: Host, start_app: Callable[..., App], server: ContractServer
) -> None:
    """The menu a host keeps follows the app: the header leaves "Connecting…", Mark all
    becomes enabled and works, a pause shows (its end above the pause submenu, "Resume
    now" enabled in it), and the count follows Mark all, each host updating its rows
    only the way its own code does (see MenuMirror)."""
    first = server.hold("")  # the app's first request: the menu says "Connecting…"
    app = start_app()
    first.wait(20)
    shown = MenuMirror(host, kind)
    assert shown.header() == "Connecting…"
    assert shown.row("Mark all as read")["enabled"] is False
    assert shown.row("Resume now")["enabled"] is False
    first.release()
    counted(host, 3)
    wait_for("the header to follow the state", lambda: shown.header() == "3 unread notifications")
    wait_for("Mark all to be enabled", lambda: shown.row("Mark all as read")["enabled"] is True)
    done = app.cli("snooze", "2h")
    assert done.returncode == 0, done.stderr
    wait_for("Resume now to be enabled", lambda: shown.row("Resume now")["enabled"] is True)
    labels = [r.get("label") for r in shown.rows()]
    assert str(labels[labels.index("Pause pop-ups") - 1]).startswith("Pop-ups paused until ")
    host.menu("Event", "isvu", (host.row_id("Mark all as read"), "clicked", ("i", 0), 0))
    wait_for("mark all at the server", lambda: server.store.unread_count("alice") == 0)
    wait_for("the count to follow", lambda: shown.header() == "No unread notifications")
    assert shown.row("Mark all as read")["enabled"] is False
    assert shown.rows() == [{**MenuMirror.DEFAULTS, **p} for _i, p in host.every_row()]


def test_the_real_menu_has_both_submenus(host: Host, start_app: Callable[..., App]) -> None:
    """Read over D-Bus from the running app, as a panel reads it: the pause submenu
    and the pop-ups-by-type submenu, with their rows."""
    app = start_app()
    counted(host, 3)
    top = [p.get("label", "---") for _i, p, _c in host.tree()]
    assert top[top.index("Pause pop-ups") + 1] == "Pop-ups for…"
    assert top[-2:] == ["---", "Quit"]
    pause = host.submenu("Pause pop-ups")
    assert [p.get("label", "---") for _i, p in pause] == [
        "For 1 hour",
        "Until tomorrow 09:00",
        "Until I resume",
        "---",
        "Resume now",
    ]
    assert [p["enabled"] for _i, p in pause if "label" in p] == [True, True, True, False]
    types = host.submenu("Pop-ups for…")
    assert [(p["label"], p["toggle-type"], p["toggle-state"]) for _i, p in types] == [
        ("Payments received", "checkmark", 1),
        ("Low balance", "checkmark", 1),
        ("New org members", "checkmark", 1),
        ("Personal API keys revoked", "checkmark", 1),
        ("Org API keys revoked", "checkmark", 1),
    ]
    # a submenu's rows answer by their own ids, as a host asks when it opens one
    (props,) = host.menu("GetGroupProperties", "aias", ([i for i, _p in types], ["label"]))
    assert [p["label"][1] for _i, p in props] == [p["label"] for _i, p in types]
    submenu_id = host.row_id("Pause pop-ups")
    (need_update,) = host.menu("AboutToShow", "i", (submenu_id,))
    assert need_update is False
    _revision, (node_id, _props, children) = host.menu("GetLayout", "iias", (submenu_id, 1, []))
    assert (node_id, len(children)) == (submenu_id, 5)
    assert app.proc.poll() is None
    assert "Traceback" not in app.stderr()


def test_registers_again_when_the_tray_drops_the_item(
    host: Host, start_app: Callable[..., App]
) -> None:
    # GNOME's extension, right after the shell starts, may fail to read a new item
    # ("Argument two may not be null") and unregister it: the icon must come back
    app = start_app()
    service = host.item_service()
    counted(host, 3)
    host.drop(service)
    wait_for("the item to register again", lambda: host.registered_times() >= 2)
    assert host.items == [service]
    assert "registering it again" in app.stderr()
    # a second drop waits longer, but comes back too
    host.drop(service)
    wait_for("the item to register a third time", lambda: host.registered_times() >= 3)
    # another item's drop is none of ours
    host.bus.emit(
        "/StatusNotifierWatcher",
        "org.kde.StatusNotifierWatcher",
        "StatusNotifierItemUnregistered",
        "s",
        (f"{service}0/StatusNotifierItem",),
    )
    counted(host, 3)
    assert host.registered_times() == 3
    assert app.proc.poll() is None


def test_registers_again_when_the_tray_forgets_the_item_silently(
    bus_address: str, start_app: Callable[..., App]
) -> None:
    # a host that loses the item without a signal: RegisteredStatusNotifierItems tells
    host = Host(bus_address, lists_items=False)
    try:
        app = start_app()
        host.item_service()
        wait_for("a check and a second registration", lambda: host.registered_times() >= 2)
        assert "the tray does not list the icon" in app.stderr().lower()
    finally:
        host.close()
