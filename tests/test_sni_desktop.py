"""The app as most Linux users install it (no PyGObject, no dbus-python), on a
real StatusNotifierItem host: xfce4-panel under Xvfb, driven with xdotool.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from traynotify.core.state import Status, TrayState
from traynotify.devserver import ContractServer

from .desktop import wait_for
from .test_desktop import menu_downs_to, red_pixels
from .xfce import (  # noqa: F401 - the fixtures
    SniApp,
    XfceDesktop,
    blue_pixels,
    icon,
    plain_python_fixture,
    shown,
    start_fixture,
    xfce_fixture,
)

pytestmark = pytest.mark.desktop
CONSOLE = "https://console.bytespike.ai"


def test_icon_appears_with_its_badge(
    start: Callable[[], SniApp], xfce: XfceDesktop, tmp_path: Path
) -> None:
    app = start()
    wait_for("the count", lambda: app.title() == "traynotify: 3 unread")
    shown(xfce)
    image = icon(xfce)
    w, h = image.size
    # the badge sits in the top-right corner of the bell
    assert red_pixels(image.crop((w // 2, 0, w, h // 2))) > red_pixels(
        image.crop((0, h // 2, w // 2, h))
    )
    xfce.screenshot((0, 0, 400, 60)).save(tmp_path / "panel.png")
    assert "Tray: sni, because a StatusNotifierWatcher is on the session bus." in app.stderr()


def test_menu_lists_titles_and_a_click_opens_and_marks_read(
    start: Callable[[], SniApp], xfce: XfceDesktop, server: ContractServer, tmp_path: Path
) -> None:
    app = start()
    wait_for("the count", lambda: app.title() == "traynotify: 3 unread")
    shown(xfce)
    xfce.open_menu()
    three = xfce.menu_height()
    xfce.screenshot((0, 0, 400, 400)).save(tmp_path / "menu-3.png")
    # Closed by a click on a row: Escape would close it without a word to the app
    # (xfce4-panel never says "closed"), and its rows would hold still a while longer.
    state = TrayState(
        status=Status.OK, count=3, items=tuple(server.store.query("alice", unread=True))
    )
    xfce.key(*["Down"] * menu_downs_to("Refresh now", state), "Return")
    wait_for("the menu to close", lambda: xfce.menu_height() == 0, timeout=10)
    server.store.add("alice", "admin.org.member.add", "Ana joined", "Ana was added.", None)
    wait_for("the count", lambda: app.title() == "traynotify: 4 unread")
    labels = app.client.labels()
    assert labels[1].startswith("Ana joined · ")
    assert labels[2].startswith("Payment received · $25.00 · ")
    assert labels[3].startswith("Balance low · ")
    assert labels[4].startswith("Mei joined · ")
    assert labels[5] == "Mark all as read"  # the read ones are not listed
    xfce.open_menu()
    assert xfce.menu_height() > three  # one more row drawn
    xfce.key("Down", "Down", "Return")  # the header is not selectable: 2nd Down = 2nd newest
    assert wait_for("the browser stub", app.opened) == [f"{CONSOLE}/billing"]
    wait_for("mark-read on the server", lambda: server.store.unread_count("alice") == 3)
    assert [r.path for r in server.requests("/mark-read")] == [
        "/api/v1/me/notifications/5001/mark-read"
    ]
    wait_for("the title to drop", lambda: app.title() == "traynotify: 3 unread")


def test_mark_all_as_read_then_quit(
    start: Callable[[], SniApp], xfce: XfceDesktop, server: ContractServer
) -> None:
    app = start()
    wait_for("the count", lambda: app.title() == "traynotify: 3 unread")
    shown(xfce)
    state = TrayState(
        status=Status.OK, count=3, items=tuple(server.store.query("alice", unread=True))
    )
    xfce.open_menu()
    xfce.key(*["Down"] * menu_downs_to("Mark all as read", state), "Return")
    wait_for("the server count to reach 0", lambda: server.store.unread_count("alice") == 0)
    wait_for("the red badge to go", lambda: red_pixels(icon(xfce)) == 0)
    assert blue_pixels(icon(xfce)) > 20  # the bell stays
    assert len(server.requests("/mark-all-read")) == 1
    xfce.open_menu()
    xfce.key("Up", "Return")  # Quit is the last entry
    assert app.proc.wait(timeout=10) == 0
    assert "Traceback" not in app.stderr()
    wait_for("the icon to leave", lambda: blue_pixels(icon(xfce)) == 0)


def test_icon_comes_back_after_a_panel_restart(
    start: Callable[[], SniApp], xfce: XfceDesktop
) -> None:
    app = start()
    shown(xfce)
    xfce.stop_panel()
    xfce.start_panel()
    shown(xfce)
    assert "A tray (StatusNotifierWatcher) appeared" in app.stderr()
    assert app.proc.poll() is None


def test_app_started_before_the_panel_appears_with_it(
    start: Callable[[], SniApp], xfce: XfceDesktop
) -> None:
    xfce.stop_panel()
    app = start()
    wait_for(
        "the app to wait for a tray",
        lambda: "the icon appears when one starts" in app.stderr(),
    )
    assert "Tray: sni, because no tray is running yet" in app.stderr()
    xfce.start_panel()
    shown(xfce)
    wait_for("the count", lambda: app.title() == "traynotify: 3 unread")


def test_doctor_on_this_desktop(xfce: XfceDesktop, plain_python: Path) -> None:
    env = xfce.env
    env.pop("PYSTRAY_BACKEND", None)
    env["BYTESPIKE_API_KEY"] = "test-key-doctor"
    result = subprocess.run(
        [str(plain_python), "-m", "traynotify", "doctor"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = result.stdout.splitlines()
    assert lines[0].split()[:4] == ["Tray:", "ok", "StatusNotifierItem", "over"]
    assert "a StatusNotifierWatcher is on the session bus" in lines[0]
    popups = next(line for line in lines if line.startswith("Pop-ups:"))
    assert "dunst 1.9" in popups
    assert "clickable: opens and marks read" in popups
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
