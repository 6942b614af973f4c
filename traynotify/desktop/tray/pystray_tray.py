"""The tray icon and its menu through pystray: the only module that imports it."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

from ...core.badge import look_for, tooltip
from ...core.menu import Action, Entry, build_menu
from ...core.state import TrayState
from ...errors import ConfigError, NoDesktopError
from ..command import command
from ..icons import render_icon

log = logging.getLogger(__name__)

ICON_SIZE = 64


@contextlib.contextmanager
def _backend_named(backend: str) -> Iterator[None]:
    """PYSTRAY_BACKEND as pystray reads it (once, at import), for the import only."""
    if not backend:
        yield
        return
    before = os.environ.get("PYSTRAY_BACKEND")
    os.environ["PYSTRAY_BACKEND"] = backend
    try:
        yield
    finally:
        if before is None:
            del os.environ["PYSTRAY_BACKEND"]
        else:
            os.environ["PYSTRAY_BACKEND"] = before


def load_pystray(backend: str = "") -> Any:
    """Import pystray with ``backend`` (empty: its own choice), turning "no desktop"
    into one clear error. A GTK that will not load falls back to the plain X11 icon."""
    backend = backend or os.environ.get("PYSTRAY_BACKEND", "")
    if (
        sys.platform.startswith("linux")
        and backend != "dummy"
        and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    ):
        raise NoDesktopError(
            "No graphical session (DISPLAY is not set), so there is no tray to show an icon "
            f"in; '{command('count')}' and '{command('list')}' work without one."
        )
    _name_the_program(backend)
    try:
        with _backend_named(backend):
            import pystray
    except Exception as exc:  # Xlib raises DisplayNameError, GI raises ValueError, ...
        if backend == "gtk" and os.environ.get("PYSTRAY_BACKEND") != "gtk":
            log.info("pystray's GTK backend did not load (%s); using its X11 one.", exc)
            return load_pystray("xorg")
        raise ConfigError(f"Cannot start the tray icon ({type(exc).__name__}: {exc}).") from exc
    return pystray


def _name_the_program(backend: str) -> None:
    """Window class "traynotify" however we were started ("python -m" would give
    "__main__.py"); GTK reads it once, when pystray initialises it."""
    if not sys.platform.startswith("linux") or backend == "xorg":
        return  # the X11 backend names its window itself; GLib would cost ~7 MB for nothing
    try:
        from gi.repository import GLib
    except ImportError:
        return
    GLib.set_prgname("traynotify")


class _Click:
    """A menu callback; pystray calls objects without ``__code__`` with (icon, item)."""

    def __init__(self, handler: Callable[[Action], None], action: Action) -> None:
        self.handler = handler
        self.action = action

    def __call__(self, icon: Any, item: Any) -> None:
        try:
            self.handler(self.action)
        except Exception:  # a failing click must not take the menu down
            log.exception("Menu action %s failed.", self.action.kind)


class Tray:
    """Shows a :class:`TrayState`; clicks come back as :class:`Action` values."""

    def __init__(
        self, on_action: Callable[[Action], None], menu_length: int = 10, backend: str = ""
    ) -> None:
        self._pystray = load_pystray(backend)
        self._on_action = on_action
        self._menu_length = menu_length
        self._morning = "09:00"
        """The local time the menu's "Until tomorrow" pauses until (snooze_morning)."""
        self._state = TrayState()
        icon_class = self._pystray.Icon
        self.backend = icon_class.__module__.rsplit("._", 1)[-1]
        self.has_menu = bool(getattr(icon_class, "HAS_MENU", True))
        if self.backend == "xorg":
            icon_class = _on_the_trays_background(icon_class)
        self._drawn: tuple[object, int] | None = None
        self._icon = icon_class(
            "traynotify",
            icon=render_icon(look_for(self._state), 0, ICON_SIZE),
            title=self._title(self._state),
            menu=self._pystray.Menu(self._items),
        )

    def _title(self, state: TrayState) -> str:
        text = tooltip(state, self.has_menu)
        if self.backend == "xorg":  # it writes WM_NAME as latin-1 and fails on anything else
            text = text.replace("…", "...").encode("latin-1", "replace").decode("latin-1")
        return text

    def _items(self) -> list[Any]:
        entries = build_menu(
            self._state, datetime.now(timezone.utc), self._menu_length, self._morning
        )
        return [self._item(e) for e in entries]

    def _item(self, entry: Entry) -> Any:
        pystray = self._pystray
        if entry.separator:
            return pystray.Menu.SEPARATOR
        if entry.children:  # a submenu
            return pystray.MenuItem(
                entry.label,
                pystray.Menu(*(self._item(child) for child in entry.children)),
                enabled=entry.enabled,
            )
        action = _Click(self._on_action, entry.action) if entry.action else None
        checked = None
        if entry.checked is not None:
            value = entry.checked
            checked = lambda item: value  # noqa: E731 - pystray wants a callable
        return pystray.MenuItem(
            entry.label,
            action,
            checked=checked,
            enabled=entry.enabled and entry.action is not None,
            default=entry.default,
        )

    def set_menu_options(self, menu_length: int, morning: str) -> None:
        self._menu_length, self._morning = menu_length, morning

    def update(self, state: TrayState) -> None:
        """Show ``state``; safe to call from any thread."""
        self._state = state
        look = look_for(state)
        if self._drawn != (look, state.count):
            self._drawn = (look, state.count)
            self._icon.icon = render_icon(look, state.count, ICON_SIZE)
        self._icon.title = self._title(state)
        if self.has_menu:
            self._icon.update_menu()

    def run(self, on_ready: Callable[[], None]) -> None:
        """Run the tray on this (main) thread until :meth:`stop`."""
        ctrl_c = signal.getsignal(signal.SIGINT)

        def setup(icon: Any) -> None:
            icon.visible = True
            if self.backend in ("gtk", "appindicator") and callable(ctrl_c):
                # pystray's GTK backends reset Ctrl+C to "die at once" as they start, which
                # would skip the app's clean-up; give it back, on the loop's (main) thread.
                from gi.repository import GLib

                GLib.idle_add(_set_handler, signal.SIGINT, ctrl_c)
            on_ready()

        self._icon.run(setup=setup)

    def stop(self) -> None:
        if self.backend == "xorg":
            # Asked from a signal handler, this runs on the loop's thread, perhaps inside
            # python-xlib holding its display lock: stopping from there could wait on that
            # lock for ever. From a thread of its own, the stop is a message to the loop.
            threading.Thread(target=self._icon.stop, name="traynotify-stop", daemon=True).start()
        else:
            self._icon.stop()


def _set_handler(signum: int, handler: Callable[[int, Any], None]) -> bool:
    signal.signal(signum, handler)
    return False  # once (a GLib idle callback)


def _on_the_trays_background(icon_class: Any) -> Any:
    """pystray's X11 icon, drawn over the tray's own background.

    pystray pastes the RGBA image on black and drops its alpha: a black square with
    a jagged fringe on any tray that is not black. Here the window takes its parent's
    background (ParentRelative, as GTK's tray icons do), and each draw reads those
    pixels back and lays the image over them, edges blended."""
    from PIL import Image
    from Xlib import X, display
    from Xlib.protocol import event

    class Icon(icon_class):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self._sender: Any = None
            self._sender_lock = threading.Lock()
            super().__init__(*args, **kwargs)
            # A draw in flight as the window goes (at Quit, or a tray that leaves) makes
            # X answer with an error later; python-xlib would print it on stderr.
            self._display.set_error_handler(_x_error)

        def _rewrite_implementation(self, *originals: Any) -> None:
            """As pystray's: calls from other threads run on the loop's thread, asked for
            with a ClientMessage. But pystray sends that message and flushes on the loop's
            own connection, from the calling thread: python-xlib then now and then hands
            a reply the loop waits for to the wrong thread, and the icon freezes at
            start-up. Here the message goes over a connection of its own."""
            handlers: dict[int, Callable[[], None]] = {}
            for original in originals:
                atom = self._display.intern_atom(f"_PYSTRAY_{original.__name__.upper()}")
                handlers[atom] = self._answering(original)
                setattr(self, original.__name__, self._dispatching(original, atom))
            self._message_handlers[X.ClientMessage] = lambda event: handlers.get(
                event.client_type, lambda: None
            )()

        def _answering(self, original: Callable[[], None]) -> Callable[[], None]:
            def run() -> None:
                try:
                    original()
                    self._queue.put(True)
                except Exception as exc:
                    self._queue.put(exc)

            return run

        def _run(self) -> None:
            self._thread = threading.current_thread()  # before setup runs, unlike pystray
            self._mark_ready()
            self._mainloop()

        def _dispatching(self, original: Callable[[], None], atom: int) -> Callable[[], None]:
            def call() -> None:
                loop = getattr(self, "_thread", None)
                if loop is None or threading.current_thread().ident == loop.ident:
                    original()  # the loop's own thread, or no loop yet to ask
                    return
                with self._sender_lock:
                    if self._sender is None:
                        self._sender = display.Display(self._display.get_display_name())
                    window = self._sender.create_resource_object("window", self._window.id)
                    message = event.ClientMessage(
                        window=window, client_type=atom, data=(32, (X.CurrentTime, 0, 0, 0, 0))
                    )
                    window.send_event(message, event_mask=X.NoEventMask)
                    self._sender.flush()
                result = self._queue.get()
                if result is not True:
                    raise result

            return call

        def _create_window(self) -> Any:
            window = super()._create_window()
            window.change_attributes(background_pixmap=X.ParentRelative)
            return window

        def _draw(self) -> None:
            try:
                size = self._window.get_geometry()
                w, h = size.width, size.height
                self._window.clear_area(0, 0, w, h)  # the tray's background, painted by X
                picture = _background(self._window, w, h)
                side = min(w, h)  # square, centred: trays hand out slots of any shape
                icon = self._icon.convert("RGBA").resize((side, side), Image.Resampling.LANCZOS)
                picture.paste(icon, ((w - side) // 2, (h - side) // 2), icon)
                self._window.put_pil_image(self._gc, 0, 0, picture)
            except Exception:  # the window is gone, or the display is closing
                log.debug("Could not draw the X11 tray icon.", exc_info=True)

    Icon.__name__ = Icon.__qualname__ = "Icon"
    Icon.__module__ = icon_class.__module__
    return Icon


def _x_error(error: Any, request: Any = None) -> None:
    log.debug("X error on the tray icon's window: %s", error)


def _background(window: Any, w: int, h: int) -> Any:
    """What X shows in ``window`` now, as an RGB image (black where it cannot tell)."""
    from PIL import Image
    from Xlib import X

    blank = Image.new("RGB", (w, h))
    try:
        shot = window.get_image(0, 0, w, h, X.ZPixmap, 0xFFFFFFFF)
    except Exception:
        return blank
    data = bytes(shot.data)
    if shot.depth not in (24, 32) or len(data) != 4 * w * h:
        return blank  # not the 32-bits-a-pixel TrueColor every current X server uses
    order = "BGRX" if window.display.info.image_byte_order == X.LSBFirst else "XRGB"
    return Image.frombytes("RGB", (w, h), data, "raw", order)
