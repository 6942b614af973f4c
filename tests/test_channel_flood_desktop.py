"""A flood over the running app's channel, as real processes on the virtual desktop:
the contract server's log counts the requests, the notification daemon the pop-ups."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from traynotify.desktop.instance import send
from traynotify.devserver import ContractServer

from .conftest import Launch
from .desktop import Desktop, wait_for

pytestmark = pytest.mark.desktop

ALREADY = "traynotify is already running"


def flood(folder: Path, words: list[str], threads: int = 4) -> int:
    """Send ``words`` over the channel from a few threads at once; how many got an ok."""
    answered = [0] * threads

    def sender(n: int) -> None:
        for word in words[n::threads]:
            answered[n] += send(folder, word)

    workers = [threading.Thread(target=sender, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(answered)


def test_a_flood_of_second_starts_and_logins_is_one_refresh_and_one_popup(
    launch: Launch, desktop: Desktop, server: ContractServer
) -> None:
    baseline = len(desktop.toasts())
    app = launch("--interval", "60")  # its own polls stay out of the count
    wait_for("the first count", lambda: app.title() == "traynotify: 3 unread")
    wait_for("the first-start summary", lambda: len(desktop.toasts()) > baseline)
    folder = Path(app.env["XDG_STATE_HOME"]) / "traynotify"
    server.clear_requests()
    shown = len(desktop.toasts())
    words = ["activate", "key-changed"] * 1000
    assert flood(folder, words) == len(words)  # every word is answered
    wait_for("the one refresh", lambda: len(server.requests()) >= 1)
    wait_for("the one pop-up", lambda: ALREADY in [t[0] for t in desktop.toasts()[shown:]])
    time.sleep(2.0)  # and nothing after them: the rest were dropped, not queued
    assert 1 <= len(server.requests()) <= 3, server.requests()  # 216 in 10 s before
    assert [t[0] for t in desktop.toasts()[shown:]] == [ALREADY]
    assert app.proc.poll() is None
    assert "Traceback" not in app.stderr()
