"""No tray to show the icon (as on GNOME without the AppIndicator extension): xfce4-panel
stopped, so there is no StatusNotifierWatcher and no XEmbed tray. The plain install
says so in one line at start-up, `doctor` says the same, and the icon comes once a
panel starts. With the panel running, nothing is said.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from traynotify.devserver import ContractServer

from .conftest import KEY
from .desktop import wait_for
from .sni import GUARD
from .test_desktop import red_pixels
from .xfce import (  # noqa: F401 - the fixtures
    XfceDesktop,
    blue_pixels,
    icon,
    plain_python_fixture,
    shown,
    xfce_fixture,
)

pytestmark = pytest.mark.desktop

NO_TRAY_LINE = "traynotify: WARNING: No system tray is running, so the icon cannot show"


@pytest.fixture
def no_panel(xfce: XfceDesktop) -> Iterator[XfceDesktop]:
    xfce.stop_panel()
    yield xfce
    if xfce.panel is None or xfce.panel.poll() is not None:
        xfce.start_panel()


def _start(
    plain_python: Path, xfce: XfceDesktop, tmp_path: Path, *args: str, **more: str
) -> subprocess.Popen[str]:
    env = xfce.env
    for name in ("PYSTRAY_BACKEND", "TRAYNOTIFY_TRAY", "PYTHONUNBUFFERED"):
        env.pop(name, None)
    env.update(
        XDG_STATE_HOME=str(tmp_path / "state"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        TRAYNOTIFY_IMPORT_LOG=str(tmp_path / "imports.log"),
        **more,
    )
    out, err = open(tmp_path / "out", "w"), open(tmp_path / "err", "w")  # noqa: SIM115
    with out, err:
        return subprocess.Popen(
            [str(plain_python), str(GUARD), *args], env=env, stdout=out, stderr=err, text=True
        )


def _end(proc: subprocess.Popen[str], xfce: XfceDesktop, tmp_path: Path) -> int:
    proc.terminate()
    code = proc.wait(timeout=15)
    if xfce.watcher():
        wait_for(
            "the icon to leave the panel",
            lambda: red_pixels(icon(xfce)) == 0 and not blue_pixels(icon(xfce)),
        )
    imports = tmp_path / "imports.log"
    assert not imports.exists() or imports.read_text() == ""  # never reached for GTK
    return code


def _doctor(plain_python: Path, xfce: XfceDesktop) -> list[str]:
    env = xfce.env
    env.pop("PYSTRAY_BACKEND", None)
    env["BYTESPIKE_API_KEY"] = KEY
    result = subprocess.run(
        [str(plain_python), "-m", "traynotify", "doctor"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.stdout.splitlines()


def test_with_no_tray_one_line_says_what_to_do_and_the_icon_comes_with_a_panel(
    no_panel: XfceDesktop, server: ContractServer, plain_python: Path, tmp_path: Path
) -> None:
    xfce = no_panel
    err = tmp_path / "err"
    app = _start(
        plain_python,
        xfce,
        tmp_path,
        "run",
        "--interval",
        "1",
        BYTESPIKE_API_URL=server.url,
        BYTESPIKE_API_KEY=KEY,
    )
    try:
        line = wait_for("the start-up line", lambda: err.read_text().strip())
        assert line.startswith(NO_TRAY_LINE), line
        assert "gnome-shell-extension-appindicator" in line
        assert line.endswith(" doctor'.")
        tray, fix = _doctor(plain_python, xfce)[:2]
        assert tray.split()[:2] == ["Tray:", "MISSING"]
        advice = line.split("starts): ", 1)[1].split(". More:")[0]
        assert advice in fix  # doctor and the app say the same
        xfce.start_panel()
        shown(xfce)  # the icon appears, with no restart
    finally:
        assert _end(app, xfce, tmp_path) == 0
    assert err.read_text().splitlines() == [line]  # once, and nothing else


def test_the_demo_with_no_tray_says_how_to_quit(
    no_panel: XfceDesktop, plain_python: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    demo = _start(plain_python, no_panel, tmp_path, "demo", "--every", "0")
    try:
        wait_for("the quit line", lambda: "Quit" in out.read_text())
    finally:
        assert _end(demo, no_panel, tmp_path) == 0
    assert f"Quit with Ctrl+C (or 'kill {demo.pid}')." in out.read_text()
    assert "tray menu" not in out.read_text()
    assert (tmp_path / "err").read_text().startswith(NO_TRAY_LINE)


def test_with_a_tray_running_nothing_is_said(
    xfce: XfceDesktop, server: ContractServer, plain_python: Path, tmp_path: Path
) -> None:
    app = _start(
        plain_python,
        xfce,
        tmp_path,
        "run",
        BYTESPIKE_API_URL=server.url,
        BYTESPIKE_API_KEY=KEY,
    )
    try:
        shown(xfce)
    finally:
        assert _end(app, xfce, tmp_path) == 0
    assert (tmp_path / "err").read_text() == ""
    assert _doctor(plain_python, xfce)[0].split()[:2] == ["Tray:", "ok"]
