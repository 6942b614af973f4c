"""Pop-ups through ``org.freedesktop.Notifications`` on the app's D-Bus connection.

Where the daemon offers actions, clicking a pop-up does what the menu entry
does: open the notification's console link and mark it read ("default"); its
"Mark read" button marks it read without opening; a summary pop-up opens the
console's notifications page. Pop-ups expire after ``timeout`` seconds. Text is
escaped when the daemon reads bodies as markup.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from jeepney import HeaderFields, MatchRule

from ...core.badge import Look
from ...core.menu import Action
from ...core.text import one_line, paragraph
from ...core.toasts import Toast
from ...i18n import _
from ..dbus import Bus, bus_call, name_owner_rule, reply_body, reply_error
from ..icons import render_icon
from ..markup import escape

log = logging.getLogger(__name__)

NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
APP_NAME = "traynotify"
TIMEOUT_S = 10
OPEN = "default"
MARK_READ = "mark-read"
REMEMBERED = 200
"""Pop-ups whose clicks we still act on (older ones are long gone from the screen)."""


def actions_for(toast: Toast) -> list[str]:
    """The action list (key, label, key, label...) of a pop-up."""
    if toast.notification_id is None:
        return [OPEN, _("Open notifications in console")]
    return [OPEN, _("Open"), MARK_READ, _("Mark read")]


def action_for(toast: Toast, key: str) -> Action | None:
    """What a click on ``key`` of ``toast``'s pop-up asks for (the menu's own actions)."""
    if toast.notification_id is None:
        return Action("open_console") if key == OPEN else None
    if key == OPEN:
        return Action("open", toast.notification_id, toast.subject)
    if key == MARK_READ:
        return Action("mark_read", toast.notification_id)
    return None


def body_text(text: str, markup: bool) -> str:
    return escape(text, quote=False) if markup else text


class FreedesktopNotifier:
    """Shows :class:`Toast` values; clicks come back as :class:`Action` values."""

    mechanism = "freedesktop"

    def __init__(
        self,
        bus: Bus,
        on_action: Callable[[Action], None],
        timeout: int = TIMEOUT_S,
    ) -> None:
        self._bus = bus
        self._on_action = on_action
        self.timeout = timeout
        self.capabilities: frozenset[str] | None = None
        """What the daemon offers; None until it has answered."""
        self._lock = threading.Lock()
        self._shown: OrderedDict[int, Toast] = OrderedDict()
        self._daemon: str | None = None
        self._image: tuple[int, int, int, bool, int, int, bytes] | None = None
        for member in ("ActionInvoked", "NotificationClosed"):
            rule = MatchRule(type="signal", interface=NAME, member=member, path=PATH)
            bus.subscribe(rule, self._signal)
        bus.subscribe(name_owner_rule(NAME), self._daemon_changed)
        self._ask_capabilities()

    def _ask_capabilities(self) -> None:
        def got(reply: Any) -> None:
            try:
                (caps,) = reply_body(reply)
            except Exception:
                log.info("No notification daemon answered: %s", reply_error(reply))
                return
            self.capabilities = frozenset(caps)

        self._bus.call(bus_call(NAME, PATH, NAME, "GetCapabilities"), got)

    def _daemon_changed(self, msg: Any) -> None:
        _name, _old, new = msg.body
        with self._lock:
            self._shown.clear()
            self._daemon = None
        self.capabilities = None
        if new:
            self._ask_capabilities()

    def _icon(self) -> tuple[int, int, int, bool, int, int, bytes]:
        if self._image is None:
            image = render_icon(Look.NONE, 0, 48)
            self._image = (image.width, image.height, image.width * 4, True, 8, 4, image.tobytes())
        return self._image

    def show(self, toast: Toast) -> bool:
        caps = self.capabilities
        markup = caps is None or "body-markup" in caps
        with_actions = caps is None or "actions" in caps
        hints: dict[str, tuple[str, Any]] = {
            "urgency": ("y", 1),
            "desktop-entry": ("s", "traynotify"),
            "image-data": ("(iiibiiay)", self._icon()),
        }
        body = (
            APP_NAME,
            0,
            "",
            one_line(toast.title, 100),
            body_text(paragraph(toast.body, 300), markup),
            actions_for(toast) if with_actions else [],
            hints,
            self.timeout * 1000,
        )

        def shown(reply: Any) -> None:
            try:
                (pop_up_id,) = reply_body(reply)
            except Exception:
                log.warning("Could not show a notification: %s", reply_error(reply))
                return
            with self._lock:
                self._daemon = reply.header.fields.get(HeaderFields.sender)
                self._shown[pop_up_id] = toast
                while len(self._shown) > REMEMBERED:
                    self._shown.popitem(last=False)

        if not self._bus.connected:
            return False
        self._bus.call(bus_call(NAME, PATH, NAME, "Notify", "susssasa{sv}i", body), shown)
        return True

    def _signal(self, msg: Any) -> None:
        member = msg.header.fields.get(HeaderFields.member)
        sender = msg.header.fields.get(HeaderFields.sender)
        with self._lock:
            if sender != self._daemon:
                return
            if member == "NotificationClosed":
                self._shown.pop(msg.body[0], None)
                return
            pop_up_id, key = msg.body
            toast = self._shown.get(pop_up_id)
        if toast is None:
            return
        action = action_for(toast, key)
        if action is None:
            return
        try:
            self._on_action(action)
        except Exception:
            log.exception("Pop-up action %s failed.", action.kind)
