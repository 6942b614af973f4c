"""Settings changed while the tray runs, as real processes on a virtual desktop: no restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from traynotify.api.models import KNOWN_TYPES
from traynotify.core.state import Status, TrayState
from traynotify.devserver import ContractServer

from .conftest import Launch
from .desktop import Desktop, arrives, wait_for
from .test_desktop import menu_downs_to
from .test_desktop_life import traynotify
from .test_snooze_desktop import pause

pytestmark = pytest.mark.desktop


def test_config_set_muted_types_mutes_one_type_of_the_running_tray(
    launch: Launch, server: ContractServer, desktop: Desktop
) -> None:
    app = launch()
    wait_for("the count", lambda: app.title().startswith("traynotify: 3 unread"))

    done = traynotify("config", "set", "muted_types", "org.api_key.revoke", env=app.env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1:] == ["The running tray uses it now."]

    assert arrives(desktop, server, app, "Key revoked quietly", 4, "org.api_key.revoke") == []
    popped = arrives(desktop, server, app, "Payment loudly", 5, "system.payment.received")
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
    assert arrives(desktop, server, app, "Hushed", 4, "system.payment.received") == []

    path.write_text("# pop-ups back on\n", encoding="utf-8")
    wait_for("the tray to show pop-ups again", lambda: pause(app)["paused"] is False)
    assert "Heard" in arrives(desktop, server, app, "Heard", 5, "system.payment.received")
    assert app.proc.poll() is None


def test_the_menu_mutes_one_type_at_once_and_a_second_click_unmutes_it(
    launch: Launch, server: ContractServer, desktop: Desktop
) -> None:
    """ "Pop-ups for… ▸ Org API keys revoked", clicked in the running tray's menu with the
    keyboard: that type stops popping up at once (it still counts), the choice is saved
    as `config show` reports it, and a second click brings its pop-ups back."""
    revoke = "org.api_key.revoke"
    app = launch()
    wait_for("the count", lambda: app.title().startswith("traynotify: 3 unread"))

    def click_mute() -> None:
        state = TrayState(
            Status.OK,
            count=len(unread := server.store.query("alice", unread=True)),
            items=tuple(unread),
        )
        app.open_menu()
        # Right opens the submenu on its first row; the types are listed in the API's order
        desktop.key(
            *["Down"] * menu_downs_to("Pop-ups for…", state),
            "Right",
            *["Down"] * KNOWN_TYPES.index(revoke),
            "Return",
        )

    def muted() -> str:
        done = traynotify("config", "show", env=app.env)
        assert done.returncode == 0, done.stderr
        line = next(ln for ln in done.stdout.splitlines() if ln.strip().startswith("muted_types"))
        return line

    click_mute()
    wait_for("the choice to be saved", lambda: revoke in muted())
    assert arrives(desktop, server, app, "Key revoked quietly", 4, revoke) == []
    popped = arrives(desktop, server, app, "Payment loudly", 5, "system.payment.received")
    assert "Payment loudly" in popped

    click_mute()  # ticked again
    wait_for("the unmute to be saved", lambda: revoke not in muted())
    assert "Key revoked loudly" in arrives(desktop, server, app, "Key revoked loudly", 6, revoke)
    assert app.proc.poll() is None  # the same tray throughout
