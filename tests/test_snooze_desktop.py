"""`traynotify snooze` reaching the running tray app, as real processes on a virtual desktop."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from traynotify.devserver import ContractServer

from .conftest import Launch
from .desktop import ICON_NAME, AppProcess, Desktop, arrives, wait_for
from .test_desktop_life import traynotify

pytestmark = pytest.mark.desktop


def pause(app: AppProcess) -> dict[str, object]:
    done = traynotify("count", "--format", "json", env=app.env)
    assert done.returncode == 0, done.stderr
    data: dict[str, object] = json.loads(done.stdout)
    assert data["source"] == "tray"
    return {k: data[k] for k in ("count", "paused", "paused_until")}


def test_snooze_pauses_the_running_tray_and_off_resumes_it(
    launch: Launch, server: ContractServer, desktop: Desktop
) -> None:
    before = len(desktop.toasts())
    app = launch()
    wait_for("the first-start summary", lambda: desktop.toasts()[before:])
    wait_for("the count", lambda: app.title().startswith("traynotify: 3 unread"))
    assert pause(app) == {"count": 3, "paused": False, "paused_until": None}

    done = traynotify("snooze", "1h", env=app.env)
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"Pop-ups paused until \d\d:\d\d \(1 h\)\n", done.stdout), done.stdout
    state = wait_for("the tray to say it is paused", lambda: (s := pause(app))["paused"] and s)
    assert isinstance(state["paused_until"], str)
    end = datetime.fromisoformat(state["paused_until"])
    assert timedelta(minutes=58) < end - datetime.now(timezone.utc) <= timedelta(hours=1)
    status = traynotify("snooze", env=app.env).stdout
    assert re.fullmatch(r"Pop-ups paused until \d\d:\d\d \((59 min|1 h)\)\n", status), status

    # the badge still counts; nothing pops up
    assert arrives(desktop, server, app, "Quiet one", 4) == []

    done = traynotify("snooze", "off", env=app.env)
    assert (done.returncode, done.stdout) == (0, "Pop-ups are on again.\n")
    wait_for("the tray to resume", lambda: pause(app)["paused"] is False)
    assert pause(app)["paused_until"] is None
    assert "Loud one" in arrives(desktop, server, app, "Loud one", 5)


def test_a_restart_honours_the_snooze(
    launch: Launch, server: ContractServer, desktop: Desktop
) -> None:
    app = launch()
    wait_for("the count", lambda: app.title().startswith("traynotify: 3 unread"))
    assert traynotify("snooze", "2h", env=app.env).returncode == 0
    app.proc.terminate()
    app.proc.wait(timeout=30)
    wait_for("the icon to leave", lambda: desktop.find_window(ICON_NAME) is None)

    before = len(desktop.toasts())
    again = launch()
    wait_for(
        "the count after the restart", lambda: again.title().startswith("traynotify: 3 unread")
    )
    state = pause(again)
    assert state["paused"] is True
    assert isinstance(state["paused_until"], str)
    assert arrives(desktop, server, again, "While away", 4) == []
    assert [t[0] for t in desktop.toasts()[before:]] == []  # not even a first-start summary


def test_snooze_off_brings_one_pop_up_naming_what_arrived_meanwhile(
    launch: Launch, server: ContractServer, desktop: Desktop
) -> None:
    app = launch()
    wait_for("the first-start summary", lambda: desktop.toasts())
    wait_for("the count", lambda: app.title().startswith("traynotify: 3 unread"))
    assert traynotify("snooze", "1h", env=app.env).returncode == 0
    wait_for("the tray to say it is paused", lambda: pause(app)["paused"] is True)

    assert arrives(desktop, server, app, "First meanwhile", 4) == []
    assert arrives(desktop, server, app, "Second meanwhile", 5) == []

    before = len(desktop.toasts())
    assert traynotify("snooze", "off", env=app.env).returncode == 0
    wait_for("the tray to resume", lambda: pause(app)["paused"] is False)
    summary = wait_for("the summary pop-up", lambda: desktop.toasts()[before:])
    polls = len(server.requests())
    wait_for("one more poll", lambda: len(server.requests()) > polls)
    new = desktop.toasts()[before:]
    assert len(new) == 1, new  # exactly one pop-up, however many arrived
    title, body, _timeout = summary[0]
    assert "First meanwhile" in title + body
    assert "Second meanwhile" in title + body
