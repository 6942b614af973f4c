"""A virtual desktop with a StatusNotifierItem host: xfce4-panel (its systray
plugin) and dunst on a session bus of their own, on pytest-xvfb's display.

Start order matters: the panel's settings daemon (xfconfd) is started by the bus
and inherits the bus's environment, so the throwaway HOME and XDG folders are set
before the bus starts.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest

from traynotify.devserver import ContractServer

from .conftest import KEY, REPO
from .desktop import Desktop, _stop, browser_stub, wait_for
from .sni import GUARD, Client, pure_python
from .test_desktop import red_pixels

TOOLS = ("dbus-daemon", "dbus-monitor", "xfce4-panel", "dunst", "dunstctl", "xdotool")
ICON_BOX = (0, 0, 24, 24)
"""Where the panel draws the first SNI icon (a 48 px panel at the top)."""

PANEL_XML = """<?xml version="1.0" encoding="UTF-8"?>
<channel name="xfce4-panel" version="1.0">
  <property name="configver" type="int" value="2"/>
  <property name="panels" type="array">
    <value type="int" value="1"/>
    <property name="panel-1" type="empty">
      <property name="position" type="string" value="p=6;x=0;y=0"/>
      <property name="length" type="uint" value="100"/>
      <property name="position-locked" type="bool" value="true"/>
      <property name="size" type="uint" value="48"/>
      <property name="plugin-ids" type="array">
        <value type="int" value="1"/>
      </property>
    </property>
  </property>
  <property name="plugins" type="empty">
    <property name="plugin-1" type="string" value="systray"/>
  </property>
</channel>
"""

DMENU = """#!/bin/sh
# dunst's context menu: pick the first line that names the wanted action.
grep -m1 -F "$(cat {wanted})"
"""


@dataclass
class XfceDesktop(Desktop):
    home: Path = Path()
    bus_pid: int = 0
    panel: subprocess.Popen[bytes] | None = None
    log: IO[bytes] | None = None
    dmenu_choice: Path = Path()
    extra: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def session_env(self) -> dict[str, str]:
        """What the bus, the panel and dunst run with: a throwaway home."""
        env = self.env
        env.update(
            HOME=str(self.home),
            XDG_CONFIG_HOME=str(self.home / ".config"),
            XDG_DATA_HOME=str(self.home / ".local/share"),
            XDG_CACHE_HOME=str(self.home / ".cache"),
        )
        return env

    def watcher(self) -> bool:
        return self.has_bus_name("org.kde.StatusNotifierWatcher")

    def start_panel(self) -> None:
        assert self.panel is None or self.panel.poll() is not None
        self.panel = subprocess.Popen(
            ["xfce4-panel", "--disable-wm-check"],
            env=self.session_env,
            stdout=self.log,
            stderr=self.log,
        )
        wait_for("the panel's StatusNotifierWatcher", self.watcher)

    def stop_panel(self) -> None:
        if self.panel is not None:
            _stop(self.panel)
        wait_for("the watcher to leave", lambda: not self.watcher())
        wait_for("the panel to leave the screen", lambda: not self.panel_drawn())

    def panel_drawn(self) -> bool:
        """The panel is a light bar on Xvfb's black root window."""
        r, g, b = self.screenshot((200, 10, 201, 11)).convert("RGB").getpixel((0, 0))
        return r + g + b > 300

    def open_menu(self) -> None:
        """Right-click the icon; wait for the menu below the panel."""
        self.right_click(12, 12)
        wait_for("the menu to open", lambda: self.menu_height() > 0, timeout=10)
        wait_for("the menu to settle", lambda: self._steady_menu())

    def _steady_menu(self) -> bool:
        import time

        first = self.menu_height()
        time.sleep(0.3)
        return first > 0 and self.menu_height() == first

    def menu_height(self) -> int:
        """How far the menu reaches below the panel (0: no menu)."""
        column = self.screenshot((100, 50, 101, 600)).convert("RGB")
        lit = [y for y in range(column.height) if sum(column.getpixel((0, y))) > 150]  # type: ignore[arg-type]
        return max(lit) + 1 if lit else 0

    def close_menu(self) -> None:
        self.key("Escape")
        wait_for("the menu to close", lambda: self.menu_height() == 0, timeout=10)


def start_xfce(tmp: Path) -> Iterator[XfceDesktop]:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"desktop tools missing: {', '.join(missing)} (see .ci/apt-packages.txt)")
    display = os.environ.get("DISPLAY")
    if not display:
        pytest.skip("no X display (pytest-xvfb needs the xvfb package)")
    home = tmp / "home"
    channel = home / ".config/xfce4/xfconf/xfce-perchannel-xml"
    channel.mkdir(parents=True)
    (channel / "xfce4-panel.xml").write_text(PANEL_XML, encoding="utf-8")
    dmenu_choice = tmp / "dmenu-choice"
    dmenu_choice.write_text("Mark read", encoding="utf-8")
    dmenu = tmp / "dmenu"
    dmenu.write_text(DMENU.format(wanted=dmenu_choice), encoding="utf-8")
    dmenu.chmod(0o755)
    dunstrc = tmp / "dunstrc"
    dunstrc.write_text(
        "[global]\n"
        f"    dmenu = {dmenu}\n"
        "    idle_threshold = 0\n"  # Xvfb has no user input: never hold pop-ups for one
        "    show_indicators = no\n",
        encoding="utf-8",
    )
    desktop = XfceDesktop("", "", tmp / "dbus-monitor.log", home=home, dmenu_choice=dmenu_choice)
    desktop.display = display
    out = subprocess.run(
        ["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
        capture_output=True,
        text=True,
        timeout=15,
        check=True,
        env=desktop.session_env,
    ).stdout.split()
    desktop.bus_address, desktop.bus_pid = out[0], int(out[1])
    desktop.log = open(tmp / "desktop.log", "wb")  # noqa: SIM115 - closed below
    try:
        monitor_out = open(desktop.monitor_log, "wb")  # noqa: SIM115
        desktop.processes.append(
            subprocess.Popen(
                [
                    "dbus-monitor",
                    "--session",
                    "type='method_call',interface='org.freedesktop.Notifications'",
                ],
                env=desktop.env,
                stdout=monitor_out,
                stderr=desktop.log,
            )
        )
        monitor_out.close()
        desktop.start_panel()
        wait_for("the panel on screen", desktop.panel_drawn)
        desktop.processes.append(
            subprocess.Popen(
                ["dunst", "-config", str(dunstrc)],
                env=desktop.session_env,
                stdout=desktop.log,
                stderr=desktop.log,
            )
        )
        wait_for(
            "the notification daemon on the bus",
            lambda: desktop.has_bus_name("org.freedesktop.Notifications"),
        )
        yield desktop
    finally:
        if desktop.panel is not None:
            _stop(desktop.panel)
        for proc in reversed(desktop.processes):
            _stop(proc)
        _stop_bus_children(desktop)
        os.kill(desktop.bus_pid, signal.SIGTERM)
        desktop.log.close()


def _stop_bus_children(desktop: XfceDesktop) -> None:
    """xfconfd was started by the bus: end it by its PID, which the bus knows."""
    out = desktop.run(
        "dbus-send",
        "--session",
        "--print-reply",
        "--dest=org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus.GetConnectionUnixProcessID",
        "string:org.xfce.Xfconf",
        check=False,
    )
    words = out.split()
    if "uint32" in words:
        pid = int(words[words.index("uint32") + 1])
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)


# -- fixtures (import them into a test module to use them) ----------------------------


@pytest.fixture(scope="session", name="plain_python")
def plain_python_fixture() -> Path:
    return pure_python(REPO)


@pytest.fixture(scope="module", name="xfce")
def xfce_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[XfceDesktop]:
    yield from start_xfce(tmp_path_factory.mktemp("xfce"))


class SniApp:
    def __init__(
        self, proc: subprocess.Popen[str], tmp: Path, browser_log: Path, client: Client
    ) -> None:
        self.proc = proc
        self.tmp = tmp
        self.browser_log = browser_log
        self.client = client

    def opened(self) -> list[str]:
        return self.browser_log.read_text().split() if self.browser_log.exists() else []

    def stderr(self) -> str:
        return (self.tmp / f"app-{self.proc.pid}.stderr").read_text(errors="replace")

    def title(self) -> str:
        return str(self.client.props()["Title"])

    def refused_imports(self) -> list[str]:
        path = self.tmp / "imports.log"
        return path.read_text().split() if path.exists() else []


@pytest.fixture(name="start")
def start_fixture(
    xfce: XfceDesktop, server: ContractServer, tmp_path: Path, plain_python: Path
) -> Iterator[Callable[..., SniApp]]:
    apps: list[SniApp] = []
    client = Client(xfce.bus_address)
    xfce.close_toasts()

    def launch(extra_env: dict[str, str] | None = None) -> SniApp:
        browser, browser_log = browser_stub(tmp_path)
        env = xfce.env
        env.pop("PYSTRAY_BACKEND", None)
        env.pop("TRAYNOTIFY_TRAY", None)
        env.update(
            BYTESPIKE_API_URL=server.url,
            BYTESPIKE_API_KEY=KEY,
            BROWSER=browser,
            XDG_STATE_HOME=str(tmp_path / "state"),
            XDG_CONFIG_HOME=str(tmp_path / "config"),
            TRAYNOTIFY_IMPORT_LOG=str(tmp_path / "imports.log"),
        )
        env.update(extra_env or {})
        err_path = tmp_path / "app.stderr"
        with open(err_path, "w") as err:
            proc = subprocess.Popen(
                [str(plain_python), str(GUARD), "--debug", "run", "--interval", "1"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=err,
                text=True,
            )
        err_path.rename(tmp_path / f"app-{proc.pid}.stderr")
        app = SniApp(proc, tmp_path, browser_log, client)
        apps.append(app)
        return app

    yield launch
    for app in apps:
        if app.proc.poll() is None:
            app.proc.kill()
            app.proc.wait(timeout=10)
        assert app.refused_imports() == []  # the plain install never asks for gi or dbus
    client.close()
    if xfce.panel is None or xfce.panel.poll() is not None:
        xfce.start_panel()
    wait_for(
        "the icon to leave the panel",
        lambda: red_pixels(icon(xfce)) == 0 and not blue_pixels(icon(xfce)),
    )
    xfce.close_toasts()


def icon(xfce: XfceDesktop):  # type: ignore[no-untyped-def]
    return xfce.screenshot(ICON_BOX)


def blue_pixels(image) -> int:  # type: ignore[no-untyped-def]
    data = image.convert("RGB").tobytes()
    return sum(
        1
        for i in range(0, len(data), 3)
        if data[i] < 90 and 70 < data[i + 1] < 140 and data[i + 2] > 180
    )


def shown(xfce: XfceDesktop) -> None:
    wait_for(
        "the bell with its red badge in the panel",
        lambda: red_pixels(icon(xfce)) > 20 and blue_pixels(icon(xfce)) > 20,
    )
