"""macOS and Windows pop-ups through desktop-notifier, against a fake of the library's API.

There is no macOS or Windows machine here: the fake copies the parts of desktop-notifier
6.x the adapter uses (DesktopNotifier.send_notification, a coroutine; Notification with
on_clicked and buttons; Button with on_pressed; main.get_backend_class;
backends.macos_support.is_signed_bundle) and plays the user's clicks.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from traynotify.core.menu import Action
from traynotify.core.toasts import Toast
from traynotify.desktop.notify import native
from traynotify.desktop.notify.plyer_notify import Notifier as PlyerNotifier


@dataclass(frozen=True)
class Button:
    title: str
    on_pressed: Callable[[], Any] | None = None


@dataclass(frozen=True)
class Notification:
    title: str
    message: str
    buttons: tuple[Button, ...] = ()
    on_clicked: Callable[[], Any] | None = None
    on_dismissed: Callable[[], Any] | None = None
    timeout: int = -1


class WinRTDesktopNotifier:
    pass


class DummyNotificationCenter:
    pass


@dataclass
class Library:
    """What the fake library saw, and how it behaves."""

    backend: type = WinRTDesktopNotifier
    signed: bool = True
    fail_with: Exception | None = None
    sent: list[Notification] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def library(monkeypatch: pytest.MonkeyPatch) -> Library:
    state = Library()

    class DesktopNotifier:
        def __init__(self, app_name: str = "Python", app_icon: object = None) -> None:
            state.names.append(app_name)

        async def send_notification(self, notification: Notification) -> str:
            if state.fail_with is not None:
                state.arrived.set()
                raise state.fail_with
            state.sent.append(notification)
            state.arrived.set()
            return "id-1"

    top = types.ModuleType("desktop_notifier")
    top.__version__ = "6.2.0"  # type: ignore[attr-defined]
    top.DesktopNotifier = DesktopNotifier  # type: ignore[attr-defined]
    top.Notification = Notification  # type: ignore[attr-defined]
    top.Button = Button  # type: ignore[attr-defined]
    main = types.ModuleType("desktop_notifier.main")
    main.get_backend_class = lambda: state.backend  # type: ignore[attr-defined]
    backends = types.ModuleType("desktop_notifier.backends")
    support = types.ModuleType("desktop_notifier.backends.macos_support")
    support.is_signed_bundle = lambda: state.signed  # type: ignore[attr-defined]
    for name, module in (
        ("desktop_notifier", top),
        ("desktop_notifier.main", main),
        ("desktop_notifier.backends", backends),
        ("desktop_notifier.backends.macos_support", support),
    ):
        monkeypatch.setitem(sys.modules, name, module)
    return state


@pytest.fixture
def clicks() -> list[Action]:
    return []


@pytest.fixture
def notifier(library: Library, clicks: list[Action]) -> Iterator[native.NativeNotifier]:
    shown = native.NativeNotifier(clicks.append)
    yield shown
    shown.close()


def sent_one(library: Library) -> Notification:
    assert library.arrived.wait(30)
    (notification,) = library.sent
    return notification


def test_a_click_opens_and_marks_read_and_the_button_marks_read(
    library: Library, notifier: native.NativeNotifier, clicks: list[Action]
) -> None:
    assert notifier.show(Toast("Payment received", "$25.00 from Mei", notification_id=7))
    notification = sent_one(library)
    assert (notification.title, notification.message) == ("Payment received", "$25.00 from Mei")
    assert library.names == ["traynotify"]
    assert notification.on_clicked is not None
    notification.on_clicked()
    (button,) = notification.buttons
    assert button.title == "Mark read"
    assert button.on_pressed is not None
    button.on_pressed()
    assert clicks == [Action("open", 7), Action("mark_read", 7)]


def test_a_summary_opens_the_console_and_has_no_mark_read_button(
    library: Library, notifier: native.NativeNotifier, clicks: list[Action]
) -> None:
    assert notifier.show(Toast("You have 12 unread notifications", "Balance low"))
    notification = sent_one(library)
    assert notification.buttons == ()
    assert notification.on_clicked is not None
    notification.on_clicked()
    assert clicks == [Action("open_console")]


def test_a_failed_send_is_a_logged_warning_never_an_exception(
    library: Library, notifier: native.NativeNotifier, caplog: pytest.LogCaptureFixture
) -> None:
    library.fail_with = RuntimeError("the notification center said no")
    expected = "Could not show a notification (RuntimeError): the notification center said no"
    with caplog.at_level(logging.WARNING, logger=native.__name__):
        assert notifier.show(Toast("t", "b", notification_id=1)) is True
        deadline = time.monotonic() + 30
        while expected not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.01)
    assert expected in caplog.text


def test_a_pop_up_the_library_refuses_to_build_returns_false(
    library: Library,
    notifier: native.NativeNotifier,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise TypeError("unexpected keyword argument 'timeout'")

    monkeypatch.setattr(sys.modules["desktop_notifier"], "Notification", broken)
    with caplog.at_level(logging.WARNING, logger=native.__name__):
        assert notifier.show(Toast("t", "b", notification_id=1)) is False
    assert "unexpected keyword argument" in caplog.text


def test_a_failing_click_handler_is_logged_not_raised(
    library: Library, caplog: pytest.LogCaptureFixture
) -> None:
    def on_action(action: Action) -> None:
        raise RuntimeError("poller gone")

    shown = native.NativeNotifier(on_action)
    try:
        shown.show(Toast("t", "b", notification_id=3))
        notification = sent_one(library)
        assert notification.on_clicked is not None
        notification.on_clicked()  # must not raise into the library
    finally:
        shown.close()
    assert "Pop-up action open failed." in caplog.text


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_desktop_notifier_is_chosen_where_it_runs(library: Library, platform: str) -> None:
    found = native.availability(platform)
    assert found == native.Availability(
        True, "desktop-notifier 6.2.0 (WinRTDesktopNotifier): clickable"
    )
    chosen = native.os_notifier(lambda action: None, platform)
    assert isinstance(chosen, native.NativeNotifier)
    chosen.close()


@pytest.mark.parametrize(
    ("platform", "backend", "signed", "why"),
    [
        ("darwin", DummyNotificationCenter, True, "only an app bundle"),
        ("darwin", WinRTDesktopNotifier, False, "needs a signed app"),
        ("win32", DummyNotificationCenter, True, "older than Windows 10"),
        ("linux", WinRTDesktopNotifier, True, "macOS and Windows only"),
    ],
)
def test_plyer_is_the_fallback_where_desktop_notifier_cannot_run(
    library: Library, platform: str, backend: type, signed: bool, why: str
) -> None:
    library.backend, library.signed = backend, signed
    found = native.availability(platform)
    assert not found.usable
    assert why in found.text
    assert isinstance(native.os_notifier(lambda action: None, platform), PlyerNotifier)


def test_plyer_is_the_fallback_when_the_import_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "desktop_notifier", None)  # import raises ImportError
    found = native.availability("win32")
    assert not found.usable
    assert found.text.startswith("desktop-notifier cannot load (ModuleNotFoundError")
    assert isinstance(native.os_notifier(lambda action: None, "win32"), PlyerNotifier)


@pytest.mark.parametrize(
    ("signed", "status", "text"),
    [
        (True, "ok", "desktop-notifier 6.2.0 (WinRTDesktopNotifier): clickable"),
        (False, "note", "plyer, whose pop-ups cannot be clicked: desktop-notifier needs a signed"),
    ],
)
def test_doctor_says_which_is_used(
    library: Library, monkeypatch: pytest.MonkeyPatch, signed: bool, status: str, text: str
) -> None:
    from traynotify.desktop import doctor

    library.signed = signed
    monkeypatch.setattr(doctor, "sys", types.SimpleNamespace(platform="darwin"))
    finding = doctor.popup_finding(None, None, None)
    assert (finding.topic, finding.status) == ("Pop-ups", status)
    assert finding.text.startswith(text)
