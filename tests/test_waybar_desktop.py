"""traynotify in waybar's tray (Debian 12's own: waybar 0.9.17 on headless sway 1.7),
whose menu is libdbusmenu-gtk's. The screen is read as on Plasma (tests/chroot_desktop.py's
Screen, with grim for screenshots); headless sway has no pointer, so wayvnc lends one
and the test speaks just enough of the VNC protocol to move and click it.

sway refuses to run as root: the session runs as the chroot's user. The desktop runs
in a chroot; the first run builds it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from traynotify.devserver import ContractServer

from .chroot_desktop import (
    OUT,
    Chroot,
    ChrootApp,
    Menu,
    Screen,
    build,
    pause_from_the_submenu,
    start_app,
)
from .conftest import KEY
from .desktop import wait_for

pytestmark = pytest.mark.desktop

BAR = (0, 30)
BUTTONS = {"1": 1, "2": 2, "3": 4}
"""xdotool's button numbers to VNC's button mask."""


class Vnc:
    """A VNC client that only points and clicks (RFB 3.8, no authentication)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        assert self._recv(12).startswith(b"RFB 003.")
        self.sock.sendall(b"RFB 003.008\n")
        (count,) = self._recv(1)
        assert count, "the VNC server refused the connection"
        assert 1 in self._recv(count), "the VNC server wants a password"
        self.sock.sendall(b"\x01")
        assert struct.unpack(">I", self._recv(4)) == (0,)
        self.sock.sendall(b"\x01")  # shared
        self._recv(4 + 16)  # size and pixel format
        (name_length,) = struct.unpack(">I", self._recv(4))
        self._recv(name_length)

    def _recv(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("the VNC server hung up")
            data += chunk
        return data

    def point(self, x: int, y: int, mask: int = 0) -> None:
        self.sock.sendall(struct.pack(">BBHH", 5, mask, x, y))

    def close(self) -> None:
        self.sock.close()


class WaybarDesk(Chroot):
    """The chroot's session on headless sway, the pointer through VNC."""

    vnc: Vnc | None = None

    def pointer(self, x: int, y: int, click: str | None = None) -> None:
        assert self.vnc is not None
        self.vnc.point(x, y)
        time.sleep(0.3)
        if click:
            self.vnc.point(x, y, BUTTONS[click])
            time.sleep(0.1)
            self.vnc.point(x, y)

    def close_menu(self) -> None:
        # a click beside the menu (an Escape left the next right click unanswered)
        self.pointer(300, 600, click="1")


class Waybar:
    def __init__(self, desk: WaybarDesk) -> None:
        self.desk = desk
        self.screen = Screen(desk, BAR)
        self.port = 0

    def start(self) -> None:
        desk = self.desk
        desk.env.pop("DISPLAY")
        desk.env["XDG_CURRENT_DESKTOP"] = "sway"
        desk.shot_command = ["grim"]
        desk.start_session_bus()
        config = {
            "layer": "top",
            "position": "top",
            "height": BAR[1],
            "modules-left": ["clock"],
            "modules-right": ["tray"],
            "tray": {"icon-size": 24, "spacing": 8, "show-passive-items": True},
        }
        (desk.out / "waybar.json").write_text(json.dumps(config), encoding="utf-8")
        (desk.out / "waybar.css").write_text(
            "* { font-family: DejaVu Sans; font-size: 13px; }"
            " window#waybar { background: #222; color: #fff; }",
            encoding="utf-8",
        )
        (desk.out / "sway.config").write_text(
            "output * bg #335577 solid_color\n"
            "output HEADLESS-1 resolution 1280x800\n"
            "default_border none\n"
            f"exec waybar -c {OUT}/waybar.json -s {OUT}/waybar.css > {OUT}/waybar.log 2>&1\n",
            encoding="utf-8",
        )
        desk.spawn(
            "sway",
            "sway",
            "-c",
            f"{OUT}/sway.config",
            env={
                "WLR_BACKENDS": "headless",
                "WLR_RENDERER": "pixman",
                "WLR_LIBINPUT_NO_DEVICES": "1",
            },
        )
        socket_path = wait_for(
            "sway's Wayland socket",
            lambda: next((desk.out / "xdg").glob("wayland-?"), None),
            timeout=60,
            seen=lambda: desk.log("sway")[-1500:],
        )
        desk.env["WAYLAND_DISPLAY"] = socket_path.name
        xdg = desk.out / "xdg"
        ipc = wait_for("sway's IPC socket", lambda: next(xdg.glob("sway-ipc.*"), None))
        desk.env["SWAYSOCK"] = f"{OUT}/xdg/{ipc.name}"
        wait_for(
            "waybar's StatusNotifierWatcher",
            lambda: "org.kde.StatusNotifierWatcher" in desk.bus_names(),
            timeout=60,
            seen=lambda: desk.log("waybar")[-1500:],
        )
        self.port = free_port()
        desk.spawn("wayvnc", "wayvnc", "-o", "HEADLESS-1", "127.0.0.1", str(self.port))

        def connected() -> Vnc | None:
            try:
                return Vnc(self.port)
            except OSError:
                return None

        desk.vnc = wait_for("wayvnc", connected, timeout=30, every=0.5)
        time.sleep(1)  # the bar's first paint

    def bar_pid(self) -> int:
        """The running bar's pid (0 while there is none)."""
        return next((pid for pid in self.desk.session_pids() if _comm(pid) == "waybar"), 0)

    def registered(self) -> str:
        """The watcher's RegisteredStatusNotifierItems, as busctl prints it."""
        return self.desk.run(
            "busctl",
            "--user",
            "get-property",
            "org.kde.StatusNotifierWatcher",
            "/StatusNotifierWatcher",
            "org.kde.StatusNotifierWatcher",
            "RegisteredStatusNotifierItems",
        ).stdout


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def waybar() -> Iterator[Waybar]:
    desk = WaybarDesk(build("waybar"))
    try:
        desk.open()
        bar = Waybar(desk)
        bar.start()
        yield bar
    finally:
        if desk.vnc is not None:
            desk.vnc.close()
        desk.close()


@pytest.fixture
def apps(waybar: Waybar) -> Iterator[list[ChrootApp]]:
    started: list[ChrootApp] = []
    yield started
    for app in started:
        if app.running():
            app.stop()


def test_the_menu_waybar_shows_follows_the_app(
    waybar: Waybar, server: ContractServer, apps: list[ChrootApp]
) -> None:
    app = start_app(waybar.desk, f"app-{time.monotonic_ns()}", server.url, KEY)
    apps.append(app)
    screen = waybar.screen
    badge = wait_for("the icon's badge in the bar", screen.badge, timeout=60, every=1)
    menu = Menu(screen, (badge[0] - 5, badge[1] + 5))
    lines = menu.open()  # a right click
    assert menu.header(lines) == "3 unread notifications", [line.text for line in lines]
    texts = [line.text for line in lines]
    # the pause and mute controls are submenus now: their rows are drawn
    assert any(t.startswith("Pause pop-ups") for t in texts), texts
    assert any(t.startswith("Pop-ups for") for t in texts), texts
    menu.close()
    menu.click("Mark all as read")
    wait_for("mark all at the server", lambda: server.store.unread_count("alice") == 0)
    wait_for(
        "the count to follow Mark all",
        lambda: menu.header_now() == "No unread notifications",
        timeout=60,
    )
    server.store.add("alice", "system.payment.received", "Paid again", "b", "/billing")
    wait_for("the badge again", screen.badge, timeout=60, every=1)
    # libdbusmenu-gtk never says the menu closed, so a row that arrived while it was
    # opened lately waits (README, "the menu"): a click on a row lets it in at once
    menu.click("Refresh now")
    menu.click("Paid again")
    wait_for("the link to open", lambda: app.opened() == ["https://console.bytespike.ai/billing"])
    wait_for("it to be marked read", lambda: server.store.unread_count("alice") == 0)
    assert "Traceback" not in app.stderr()


def test_the_app_registers_with_a_restarted_waybar(
    waybar: Waybar, server: ContractServer, apps: list[ChrootApp]
) -> None:
    """waybar's watcher forgets its items when waybar restarts (waybar #359): the app
    registers with the new one. (waybar 0.9.17 itself then often draws no tray at all
    after a restart, whatever is registered: waybar #3390, fixed in later releases;
    so this checks the new watcher's list, not the screen.)"""
    app = start_app(waybar.desk, f"app-{time.monotonic_ns()}", server.url, KEY)
    apps.append(app)
    wait_for("the icon's badge in the bar", waybar.screen.badge, timeout=60, every=1)
    old = waybar.bar_pid()
    os.kill(old, signal.SIGTERM)  # the bar this session started, by its pid
    wait_for("the bar to go", lambda: not Path(f"/proc/{old}").exists())
    done = waybar.desk.run("swaymsg", f"exec waybar -c {OUT}/waybar.json -s {OUT}/waybar.css")
    assert done.returncode == 0, done.stderr
    wait_for("a new bar", lambda: waybar.bar_pid() not in (0, old))
    wait_for(
        "the new watcher to list the item",
        lambda: app.service in waybar.registered(),
        timeout=60,
        seen=waybar.registered,
    )
    assert "A tray (StatusNotifierWatcher) appeared" in app.stderr()
    assert app.running()


def test_the_pause_submenu_opens_and_pauses(
    waybar: Waybar, server: ContractServer, apps: list[ChrootApp]
) -> None:
    """Pause pop-ups ▸ in waybar's menu (libdbusmenu-gtk's, a cascading GTK menu): its
    rows are drawn, and a click on "For 1 hour" pauses pop-ups."""
    app = start_app(waybar.desk, f"app-{time.monotonic_ns()}", server.url, KEY)
    apps.append(app)
    screen = waybar.screen
    badge = wait_for("the icon's badge in the bar", screen.badge, timeout=60, every=1)
    menu = Menu(screen, (badge[0] - 5, badge[1] + 5))
    pause_from_the_submenu(app, menu)
