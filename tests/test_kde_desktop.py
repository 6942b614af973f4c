"""traynotify on KDE Plasma 5.27 (Debian 12's own: kwin_x11, kded5, plasmashell), as a
user sees it. Plasma has no way to ask what its tray menu shows, so the test reads
the screen (tests/chroot_desktop.py's Screen): the icon by its red badge, the menu's
rows and where they are by OCR, the pause tick by the pixels beside its row. Clicks
go through the pointer (xdotool).

The desktop runs in a chroot (tests/chroot_desktop.py); the first run builds it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from traynotify.devserver import ContractServer

from .chroot_desktop import (
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

SHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
"""Set TRAYNOTIFY_SHOTS=1 to refresh the README's screenshot from this test."""
PANEL = (740, 800)
"""The default panel runs along the bottom of the 1280x800 screen."""


class Plasma:
    def __init__(self, desk: Chroot) -> None:
        self.desk = desk
        self.env = {
            "XDG_CURRENT_DESKTOP": "KDE",
            "KDE_FULL_SESSION": "true",
            "KDE_SESSION_VERSION": "5",
            "DESKTOP_SESSION": "plasma",
            "QT_QPA_PLATFORM": "xcb",
        }
        self.screen = Screen(desk, PANEL)

    def start(self) -> None:
        self.desk.start_x()
        self.desk.start_session_bus()
        self.desk.spawn("kwin", "kwin_x11", env=self.env)
        self.desk.spawn("kded5", "kded5", env=self.env)
        wait_for(
            "kded5's StatusNotifierWatcher",
            lambda: "org.kde.StatusNotifierWatcher" in self.desk.bus_names(),
            timeout=60,
        )
        self.desk.spawn("plasmashell", "plasmashell", "--no-respawn", env=self.env)

        def ready() -> bool:
            names = self.desk.bus_names()
            return "org.freedesktop.Notifications" in names and any(
                n.startswith("org.kde.StatusNotifierHost-") for n in names
            )

        wait_for(
            "plasmashell's tray and notifications",
            ready,
            timeout=120,
            every=0.5,
            seen=lambda: self.desk.log("plasmashell")[-1500:],
        )
        time.sleep(3)  # the panel's first paint
        self.desk.spawn(
            "menu-calls",
            "dbus-monitor",
            "--session",
            "type='method_call',interface='com.canonical.dbusmenu'",
            env=self.env,
        )

    def menu_calls(self) -> int:
        return self.desk.log("menu-calls").count("member=GetLayout")


@pytest.fixture(scope="module")
def plasma() -> Iterator[Plasma]:
    desk = Chroot(build("kde"))
    try:
        desk.open()
        shell = Plasma(desk)
        shell.start()
        yield shell
    finally:
        desk.close()


@pytest.fixture
def apps(plasma: Plasma) -> Iterator[list[ChrootApp]]:
    started: list[ChrootApp] = []
    yield started
    for app in started:
        if app.running():
            app.stop()


def test_the_menu_plasma_shows_follows_the_app(
    plasma: Plasma, server: ContractServer, apps: list[ChrootApp]
) -> None:
    first = server.hold("")  # the first request waits: the menu says "Connecting…"
    calls = plasma.menu_calls()
    app = start_app(plasma.desk, f"app-{time.monotonic_ns()}", server.url, KEY)
    apps.append(app)
    first.wait(60)
    # Plasma reads the menu when the icon appears: while "Mark all" is still disabled
    wait_for("Plasma to read the menu", lambda: plasma.menu_calls() > calls, timeout=60)
    time.sleep(1)
    first.release()
    screen = plasma.screen
    badge = wait_for("the icon's badge in the panel", screen.badge, timeout=60, every=1)
    menu = Menu(screen, (badge[0] - 5, badge[1] + 5))  # the badge is on the icon's top right
    lines = menu.open()  # a right click on Plasma
    assert menu.header(lines) == "3 unread notifications", [line.text for line in lines]
    texts = [line.text for line in lines]
    # the pause and mute controls are submenus now: their rows are drawn
    assert any(t.startswith("Pause pop-ups") for t in texts), texts
    assert any(t.startswith("Pop-ups for") for t in texts), texts
    menu.close()
    # "Mark all as read" was disabled when Plasma first read the menu: it must work now
    menu.click("Mark all as read")
    wait_for("mark all at the server", lambda: server.store.unread_count("alice") == 0)
    wait_for(
        "the count to follow Mark all",
        lambda: menu.header_now() == "No unread notifications",
        timeout=60,
    )
    server.store.add("alice", "system.payment.received", "Paid again", "b", "/billing")
    wait_for("the badge again", screen.badge, timeout=60, every=1)
    lines = menu.open()
    assert menu.header(lines) == "1 unread notification", [line.text for line in lines]
    menu.close()
    menu.click("Paid again")
    wait_for("the link to open", lambda: app.opened() == ["https://console.bytespike.ai/billing"])
    wait_for("it to be marked read", lambda: server.store.unread_count("alice") == 0)
    assert "Traceback" not in app.stderr()


def test_the_pause_submenu_opens_and_pauses(
    plasma: Plasma, server: ContractServer, apps: list[ChrootApp]
) -> None:
    """Pause pop-ups ▸ as Plasma draws it (a cascading menu): its rows are there, and a
    click on "For 1 hour" pauses pop-ups."""
    app = start_app(plasma.desk, f"app-{time.monotonic_ns()}", server.url, KEY)
    apps.append(app)
    screen = plasma.screen
    badge = wait_for("the icon's badge in the panel", screen.badge, timeout=60, every=1)
    menu = Menu(screen, (badge[0] - 5, badge[1] + 5))

    def shot() -> None:  # the README's: the rows and this submenu
        if os.environ.get("TRAYNOTIFY_SHOTS"):
            screen.save_menu(SHOTS / "kde-menu.png", below=100)

    pause_from_the_submenu(app, menu, shot)
