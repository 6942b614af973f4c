"""The session-bus connection when a peer on the bus does not behave."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from jeepney.io.blocking import open_dbus_connection

from traynotify.desktop.dbus import Bus, BusError, bus_call

from .sni import private_bus


@pytest.fixture
def bus_address() -> Iterator[str]:
    yield from private_bus()


def test_a_peer_that_never_answers_is_one_clear_error(bus_address: str) -> None:
    """A tray or daemon that hangs must cost a bounded wait and a BusError the
    start-up turns into one line, on every Python the app supports (3.10 raises
    a TimeoutError of its own from futures)."""
    silent = open_dbus_connection(bus_address)  # on the bus, never reads a call
    bus = Bus.connect(bus_address)
    try:
        call = bus_call(silent.unique_name, "/", "org.example.Silent", "Hello")
        with pytest.raises(BusError, match="no answer"):
            bus.call_sync(call, timeout=0.3)
    finally:
        bus.close()
        silent.close()
