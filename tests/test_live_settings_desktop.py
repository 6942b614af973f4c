"""Settings changed while the tray runs, as real processes on a virtual desktop: no restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from traynotify.devserver import ContractServer

from .conftest import Launch
from .desktop import AppProcess, Desktop, wait_for
from .test_desktop_life import traynotify
from .test_snooze_desktop import pause

pytestmark = pytest.mark.desktop


def arrives(
    desktop: Desktop,
    server: ContractServer,
    app: AppProcess,
    event_type: str,
    title: str,
    count: int,
) -> list[str]:
    """Add a notification; once the badge counts it and one more poll has passed, the
    titles that popped up since."""
    before = len(desktop.toasts())
    server.store.add("alice", event_type, title, "Its body.", "/org/keys")
    wait_for(
        f"the badge to count {title}", lambda: app.title().startswith(f"traynotify: {count} unread")
    )
    polls = len(server.requests())
    wait_for("one more poll", lambda: len(server.requests()) > polls)
    return [t[0] for t in desktop.toasts()[before:]]


def test_config_set_muted_types_mutes_one_type_of_the_running_tray(
    launch: Launch, server: ContractServer, desktop: Desktop
) -> None:
    app = launch()
    wait_for("the count", lambda: app.title().startswith("traynotify: 3 unread"))

    done = traynotify("config", "set", "muted_types", "org.api_key.revoke", env=app.env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1:] == ["The running tray uses it now."]

    assert arrives(desktop, server, app, "org.api_key.revoke", "Key revoked quietly", 4) == []
    popped = arrives(desktop, server, app, "system.payment.received", "Payment loudly", 5)
    assert "Payment loudly" in popped
    assert app.proc.poll() is None  # the same tray: no restart


def test_an_edit_of_the_settings_file_by_hand_reaches_the_running_tray(
    launch: Launch, server: ContractServer, desktop: Desktop
) -> None:
    app = launch()
    wait_for("the count", lambda: app.title().startswith("traynotify: 3 unread"))
    assert pause(app)["paused"] is False
    done = traynotify("config", "path", env=app.env)
    path = Path(done.stdout.strip())
    path.parent.mkdir(parents=True, exist_ok=True)

    path.write_text("popups = false\n", encoding="utf-8")  # as an editor saves it
    wait_for("the tray to pause pop-ups", lambda: pause(app)["paused"] is True)
    assert arrives(desktop, server, app, "system.payment.received", "Hushed", 4) == []

    path.write_text("# pop-ups back on\n", encoding="utf-8")
    wait_for("the tray to show pop-ups again", lambda: pause(app)["paused"] is False)
    assert "Heard" in arrives(desktop, server, app, "system.payment.received", "Heard", 5)
    assert app.proc.poll() is None
