"""The plyer adapter: which mechanism, expiring toasts, safe text, never raising."""

from __future__ import annotations

import logging
import sys
from typing import Any

import pytest

from traynotify import notifier as notifier_module
from traynotify.notifier import Notifier, linux_body, macos_command
from traynotify.toasts import Toast


class Recorder:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[dict[str, Any]] = []
        self.fail = fail

    def notify(self, **kwargs: Any) -> None:
        if self.fail:
            raise RuntimeError("daemon went away")
        self.calls.append(kwargs)


class NotifySendNotification(Recorder):
    """Named like plyer's notify-send fallback."""

    def _notify(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


def with_backend(backend: object) -> Notifier:
    n = Notifier()
    n._impl = backend
    n.mechanism = type(backend).__name__
    return n


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux path")
def test_linux_toast_goes_to_plyer_with_an_expiry_and_escaped_body() -> None:
    backend = Recorder()
    assert with_backend(backend).show(Toast("Low <balance>", "a < b & c"))
    (call,) = backend.calls
    assert call["title"] == "Low <balance>"
    assert call["message"] == "a &lt; b &amp; c"
    assert call["timeout"] == 10
    assert call["app_name"] == "traynotify"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux path")
def test_notify_send_fallback_gets_an_expiry_instead_of_zero() -> None:
    backend = NotifySendNotification()
    assert with_backend(backend).show(Toast("t", "b"))
    assert backend.calls[0]["expire_time"] == "10000"


def test_a_failing_toast_is_logged_never_raised(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert with_backend(Recorder(fail=True)).show(Toast("t", "b")) is False
    assert "Could not show a notification (RuntimeError): daemon went away" in caplog.text


def test_no_backend_at_all_is_a_false_not_an_error() -> None:
    n = Notifier()
    n._impl = False
    assert n.show(Toast("t", "b")) is False


def test_a_backend_that_fails_to_load_is_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(name: str) -> Any:
        raise ImportError("no module for this OS")

    monkeypatch.setattr(notifier_module.importlib, "import_module", broken)
    with caplog.at_level(logging.WARNING):
        assert Notifier().show(Toast("t", "b")) is False
    assert "Toasts are unavailable (ImportError)" in caplog.text


def test_hostile_text_is_single_line_and_bounded() -> None:
    backend = Recorder()
    with_backend(backend).show(Toast("a\nb\x1b]0;x\x07" + "t" * 500, "c\u202ed" + "b" * 9000))
    call = backend.calls[0]
    assert "\n" not in call["title"]
    assert "\x1b" not in call["title"]
    assert len(call["title"]) <= 100
    assert len(call["message"]) <= 300 * 5  # escaped entities can lengthen it
    assert "\u202e" not in call["message"]


def test_linux_body_escapes_markup() -> None:
    assert linux_body('<a href="x">y</a>') == '&lt;a href="x"&gt;y&lt;/a&gt;'


def test_macos_command_passes_text_as_arguments_not_script() -> None:
    cmd = macos_command('say "hi"', 'x" & do shell script "rm')
    assert cmd[-2:] == ['say "hi"', 'x" & do shell script "rm']
    assert all("rm" not in part for part in cmd[:-1])
