"""Pop-ups as a notification daemon sees them, on a private bus: what is sent to a
daemon without actions or markup, and that only the daemon's own signals count."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from traynotify.desktop.dbus import Bus, Interface, Method, bus_call
from traynotify.devserver import ContractServer

from .desktop import wait_for
from .sni import DBUS, Host
from .test_sni_protocol import App, bus_address, counted, host, start_app  # noqa: F401

NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"


class Daemon:
    """A notification daemon that records each Notify and can send signals."""

    def __init__(self, address: str, capabilities: list[str]) -> None:
        self.bus = Bus.connect(address)
        self.calls: list[tuple[Any, ...]] = []
        self._lock = threading.Lock()
        self.bus.export(
            PATH,
            Interface(
                NAME,
                methods={
                    "GetCapabilities": Method("", "as", lambda: (capabilities,)),
                    "Notify": Method("susssasa{sv}i", "u", self._notify),
                    "GetServerInformation": Method(
                        "", "ssss", lambda: ("testd", "tests", "1", "1.2")
                    ),
                },
            ),
        )
        self.bus.call_sync(
            bus_call(DBUS, "/org/freedesktop/DBus", DBUS, "RequestName", "su", (NAME, 4))
        )

    def _notify(self, *args: Any) -> tuple[int]:
        with self._lock:
            self.calls.append(args)
            return (len(self.calls),)

    def invoke(self, bus: Bus, pop_up_id: int, key: str) -> None:
        bus.emit(PATH, NAME, "ActionInvoked", "us", (pop_up_id, key))

    def close(self) -> None:
        self.bus.close()


@pytest.fixture
def daemon_factory(bus_address: str) -> Iterator[Callable[[list[str]], Daemon]]:  # noqa: F811
    made: list[Daemon] = []

    def make(capabilities: list[str]) -> Daemon:
        d = Daemon(bus_address, capabilities)
        made.append(d)
        return d

    yield make
    for d in made:
        d.close()


def test_a_daemon_without_actions_or_markup_gets_plain_pop_ups(
    host: Host,  # noqa: F811
    start_app: Callable[..., App],  # noqa: F811
    server: ContractServer,
    daemon_factory: Callable[[list[str]], Daemon],
) -> None:
    daemon = daemon_factory(["body"])
    start_app()
    counted(host, 3)
    wait_for("the first-start summary", lambda: daemon.calls)
    server.store.add("alice", "admin.org.member.add", "R&D <team>", "a < b & c", "/org")
    call = wait_for("its pop-up", lambda: daemon.calls[1:] and daemon.calls[1])
    app_name, replaces, _icon, summary, body, actions, hints, timeout = call
    assert (app_name, replaces, summary, body, actions, timeout) == (
        "traynotify",
        0,
        "R&D <team>",
        "a < b & c",  # this daemon shows text as text: nothing to escape
        [],  # no actions offered: none asked for
        10000,
    )
    assert hints["desktop-entry"] == ("s", "traynotify")
    w, h, stride, alpha, bits, channels, data = hints["image-data"][1]
    assert (w, h, stride, alpha, bits, channels, len(data)) == (48, 48, 192, True, 8, 4, 9216)


def test_only_the_daemon_can_click_a_pop_up(
    host: Host,  # noqa: F811
    start_app: Callable[..., App],  # noqa: F811
    server: ContractServer,
    daemon_factory: Callable[[list[str]], Daemon],
    bus_address: str,  # noqa: F811
) -> None:
    daemon = daemon_factory(["actions", "body", "body-markup"])
    app = start_app()
    counted(host, 3)
    wait_for("the first-start summary", lambda: daemon.calls)
    server.store.add("alice", "org.api_key.revoke", "Key revoked", "a < b", "/org/keys")
    call = wait_for("its pop-up", lambda: daemon.calls[1:] and daemon.calls[1])
    assert call[4] == "a &lt; b"
    assert call[5] == ["default", "Open", "mark-read", "Mark read"]
    pop_up_id = len(daemon.calls)
    # another program on the bus claims a click: ignored
    other = Bus.connect(bus_address)
    try:
        daemon.invoke(other, pop_up_id, "default")
        daemon.invoke(other, 1, "default")
        # a call on the same connection is answered after the app has seen both signals
        other.call_sync(
            bus_call(
                host.item_service(), "/StatusNotifierItem", "org.freedesktop.DBus.Peer", "Ping"
            )
        )
        counted(host, 4)
        assert app.opened() == []
        # the daemon itself: the pop-up's "Mark read"
        daemon.invoke(daemon.bus, pop_up_id, "mark-read")
        wait_for("mark-read at the server", lambda: server.store.unread_count("alice") == 3)
        counted(host, 3)
        assert app.opened() == []
    finally:
        other.close()
