"""The tray icon as a StatusNotifierItem (SNI) with a dbusmenu menu, over jeepney.

Shown by KDE Plasma, GNOME with the AppIndicator extension, Xfce, Cinnamon, LXQt
and waybar-style bars on Wayland, with no GTK and no compiled module. The item
registers with ``org.kde.StatusNotifierWatcher`` when one is on the bus, and
again whenever a new one appears (a panel restart, a panel started after us) or
the one there drops the item: GNOME's AppIndicator extension, right after the
shell starts, may fail to read an item and unregister it at once. Registration
is checked against ``RegisteredStatusNotifierItems`` and retried with a back-off
(:data:`RETRY_DELAYS`).

Clicks: a left click (``Activate``) runs the menu's default entry, "Open
notifications in console"; a middle click (``SecondaryActivate``) opens the
newest unread notification and marks it read, like its menu entry (with
nothing unread, it refreshes). A right click shows the menu. Scrolling does
nothing.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from PIL import Image

from ...core.badge import Look, look_for, tooltip
from ...core.menu import Action, Entry, build_menu
from ...core.state import Status, TrayState
from ...core.text import one_line
from ..dbus import (
    BUS_NAME,
    PROPERTIES,
    Bus,
    Interface,
    Method,
    Property,
    bus_call,
    name_owner_rule,
    reply_body,
    reply_error,
    signal_rule,
)
from ..icons import render_icon
from ..markup import escape
from . import dbusmenu

log = logging.getLogger(__name__)

ITEM_PATH = "/StatusNotifierItem"
ITEM_INTERFACE = "org.kde.StatusNotifierItem"
WATCHER = "org.kde.StatusNotifierWatcher"
WATCHER_PATH = "/StatusNotifierWatcher"
ICON_PX = 48
"""One pixmap size: hosts scale the largest they get to their slot (22-24 px, twice
that on HiDPI), and re-read every pixmap on each change, so no ladder of sizes."""
TOOLTIP_ITEMS = 5
RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
"""Seconds before registering again after the tray dropped the item, growing, then the
last one for as long as the tray keeps dropping it."""
CHECK_AFTER = (3.0, 10.0)
"""Seconds after a registration to check the tray still lists the item (a host that
drops it without a signal)."""
SETTLED = 60.0
"""A registration that held this long starts the back-off again from its first step."""

Pixmap = tuple[int, int, bytes]


def argb32(image: Image.Image) -> Pixmap:
    """(width, height, ARGB32 pixels in network byte order), as SNI wants them."""
    rgba = image.convert("RGBA")
    r, g, b, a = rgba.split()
    return rgba.width, rgba.height, Image.merge("RGBA", (a, r, g, b)).tobytes()


def sni_status(state: TrayState) -> str:
    """ "NeedsAttention" while something is unread (hosts keep such items in view)."""
    return "NeedsAttention" if look_for(state) is Look.UNREAD else "Active"


def tooltip_body(state: TrayState, limit: int = TOOLTIP_ITEMS) -> str:
    """The newest titles, one per line, escaped: hosts read this as markup."""
    if state.status is Status.SIGNED_OUT:
        return ""
    lines = [one_line(n.title, 60) for n in state.items[:limit]]
    if state.count > len(lines) and lines:
        lines.append("…")
    if state.notice:
        lines.append("⚠ " + one_line(state.notice, 80))
    return escape("\n".join(lines), quote=False)


def tooltip_of(state: TrayState, now: datetime | None = None) -> tuple[str, list[Pixmap], str, str]:
    """The ToolTip property: (icon name, pixmaps, title, body).

    Only the body is markup (the SNI spec's "Markup" section). The title is plain
    text, and hosts show it so: xfce4-panel escapes it itself (or sets it as text),
    Plasma shows it as plain text. Escaping it here would show "&amp;" to the user.
    """
    return ("", [], tooltip(state, now=now), tooltip_body(state))


@dataclass(frozen=True)
class View:
    """What the item's properties say now."""

    title: str
    status: str
    icon: Pixmap
    tooltip: tuple[str, list[Pixmap], str, str]


class SniTray:
    """Shows a :class:`TrayState` as an SNI item; clicks come back as :class:`Action`."""

    backend = "sni"
    has_menu = True

    def __init__(
        self,
        on_action: Callable[[Action], None],
        menu_length: int = 10,
        *,
        bus: Bus,
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        own_bus: bool = True,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
        check_after: tuple[float, ...] = CHECK_AFTER,
    ) -> None:
        self._bus = bus
        self._own_bus = own_bus
        self._on_action = on_action
        self._menu_length = menu_length
        self._now = now
        self._morning = "09:00"
        """The local time the menu's "Until tomorrow" pauses until (snooze_morning)."""
        self._state = TrayState()
        self._icons: dict[tuple[Look, int], Pixmap] = {}
        self._view = self._view_of(self._state)
        self._stopped = threading.Event()
        self.service = f"org.kde.StatusNotifierItem-{os.getpid()}-1"
        self.registered = threading.Event()
        """Set once a watcher has accepted the item (for tests and the doctor)."""
        self._retry_delays = retry_delays
        self._check_after = check_after
        self._reg_lock = threading.Lock()
        self._generation = 0
        """Counts registrations; a timer or reply of an older one does nothing."""
        self._drops = 0
        self._registered_at = 0.0
        self._timers: list[threading.Timer] = []
        bus.export(ITEM_PATH, self._interface())
        self.menu = dbusmenu.DBusMenu(bus, self._entries, self._click)
        bus.on_lost(self._bus_lost)

    # -- what the host reads ------------------------------------------------------------
    def _interface(self) -> Interface:
        def prop(sig: str, get: Callable[[], Any]) -> Property:
            return Property(sig, get)

        def pixmaps() -> list[Pixmap]:
            return [self._view.icon]

        return Interface(
            ITEM_INTERFACE,
            methods={
                "Activate": Method("ii", "", self._activate),
                "SecondaryActivate": Method("ii", "", self._secondary_activate),
                "ContextMenu": Method("ii", "", lambda x, y: ()),
                "Scroll": Method("is", "", lambda delta, orientation: ()),
            },
            properties={
                "Category": prop("s", lambda: "Communications"),
                "Id": prop("s", lambda: "traynotify"),
                "Title": prop("s", lambda: self._view.title),
                "Status": prop("s", lambda: self._view.status),
                "WindowId": prop("i", lambda: 0),
                "IconThemePath": prop("s", lambda: ""),
                "IconName": prop("s", lambda: ""),
                "IconAccessibleDesc": prop("s", lambda: self._view.title),
                "AttentionAccessibleDesc": prop("s", lambda: self._view.title),
                "IconPixmap": prop("a(iiay)", pixmaps),
                "OverlayIconName": prop("s", lambda: ""),
                "OverlayIconPixmap": prop("a(iiay)", lambda: []),
                "AttentionIconName": prop("s", lambda: ""),
                "AttentionIconPixmap": prop("a(iiay)", pixmaps),
                "AttentionMovieName": prop("s", lambda: ""),
                "ToolTip": prop("(sa(iiay)ss)", lambda: self._view.tooltip),
                "ItemIsMenu": prop("b", lambda: False),
                "Menu": prop("o", lambda: dbusmenu.PATH),
            },
            signals={
                "NewTitle": "",
                "NewIcon": "",
                "NewAttentionIcon": "",
                "NewOverlayIcon": "",
                "NewToolTip": "",
                "NewStatus": "s",
            },
        )

    def _pixmap(self, look: Look, count: int) -> Pixmap:
        key = (look, count if look in (Look.UNREAD, Look.OFFLINE) else 0)
        if key not in self._icons:
            if len(self._icons) > 16:
                self._icons.clear()
            self._icons[key] = argb32(render_icon(look, key[1], ICON_PX))
        return self._icons[key]

    def _view_of(self, state: TrayState) -> View:
        return View(
            title=tooltip(state, now=self._now()),
            status=sni_status(state),
            icon=self._pixmap(look_for(state), state.count),
            tooltip=tooltip_of(state, self._now()),
        )

    def _entries(self) -> list[Entry]:
        return build_menu(self._state, self._now(), self._menu_length, self._morning)

    # -- clicks (on the bus thread) -------------------------------------------------------
    def _click(self, action: Action) -> None:
        self._on_action(action)

    def _activate(self, x: int, y: int) -> tuple[()]:
        entry = next((e for e in self._entries() if e.default and e.action), None)
        if entry is not None and entry.action is not None:
            self._guarded(entry.action)
        return ()

    def _secondary_activate(self, x: int, y: int) -> tuple[()]:
        items = self._state.items
        if self._state.status is not Status.SIGNED_OUT and items:
            self._guarded(Action("open", items[0].id, items[0]))
        else:
            self._guarded(Action("refresh"))
        return ()

    def _guarded(self, action: Action) -> None:
        try:
            self._on_action(action)
        except Exception:  # a failing click must not fail the host's call
            log.exception("Tray action %s failed.", action.kind)

    # -- the app's side -------------------------------------------------------------------
    def set_menu_options(self, menu_length: int, morning: str) -> None:
        self._menu_length, self._morning = menu_length, morning

    def update(self, state: TrayState) -> None:
        """Show ``state``; safe to call from any thread."""
        self._state = state
        old, new = self._view, self._view_of(state)
        self._view = new
        emit = self._bus.emit
        if new.icon != old.icon:
            emit(ITEM_PATH, ITEM_INTERFACE, "NewIcon", "", ())
            emit(ITEM_PATH, ITEM_INTERFACE, "NewAttentionIcon", "", ())
        if new.title != old.title:  # the accessible descriptions are the title too
            emit(ITEM_PATH, ITEM_INTERFACE, "NewTitle", "", ())
        if new.tooltip != old.tooltip:
            emit(ITEM_PATH, ITEM_INTERFACE, "NewToolTip", "", ())
        if new.status != old.status:
            emit(ITEM_PATH, ITEM_INTERFACE, "NewStatus", "s", (new.status,))
        self.menu.refresh()

    def run(self, on_ready: Callable[[], None]) -> None:
        """Show the item and block until :meth:`stop` (or the session bus goes away)."""
        self._bus.subscribe(name_owner_rule(WATCHER), self._watcher_changed)
        self._bus.subscribe(
            signal_rule(WATCHER, "StatusNotifierItemUnregistered"), self._unregistered
        )
        self._bus.call(
            bus_call(
                BUS_NAME, "/org/freedesktop/DBus", BUS_NAME, "RequestName", "su", (self.service, 4)
            ),
            self._named,
        )
        on_ready()
        try:
            while not self._stopped.wait(3600):
                pass
        finally:
            if self._own_bus:
                self._bus.close()

    def stop(self) -> None:
        self._stopped.set()
        with self._reg_lock:
            self._generation += 1
            timers, self._timers = self._timers, []
        for timer in timers:
            timer.cancel()

    # -- registration (on the bus thread) -------------------------------------------------
    def _named(self, reply: Any) -> None:
        try:
            (result,) = reply_body(reply)
        except Exception as exc:
            result = 0
            log.info("Could not take the name %s (%s).", self.service, exc)
        if result != 1:  # not the primary owner: register by our unique name instead
            self.service = self._bus.unique_name
        self._bus.call(
            bus_call(BUS_NAME, "/org/freedesktop/DBus", BUS_NAME, "NameHasOwner", "s", (WATCHER,)),
            self._watcher_known,
        )

    def _watcher_known(self, reply: Any) -> None:
        try:
            (present,) = reply_body(reply)
        except Exception:
            present = False
        if present:
            self._register()
        else:
            log.info("No tray (StatusNotifierWatcher) yet; the icon appears when one starts.")

    def _watcher_changed(self, msg: Any) -> None:
        _name, _old, new = msg.body
        self.registered.clear()
        with self._reg_lock:
            self._drops = 0
        if new:
            log.info("A tray (StatusNotifierWatcher) appeared; showing the icon there.")
            self._register()
        else:
            with self._reg_lock:  # nothing to register with: stop the timers
                self._generation += 1
            log.info("The tray (StatusNotifierWatcher) went away; waiting for it to return.")

    def _is_us(self, entry: str) -> bool:
        """Watchers list items as "service", "service/path" or "service + path"."""
        return any(
            entry == name or entry.startswith(name + "/")
            for name in {self.service, self._bus.unique_name}
        )

    def _unregistered(self, msg: Any) -> None:
        (entry,) = msg.body
        if isinstance(entry, str) and self._is_us(entry):
            self._dropped("the tray dropped the icon (StatusNotifierItemUnregistered)")

    def _dropped(self, why: str) -> None:
        """Register again after the next step of the back-off."""
        self.registered.clear()
        with self._reg_lock:
            if self._stopped.is_set():
                return
            if time.monotonic() - self._registered_at > SETTLED:
                self._drops = 0
            delay = self._retry_delays[min(self._drops, len(self._retry_delays) - 1)]
            self._drops += 1
            self._generation += 1
            generation = self._generation
        (log.info if self._drops <= 2 else log.debug)(
            "%s; registering it again in %g s.", why[0].upper() + why[1:], delay
        )
        self._later(delay, generation, self._register)

    def _later(self, delay: float, generation: int, then: Callable[[], None]) -> None:
        def fire() -> None:
            with self._reg_lock:
                current = generation == self._generation and not self._stopped.is_set()
                if timer in self._timers:
                    self._timers.remove(timer)
            if current:
                then()

        timer = threading.Timer(delay, fire)
        timer.daemon = True
        with self._reg_lock:
            self._timers.append(timer)
        timer.start()

    def _register(self) -> None:
        with self._reg_lock:
            self._generation += 1
            generation = self._generation

        def done(reply: Any) -> None:
            try:
                reply_body(reply)
            except Exception:
                log.warning("The tray refused the icon: %s", reply_error(reply))
                return
            with self._reg_lock:
                if generation != self._generation:
                    return
                self._registered_at = time.monotonic()
            self.registered.set()
            for delay in self._check_after:
                self._later(delay, generation, lambda: self._check(generation))

        self._bus.call(
            bus_call(
                WATCHER, WATCHER_PATH, WATCHER, "RegisterStatusNotifierItem", "s", (self.service,)
            ),
            done,
        )

    def _check(self, generation: int) -> None:
        """Ask the watcher whether it still lists the item; register again if not."""

        def answer(reply: Any) -> None:
            try:
                ((_sig, items),) = reply_body(reply)
            except Exception:  # a watcher without the property: trust the signal
                return
            with self._reg_lock:
                if generation != self._generation:
                    return
            if not any(isinstance(i, str) and self._is_us(i) for i in items):
                self._dropped("the tray does not list the icon")

        self._bus.call(
            bus_call(
                WATCHER,
                WATCHER_PATH,
                PROPERTIES,
                "Get",
                "ss",
                (WATCHER, "RegisteredStatusNotifierItems"),
            ),
            answer,
        )

    def _bus_lost(self) -> None:
        log.warning("The session D-Bus is gone (the desktop session ended?); quitting.")
        self.stop()
