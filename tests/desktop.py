"""A real virtual desktop for tests: X display, session D-Bus, notification daemon, tray.

The display comes from pytest-xvfb (24-bit colour, set in pyproject.toml). What is
missing makes the tests skip, which conftest turns into a failure under CI=true.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol, TypeVar

import pytest

from traynotify.devserver import ContractServer

T = TypeVar("T")

ICON_NAME = r"^traynotify[:：]"
"""The icon window's name is its title, "traynotify: 3 unread"; menus are "traynotify"."""
TOOLS = ("dbus-daemon", "dbus-monitor", "dunst", "dunstctl", "trayer", "xdotool")


def wait_for(
    what: str,
    check: Callable[[], T | None],
    timeout: float = 20.0,
    every: float = 0.1,
    seen: Callable[[], str] | None = None,
) -> T:
    """Poll ``check`` until it returns something truthy; fail with ``what`` after ``timeout``
    (and with what ``seen`` says was there instead)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            instead = f"; instead: {seen()}" if seen is not None else ""
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}{instead}")
        time.sleep(every)


@dataclass
class Desktop:
    display: str
    bus_address: str
    monitor_log: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DISPLAY=self.display,
            DBUS_SESSION_BUS_ADDRESS=self.bus_address,
            NO_AT_BRIDGE="1",
            GTK_A11Y="none",
        )
        return env

    def run(self, *args: str, check: bool = True) -> str:
        result = subprocess.run(
            args,
            env=self.env,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=30,
            check=check,
        )
        return result.stdout

    def has_bus_name(self, name: str) -> bool:
        """Whether ``name`` has an owner on this desktop's session bus."""
        out = self.run(
            "dbus-send",
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
            f"string:{name}",
            check=False,
        )
        return "true" in out

    # -- notifications -------------------------------------------------------------
    def notify_calls(self) -> list[list[str]]:
        """Every Notify call on the bus so far, as its list of arguments (strings/ints)."""
        text = self.monitor_log.read_text(encoding="utf-8", errors="replace")
        calls = []
        for block in re.split(r"\n(?=method call )", text):
            if "member=Notify" not in block.splitlines()[0]:
                continue
            args = re.findall(
                r'^\s+(?:string "(.*)"|int32 (-?\d+)|uint32 (\d+))$', block, flags=re.MULTILINE
            )
            calls.append([s or i or u for s, i, u in args])
        return calls

    def toasts(self) -> list[tuple[str, str, int]]:
        """(title, body, expire timeout ms) of each toast shown."""
        out = []
        for args in self.notify_calls():
            # app_name, replaces_id, app_icon, summary, body, [actions...], expire_timeout
            out.append((args[3], args[4], int(args[-1])))
        return out

    def close_toasts(self) -> None:
        self.run("dunstctl", "close-all", check=False)

    # -- X ------------------------------------------------------------------------
    def find_window(self, name_regex: str) -> str | None:
        found = self.run("xdotool", "search", "--name", name_regex, check=False).split()
        return found[-1] if found else None

    def window_name(self, window: str) -> str:
        return self.run("xdotool", "getwindowname", window, check=False).strip()

    def geometry(self, window: str) -> tuple[int, int, int, int]:
        out = self.run("xdotool", "getwindowgeometry", "--shell", window)
        values = dict(line.split("=", 1) for line in out.split())
        return int(values["X"]), int(values["Y"]), int(values["WIDTH"]), int(values["HEIGHT"])

    def screenshot(self, box: tuple[int, int, int, int] | None = None):  # type: ignore[no-untyped-def]
        from PIL import ImageGrab

        image = ImageGrab.grab(xdisplay=self.display)
        return image.crop(box) if box else image

    def key(self, *keys: str) -> None:
        self.run("xdotool", "key", "--delay", "120", *keys)

    def right_click(self, x: int, y: int) -> None:
        self.run("xdotool", "mousemove", str(x), str(y), "click", "3")


def _tray_ready(display: str) -> bool:
    from Xlib import display as xdisplay

    d = xdisplay.Display(display)
    try:
        owner = d.get_selection_owner(d.intern_atom("_NET_SYSTEM_TRAY_S0"))
        return bool(owner) and owner != 0
    finally:
        d.close()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def start_desktop(tmp: Path) -> Iterator[Desktop]:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"desktop tools missing: {', '.join(missing)} (see .ci/apt-packages.txt)")
    display = os.environ.get("DISPLAY")
    if not display:
        pytest.skip("no X display (pytest-xvfb needs the xvfb package)")
    out = subprocess.run(
        ["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
        capture_output=True,
        text=True,
        timeout=15,
        check=True,
    ).stdout.split()
    address, bus_pid = out[0], int(out[1])
    desktop = Desktop(display, address, tmp / "dbus-monitor.log")
    log: IO[bytes] = open(tmp / "desktop.log", "wb")  # noqa: SIM115 - closed below
    try:

        def spawn(*args: str, stdout: IO[bytes] | int = log) -> subprocess.Popen[bytes]:
            proc = subprocess.Popen(args, env=desktop.env, stdout=stdout, stderr=log)
            desktop.processes.append(proc)
            return proc

        monitor_out = open(desktop.monitor_log, "wb")  # noqa: SIM115
        spawn(
            "dbus-monitor",
            "--session",
            "type='method_call',interface='org.freedesktop.Notifications'",
            stdout=monitor_out,
        )
        monitor_out.close()
        spawn("dunst")
        wait_for(
            "the notification daemon on the bus",
            lambda: desktop.has_bus_name("org.freedesktop.Notifications"),
        )
        spawn(
            "trayer",
            "--edge",
            "top",
            "--align",
            "right",
            "--widthtype",
            "request",
            "--height",
            "32",
            "--SetDockType",
            "true",
            "--transparent",
            "false",
            "--tint",
            "0x333333",
        )
        wait_for("the system tray", lambda: _tray_ready(display))
        yield desktop
    finally:
        for proc in reversed(desktop.processes):
            _stop(proc)
        os.kill(bus_pid, signal.SIGTERM)
        log.close()


@dataclass
class AppProcess:
    proc: subprocess.Popen[str]
    desktop: Desktop
    browser_log: Path
    stderr_path: Path
    env: dict[str, str] = field(default_factory=dict)
    """The environment it was started with (for commands run beside it)."""

    def icon(self) -> str:
        return wait_for("the tray icon to dock", lambda: self.desktop.find_window(ICON_NAME))

    def title(self) -> str:
        return self.desktop.window_name(self.icon())

    def icon_box(self) -> tuple[int, int, int, int]:
        x, y, w, h = self.desktop.geometry(self.icon())
        return x, y, x + w, y + h

    def icon_image(self):  # type: ignore[no-untyped-def]
        return self.desktop.screenshot(self.icon_box())

    def visible_windows(self) -> set[str]:
        return set(
            self.desktop.run(
                "xdotool", "search", "--onlyvisible", "--classname", "^traynotify$", check=False
            ).split()
        )

    def open_menu(self) -> None:
        """Right-click the icon and wait for the popup menu window to map."""
        before = self.visible_windows()
        x0, y0, x1, y1 = self.icon_box()
        self.desktop.right_click((x0 + x1) // 2, (y0 + y1) // 2)
        wait_for("the menu to open", lambda: self.visible_windows() - before, timeout=10)
        time.sleep(0.3)  # let GTK finish mapping and grab the keyboard

    def opened_urls(self) -> list[str]:
        if not self.browser_log.exists():
            return []
        return self.browser_log.read_text(encoding="utf-8").split()

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")


def browser_stub(tmp: Path) -> tuple[str, Path]:
    """A $BROWSER command that records each URL it is asked to open."""
    log = tmp / "opened.txt"
    script = tmp / "browser-stub"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        f"with open({str(log)!r}, 'a') as f:\n"
        "    f.write(sys.argv[1] + '\\n')\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return f"{script} %s", log


class Titled(Protocol):
    def title(self) -> str:
        """The icon's title, "traynotify: 3 unread" (the X icon window's, or the item's)."""
        ...


def arrives(
    desktop: Desktop,
    server: ContractServer,
    app: Titled,
    title: str,
    count: int,
    event_type: str = "org.api_key.revoke",
) -> list[str]:
    """Add a notification; once the badge counts it and one more poll has passed, the
    titles that popped up since. ``app``: an XEmbed icon (AppProcess) or anything else
    that reads the tray's title, such as a StatusNotifierItem's."""
    before = len(desktop.toasts())
    server.store.add("alice", event_type, title, "Its body.", "/org/keys")
    wait_for(
        f"the badge to count {title}", lambda: app.title().startswith(f"traynotify: {count} unread")
    )
    polls = len(server.requests())
    wait_for("one more poll", lambda: len(server.requests()) > polls)
    return [t[0] for t in desktop.toasts()[before:]]
