"""Which tray and which pop-ups the app uses, chosen once at start-up.

Linux and other D-Bus desktops: a StatusNotifierItem (no GTK) when a
StatusNotifierWatcher is on the session bus, or when no tray is there yet (it
appears when a panel starts); pystray when only an XEmbed tray is on the
display (its GTK backend when PyGObject is there, for a menu; else its plain X11
one). ``TRAYNOTIFY_TRAY=sni|pystray`` overrides, and so does setting
``PYSTRAY_BACKEND``. macOS and Windows: pystray. Pop-ups go over the same
D-Bus connection where there is one, else through desktop-notifier (macOS, Windows)
where it can run, else plyer.

What the user will miss with that choice (no tray to show the icon, a tray
with no host, an icon with no menu) is one more pure decision, :func:`shortfall`:
the start-up line and ``traynotify doctor`` both say it, in the same words.
"""

from __future__ import annotations

import enum
import importlib.util
import logging
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from ..core.menu import Action
from ..errors import ConfigError
from ..i18n import _
from .command import command
from .dbus import Bus, BusError, bus_call, has_owner
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
    host: bool | None = None
    """The watcher's IsStatusNotifierHostRegistered; None when not asked."""
    gtk: bool = False
    """PyGObject is installed (the ``linux`` extra): pystray's GTK backend, with a menu."""


@dataclass(frozen=True)
class Choice:
    mechanism: str
    """"sni" or "pystray"."""
    reason: str
    backend: str = ""
    """The pystray backend to load ("gtk", "xorg"); empty: pystray's own choice."""


def choose(probe: Probe) -> Choice:
    """The tray for what ``probe`` saw: a pure decision."""
    if probe.platform in ("win32", "darwin"):
        return Choice(PYSTRAY, "the system tray of this OS (pystray)")
    override = probe.override.strip().lower()
    if override == PYSTRAY:
        # With a watcher, pystray's own order finds it (AppIndicator); without, an XEmbed tray.
        backend = "" if probe.watcher else _xembed_backend(probe)
        return Choice(PYSTRAY, f"{ENV_TRAY}=pystray", backend)
    if override == SNI:
        return Choice(SNI, f"{ENV_TRAY}=sni")
    if probe.pystray_backend:
        backend = probe.pystray_backend.strip()
        return Choice(PYSTRAY, f"PYSTRAY_BACKEND={backend} is set", backend)
    if probe.bus_problem is not None:
        return Choice(
            PYSTRAY,
            f"no StatusNotifierItem without D-Bus: {probe.bus_problem}",
            _xembed_backend(probe),
        )
    if probe.watcher:
        return Choice(SNI, "a StatusNotifierWatcher is on the session bus")
    if probe.xembed:
        return Choice(
            PYSTRAY,
            "no StatusNotifierWatcher on the session bus, but an XEmbed tray on the display",
            _xembed_backend(probe),
        )
    if not probe.graphical:
        return Choice(PYSTRAY, "no tray and no graphical session (DISPLAY is not set)")
    return Choice(
        SNI,
        "no tray is running yet; the StatusNotifierItem shows when a panel starts "
        f"(for an XEmbed-only tray, set {ENV_TRAY}=pystray)",
    )


def _xembed_backend(probe: Probe) -> str:
    # Not pystray's default (AppIndicator first): with no StatusNotifierWatcher that one
    # falls back to a GTK status icon anyway, has no left-click action, and makes GDK
    # print a Gdk-CRITICAL as it docks. pystray's own GTK backend docks cleanly.
    return "gtk" if probe.gtk else "xorg"


class Shortfall(enum.Enum):
    """What the user misses with the tray chosen."""

    NO_TRAY = "no tray"
    """Nothing on this desktop shows the icon (GNOME without the AppIndicator extension)."""
    NO_HOST = "no host"
    """A StatusNotifierWatcher, but no host draws its items."""
    NO_MENU = "no menu"
    """An XEmbed icon without a menu (pystray's X11 backend: no PyGObject)."""


def shortfall(probe: Probe, menu: bool) -> Shortfall | None:
    """What is missing for the tray chosen for ``probe``: a pure decision.

    ``menu``: whether that tray has a menu (at start-up, what the tray says; in
    ``doctor``, whether PyGObject is there for pystray)."""
    if probe.platform in ("win32", "darwin"):
        return None
    choice = choose(probe)
    if choice.backend == "dummy":
        return None  # no tray asked for
    if choice.mechanism == SNI:
        shows = probe.watcher
    else:  # AppIndicator through a watcher, or any backend through an XEmbed tray
        shows = probe.xembed or (probe.watcher and choice.backend in ("", "appindicator"))
    if not shows:
        return Shortfall.NO_TRAY
    if probe.watcher and probe.host is False and not probe.xembed:
        return Shortfall.NO_HOST
    if not menu:
        return Shortfall.NO_MENU
    return None


def advice(short: Shortfall) -> str:
    """What to do about ``short``, in a few words (the same in doctor and at start-up)."""
    if short is Shortfall.NO_TRAY:
        return _(
            "on GNOME, add the AppIndicator extension (package "
            "gnome-shell-extension-appindicator; log out and in, then turn it on in the "
            "Extensions app); elsewhere, start your panel, or on sway or Hyprland a bar with "
            "a tray (waybar)"
        )
    if short is Shortfall.NO_HOST:
        return _("if the icon does not come, restart your panel or the tray extension")
    return _("install traynotify with the 'linux' extra (PyGObject; see the README, 'Install')")


def startup_line(short: Shortfall) -> str:
    """The one line the app says at start-up about ``short``."""
    problem = {
        Shortfall.NO_TRAY: _(
            "No system tray is running, so the icon cannot show (it appears as soon as one starts)"
        ),
        Shortfall.NO_HOST: _("The tray has no host to draw the icon yet"),
        Shortfall.NO_MENU: _("This tray shows the icon but no menu"),
    }[short]
    return _("{problem}: {advice}. More: '{doctor}'.").format(
        problem=problem, advice=advice(short), doctor=command("doctor")
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


def _host_registered(bus: Bus) -> bool | None:
    try:
        (value,) = bus.call_sync(
            bus_call(
                WATCHER,
                "/StatusNotifierWatcher",
                "org.freedesktop.DBus.Properties",
                "Get",
                "ss",
                (WATCHER, "IsStatusNotifierHostRegistered"),
            ),
            timeout=3,
        )
        return bool(value[1])
    except (BusError, TypeError, IndexError, ValueError):
        return None


def probe(env: Mapping[str, str], bus: Bus | None, bus_problem: str | None) -> Probe:
    watcher = False
    host: bool | None = None
    if bus is not None:
        try:
            watcher = has_owner(bus, WATCHER)
        except BusError as exc:
            log.info("Could not ask the session bus for a tray: %s", exc)
        if watcher:
            host = _host_registered(bus)
    seen = Probe(
        platform=sys.platform,
        override=env.get(ENV_TRAY, ""),
        pystray_backend=env.get("PYSTRAY_BACKEND", ""),
        bus_problem=bus_problem,
        watcher=watcher,
        xembed=False if watcher else xembed_tray(env.get("DISPLAY")),
        graphical=bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")),
        host=host,
    )
    if seen.platform.startswith("linux") and choose(seen).mechanism == PYSTRAY:
        seen = replace(seen, gtk=_has_gi())  # asked only where it decides something
    return seen


def _has_gi() -> bool:
    try:
        return importlib.util.find_spec("gi") is not None
    except (ImportError, ValueError):
        return False


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
    shortfall: Shortfall | None = None
    """What the user misses with this tray (said once at start-up)."""


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
    seen = probe(env, bus, problem)
    choice = choose(seen)
    log.info("Tray: %s, because %s.", choice.mechanism, choice.reason)
    tray: TrayAdapter
    if choice.mechanism == SNI:
        if bus is None:
            raise ConfigError(f"{ENV_TRAY}=sni needs the session D-Bus: {problem}.")
        from .tray.sni import SniTray

        tray = SniTray(on_action, menu_length, bus=bus)
    else:
        from .tray.pystray_tray import Tray  # pystray: loads a toolkit

        tray = Tray(on_action, menu_length, backend=choice.backend)
    notifier: Notifier
    if bus is not None:
        from .notify.freedesktop import FreedesktopNotifier

        notifier = FreedesktopNotifier(bus, on_action)
    else:
        from .notify.native import os_notifier  # desktop-notifier where it runs, else plyer

        notifier = os_notifier(on_action)
    short = shortfall(seen, tray.has_menu)
    if short is not None:
        log.warning("%s", startup_line(short))
    return Desktop(tray, notifier, choice, short)
