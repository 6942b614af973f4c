"""Which tray and which pop-ups the app uses, chosen once at start-up.

Linux and other D-Bus desktops: a StatusNotifierItem (no GTK) when a
StatusNotifierWatcher is on the session bus, or when no tray is there yet (it
appears when a panel starts); pystray when only an XEmbed tray is on the
display. ``TRAYNOTIFY_TRAY=sni|pystray`` overrides, and so does setting
``PYSTRAY_BACKEND``. macOS and Windows: pystray. Pop-ups go over the same
D-Bus connection where there is one, else through desktop-notifier (macOS, Windows)
where it can run, else plyer.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..core.menu import Action
from ..errors import ConfigError
from .dbus import Bus, BusError, has_owner
from .notify import Notifier
from .tray import TrayAdapter

log = logging.getLogger(__name__)

ENV_TRAY = "TRAYNOTIFY_TRAY"
WATCHER = "org.kde.StatusNotifierWatcher"
SNI, PYSTRAY = "sni", "pystray"


@dataclass(frozen=True)
class Probe:
    """What this desktop offers, as seen at start-up."""

    platform: str
    override: str = ""
    """TRAYNOTIFY_TRAY as given."""
    pystray_backend: str = ""
    bus_problem: str | None = None
    """Why there is no session bus; None when there is one."""
    watcher: bool = False
    """A StatusNotifierWatcher owns its name on the session bus."""
    xembed: bool = False
    """An XEmbed system tray owns its selection on the X display."""
    graphical: bool = True
    """DISPLAY or WAYLAND_DISPLAY is set (not, say, an SSH login with a user bus)."""


@dataclass(frozen=True)
class Choice:
    mechanism: str
    """"sni" or "pystray"."""
    reason: str


def choose(probe: Probe) -> Choice:
    """The tray for what ``probe`` saw: a pure decision."""
    if probe.platform in ("win32", "darwin"):
        return Choice(PYSTRAY, "the system tray of this OS (pystray)")
    override = probe.override.strip().lower()
    if override == PYSTRAY:
        return Choice(PYSTRAY, f"{ENV_TRAY}=pystray")
    if override == SNI:
        return Choice(SNI, f"{ENV_TRAY}=sni")
    if probe.pystray_backend:
        return Choice(PYSTRAY, f"PYSTRAY_BACKEND={probe.pystray_backend} is set")
    if probe.bus_problem is not None:
        return Choice(PYSTRAY, f"no StatusNotifierItem without D-Bus: {probe.bus_problem}")
    if probe.watcher:
        return Choice(SNI, "a StatusNotifierWatcher is on the session bus")
    if probe.xembed:
        return Choice(
            PYSTRAY,
            "no StatusNotifierWatcher on the session bus, but an XEmbed tray on the display",
        )
    if not probe.graphical:
        return Choice(PYSTRAY, "no tray and no graphical session (DISPLAY is not set)")
    return Choice(
        SNI,
        "no tray is running yet; the StatusNotifierItem shows when a panel starts "
        f"(for an XEmbed-only tray, set {ENV_TRAY}=pystray)",
    )


def xembed_tray(display: str | None) -> bool:
    """Whether an XEmbed system tray owns ``_NET_SYSTEM_TRAY_S0`` on ``display``."""
    if not display:
        return False
    try:
        from Xlib import display as xdisplay

        d = xdisplay.Display(display)
    except Exception:  # no python-xlib, or no such display
        return False
    try:
        owner = d.get_selection_owner(d.intern_atom("_NET_SYSTEM_TRAY_S0"))
        return bool(owner) and owner != 0
    except Exception:
        return False
    finally:
        d.close()


def probe(env: Mapping[str, str], bus: Bus | None, bus_problem: str | None) -> Probe:
    watcher = False
    if bus is not None:
        try:
            watcher = has_owner(bus, WATCHER)
        except BusError as exc:
            log.info("Could not ask the session bus for a tray: %s", exc)
    return Probe(
        platform=sys.platform,
        override=env.get(ENV_TRAY, ""),
        pystray_backend=env.get("PYSTRAY_BACKEND", ""),
        bus_problem=bus_problem,
        watcher=watcher,
        xembed=False if watcher else xembed_tray(env.get("DISPLAY")),
        graphical=bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")),
    )


def connect(env: Mapping[str, str]) -> tuple[Bus | None, str | None]:
    """The session bus, or None and why not (never on macOS or Windows)."""
    if sys.platform in ("win32", "darwin"):
        return None, "not used on this OS"
    if not env.get("DBUS_SESSION_BUS_ADDRESS"):
        return None, "DBUS_SESSION_BUS_ADDRESS is not set"
    try:
        return Bus.connect(env["DBUS_SESSION_BUS_ADDRESS"]), None
    except BusError as exc:
        return None, str(exc)


@dataclass
class Desktop:
    tray: TrayAdapter
    notifier: Notifier
    choice: Choice


def open_desktop(
    on_action: Callable[[Action], None],
    menu_length: int,
    env: Mapping[str, str] | None = None,
) -> Desktop:
    """The tray and pop-ups for this desktop; ConfigError if no tray can start."""
    env = os.environ if env is None else env
    override = env.get(ENV_TRAY, "").strip().lower()
    if override not in ("", "auto", SNI, PYSTRAY):
        log.warning("%s=%s is not sni, pystray or auto; choosing by itself.", ENV_TRAY, override)
        env = {k: v for k, v in env.items() if k != ENV_TRAY}
    bus, problem = connect(env)
    choice = choose(probe(env, bus, problem))
    log.info("Tray: %s, because %s.", choice.mechanism, choice.reason)
    tray: TrayAdapter
    if choice.mechanism == SNI:
        if bus is None:
            raise ConfigError(f"{ENV_TRAY}=sni needs the session D-Bus: {problem}.")
        from .tray.sni import SniTray

        tray = SniTray(on_action, menu_length, bus=bus)
    else:
        from .tray.pystray_tray import Tray  # pystray: loads a toolkit

        tray = Tray(on_action, menu_length)
    notifier: Notifier
    if bus is not None:
        from .notify.freedesktop import FreedesktopNotifier

        notifier = FreedesktopNotifier(bus, on_action)
    else:
        from .notify.native import os_notifier  # desktop-notifier where it runs, else plyer

        notifier = os_notifier(on_action)
    return Desktop(tray, notifier, choice)
