"""A mark all on its way when the tray app is killed (kill -9) is sent by the next start:
real processes on a virtual desktop, against the contract server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from traynotify.devserver import ContractServer, Fault

from .conftest import Launch
from .desktop import wait_for

pytestmark = pytest.mark.desktop


def test_a_mark_all_on_its_way_at_a_kill_9_is_sent_by_the_next_start(
    launch: Launch, server: ContractServer
) -> None:
    app = launch()
    wait_for("the count", lambda: app.title() == "traynotify: 3 unread")
    held = server.hold("/mark-all-read")
    cli = subprocess.Popen(
        [sys.executable, "-m", "traynotify", "read", "--all"],
        env=app.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        held.wait(30)  # the tray's mark all is on its way, and the server keeps it
        pending = Path(app.env["XDG_STATE_HOME"]) / "traynotify" / "pending.json"
        kept = json.loads(pending.read_text(encoding="utf-8"))["accounts"][server.url]
        assert kept == [{"all": [5001, 5003, 5004]}]
        cli.kill()  # the command gives up first: only the tray's request is left
        cli.wait(10)
        app.proc.kill()  # kill -9: no clean-up at all
        app.proc.wait(10)
        server.inject(Fault("drop"), times=1)  # the held request never takes effect
        held.release()
        wait_for("the dropped mark all", lambda: server.requests("/mark-all-read"))
        assert server.store.unread_count("alice") == 3
    finally:
        cli.kill()
        cli.wait(10)
    again = launch()
    wait_for("the kept mark all to be sent", lambda: server.store.unread_count("alice") == 0)
    wait_for("the new app's count", lambda: again.title().startswith("traynotify: 0"))
    assert [r.status for r in server.requests("/mark-all-read")] == [0, 200]
    wait_for(
        "pending.json to be emptied",
        lambda: server.url not in json.loads(pending.read_text(encoding="utf-8"))["accounts"],
    )
