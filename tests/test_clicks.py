"""Which notification a click acts on, wherever it is in the list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from traynotify.api.models import Notification
from traynotify.core.clicks import click_target
from traynotify.core.menu import build_menu
from traynotify.core.reconcile import STATE_ITEMS, Snapshot, reconcile
from traynotify.core.state import Status, TrayState
from traynotify.desktop.notify.freedesktop import OPEN, action_for
from traynotify.devserver import ContractServer

from .desktop import wait_for
from .sni import Host
from .test_popup_protocol import Daemon, daemon_factory  # noqa: F401 - the fixture
from .test_sni_protocol import App, bus_address, counted, host, start_app  # noqa: F401

CONSOLE = "https://console.bytespike.ai"

T0 = datetime(2026, 5, 22, 8, 0, tzinfo=timezone.utc)


def note(i: int) -> Notification:
    return Notification(
        i, "system.payment.received", f"Payment {i}", "", f"/n/{i}", None, T0 + timedelta(i)
    )


def state_of(notes: list[Notification]) -> TrayState:
    """The state the poller publishes for these unread ones (newest first)."""
    snapshot = Snapshot(len(notes), tuple(sorted(notes, key=lambda n: n.created_at, reverse=True)))
    out = reconcile(snapshot, seen=set(), first_run=False)
    return TrayState(status=Status.OK, count=out.count, items=out.items)


def test_a_pop_up_beyond_the_first_fifty_opens_what_it_showed() -> None:
    first = note(1)
    (toast,) = reconcile(Snapshot(1, (first,)), seen=set(), first_run=False).toasts
    # then sixty more arrive: the first is no longer among the ones the state lists
    state = state_of([first, *(note(i) for i in range(2, 62))])
    assert first not in state.items
    assert len(state.items) == STATE_ITEMS
    action = action_for(toast, OPEN)
    assert action is not None
    assert action.subject == first
    assert click_target(state, first.id, action.subject) == first


def test_a_row_or_pop_up_for_one_no_longer_unread_opens_nothing() -> None:
    a, b = note(1), note(2)
    state = state_of([b])  # a was read
    assert click_target(state, a.id, a) is None
    assert click_target(state, b.id, b) == b
    assert click_target(state, b.id) == b  # from the state's own list
    assert click_target(replace(state, status=Status.SIGNED_OUT), b.id, b) is None


def test_menu_rows_carry_what_they_show() -> None:
    a = note(1)
    rows = build_menu(state_of([a]), T0)
    (row,) = [e for e in rows if e.action is not None and e.action.kind == "open"]
    assert row.action is not None
    assert row.action.subject == a


# -- the same, end to end: a real app on a private bus, a daemon that records pop-ups ------


def test_a_pop_up_click_beyond_the_first_fifty_opens_and_marks_it(
    host: Host,  # noqa: F811
    start_app: Callable[..., App],  # noqa: F811
    server: ContractServer,
    daemon_factory: Callable[[list[str]], Daemon],  # noqa: F811
) -> None:
    daemon = daemon_factory(["actions", "body"])
    app = start_app()
    counted(host, 3)
    wait_for("the first-start summary", lambda: daemon.calls)
    server.store.add("alice", "org.api_key.revoke", "Key revoked", "b", "/org/keys")
    wait_for("its pop-up", lambda: len(daemon.calls) == 2)
    key_pop_up = len(daemon.calls)
    for i in range(60):  # then sixty newer ones: it is no longer among the newest 50
        server.store.add("alice", "system.payment.received", f"Payment {i}", "b", "/billing")
    counted(host, 64)
    daemon.invoke(daemon.bus, key_pop_up, "default")
    assert wait_for("the link to open", app.opened) == [f"{CONSOLE}/org/keys"]
    wait_for("mark-read at the server", lambda: server.store.unread_count("alice") == 63)
    key = next(n for n in server.store.query("alice") if n.title == "Key revoked")
    assert key.read_at is not None
    assert [r.path for r in server.requests("/mark-read")] == [
        f"/api/v1/me/notifications/{key.id}/mark-read"
    ]
