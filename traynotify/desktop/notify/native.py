"""Clickable pop-ups on macOS (Notification Center) and Windows (WinRT toasts).

Through desktop-notifier (pure Python, installed on those two systems only). Clicking a
pop-up does what it does on Linux: the notification's link opens and it is marked read;
its "Mark read" button marks it read; a summary opens the console. Where the library
cannot run (not installed, macOS without a signed app bundle to send from, Windows older
than 10) plyer shows pop-ups that cannot be clicked: :func:`os_notifier` chooses.

desktop-notifier is asynchronous: its callbacks need a running event loop, so this
adapter runs one on a thread of its own and hands every pop-up to it. Sending never
raises: a failure is a logged warning. Every import of the library is inside a
function, so this module imports (and is tested) on every OS.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from typing import Any

from ...core.menu import Action
from ...core.text import one_line, paragraph
from ...core.toasts import Toast
from ...i18n import _
from . import Notifier

log = logging.getLogger(__name__)

APP_NAME = "traynotify"
TIMEOUT_S = 10
NATIVE_PLATFORMS = ("darwin", "win32")


@dataclass(frozen=True)
class Availability:
    """Whether desktop-notifier can show clickable pop-ups here, in words for doctor."""

    usable: bool
    text: str
    """What is used and why, in one line."""


def availability(platform: str = sys.platform) -> Availability:
    """Can desktop-notifier run here? Loads the library; shows nothing."""
    if platform not in NATIVE_PLATFORMS:
        return Availability(False, "desktop-notifier is used on macOS and Windows only")
    try:
        import desktop_notifier
        from desktop_notifier.main import get_backend_class

        backend = get_backend_class()
    except Exception as exc:  # not installed, or its OS bridge failed to load
        return Availability(
            False,
            f"desktop-notifier cannot load ({type(exc).__name__}: {one_line(str(exc), 120)})",
        )
    name = getattr(backend, "__name__", type(backend).__name__)
    if "dummy" in name.lower():
        why = (
            "macOS lets only an app bundle use Notification Center"
            if platform == "darwin"
            else "this Windows is older than Windows 10"
        )
        return Availability(False, f"desktop-notifier has no backend here: {why}")
    if platform == "darwin":
        try:
            from desktop_notifier.backends.macos_support import is_signed_bundle

            signed = bool(is_signed_bundle())
        except Exception:
            signed = False
        if not signed:
            return Availability(
                False, "desktop-notifier needs a signed app (or Python) to send from on macOS"
            )
    version = getattr(desktop_notifier, "__version__", "?")
    return Availability(True, f"desktop-notifier {version} ({name}): clickable")


def click_action(toast: Toast) -> Action:
    """What clicking the pop-up itself asks for (the menu's own actions)."""
    if toast.notification_id is None:
        return Action("open_console")
    return Action("open", toast.notification_id)


class NativeNotifier:
    """Shows :class:`Toast` values; clicks come back as :class:`Action` values."""

    mechanism = "desktop-notifier"

    def __init__(
        self,
        on_action: Callable[[Action], None],
        app_name: str = APP_NAME,
        timeout: int = TIMEOUT_S,
    ) -> None:
        self._on_action = on_action
        self.app_name = app_name
        self.timeout = timeout
        self._library: Any = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="traynotify-pop-ups", daemon=True
        )
        self._thread.start()

    def show(self, toast: Toast) -> bool:
        """Hand ``toast`` to the library; False (and a warning) when that failed at once."""
        try:
            notification = self._notification(toast)
            sent = asyncio.run_coroutine_threadsafe(self._send(notification), self._loop)
        except Exception as exc:
            log.warning(
                "Could not show a notification (%s): %s",
                type(exc).__name__,
                one_line(str(exc), 200),
            )
            return False
        sent.add_done_callback(self._sent)
        return True

    def close(self) -> None:
        """Stop the event loop (pop-ups still on screen can no longer be clicked)."""
        if self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self._loop.close()

    # -- on the loop's thread --------------------------------------------------------------
    async def _send(self, notification: Any) -> None:
        if self._library is None:
            from desktop_notifier import DesktopNotifier

            self._library = DesktopNotifier(app_name=self.app_name)
        await self._library.send_notification(notification)

    @staticmethod
    def _sent(sent: Future[None]) -> None:
        exc = None if sent.cancelled() else sent.exception()
        if exc is not None:
            log.warning(
                "Could not show a notification (%s): %s",
                type(exc).__name__,
                one_line(str(exc), 200),
            )

    def _notification(self, toast: Toast) -> Any:
        from desktop_notifier import Button, Notification

        buttons: tuple[Any, ...] = ()
        if toast.notification_id is not None:
            mark = Action("mark_read", toast.notification_id)
            buttons = (Button(title=_("Mark read"), on_pressed=partial(self._act, mark)),)
        return Notification(
            title=one_line(toast.title, 100),
            message=paragraph(toast.body, 300),
            buttons=buttons,
            on_clicked=partial(self._act, click_action(toast)),
            timeout=self.timeout,
        )

    def _act(self, action: Action) -> None:
        # On the loop's thread (Windows) or the main thread (macOS): never raise into it.
        try:
            self._on_action(action)
        except Exception:
            log.exception("Pop-up action %s failed.", action.kind)


def os_notifier(on_action: Callable[[Action], None], platform: str = sys.platform) -> Notifier:
    """Pop-ups without a session D-Bus: desktop-notifier where it runs, else plyer."""
    found = availability(platform)
    if found.usable:
        log.info("Pop-ups: %s.", found.text)
        return NativeNotifier(on_action)
    if platform in NATIVE_PLATFORMS:
        log.info("Pop-ups through plyer, not clickable: %s.", found.text)
    from .plyer_notify import Notifier as PlyerNotifier

    return PlyerNotifier()
