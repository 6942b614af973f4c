"""Signed out does not stay signed out, in the real app on the virtual desktop: after a
401, once the key is restored in the console, a second ``traynotify run`` brings the
running tray back (before, only Quit did)."""

from __future__ import annotations

import pytest

from traynotify.devserver import ContractServer

from .conftest import KEY, Launch
from .desktop import wait_for
from .test_desktop_life import traynotify

pytestmark = pytest.mark.desktop


def test_a_second_start_brings_back_a_tray_whose_key_was_restored(
    launch: Launch, server: ContractServer
) -> None:
    app = launch()
    wait_for("the first count", lambda: app.title() == "traynotify: 3 unread")
    server.store.revoke_key(KEY)
    wait_for("the signed-out title", lambda: "signed out" in app.title())
    server.store.add_key(KEY, "alice")  # restored in the console
    done = traynotify("run", env=app.env)
    assert done.returncode == 0, done.stderr
    assert "it will refresh now" in done.stdout
    wait_for("the count again", lambda: app.title() == "traynotify: 3 unread")
    assert app.proc.poll() is None
