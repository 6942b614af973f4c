"""The session-bus connection when a peer on the bus does not behave."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from jeepney.io.blocking import open_dbus_connection

from traynotify.desktop.dbus import PROPERTIES, Bus, BusError, Interface, Property, bus_call

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


def test_a_property_call_with_wrong_arguments_is_refused_without_a_traceback(
    bus_address: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Any local program may call the icon's Properties methods with arguments
    of any type: it gets InvalidArgs, and the app's log stays clean."""
    app = Bus.connect(bus_address)
    app.export("/Item", Interface("org.example.Item", properties={"Id": Property("s", str)}))
    peer = Bus.connect(bus_address)
    try:
        for sig, body in [("ass", (["org.example.Item"], "Id")), ("ai", ([1],))]:
            member = "Get" if sig == "ass" else "GetAll"
            call = bus_call(app.unique_name, "/Item", PROPERTIES, member, sig, body)
            with pytest.raises(BusError, match="InvalidArgs"):
                peer.call_sync(call, timeout=5)
        call = bus_call(
            app.unique_name, "/Item", PROPERTIES, "Get", "ss", ("org.example.Item", "Id")
        )
        assert peer.call_sync(call, timeout=5) == (("s", ""),)  # and it still answers
    finally:
        peer.close()
        app.close()
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
