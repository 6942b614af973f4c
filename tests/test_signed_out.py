"""Signed out does not stay signed out: after a 401, once the key is back (restored in
the console), "Refresh now", a second start and "How to sign in…" each try it again,
and the tray recovers. The real poller against the contract server, on a fake clock."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from keyring.backends import fail

from traynotify.api.client import Client
from traynotify.app import ChannelWords
from traynotify.core.badge import tooltip
from traynotify.core.menu import build_menu
from traynotify.core.poller import Poller, PollerConfig
from traynotify.core.state import Status, TrayState
from traynotify.core.throttle import POLL_GAP
from traynotify.core.toasts import Toast
from traynotify.desktop.credentials import KeySource, KeyStore, sign_in_help
from traynotify.desktop.seen import SeenStore
from traynotify.devserver import ContractServer

from .conftest import KEY
from .keyrings import MemoryKeyring
from .test_poller import FakeClock, Harness


@pytest.fixture
def h(server: ContractServer, tmp_path: Path) -> Iterator[Harness]:
    harness = Harness(server, tmp_path)
    yield harness
    harness.poller.stop()


def signed_out_by_a_401(h: Harness) -> int:
    """Poll, revoke the key, poll again; then restore it. Requests sent so far."""
    h.turn()
    assert h.state.status is Status.OK
    h.server.store.revoke_key(KEY)
    h.turn()
    assert h.state.status is Status.SIGNED_OUT
    for _turn in range(3):
        h.turn()  # nothing is sent with the rejected key meanwhile
    h.server.store.add_key(KEY, "alice")  # restored in the console
    return len(h.server.requests())


def recovered(h: Harness) -> None:
    assert h.state.status is Status.OK
    assert h.state.count == 3
    assert h.state.problem is None


def test_refresh_tries_a_rejected_key_again_and_recovers(h: Harness) -> None:
    sent = signed_out_by_a_401(h)
    h.turn()
    assert len(h.server.requests()) == sent  # the interval alone does not retry it
    assert h.state.status is Status.SIGNED_OUT
    h.poller.refresh()
    h.poller.step()
    recovered(h)


def test_two_quick_refreshes_try_a_rejected_key_once(h: Harness) -> None:
    h.turn()
    h.server.store.revoke_key(KEY)
    h.turn()
    sent = len(h.server.requests())
    h.poller.refresh()
    h.poller.step()
    assert h.state.status is Status.SIGNED_OUT  # still revoked: one request, a 401
    assert len(h.server.requests()) == sent + 1
    h.clock.advance(1.0)
    h.poller.refresh()  # a second click at once
    h.poller.step()
    assert len(h.server.requests()) == sent + 1
    h.clock.advance(POLL_GAP)
    h.server.store.add_key(KEY, "alice")
    h.poller.refresh()  # later: tried again
    h.poller.step()
    recovered(h)


def words_for(
    h: Harness, forgot: list[int], toasts: list[Toast], refreshed: threading.Event | None = None
) -> ChannelWords:
    def refresh() -> None:
        h.poller.refresh()
        if refreshed is not None:
            refreshed.set()

    return ChannelWords(
        lambda: h.key,
        lambda: forgot.append(1),
        refresh=refresh,
        new_key=h.poller.key_changed,
        toast=toasts.append,
        clock=h.clock.monotonic,
    )


def test_a_second_start_tries_a_rejected_key_again_and_recovers(h: Harness) -> None:
    forgot: list[int] = []
    words = words_for(h, forgot, [])
    signed_out_by_a_401(h)
    assert words.activate()
    assert forgot  # the key is read again from its source
    h.poller.step()
    recovered(h)
    words.stop()


def test_how_to_sign_in_tries_the_key_again_and_recovers(h: Harness) -> None:
    toasts: list[Toast] = []
    notes: list[str] = []
    refreshed = threading.Event()
    words = words_for(h, [], toasts, refreshed)
    signed_out_by_a_401(h)

    words.sign_in(notes.append, lambda: True)
    assert refreshed.wait(30)  # after the help was shown
    h.poller.step()
    recovered(h)
    assert notes == [sign_in_help(True)]
    assert [t.title for t in toasts] == ["Sign in to traynotify"]
    words.stop()


def test_sign_in_help_names_the_variable_where_there_is_no_keyring() -> None:
    no_keyring = KeySource({}, KeyStore(fail.Keyring()), "https://api.example")
    with_keyring = KeySource({}, KeyStore(MemoryKeyring()), "https://api.example")
    assert not no_keyring.has_keyring()
    assert with_keyring.has_keyring()
    without = sign_in_help(no_keyring.has_keyring())
    assert "BYTESPIKE_API_KEY" in without
    assert "cannot keep a key here" in without
    assert without.startswith("No keyring is available on this system")
    both = sign_in_help(with_keyring.has_keyring())
    assert "traynotify login" in both or "login'" in both
    assert "BYTESPIKE_API_KEY" in both


def test_signed_out_without_a_keyring_names_the_variable_in_the_menu_and_tooltip(
    server: ContractServer, tmp_path: Path
) -> None:
    states: list[TrayState] = []
    clock = FakeClock()
    poller = Poller(
        config=PollerConfig(),
        key_source=KeySource({}, KeyStore(fail.Keyring()), server.url),
        client_factory=lambda key: Client(server.url, key),
        seen=SeenStore(tmp_path / "seen.json", server.url),
        publish=states.append,
        toast=lambda toast: None,
        clock=clock,
    )
    clock.advance(poller.step())  # to the first poll
    poller.step()
    state = states[-1]
    assert state.status is Status.SIGNED_OUT
    assert "BYTESPIKE_API_KEY" in build_menu(state, datetime.now(timezone.utc))[0].label
    assert "BYTESPIKE_API_KEY" in tooltip(state)
    assert server.requests() == []
    poller.stop()
