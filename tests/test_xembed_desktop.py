"""An XEmbed-only tray (trayer), with the `linux` extra and without it: the icon as the
tray draws it, a clean GTK start, and the one start-up line where there is no menu.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from traynotify.devserver import ContractServer

from .conftest import KEY, Launch
from .desktop import ICON_NAME, Desktop, wait_for
from .xfce import blue_pixels, plain_python_fixture  # noqa: F401 - the fixture

pytestmark = pytest.mark.desktop

NO_MENU_LINE = "traynotify: WARNING: This tray shows the icon but no menu: "


def drawn(desktop: Desktop) -> tuple[int, int, int, int]:
    """The icon's box once its bell is on screen."""
    window = wait_for("the icon window", lambda: desktop.find_window(ICON_NAME))

    def bell() -> tuple[int, int, int, int] | None:
        x, y, w, h = desktop.geometry(window)  # 1x1 until the tray has docked it
        box = (x, y, x + w, y + h)
        return box if w > 8 and blue_pixels(desktop.screenshot(box)) > 20 else None

    return wait_for("the bell drawn in the tray", bell)


def test_the_x11_icon_sits_on_the_trays_background_with_no_black_fringe(
    launch: Launch, desktop: Desktop, tmp_path: Path
) -> None:
    app = launch(backend="xorg")  # what a plain install gets on this tray
    # the poller's updates reach the icon (pystray alone now and then froze it here)
    wait_for("the first count", lambda: "3 unread" in app.title())
    icon = desktop.screenshot(drawn(desktop)).convert("RGB")
    icon.resize((icon.width * 8, icon.height * 8), 0).save(tmp_path / "xembed-icon.png")
    w, h = icon.size
    # The artwork's corners are transparent: trayer's light grey shows through them
    # (where it leaves a frame around the icon, that frame is the same grey).
    tray = icon.getpixel((0, 0))
    assert sum(tray) > 300, f"the tray's light background, not {tray}"  # type: ignore[arg-type]
    for corner in ((0, h - 1), (w - 1, h - 1)):
        pixel = icon.getpixel(corner)
        close = all(abs(a - b) <= 12 for a, b in zip(pixel, tray, strict=True))  # type: ignore[arg-type]
        assert close, (corner, pixel, tray)
    # every edge pixel blends bell, badge and tray: none is near black
    data = icon.tobytes()
    dark = [data[i : i + 3] for i in range(0, len(data), 3) if max(data[i : i + 3]) < 80]
    assert dark == [], f"{len(dark)} dark fringe pixels, e.g. {list(dark[0])}"


def test_the_gtk_tray_starts_without_gdk_criticals(
    launch: Launch, desktop: Desktop, server: ContractServer
) -> None:
    app = launch("--debug", backend=None)  # the app's own choice for this tray
    wait_for("the first count", lambda: app.title() == "traynotify: 3 unread")
    app.open_menu()
    desktop.key("Escape")
    # one more round of X events and icon changes before looking at what GTK said
    server.store.add("alice", "admin.org.member.add", "Ana joined", "Ana was added.", None)
    wait_for("the new count", lambda: app.title() == "traynotify: 4 unread")
    assert "CRITICAL" not in app.stderr()
    assert "-WARNING **" not in app.stderr()
    assert "Tray backend: gtk (menu: True)" in app.stderr()  # left click: the console


def _plain(
    plain_python: Path, desktop: Desktop, tmp_path: Path, *args: str, **env_more: str
) -> subprocess.Popen[str]:
    env = desktop.env
    env.pop("PYSTRAY_BACKEND", None)
    env.pop("TRAYNOTIFY_TRAY", None)
    env.pop("PYTHONUNBUFFERED", None)
    env.update(
        XDG_STATE_HOME=str(tmp_path / "state"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        TMPDIR=str(tmp_path),
        **env_more,
    )
    out, err = open(tmp_path / "out", "w"), open(tmp_path / "err", "w")  # noqa: SIM115
    with out, err:
        return subprocess.Popen(
            [str(plain_python), "-m", "traynotify", *args],
            env=env,
            stdout=out,
            stderr=err,
            text=True,
        )


def _end(proc: subprocess.Popen[str], desktop: Desktop) -> int:
    proc.terminate()
    code = proc.wait(timeout=15)
    wait_for("the icon to leave", lambda: desktop.find_window(ICON_NAME) is None)
    return code


def test_without_the_linux_extra_one_line_says_no_menu_and_doctor_agrees(
    desktop: Desktop, server: ContractServer, plain_python: Path, tmp_path: Path
) -> None:
    app = _plain(
        plain_python, desktop, tmp_path, "run", BYTESPIKE_API_URL=server.url, BYTESPIKE_API_KEY=KEY
    )
    try:
        icon = wait_for("the icon to dock", lambda: desktop.find_window(ICON_NAME))
        assert "no menu on this desktop: install the 'linux' extra" in desktop.window_name(icon)
        wait_for("the start-up line", lambda: (tmp_path / "err").read_text())
    finally:
        assert _end(app, desktop) == 0
    lines = (tmp_path / "err").read_text().splitlines()
    assert len(lines) == 1, lines  # one line at normal verbosity, nothing else
    assert lines[0].startswith(NO_MENU_LINE)
    assert "the 'linux' extra" in lines[0]
    assert lines[0].endswith(" doctor'.")
    doctor = subprocess.run(
        [str(plain_python), "-m", "traynotify", "doctor"],
        env={**desktop.env, "BYTESPIKE_API_KEY": KEY},
        capture_output=True,
        text=True,
        timeout=60,
    )
    tray, fix = doctor.stdout.splitlines()[:2]
    assert tray.split()[:2] == ["Tray:", "note"]
    assert "no menu" in tray
    advice = lines[0][len(NO_MENU_LINE) :].split(". More:")[0]
    assert advice in fix


def test_the_demo_without_a_menu_says_how_to_quit(
    desktop: Desktop, plain_python: Path, tmp_path: Path
) -> None:
    demo = _plain(plain_python, desktop, tmp_path, "demo", "--every", "0")
    try:
        wait_for("the demo icon", lambda: desktop.find_window(ICON_NAME))
        wait_for("the quit line", lambda: "Quit" in (tmp_path / "out").read_text())
    finally:
        assert _end(demo, desktop) == 0
    out = (tmp_path / "out").read_text()
    assert f"Quit with Ctrl+C (or 'kill {demo.pid}')." in out
    assert "tray menu" not in out
    assert (tmp_path / "err").read_text().startswith(NO_MENU_LINE)
