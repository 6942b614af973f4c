"""What the user misses with the tray chosen, said once at start-up and by doctor alike.

The decision is pure (:func:`traynotify.desktop.choose.shortfall`): these cases are
the desktops tried by hand (GNOME Shell 43 without the AppIndicator extension: no
StatusNotifierWatcher and no XEmbed tray) and in the desktop tests (trayer with and
without PyGObject, xfce4-panel with and without its panel running).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from traynotify.desktop.choose import Probe, Shortfall, advice, choose, shortfall, startup_line
from traynotify.desktop.doctor import MISSING, NOTE, OK, tray_finding

GNOME_WITHOUT_EXTENSION = Probe("linux")
"""A session bus, a display, and nothing that shows tray icons."""


@pytest.mark.parametrize(
    ("probe", "menu", "expected"),
    [
        (GNOME_WITHOUT_EXTENSION, True, Shortfall.NO_TRAY),
        (Probe("linux", override="sni"), True, Shortfall.NO_TRAY),
        (Probe("linux", watcher=True, host=True), True, None),  # GNOME with it, KDE, Xfce
        (Probe("linux", watcher=True), True, None),  # host not asked
        (Probe("linux", watcher=True, host=False), True, Shortfall.NO_HOST),
        (Probe("linux", xembed=True, gtk=True), True, None),  # trayer with the linux extra
        (Probe("linux", xembed=True), False, Shortfall.NO_MENU),  # trayer without it
        (Probe("linux", bus_problem="no bus", xembed=True), False, Shortfall.NO_MENU),
        (Probe("linux", bus_problem="no bus", gtk=True), True, Shortfall.NO_TRAY),
        (Probe("linux", override="pystray", watcher=True, gtk=True), True, None),
        (Probe("linux", override="pystray", gtk=True), True, Shortfall.NO_TRAY),
        (Probe("linux", pystray_backend="dummy"), True, None),
        (Probe("darwin"), True, None),
        (Probe("win32"), False, None),
    ],
)
def test_what_the_user_misses(probe: Probe, menu: bool, expected: Shortfall | None) -> None:
    assert shortfall(probe, menu) is expected


def test_an_xembed_tray_gets_pystrays_gtk_backend_not_appindicator() -> None:
    # AppIndicator without a watcher falls back to a GTK status icon and GDK complains
    assert choose(Probe("linux", xembed=True, gtk=True)).backend == "gtk"
    assert choose(Probe("linux", xembed=True)).backend == "xorg"
    assert choose(Probe("linux", override="pystray", watcher=True, gtk=True)).backend == ""
    assert choose(Probe("linux", pystray_backend="appindicator", xembed=True)).backend == (
        "appindicator"
    )


def test_gnome_without_the_extension_names_the_extension_and_doctor() -> None:
    line = startup_line(Shortfall.NO_TRAY)
    assert line.startswith("No system tray is running, so the icon cannot show")
    assert "AppIndicator extension (package gnome-shell-extension-appindicator;" in line
    assert line.endswith(" doctor'.")
    assert "\n" not in line


def test_no_menu_names_the_linux_extra_once() -> None:
    line = startup_line(Shortfall.NO_MENU)
    assert line.startswith("This tray shows the icon but no menu: ")
    assert "the 'linux' extra" in line
    assert "AppIndicator" not in line  # the old, contradicting hint


@pytest.mark.parametrize(
    ("probe", "status"),
    [
        (GNOME_WITHOUT_EXTENSION, MISSING),
        (Probe("linux", watcher=True, host=False), MISSING),
        (Probe("linux", xembed=True), NOTE),
        (Probe("linux", xembed=True, gtk=True), OK),
        (Probe("linux", watcher=True, host=True), OK),
    ],
)
def test_doctor_says_what_the_start_up_line_says(probe: Probe, status: str) -> None:
    finding = tray_finding(probe)
    assert finding.status == status
    short = shortfall(probe, menu=probe.gtk or choose(probe).mechanism == "sni")
    if short is None:
        assert finding.fix == ""
    else:
        assert advice(short) in finding.fix
        assert advice(short) in startup_line(short)


def test_the_start_up_line_in_chinese() -> None:
    from traynotify import i18n

    i18n.use_language("zh_CN")
    try:
        line = startup_line(Shortfall.NO_TRAY)
    finally:
        i18n.use_language("en")
    assert line.startswith("没有正在运行的系统托盘")
    assert "gnome-shell-extension-appindicator" in line


def test_doctor_names_a_chinese_font_package_only_in_chinese_and_only_when_none_is_there() -> None:
    from traynotify.desktop.doctor import fonts_finding

    assert fonts_finding("", []) is None  # English: nothing to say
    assert fonts_finding("zh_CN", None) is None  # no fontconfig to ask
    found = fonts_finding("zh_CN", ["Noto Sans CJK SC"])
    assert found is not None
    assert (found.status, found.text) == (OK, "Chinese: Noto Sans CJK SC")
    missing = fonts_finding("zh_CN", [])
    assert missing is not None
    assert missing.status == NOTE
    assert "boxes" in missing.text
    assert "fonts-noto-cjk" in missing.fix


@pytest.mark.parametrize(("listed", "line"), [("", "Fonts: note"), ("WenQuanYi Micro Hei", "ok")])
def test_doctor_in_chinese_asks_fontconfig(listed: str, line: str, tmp_path: Path) -> None:
    import os
    import sys

    from .test_cli import traynotify

    if not sys.platform.startswith("linux"):
        pytest.skip("fontconfig is asked on Linux only")
    stub = tmp_path / "fc-list"  # fontconfig as on a machine with or without the font
    stub.write_text(f"#!/bin/sh\n[ -n '{listed}' ] && echo '{listed},文泉驿微米黑'\nexit 0\n")
    stub.chmod(0o755)
    env = dict(os.environ, LANGUAGE="zh_CN", PATH=f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    done = traynotify("doctor", env=env)
    fonts = [row for row in done.stdout.splitlines() if row.startswith("Fonts:")]
    assert len(fonts) == 1, done.stdout
    assert " ".join(fonts[0].split()).startswith(line.replace("ok", "Fonts: ok"))
    if listed:
        assert fonts[0].endswith("Chinese: WenQuanYi Micro Hei")
    english = traynotify("doctor", env=dict(env, LANGUAGE="en"))
    assert "Fonts:" not in english.stdout
