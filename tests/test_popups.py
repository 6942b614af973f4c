"""Pop-ups over D-Bus with dunst: clicking one acts like its menu entry.

The app runs from the plain install (no dbus-python) on the xfce desktop of
tests/xfce.py; dunstctl clicks, and a scripted dmenu picks from dunst's context
menu.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from traynotify.devserver import ContractServer

from .desktop import wait_for
from .xfce import (  # noqa: F401 - the fixtures
    SniApp,
    XfceDesktop,
    plain_python_fixture,
    start_fixture,
    xfce_fixture,
)

pytestmark = pytest.mark.desktop
CONSOLE = "https://console.bytespike.ai"


def displayed(xfce: XfceDesktop) -> int:
    return int(xfce.run("dunstctl", "count", "displayed").strip() or 0)


def started(start: Callable[[], SniApp], xfce: XfceDesktop) -> SniApp:
    """The app, with its first-start summary shown and then dismissed."""
    before = len(xfce.toasts())
    app = start()
    wait_for("the first-start summary", lambda: xfce.toasts()[before:])
    wait_for("it on screen", lambda: displayed(xfce) == 1)
    xfce.close_toasts()
    wait_for("no pop-ups", lambda: displayed(xfce) == 0)
    return app


def pop_up(xfce: XfceDesktop, server: ContractServer, title: str, link: str | None) -> int:
    before = len(xfce.toasts())
    note = server.store.add("alice", "org.api_key.revoke", title, "Its body.", link)
    wait_for("its pop-up", lambda: [t for t in xfce.toasts()[before:] if t[0] == title])
    wait_for("it on screen", lambda: displayed(xfce) == 1)
    return note.id


def test_clicking_a_pop_up_opens_its_link_and_marks_it_read(
    start: Callable[[], SniApp], xfce: XfceDesktop, server: ContractServer
) -> None:
    app = started(start, xfce)
    note_id = pop_up(xfce, server, "Key revoked", "/org/keys")
    assert xfce.toasts()[-1] == ("Key revoked", "Its body.", 10000)
    xfce.run("dunstctl", "action", "0")
    assert wait_for("the browser stub", app.opened) == [f"{CONSOLE}/org/keys"]
    wait_for("mark-read at the server", lambda: server.store.unread_count("alice") == 3)
    assert [r.path for r in server.requests("/mark-read")] == [
        f"/api/v1/me/notifications/{note_id}/mark-read"
    ]
    wait_for("the icon to count it", lambda: app.title() == "traynotify: 3 unread")


def test_mark_read_from_the_context_menu_opens_nothing(
    start: Callable[[], SniApp], xfce: XfceDesktop, server: ContractServer
) -> None:
    app = started(start, xfce)
    note_id = pop_up(xfce, server, "Key revoked", "/org/keys")
    xfce.dmenu_choice.write_text("Mark read", encoding="utf-8")
    xfce.run("dunstctl", "context")
    wait_for("mark-read at the server", lambda: server.store.unread_count("alice") == 3)
    note = server.store.get(note_id)
    assert note is not None
    assert note.read_at is not None
    wait_for("the icon to count it", lambda: app.title() == "traynotify: 3 unread")
    assert app.opened() == []


def test_the_summary_pop_up_opens_the_console(
    start: Callable[[], SniApp], xfce: XfceDesktop, server: ContractServer
) -> None:
    before = len(xfce.toasts())
    app = start()
    toasts = wait_for("the first-start summary", lambda: xfce.toasts()[before:])
    assert toasts[0][0] == "You have 3 unread notifications"
    wait_for("it on screen", lambda: displayed(xfce) == 1)
    xfce.run("dunstctl", "action", "0")
    assert wait_for("the browser stub", app.opened) == [f"{CONSOLE}/"]
    assert server.requests("/mark-read") == []
    assert server.store.unread_count("alice") == 3


def test_a_pop_up_with_an_unsafe_link_opens_nothing(
    start: Callable[[], SniApp], xfce: XfceDesktop, server: ContractServer
) -> None:
    app = started(start, xfce)
    pop_up(xfce, server, "Key revoked", "javascript:alert(document.cookie)")
    xfce.run("dunstctl", "action", "0")
    wait_for("the warning", lambda: "Not opening the link of notification" in app.stderr())
    wait_for("it to be marked read as clicked", lambda: server.store.unread_count("alice") == 3)
    assert app.opened() == []


def test_pop_ups_expire(
    start: Callable[[], SniApp], xfce: XfceDesktop, server: ContractServer
) -> None:
    started(start, xfce)
    pop_up(xfce, server, "Balance low again", "/billing")
    # nobody touches it: it goes away by itself (10 s)
    wait_for("the pop-up to expire", lambda: displayed(xfce) == 0, timeout=30)
    history = xfce.run("dunstctl", "history")
    assert "Balance low again" in history
    assert server.store.unread_count("alice") == 4  # expiring is not reading
