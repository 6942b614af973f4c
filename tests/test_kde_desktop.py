"""traynotify on KDE Plasma 5.27 (Debian 12's own: kwin_x11, kded5, plasmashell), as a
user sees it. Plasma has no way to ask what its tray menu shows, so the test reads
the screen: the icon by its red badge, the menu's rows and where they are by OCR
(tesseract, in the chroot), the pause tick by the pixels beside its row. Clicks go
through the pointer (xdotool).

The desktop runs in a chroot (tests/chroot_desktop.py); the first run builds it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest
from PIL import Image, ImageChops

from traynotify.devserver import ContractServer

from .chroot_desktop import OUT, Chroot, ChrootApp, build, start_app
from .conftest import KEY
from .desktop import wait_for

pytestmark = pytest.mark.desktop

SHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
"""Set TRAYNOTIFY_SHOTS=1 to refresh the README's screenshot from this test."""
PANEL_TOP = 740
"""The default panel runs along the bottom of the 1280x800 screen, below this line."""


@dataclass(frozen=True)
class Line:
    """One line of text on the screen and its box."""

    text: str
    left: int
    top: int
    right: int
    bottom: int

    @property
    def centre(self) -> tuple[int, int]:
        return (self.left + self.right) // 2, (self.top + self.bottom) // 2


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
        self.shots = 0
        self.last_shot: Path | None = None
        """The screen the last :meth:`lines` read."""
        self.last_box: tuple[int, int, int, int] | None = None
        """Where :meth:`menu_box` last found a menu."""

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

    def screenshot(self) -> Image.Image:
        self.shots += 1
        path = self.desk.screenshot(self.desk.out / f"screen-{self.shots}.png")
        with Image.open(path) as image:
            return image.convert("RGB")

    def badge(self) -> tuple[int, int] | None:
        """Where the icon's red badge is in the panel (its centre), if it shows."""
        image = self.screenshot()
        reds = [
            (x, y)
            for y in range(PANEL_TOP, image.height)
            for x in range(image.width // 2, image.width)
            if _is_badge_red(rgb(image, x, y))
        ]
        if len(reds) < 6:
            return None
        xs, ys = [p[0] for p in reds], [p[1] for p in reds]
        return (min(xs) + max(xs)) // 2, (min(ys) + max(ys)) // 2

    def menu_box(self) -> tuple[int, int, int, int] | None:
        """Where a menu is open: the box of the light colour that fills most rows of one
        (Breeze draws menus on one flat colour; the wallpaper has no such runs)."""
        image = self.screenshot()
        counts: dict[tuple[int, int, int], int] = {}
        for y in range(0, PANEL_TOP, 4):
            for x in range(0, image.width, 4):
                pixel = rgb(image, x, y)
                if min(pixel) >= 225:
                    counts[pixel] = counts.get(pixel, 0) + 1
        if not counts:
            return None
        bg = max(counts, key=lambda c: counts[c])
        rows = [
            y
            for y in range(image.height)
            if sum(rgb(image, x, y) == bg for x in range(0, image.width, 2)) > 50
        ]
        cols = [
            x
            for x in range(image.width)
            if sum(rgb(image, x, y) == bg for y in range(0, image.height, 2)) > 50
        ]
        if len(rows) < 100 or len(cols) < 100:
            return None
        self.last_box = min(cols), min(rows), max(cols) + 1, max(rows) + 1
        return self.last_box

    def lines(self, region: tuple[int, int, int, int]) -> list[Line]:
        """The text in ``region`` (left, top, right, bottom) of the screen, line by line,
        read by tesseract at twice the size."""
        self.shots += 1
        name = f"menu-{self.shots}"
        left, top, right, bottom = region
        done = self.desk.run(
            "sh",
            "-c",
            f"import -window root {OUT}/{name}.png && convert {OUT}/{name}.png -crop "
            f"{right - left}x{bottom - top}+{left}+{top} -resize 200% {OUT}/{name}-2x.png && "
            f"tesseract {OUT}/{name}-2x.png - --psm 4 tsv 2>/dev/null",
            timeout=120,
        )
        self.last_shot = self.desk.out / f"{name}.png"
        words: dict[tuple[str, str, str], list[tuple[str, int, int, int, int]]] = {}
        for row in done.stdout.splitlines()[1:]:
            cells = row.split("\t")
            if len(cells) < 12 or not cells[11].strip() or float(cells[10]) < 30:
                continue
            x, y, width, height = (int(c) // 2 for c in cells[6:10])
            words.setdefault((cells[2], cells[3], cells[4]), []).append(
                (cells[11], left + x, top + y, left + x + width, top + y + height)
            )
        return [
            Line(
                " ".join(w[0] for w in ws),
                min(w[1] for w in ws),
                min(w[2] for w in ws),
                max(w[3] for w in ws),
                max(w[4] for w in ws),
            )
            for ws in words.values()
        ]

    def menu_calls(self) -> int:
        return self.desk.log("menu-calls").count("member=GetLayout")


def rgb(image: Image.Image, x: int, y: int) -> tuple[int, int, int]:
    return cast("tuple[int, int, int]", image.getpixel((x, y)))


def _is_badge_red(pixel: tuple[int, int, int]) -> bool:
    r, g, b = pixel
    return r > 190 and g < 90 and b < 90


def find(lines: list[Line], start: str) -> Line | None:
    return next((line for line in lines if line.text.startswith(start)), None)


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


class Menu:
    """The tray menu as Plasma draws it, opened with a right click on the icon."""

    def __init__(self, plasma: Plasma, icon: tuple[int, int]) -> None:
        self.plasma = plasma
        self.icon = icon

    def open(self) -> list[Line]:
        x, y = self.icon
        self.plasma.desk.xdotool("mousemove", "600", "300", "sleep", "0.3")
        self.plasma.desk.xdotool("mousemove", str(x), str(y), "sleep", "0.3", "click", "3")

        def shown() -> list[Line] | None:
            box = self.plasma.menu_box()
            if box is None:
                return None
            lines = self.plasma.lines(box)
            return lines if find(lines, "Quit") and find(lines, "Refresh now") else None

        return wait_for("the menu", shown, timeout=60, every=1)

    def close(self) -> None:
        self.plasma.desk.xdotool("key", "Escape")
        time.sleep(1)

    def header(self, lines: list[Line]) -> str:
        """The first row: the line right above the newest notification's, or the topmost
        line of the menu (the rows above "Quit" and "Refresh now", in one column)."""
        refresh = find(lines, "Refresh now")
        assert refresh is not None
        column = [
            line for line in lines if abs(line.left - refresh.left) < 12 and line.top < refresh.top
        ]
        return min(column, key=lambda line: line.top).text

    def click(self, label_start: str) -> None:
        lines = self.open()
        row = find(lines, label_start)
        assert row is not None, [line.text for line in lines]
        x, y = row.centre
        self.plasma.desk.xdotool("mousemove", str(x), str(y), "sleep", "0.3", "click", "1")
        time.sleep(1)

    def tick_area(self, lines: list[Line], label_start: str) -> Image.Image:
        """The pixels left of a row's label, where Plasma draws its check box."""
        row = find(lines, label_start)
        assert row is not None
        assert self.plasma.last_shot is not None
        with Image.open(self.plasma.last_shot) as image:
            return image.convert("RGB").crop(
                (row.left - 40, row.top - 4, row.left - 2, row.bottom + 4)
            )


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
    icon = wait_for("the icon's badge in the panel", plasma.badge, timeout=60, every=1)
    icon = (icon[0] - 5, icon[1] + 5)  # the badge sits on the icon's top right
    menu = Menu(plasma, icon)
    lines = menu.open()
    if os.environ.get("TRAYNOTIFY_SHOTS"):
        crop_menu(plasma, lines, SHOTS / "kde-menu.png")
    assert menu.header(lines) == "3 unread notifications", [line.text for line in lines]
    unticked = menu.tick_area(lines, "Pause pop-ups")
    menu.close()
    menu.click("Pause pop-ups")
    lines = menu.open()
    ticked = menu.tick_area(lines, "Pause pop-ups")
    assert ImageChops.difference(unticked, ticked).getbbox() is not None, "no tick shows"
    menu.close()
    # "Mark all as read" was disabled when Plasma first read the menu: it must work now
    menu.click("Mark all as read")
    wait_for("mark all at the server", lambda: server.store.unread_count("alice") == 0)

    def header_now() -> str:
        header = menu.header(menu.open())
        menu.close()
        return header

    wait_for(
        "the count to follow Mark all",
        lambda: header_now() == "No unread notifications",
        timeout=60,
    )
    server.store.add("alice", "billing.payment.success", "Paid again", "b", "/billing")
    wait_for("the badge again", plasma.badge, timeout=60, every=1)
    lines = menu.open()
    assert menu.header(lines) == "1 unread notification", [line.text for line in lines]
    menu.close()
    menu.click("Paid again")
    wait_for("the link to open", lambda: app.opened() == ["https://console.bytespike.ai/billing"])
    wait_for("it to be marked read", lambda: server.store.unread_count("alice") == 0)
    assert "Traceback" not in app.stderr()


def crop_menu(plasma: Plasma, lines: list[Line], to: Path) -> None:
    """The menu and the panel corner under it, small enough for the README."""
    assert plasma.last_shot is not None
    assert plasma.last_box is not None
    left, top, _right, _bottom = plasma.last_box
    with Image.open(plasma.last_shot) as image:
        box = (max(0, left - 4), max(0, top - 30), image.width, image.height)
        to.parent.mkdir(parents=True, exist_ok=True)
        image.crop(box).convert("P", palette=Image.Palette.ADAPTIVE, colors=128).save(
            to, optimize=True
        )
