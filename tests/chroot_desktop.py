"""A real Linux desktop (GNOME Shell, KDE Plasma) in a Debian 12 chroot, on Xvfb.

The chroot is built once by ``.ci/desktops/build-chroot`` and kept outside the
clone (see that script); here it is mounted, a session is started in it as the
user ``desk``, and torn down again: every process of that session is stopped and
every mount undone. The app runs inside the chroot too, from this clone's
virtualenv (bind-mounted at the same path), against the contract server on the
host's loopback. Without root or debootstrap the tests skip, which conftest
turns into a failure under CI=true.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest
from PIL import Image

from .desktop import wait_for

REPO = Path(__file__).resolve().parent.parent
BUILD = REPO / ".ci" / "desktops" / "build-chroot"
GUARD = REPO / "tests" / "no_gtk_run.py"
USER = "desk"
UID = 4242
HOME = "/home/desk"
OUT = "/desk"
"""The session's files inside the chroot (logs, pid files, screenshots)."""
SCALE = 3
"""Menus are read by OCR at this many times their size (small grey text reads better)."""


def build(name: str) -> Path:
    """The chroot of desktop ``name`` (built now if the cache has none)."""
    if os.geteuid() != 0:
        pytest.skip("the desktop chroots need root (debootstrap, chroot, mount)")
    if shutil.which("debootstrap") is None:
        pytest.skip("debootstrap is missing (apt package debootstrap)")
    if not sys.executable.startswith(str(REPO)):
        pytest.skip(f"run the tests from this clone's virtualenv, not {sys.executable}")
    done = subprocess.run(
        [str(BUILD), name], capture_output=True, text=True, timeout=1800, check=False
    )
    if done.returncode != 0:
        pytest.fail(f"building the {name} chroot failed:\n{done.stderr[-3000:]}")
    return Path(done.stdout.strip().splitlines()[-1])


def free_display() -> int:
    """An X display number no server here (in a chroot or not) listens on."""
    used = Path("/proc/net/unix").read_text(errors="replace")
    while True:
        n = random.randrange(300, 900)
        if f"/tmp/.X11-unix/X{n}\n" not in used and f"/tmp/.X{n}-lock" not in used:
            return n


class Chroot:
    """One mounted chroot with a desktop session in it, as the user ``desk``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.display = free_display()
        self.env: dict[str, str] = {
            "HOME": HOME,
            "USER": USER,
            "LOGNAME": USER,
            "PATH": "/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "XDG_RUNTIME_DIR": f"{OUT}/xdg",
            "DISPLAY": f":{self.display}",
            "NO_AT_BRIDGE": "1",
            "XDG_SESSION_TYPE": "x11",
        }
        self.shot_command = ["import", "-window", "root"]
        """How to take a screenshot (an X display's; grim on Wayland)."""
        self._mounts: list[Path] = []
        self._children: list[subprocess.Popen[bytes]] = []
        self._system_bus: int | None = None
        self.out = root / OUT.lstrip("/")

    # -- set-up and tear-down ----------------------------------------------------------
    def open(self) -> None:
        binds = [
            ("proc", ["-t", "proc", "proc"]),
            ("sys", ["-t", "sysfs", "sys"]),
            ("dev", ["--bind", "/dev"]),
            ("dev/pts", ["--bind", "/dev/pts"]),
            # a shared-memory folder of the session's own (Wayland compositors need one)
            ("dev/shm", ["-t", "tmpfs", "-o", "mode=1777,size=256m", "shm"]),
            (str(REPO).lstrip("/"), ["--bind", str(REPO)]),
        ]
        # the virtualenv's own Python, where it is not the system's (pyenv, a build)
        base = Path(sys.base_prefix)
        if base != Path("/usr"):
            binds.append((str(base).lstrip("/"), ["--bind", str(base)]))
        for sub, how in binds:
            target = self.root / sub
            target.mkdir(parents=True, exist_ok=True)
            for parent in target.relative_to(self.root).parents:  # the user walks to it
                folder = self.root / parent
                folder.chmod(folder.stat().st_mode | 0o111)
            subprocess.run(["mount", *how, str(target)], check=True, timeout=30)
            self._mounts.append(target)
        shutil.rmtree(self.out, ignore_errors=True)
        (self.out / "xdg").mkdir(parents=True)
        (self.root / "tmp" / ".X11-unix").mkdir(parents=True, exist_ok=True)
        (self.root / "tmp" / ".X11-unix").chmod(0o1777)
        (self.root / "tmp").chmod(0o1777)
        for path in (self.out, self.out / "xdg"):
            os.chown(path, UID, UID)
        (self.out / "xdg").chmod(0o700)
        home = self.root / HOME.lstrip("/")
        shutil.rmtree(home, ignore_errors=True)  # a fresh user: no settings of a past run
        home.mkdir(parents=True)
        os.chown(home, UID, UID)
        run_dbus = self.root / "run" / "dbus"
        run_dbus.mkdir(parents=True, exist_ok=True)
        for stale in ("system_bus_socket", "pid"):
            with contextlib.suppress(FileNotFoundError):
                (run_dbus / stale).unlink()
        started = subprocess.run(
            ["chroot", str(self.root), "dbus-daemon", "--system", "--fork", "--print-pid"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        self._system_bus = int(started.stdout.split()[0])

    def close(self) -> None:
        self.stop_session()
        if self._system_bus is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._system_bus, signal.SIGTERM)
            self._system_bus = None
        time.sleep(0.5)
        for target in reversed(self._mounts):
            if subprocess.run(["umount", str(target)], check=False, timeout=30).returncode:
                subprocess.run(["umount", "-l", str(target)], check=False, timeout=30)
        self._mounts.clear()
        for child in self._children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(10)

    def session_pids(self) -> list[int]:
        """Every process of the session user running in this chroot."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if entry.stat().st_uid != UID:
                    continue
                if os.readlink(entry / "root") != str(self.root):
                    continue
            except OSError:
                continue
            pids.append(int(entry.name))
        return pids

    def stop_session(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            pids = self.session_pids()
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
            deadline = time.monotonic() + 5
            while self.session_pids() and time.monotonic() < deadline:
                time.sleep(0.1)
            if not self.session_pids():
                return

    # -- running things in the session ---------------------------------------------------
    def command(self, args: Sequence[str], env: dict[str, str] | None = None) -> list[str]:
        values = {**self.env, **(env or {})}
        return [
            "chroot",
            str(self.root),
            "runuser",
            "-u",
            USER,
            "--",
            "env",
            "-i",
            *(f"{k}={v}" for k, v in values.items()),
            *args,
        ]

    def run(
        self, *args: str, env: dict[str, str] | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(args, env), capture_output=True, text=True, timeout=timeout, check=False
        )

    def spawn(self, name: str, *args: str, env: dict[str, str] | None = None) -> int:
        """Start ``args`` in the background, output to ``name``.log; its pid."""
        pid_file = self.out / f"{name}.pid"
        with contextlib.suppress(FileNotFoundError):
            pid_file.unlink()
        line = f"echo $$ > {OUT}/{name}.pid; exec {shlex.join(args)} > {OUT}/{name}.log 2>&1"
        child = subprocess.Popen(  # runuser waits for it; the session's stop ends both
            self.command(["sh", "-c", line], env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._children.append(child)
        text = wait_for(f"{name} to start", lambda: _read(pid_file))
        return int(text)

    def log(self, name: str) -> str:
        return _read(self.out / f"{name}.log") or ""

    def start_x(self) -> None:
        self.spawn(
            "xvfb",
            "Xvfb",
            self.env["DISPLAY"],
            "-screen",
            "0",
            "1280x800x24",
            "+extension",
            "GLX",
            "-nolisten",
            "tcp",
        )
        wait_for("the X display", lambda: self.run("xdpyinfo", timeout=20).returncode == 0)

    def start_session_bus(self) -> None:
        done = self.run("dbus-daemon", "--session", "--fork", "--print-address=1")
        assert done.returncode == 0, done.stderr
        self.env["DBUS_SESSION_BUS_ADDRESS"] = done.stdout.split()[0]

    def bus_names(self) -> list[str]:
        done = self.run("busctl", "--user", "list", "--no-pager", "--no-legend")
        return [line.split()[0] for line in done.stdout.splitlines() if line.strip()]

    def screenshot(self, path: Path) -> Path:
        """The whole screen, as the user sees it, to ``path`` on the host."""
        name = f"shot-{time.monotonic_ns()}.png"
        # grim fails until the compositor has drawn a first frame
        wait_for(
            "a screenshot",
            lambda: self.run(*self.shot_command, f"{OUT}/{name}").returncode == 0,
            timeout=30,
            every=0.5,
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(self.out / name, path)
        return path

    def xdotool(self, *args: str) -> None:
        done = self.run("xdotool", *args)
        assert done.returncode == 0, done.stderr

    def pointer(self, x: int, y: int, click: str | None = None) -> None:
        """Move the pointer to (x, y) and click ``click`` (1 left, 2 middle, 3 right)."""
        self.xdotool(
            "mousemove", str(x), str(y), "sleep", "0.3", *(("click", click) if click else ())
        )

    def close_menu(self) -> None:
        self.xdotool("key", "Escape")

    def browser(self, name: str) -> tuple[str, Path]:
        """A BROWSER for the app ``name`` that logs what it was asked to open."""
        script = self.out / f"{name}-browser.sh"
        log = self.out / f"{name}-browser.log"
        script.write_text(f'#!/bin/sh\necho "$1" >> {OUT}/{log.name}\n', encoding="utf-8")
        script.chmod(0o755)
        log.touch()
        os.chown(log, UID, UID)
        return f"{OUT}/{script.name}", log


class ChrootApp:
    """traynotify running in the chroot's session."""

    def __init__(
        self,
        desk: Chroot,
        name: str,
        pid: int,
        browser_log: Path,
        env: dict[str, str] | None = None,
    ) -> None:
        self.desk = desk
        self.name = name
        self.pid = pid
        self.browser_log = browser_log
        self.env = env or {}
        """What the app was started with besides the session's environment."""

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``traynotify ARGS`` in the app's session, as the user would type it."""
        return self.desk.run(sys.executable, str(GUARD), *args, env=self.env)

    @property
    def service(self) -> str:
        return f"org.kde.StatusNotifierItem-{self.pid}-1"

    def stderr(self) -> str:
        return self.desk.log(self.name)

    def running(self) -> bool:
        return Path(f"/proc/{self.pid}").exists()

    def opened(self) -> list[str]:
        return self.browser_log.read_text().split() if self.browser_log.exists() else []

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        wait_for(
            "the app to quit",
            lambda: not self.running(),
            timeout=20,
            seen=lambda: (
                f"{_read(Path(f'/proc/{self.pid}/status')) or ''}\n{self.stderr()[-1500:]}"
            ),
        )


def start_app(desk: Chroot, name: str, api_url: str, key: str) -> ChrootApp:
    browser, log = desk.browser(name)
    state = f"{OUT}/{name}"
    env = {
        "BYTESPIKE_API_URL": api_url,
        "BYTESPIKE_API_KEY": key,
        "BROWSER": browser,
        "XDG_STATE_HOME": f"{state}/state",
        "XDG_CONFIG_HOME": f"{state}/config",
        "XDG_CACHE_HOME": f"{state}/cache",
        "TRAYNOTIFY_IMPORT_LOG": f"{state}/imports.log",
    }
    pid = desk.spawn(name, sys.executable, str(GUARD), "--debug", "run", "--interval", "1", env=env)
    return ChrootApp(desk, name, pid, log, env)


def _read(path: Path) -> str | None:
    try:
        text = path.read_text(errors="replace").strip()
    except FileNotFoundError:
        return None
    return text or None


def parse_gvariant_string(out: str) -> str:
    """The string of gdbus's "(true, 'text')" answer."""
    out = out.strip()
    assert out.startswith("(true, "), out
    inner = out[len("(true, ") : -1]
    if inner.startswith("'"):
        body = inner[1:-1]
        return body.replace("\\'", "'").replace("\\\\", "\\")
    return json.loads(inner)  # type: ignore[no-any-return]


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


def find(lines: list[Line], start: str) -> Line | None:
    """The line that starts with ``start`` (OCR may read a check box before it as a
    letter or two: then the line with ``start`` after them)."""
    found = next((line for line in lines if line.text.startswith(start)), None)
    return found or next(
        (line for line in lines if f" {start}" in line.text[: 6 + len(start)]), None
    )


def rgb(image: Image.Image, x: int, y: int) -> tuple[int, int, int]:
    return cast("tuple[int, int, int]", image.getpixel((x, y)))


def is_badge_red(pixel: tuple[int, int, int]) -> bool:
    """The red of the icon's count badge (traynotify.desktop.icons)."""
    r, g, b = pixel
    return r > 190 and g < 90 and b < 90


class Screen:
    """What a desktop without a way to ask it shows, read from its screen: the icon by
    its red badge in the bar, an open menu by its flat background, its rows by OCR
    (tesseract, in the chroot)."""

    def __init__(self, desk: Chroot, bar: tuple[int, int]) -> None:
        self.desk = desk
        self.bar = bar
        """The rows (top, bottom) of the panel or bar the tray sits in."""
        self.shots = 0
        self.last_image: Image.Image | None = None
        self.last_box: tuple[int, int, int, int] | None = None

    def shot(self) -> Image.Image:
        self.shots += 1
        path = self.desk.screenshot(self.desk.out / f"screen-{self.shots}.png")
        with Image.open(path) as image:
            self.last_image = image.convert("RGB")
        return self.last_image

    def badge(self) -> tuple[int, int] | None:
        """The centre of the icon's badge in the bar, if it shows."""
        image = self.shot()
        top, bottom = self.bar
        reds = [
            (x, y)
            for y in range(top, bottom)
            for x in range(image.width // 2, image.width)
            if is_badge_red(rgb(image, x, y))
        ]
        if len(reds) < 6:
            return None
        xs, ys = [p[0] for p in reds], [p[1] for p in reds]
        return (min(xs) + max(xs)) // 2, (min(ys) + max(ys)) // 2

    def menu_box(self, image: Image.Image) -> tuple[int, int, int, int] | None:
        """Where a menu is open: the box of the light colour that fills long runs of
        rows and columns (menus are drawn on one flat colour; wallpapers are not). The
        colour is picked outside the bar; the menu may overlap the bar."""
        top, bottom = self.bar
        outside = [y for y in range(0, image.height, 4) if not top <= y < bottom]
        counts: dict[tuple[int, int, int], int] = {}
        for y in outside:
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
        return min(cols), min(rows), max(cols) + 1, max(rows) + 1

    def menu(self) -> list[Line] | None:
        """The rows of the menu open now (None if none is), read at three times the size."""
        image = self.shot()
        box = self.menu_box(image)
        if box is None:
            return None
        self.last_box = box
        return self.read(image, box)

    def read(self, image: Image.Image, box: tuple[int, int, int, int]) -> list[Line]:
        """The lines of text in ``box`` of ``image``, read at three times the size."""
        left, top, right, bottom = box
        big = image.crop(box).resize(((right - left) * SCALE, (bottom - top) * SCALE))
        big.save(self.desk.out / "ocr.png")
        done = self.desk.run(
            "sh", "-c", f"tesseract {OUT}/ocr.png - --psm 4 tsv 2>/dev/null", timeout=120
        )
        words: dict[tuple[str, str, str], list[tuple[str, int, int, int, int]]] = {}
        for row in done.stdout.splitlines()[1:]:
            cells = row.split("\t")
            if len(cells) < 12 or not cells[11].strip() or float(cells[10]) < 0:
                continue  # (a greyed-out row reads with low confidence, but right)
            x, y, width, height = (int(c) // SCALE for c in cells[6:10])
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

    def tick_area(self, lines: list[Line], label_start: str) -> Image.Image:
        """A row from the menu's left edge to its label's end: where menus draw a check
        box or mark (the label itself stays the same)."""
        row = find(lines, label_start)
        assert row is not None, [line.text for line in lines]
        assert self.last_image is not None
        assert self.last_box is not None
        left = self.last_box[0] + 2
        return self.last_image.crop((left, row.top - 4, row.right, row.bottom + 4))

    def beside(
        self, image: Image.Image, main: tuple[int, int, int, int]
    ) -> tuple[int, int, int, int] | None:
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
        rows = [
            y for y in range(top, bottom) if sum(rgb(image, x, y) == bg for x in cols[::2]) > 15
        ]
        if len(rows) < 40:
            return None
        return min(cols), min(rows), max(cols) + 1, max(rows) + 1

    def save_menu(self, to: Path, below: int = 0) -> None:
        """The open menu (and ``below`` rows under it), small enough for the README."""
        assert self.last_image is not None
        assert self.last_box is not None
        left, top, _right, bottom = self.last_box
        image = self.last_image
        box = (max(0, left - 4), max(0, top - 30), image.width, min(image.height, bottom + below))
        to.parent.mkdir(parents=True, exist_ok=True)
        image.crop(box).convert("P", palette=Image.Palette.ADAPTIVE, colors=128).save(
            to, optimize=True
        )


class Menu:
    """A tray menu as the desktop draws it, opened with a click on the icon."""

    def __init__(self, screen: Screen, icon: tuple[int, int], button: str = "3") -> None:
        self.screen = screen
        self.icon = icon
        self.button = button

    def point(self, x: int, y: int, click: str | None = None) -> None:
        self.screen.desk.pointer(x, y, click)

    def open(self) -> list[Line]:
        def shown() -> list[Line] | None:
            lines = self.screen.menu()
            return lines if lines and find(lines, "Quit") and find(lines, "Refresh now") else None

        for _attempt in range(3):
            self.point(600, 300)
            self.point(*self.icon, click=self.button)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                lines = shown()
                if lines:
                    return lines
                time.sleep(1)
        pytest.fail("three clicks on the icon did not show its menu")

    def close(self) -> None:
        self.screen.desk.close_menu()
        wait_for("the menu to close", lambda: self.screen.menu() is None, timeout=30, every=1)

    def header(self, lines: list[Line]) -> str:
        """The first row: the topmost line in the column of "Refresh now"."""
        refresh = find(lines, "Refresh now")
        assert refresh is not None
        column = [
            line for line in lines if abs(line.left - refresh.left) < 12 and line.top < refresh.top
        ]
        return min(column, key=lambda line: line.top).text

    def header_now(self) -> str:
        header = self.header(self.open())
        self.close()
        return header

    def click(self, label_start: str) -> None:
        lines = self.open()
        row = find(lines, label_start)
        assert row is not None, [line.text for line in lines]
        self.point(*row.centre, click="1")
        time.sleep(1)

    def open_with_rows(self, row: str = "Payment received") -> list[Line]:
        """The menu, open, once it lists ``row`` (a notification). An open menu holds its
        rows still, so rows that come in while it is open wait for it to close: a user
        who opened it before they came in closes it and opens it again."""

        def shown() -> list[Line] | None:
            lines = self.open()
            if find(lines, row):
                return lines
            self.close()
            return None

        return wait_for("the menu with its notification rows", shown, timeout=240, every=2)

    def submenu(self, lines: list[Line], label: str, expect: Sequence[str]) -> list[Line]:
        """Open the submenu ``label`` of the menu open now (read as ``lines``) with the
        pointer, as a user does: rest on its row until the submenu is drawn beside the
        menu with the rows ``expect``; its rows. The screen's last shot and box are then
        the menu with the submenu (for save_menu)."""
        screen = self.screen
        assert screen.last_box is not None
        main = screen.last_box
        row = find(lines, label)
        assert row is not None, [line.text for line in lines]
        away = next(line for line in lines if line.top > row.bottom or line.bottom < row.top)

        def drawn() -> list[Line] | None:
            image = screen.shot()
            box = screen.beside(image, main)
            if box is None:
                # (again: Plasma fills a submenu the first time it opens and shows it
                # once filled, when the pointer comes back to its row; a user moves off
                # the row and back)
                self.point(*away.centre)
                self.point(*row.centre)
                return None
            rows = screen.read(image, box)
            if all(find(rows, text) for text in expect):
                screen.last_image = image
                screen.last_box = (
                    min(box[0], main[0]),
                    min(box[1], main[1]),
                    max(box[2], main[2]),
                    max(box[3], main[3]),
                )
                return rows
            return None

        self.point(row.centre[0] - 20, row.centre[1])
        self.point(*row.centre)  # resting on the row opens its submenu
        return wait_for(
            f"the {label} submenu and its rows",
            drawn,
            timeout=90,
            every=1,
            seen=lambda: str([line.text for line in screen.read(screen.shot(), main)]),
        )


def pause_from_the_submenu(
    app: ChrootApp, menu: Menu, shot: Callable[[], None] | None = None
) -> None:
    """Open the menu once it lists the notifications, open "Pause pop-ups ▸" with the
    pointer as a user does (its rows are drawn: "For 1 hour", "Resume now"), click "For 1
    hour", and see the app paused and, opened again, the menu say so. ``shot``: called
    while the submenu is open."""
    lines = menu.open_with_rows()
    pause = find(lines, "Pause pop-ups")
    assert pause is not None, [line.text for line in lines]
    assert json.loads(app.cli("count", "--format", "json").stdout)["paused"] is False
    rows = menu.submenu(lines, "Pause pop-ups", ("For 1 hour", "Resume now"))
    if shot is not None:
        shot()
    hour = find(rows, "For 1 hour")
    assert hour is not None
    menu.point(hour.centre[0], pause.centre[1])  # across into the submenu, then down
    menu.point(*hour.centre, click="1")

    def paused() -> bool:
        done = app.cli("count", "--format", "json")
        return done.returncode == 0 and json.loads(done.stdout)["paused"] is True

    wait_for("pop-ups to be paused", paused, timeout=60, every=1)

    def says_paused() -> list[Line] | None:  # (the click let in what waited)
        lines = menu.open()
        menu.close()
        return lines if find(lines, "Pop-ups paused until") else None

    wait_for("the paused row in the menu", says_paused, timeout=180, every=2)
    assert "Traceback" not in app.stderr()
