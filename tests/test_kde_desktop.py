"""traynotify on KDE Plasma 5.27 (Debian 12's own: kwin_x11, kded5, plasmashell), as a
user sees it. Plasma has no way to ask what its tray menu shows, so the test reads
the screen (tests/chroot_desktop.py's Screen): the icon by its red badge, the menu's
rows and where they are by OCR, the pause tick by the pixels beside its row. Clicks
go through the pointer (xdotool).

The desktop runs in a chroot (tests/chroot_desktop.py); the first run builds it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from traynotify.devserver import ContractServer

from .chroot_desktop import Chroot, ChrootApp, Line, Menu, Screen, build, find, rgb, start_app
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


def open_with_rows(menu: Menu) -> list[Line]:
    """The menu, open, once it lists the notifications. An open menu holds its rows
    still, so rows that come in while it is open wait for it to close: a user who opened
    it before they came in closes it and opens it again."""

    def shown() -> list[Line] | None:
        lines = menu.open()
        if find(lines, "Payment received"):
            return lines
        menu.close()
        return None

    return wait_for("the menu with its notification rows", shown, timeout=240, every=2)


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
    lines = open_with_rows(menu)
    assert screen.last_box is not None
    main = screen.last_box
    pause = find(lines, "Pause pop-ups")
    assert pause is not None, [line.text for line in lines]
    assert json.loads(app.cli("count", "--format", "json").stdout)["paused"] is False

    refresh = find(lines, "Refresh now")
    assert refresh is not None

    def submenu() -> list[Line] | None:
        """The rows of the submenu beside the menu, once it is drawn."""
        image = screen.shot()
        box = beside(image, main)
        if box is None:
            # (again: Plasma fills a submenu the first time it opens, and shows it
            # once it is filled when the pointer comes back to its row; a user moves
            # off the row and back)
            menu.point(*refresh.centre)
            menu.point(*pause.centre)
            return None
        rows = screen.read(image, box)
        if find(rows, "For 1 hour") and find(rows, "Resume now"):
            screen.last_image = image
            screen.last_box = (min(box[0], main[0]), main[1], max(box[2], main[2]), main[3])
            return rows
        return None

    menu.point(pause.centre[0] - 20, pause.centre[1])
    menu.point(*pause.centre)  # resting on the row opens its submenu
    rows = wait_for(
        "the Pause pop-ups submenu and its rows",
        submenu,
        timeout=90,
        every=1,
        seen=lambda: str([line.text for line in screen.read(screen.shot(), main)]),
    )
    if os.environ.get("TRAYNOTIFY_SHOTS"):  # the README's: the rows and this submenu
        screen.save_menu(SHOTS / "kde-menu.png", below=100)
    hour = find(rows, "For 1 hour")
    assert hour is not None
    menu.point(hour.centre[0], pause.centre[1])  # across into the submenu, then down
    menu.point(*hour.centre, click="1")

    def paused() -> bool:
        done = app.cli("count", "--format", "json")
        return done.returncode == 0 and json.loads(done.stdout)["paused"] is True

    wait_for("pop-ups to be paused", paused, timeout=60, every=1)

    # the menu says so: the paused row, once the menu has closed and opened again
    def says_paused() -> list[Line] | None:
        lines = menu.open()
        menu.close()
        return lines if find(lines, "Pop-ups paused until") else None

    wait_for("the paused row in the menu", says_paused, timeout=180, every=2)
    assert "Traceback" not in app.stderr()


def beside(image: Image.Image, main: tuple[int, int, int, int]) -> tuple[int, int, int, int] | None:
    """The box of a menu drawn beside the menu at ``main`` (a submenu): the columns and
    rows left or right of it filled with a menu's flat light background."""
    left, top, right, bottom = main
    counts: dict[tuple[int, int, int], int] = {}
    for x in (*range(0, left - 1, 2), *range(right + 1, image.width, 2)):
        for y in range(top, bottom, 4):
            pixel = rgb(image, x, y)
            if min(pixel) >= 225:  # (the open menu dims a little while its submenu shows)
                counts[pixel] = counts.get(pixel, 0) + 1
    if not counts:
        return None
    bg = max(counts, key=lambda c: counts[c])
    cols = [
        x
        for x in (*range(0, left - 1), *range(right + 1, image.width))
        if sum(rgb(image, x, y) == bg for y in range(top, bottom, 2)) > 15
    ]
    if len(cols) < 60:
        return None
    rows = [y for y in range(top, bottom) if sum(rgb(image, x, y) == bg for x in cols[::2]) > 15]
    if len(rows) < 40:
        return None
    return min(cols), min(rows), max(cols) + 1, max(rows) + 1
