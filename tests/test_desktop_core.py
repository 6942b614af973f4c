"""The core's promises through the real menu on the virtual desktop.

Same desktop as tests/test_desktop.py: Xvfb, trayer, a session D-Bus, dunst, the
contract server on loopback, xdotool for the clicks and a $BROWSER stub.
"""

from __future__ import annotations

import pytest

from traynotify.core.state import Status, TrayState
from traynotify.devserver import ContractServer

from .conftest import Launch
from .desktop import Desktop, wait_for
from .test_desktop import menu_downs_to, started

pytestmark = pytest.mark.desktop


def three_unread(server: ContractServer) -> TrayState:
    return TrayState(
        status=Status.OK, count=3, items=tuple(server.store.query("alice", unread=True))
    )


def marked(server: ContractServer) -> list[str]:
    return [r.path.split("/")[-2] for r in server.requests("/mark-read")]


def test_a_swap_under_the_same_count_reaches_the_menu_and_a_toast(
    launch: Launch, server: ContractServer, desktop: Desktop
) -> None:
    """One read in the console and one new between two polls: the count stays 3."""
    app = started(launch, desktop)
    before = len(desktop.toasts())
    server.store.mark_read("alice", 5003)
    new = server.store.add(
        "alice", "admin.org.member.add", "Ana joined", "Ana was added.", "/org/members"
    )
    toasts = wait_for("the new one's toast", lambda: desktop.toasts()[before:])
    assert toasts[0][:2] == ("Ana joined", "Ana was added.")
    assert app.title() == "traynotify: 3 unread"
    # the newest entry is the new one ...
    app.open_menu()
    desktop.key("Down", "Return")
    assert wait_for("the browser stub", app.opened_urls) == [
        "https://console.bytespike.ai/org/members"
    ]
    wait_for("its mark-read", lambda: marked(server) == [str(new.id)])
    wait_for("the badge to drop", lambda: app.title() == "traynotify: 2 unread")
    # ... and the one read elsewhere has left the menu: the second entry is now 5004
    app.open_menu()
    desktop.key("Down", "Down", "Return")
    wait_for("the second entry's mark-read", lambda: marked(server) == [str(new.id), "5004"])
    wait_for("the badge to drop again", lambda: app.title() == "traynotify: 1 unread")


def test_mark_all_first_shows_what_arrived_since_the_last_poll(
    launch: Launch, server: ContractServer, desktop: Desktop
) -> None:
    app = started(lambda: launch("--interval", "3600"), desktop)
    before = len(desktop.toasts())
    menu = three_unread(server)
    server.store.add("alice", "admin.org.member.add", "Arrived after the poll", "unseen yet")
    assert app.title() == "traynotify: 3 unread"  # no poll for an hour: not in the menu
    app.open_menu()
    desktop.key(*["Down"] * menu_downs_to("Mark all as read", menu), "Return")
    wait_for("everything read at the server", lambda: server.store.unread_count("alice") == 0)
    toasts = wait_for("the toast of the one it found", lambda: desktop.toasts()[before:])
    assert [t[:2] for t in toasts] == [("Arrived after the poll", "unseen yet")]
    wait_for("the icon to show 0", lambda: app.title() == "traynotify: 0 unread")
    assert len(server.requests("/mark-all-read")) == 1


def test_mark_all_names_what_arrived_while_it_was_on_its_way(
    launch: Launch, server: ContractServer, desktop: Desktop
) -> None:
    app = started(launch, desktop)
    before = len(desktop.toasts())
    held = server.hold("/mark-all-read")
    app.open_menu()
    desktop.key(*["Down"] * menu_downs_to("Mark all as read", three_unread(server)), "Return")
    held.wait()
    server.store.add("alice", "admin.org.member.add", "Arrived during mark all", "eaten?")
    held.release()
    toasts = wait_for("the Also marked read toast", lambda: desktop.toasts()[before:])
    assert [t[0] for t in toasts] == ["Also marked read: Arrived during mark all"]
    wait_for("the icon to show 0", lambda: app.title() == "traynotify: 0 unread")
    assert server.store.unread_count("alice") == 0
