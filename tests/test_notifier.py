"""The plyer adapter: which mechanism, expiring toasts, safe text, never raising."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from traynotify.core.toasts import Toast
from traynotify.desktop.notify import plyer_notify as notifier_module
from traynotify.desktop.notify.plyer_notify import Notifier, linux_body, macos_command

from .desktop import Desktop, wait_for


class Recorder:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[dict[str, Any]] = []
        self.fail = fail

    def notify(self, **kwargs: Any) -> None:
        if self.fail:
            raise RuntimeError("daemon went away")
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


FAKE_NOTIFY_SEND = """#!{python}
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_NOTIFY_LOG"], "a") as log:
    log.write(json.dumps(args) + "\\n")
if os.environ.get("FAKE_NOTIFY_FAIL"):
    sys.exit("Cannot connect to the notification daemon")
takes_value = {{"-a", "-t", "-i", "-u", "-c", "-h"}}
i = 0
while i < len(args) and args[i] != "--":  # options as GLib parses them, "--" ends them
    if args[i] in takes_value:
        i += 2
    elif args[i].startswith("-"):
        sys.exit("Unknown option " + args[i])
    else:
        i += 1
"""


@pytest.fixture
def notify_send(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A notify-send on PATH that records its arguments and parses options like the real one."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "notify-send"
    script.write_text(FAKE_NOTIFY_SEND.format(python=sys.executable))
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    log = tmp_path / "notify-send.log"
    monkeypatch.setenv("FAKE_NOTIFY_LOG", str(log))
    return log


def plyer_notify_send() -> Notifier:
    from plyer.platforms.linux.notification import NotifySendNotification as Real

    return with_backend(Real())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux path")
def test_notify_send_gets_the_texts_after_double_dash_and_an_expiry(notify_send: Path) -> None:
    assert plyer_notify_send().show(Toast("-x marks the spot", "-t 0 <b>"))
    (args,) = [json.loads(line) for line in notify_send.read_text().splitlines()]
    assert args == ["-a", "traynotify", "-t", "10000", "--", "-x marks the spot", "-t 0 &lt;b&gt;"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux path")
def test_a_failing_notify_send_is_reported_as_a_failure(
    notify_send: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("FAKE_NOTIFY_FAIL", "1")
    with caplog.at_level(logging.WARNING):
        assert plyer_notify_send().show(Toast("title", "body")) is False
    assert "notify-send failed: Cannot connect to the notification daemon" in caplog.text


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


@pytest.mark.desktop
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux path")
def test_real_notify_send_shows_a_title_that_starts_with_a_dash(
    desktop: Desktop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", desktop.bus_address)
    baseline = len(desktop.toasts())
    assert plyer_notify_send().show(Toast("-x marks the spot", "--help"))
    wait_for(
        "the toast on the bus",
        lambda: ("-x marks the spot", "--help", 10000) in desktop.toasts()[baseline:],
    )
