"""``traynotify doctor``: what this desktop offers and what traynotify will use.

The first thing to run when there is "no icon": it names the tray mechanism and
why, the notification daemon and what it can do, the keyring, the login entry
and the settings file, and for anything missing, what to install.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TextIO

from ..core.text import one_line
from ..i18n import language
from .choose import PYSTRAY, SNI, Probe, Shortfall, advice, choose, connect, probe, shortfall
from .command import command
from .dbus import Bus, BusError, bus_call

OK, MISSING, NOTE = "ok", "missing", "note"
NOTIFICATIONS = "org.freedesktop.Notifications"
GTK_BUILD = (
    "it compiles PyGObject, so first, on Debian/Ubuntu: sudo apt install "
    "libgirepository1.0-dev libcairo2-dev gir1.2-gtk-3.0 pkg-config gcc python3-dev"
)


@dataclass(frozen=True)
class Finding:
    topic: str
    status: str
    """ok, missing or note."""
    text: str
    fix: str = ""
    """What to install or run, for anything missing."""


def tray_finding(seen: Probe, display: bool = True) -> Finding:
    """The tray in words: a pure function of what was probed, and of the same
    :func:`shortfall` the app states at start-up."""
    choice = choose(seen)
    short = shortfall(seen, menu=choice.mechanism == SNI or seen.gtk)
    fix = advice(short) if short is not None else ""
    if choice.mechanism == PYSTRAY:
        if seen.platform in ("win32", "darwin"):
            return Finding("Tray", OK, "the system tray of this OS (pystray)")
        if not display:
            return Finding(
                "Tray",
                MISSING,
                f"pystray, because {choice.reason}; but there is no X display (DISPLAY)",
                f"run {command()} inside your desktop session",
            )
        if short is Shortfall.NO_TRAY:
            return Finding("Tray", MISSING, f"pystray, because {choice.reason}; no tray", fix)
        if short is Shortfall.NO_MENU:
            return Finding(
                "Tray",
                NOTE,
                f"pystray's XEmbed icon, because {choice.reason}; without PyGObject it has no menu",
                f"{fix}; {GTK_BUILD}",
            )
        return Finding("Tray", OK, f"pystray ({choice.backend or 'GTK'}), because {choice.reason}")
    text = f"StatusNotifierItem over D-Bus, because {choice.reason}"
    if short is Shortfall.NO_TRAY:
        return Finding("Tray", MISSING, text, f"no tray is running: {fix}")
    if short is Shortfall.NO_HOST:
        return Finding("Tray", MISSING, text + ", but no host draws its items", fix)
    return Finding("Tray", OK, text)


def popup_finding(
    bus_problem: str | None, server: tuple[str, ...] | None, caps: frozenset[str] | None
) -> Finding:
    if sys.platform in ("win32", "darwin"):
        from .notify.native import availability

        found = availability(sys.platform)
        if found.usable:
            return Finding("Pop-ups", OK, found.text)
        return Finding(
            "Pop-ups",
            NOTE,
            f"plyer, whose pop-ups cannot be clicked: {found.text}",
            "pip install 'desktop-notifier>=6,<7' (macOS: run from a signed Python or app)",
        )
    if bus_problem is not None:
        return Finding(
            "Pop-ups", MISSING, f"no session D-Bus ({bus_problem})", "log in to a desktop session"
        )
    if server is None or caps is None:
        return Finding(
            "Pop-ups",
            MISSING,
            f"no notification daemon ({NOTIFICATIONS}) on the session bus",
            "install one: your desktop's own, dunst, or mako (Wayland)",
        )
    name, vendor, version = server[:3]
    parts = [f"{name} {version} ({vendor})"]
    parts.append(
        "clickable: opens and marks read"
        if "actions" in caps
        else "no actions: pop-ups cannot be clicked"
    )
    parts.append("markup escaped" if "body-markup" in caps else "plain text")
    return Finding("Pop-ups", OK, "; ".join(parts))


def keyring_finding(env: Mapping[str, str]) -> Finding:
    try:
        import keyring

        backend = keyring.get_keyring()
    except Exception as exc:
        return Finding("Keyring", MISSING, f"unusable ({type(exc).__name__}: {exc})")
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if type(backend).__module__.startswith("keyring.backends.fail") or "null" in name.lower():
        if env.get("BYTESPIKE_API_KEY", "").strip():
            return Finding("Keyring", NOTE, f"none ({name}); the key comes from BYTESPIKE_API_KEY")
        return Finding(
            "Keyring",
            MISSING,
            f"none ({name})",
            "set BYTESPIKE_API_KEY, or install a Secret Service keyring "
            "(gnome-keyring, KWallet, KeePassXC)",
        )
    return Finding("Keyring", OK, str(getattr(backend, "name", name)))


def autostart_finding() -> Finding:
    from .autostart import describe, for_platform, launch_command, status

    mechanism = for_platform()
    try:
        state = status(mechanism, launch_command())
    except OSError as exc:
        return Finding("Start at login", NOTE, f"cannot read {mechanism.location}: {exc}")
    fix = "" if state.enabled else command("autostart", "enable")
    text = describe(state).split(": ", 1)[-1]
    return Finding("Start at login", OK if state.enabled else NOTE, text, fix)


def settings_finding() -> Finding:
    from .settings_file import read_settings, settings_path

    path = settings_path()
    if not path.exists():
        return Finding("Settings", OK, f"{path} (not there: defaults)")
    file = read_settings(path)
    if file.problems:
        return Finding(
            "Settings",
            NOTE,
            f"{path}: {one_line(file.problems[0], 160)}",
            command("config", "show"),
        )
    return Finding("Settings", OK, str(path))


CJK_FONTS = (
    "Debian/Ubuntu: fonts-noto-cjk or fonts-wqy-microhei; "
    "Fedora: google-noto-sans-cjk-fonts; Arch: noto-fonts-cjk"
)


def fonts_finding(language: str, chinese_fonts: list[str] | None) -> Finding | None:
    """Whether the menu and pop-ups can draw Chinese: said only in Chinese, and only
    where fontconfig answers (``chinese_fonts`` is None where it cannot be asked)."""
    if not language.startswith("zh") or chinese_fonts is None:
        return None
    if chinese_fonts:
        return Finding("Fonts", OK, f"Chinese: {chinese_fonts[0]}")
    return Finding(
        "Fonts",
        NOTE,
        "no font with Chinese characters (fc-list :lang=zh): the menu and pop-ups show boxes",
        f"install one ({CJK_FONTS}); programs started after that draw it",
    )


def chinese_fonts() -> list[str] | None:
    """The font families fontconfig has for Chinese; None without fc-list."""
    import subprocess

    from .children import child_env

    try:
        done = subprocess.run(
            ["fc-list", ":lang=zh", "family"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
            env=child_env(),
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return sorted({line.split(",")[0].strip() for line in done.stdout.splitlines() if line.strip()})


def _ask(bus: Bus, dest: str, path: str, iface: str, method: str) -> tuple[object, ...] | None:
    try:
        return bus.call_sync(bus_call(dest, path, iface, method), timeout=3)
    except BusError:
        return None


def gather(env: Mapping[str, str]) -> list[Finding]:
    bus, problem = connect(env)
    try:
        seen = probe(env, bus, problem)
        server: tuple[str, ...] | None = None
        caps: frozenset[str] | None = None
        if bus is not None:
            info = _ask(
                bus,
                NOTIFICATIONS,
                "/org/freedesktop/Notifications",
                NOTIFICATIONS,
                "GetServerInformation",
            )
            server = tuple(str(v) for v in info) if info else None
            found = _ask(
                bus,
                NOTIFICATIONS,
                "/org/freedesktop/Notifications",
                NOTIFICATIONS,
                "GetCapabilities",
            )
            caps = frozenset(found[0]) if found else None  # type: ignore[call-overload]
    finally:
        if bus is not None:
            bus.close()
    findings = [
        tray_finding(seen, bool(env.get("DISPLAY"))),
        popup_finding(problem, server, caps),
        keyring_finding(env),
        autostart_finding(),
        settings_finding(),
    ]
    if sys.platform.startswith("linux") and language().startswith("zh"):
        fonts = fonts_finding(language(), chinese_fonts())
        if fonts is not None:
            findings.insert(2, fonts)
    return findings


def report(findings: list[Finding]) -> str:
    width = max(len(f.topic) for f in findings) + 1
    lines = []
    for f in findings:
        mark = {OK: "ok", MISSING: "MISSING", NOTE: "note"}[f.status]
        lines.append(f"{f.topic + ':':<{width}} {mark:<7} {f.text}")
        if f.fix:
            lines.append(f"{'':<{width}} {'':<7} -> {f.fix}")
    return "\n".join(lines)


def run_doctor(env: Mapping[str, str] | None, out: TextIO) -> int:
    """Print the findings; 1 when something needed is missing."""
    findings = gather(os.environ if env is None else env)
    print(report(findings), file=out)
    return 1 if any(f.status == MISSING for f in findings) else 0
