"""OS toasts through plyer (macOS, Windows; on Linux only without a session D-Bus).

Showing a toast never raises: a failure is a logged warning.
"""

from __future__ import annotations

import importlib
import logging
import subprocess
import sys
import warnings
from html import escape
from typing import Any

from ...core.text import one_line, paragraph
from ...core.toasts import Toast
from ..children import child_env

log = logging.getLogger(__name__)

APP_NAME = "traynotify"
TIMEOUT_S = 10


def linux_body(text: str) -> str:
    # freedesktop notification bodies may be parsed as markup: show text as text.
    return escape(text, quote=False)


def notify_send_command(
    title: str, body: str, *, app_name: str, icon: str, expire_ms: int
) -> list[str]:
    """notify-send with the texts after ``--``: a title like "-x" is text, not an option."""
    command = ["notify-send", "-a", app_name, "-t", str(expire_ms)]
    if icon:
        command += ["-i", icon]
    return [*command, "--", title, body]


def macos_command(title: str, body: str) -> list[str]:
    """osascript with the texts as arguments, never spliced into the script."""
    return [
        "osascript",
        "-e",
        "on run argv",
        "-e",
        "display notification (item 2 of argv) with title (item 1 of argv)",
        "-e",
        "end run",
        title,
        body,
    ]


class Notifier:
    """Shows :class:`Toast` values as OS notifications."""

    def __init__(self, app_icon: str = "", timeout: int = TIMEOUT_S) -> None:
        self.app_icon = app_icon
        self.timeout = timeout
        self._impl: Any = None
        self.mechanism = "unknown"

    def _load(self) -> Any:
        """plyer's notification backend for this OS, or None if it cannot load."""
        if self._impl is None:
            # Not via plyer's proxy: it prints a traceback when the import fails.
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    from plyer.utils import platform

                    module = importlib.import_module(f"plyer.platforms.{platform}.notification")
                    self._impl = module.instance()
                except Exception as exc:
                    log.warning(
                        "Toasts are unavailable (%s): %s",
                        type(exc).__name__,
                        one_line(str(exc), 200),
                    )
                    self._impl = False
            for w in caught:
                log.warning("Toasts: %s", one_line(str(w.message), 200))
            self.mechanism = type(self._impl).__name__ if self._impl else "none"
            if self.mechanism == "NotifySendNotification":
                log.warning("No session D-Bus: toasts go through notify-send.")
        return self._impl

    def _notify_send(self, title: str, body: str) -> None:
        command = notify_send_command(
            title, body, app_name=APP_NAME, icon=self.app_icon, expire_ms=self.timeout * 1000
        )
        done = subprocess.run(
            command, capture_output=True, text=True, errors="replace", timeout=10, env=child_env()
        )
        if done.returncode != 0:
            said = one_line(done.stderr, 200) or f"exit status {done.returncode}"
            raise RuntimeError(f"notify-send failed: {said}")

    def show(self, toast: Toast) -> bool:
        title = one_line(toast.title, 100)
        body = paragraph(toast.body, 300)
        try:
            backend = self._load()
            if not backend:
                return False
            if sys.platform.startswith("linux"):
                kwargs: dict[str, Any] = dict(
                    title=title,
                    message=linux_body(body),
                    app_name=APP_NAME,
                    app_icon=self.app_icon,
                    timeout=self.timeout,
                )
                if self.mechanism == "NotifySendNotification":
                    # Not through plyer: it puts server text where options go, passes -t 0
                    # (a toast that never expires) and ignores notify-send's exit status.
                    self._notify_send(title, linux_body(body))
                else:
                    backend.notify(**kwargs)
            elif sys.platform == "darwin":
                try:
                    backend.notify(
                        title=title, message=body, app_name=APP_NAME, timeout=self.timeout
                    )
                except Exception:  # plyer needs pyobjus on macOS; AppleScript always works
                    subprocess.run(
                        macos_command(title, body),
                        check=True,
                        timeout=10,
                        capture_output=True,
                        env=child_env(),
                    )
            else:
                backend.notify(
                    title=title,
                    message=body,
                    app_name=APP_NAME,
                    app_icon=self.app_icon,
                    timeout=self.timeout,
                )
            return True
        except Exception as exc:
            log.warning(
                "Could not show a notification (%s): %s",
                type(exc).__name__,
                one_line(str(exc), 200),
            )
            return False
