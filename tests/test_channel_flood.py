"""A flood over the instance channel costs the account no more requests than one word.

Any process of the user can send ``activate`` (a second start) and ``key-changed``
(``login``, ``logout``) as often as it likes; it once made the tray send 216 requests
in 10 s where its interval allows one, and show a pop-up for each. Here the real poller
polls the contract server and the real channel carries the flood; the server's log
counts the requests.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from traynotify.api.client import Client
from traynotify.app import ChannelWords
from traynotify.core.poller import Poller, PollerConfig
from traynotify.core.state import Status, TrayState
from traynotify.core.toasts import Toast
from traynotify.desktop.credentials import KeySource, KeyStore
from traynotify.desktop.instance import Instance, send
from traynotify.desktop.seen import SeenStore
from traynotify.devserver import ContractServer

from .conftest import KEY, OTHER_KEY
from .test_channel_flood_desktop import flood

FLOOD = 1500
"""Words of each kind in the flood (the report's 7,500 in 10 s, scaled to this machine)."""


def wait_for(what: str, condition: Callable[[], bool], timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


class Tray:
    """The app's poller and channel words, without a desktop."""

    def __init__(self, server: ContractServer, tmp: Path) -> None:
        self.store = KeyStore()
        self.store.set(server.url, KEY)
        source = KeySource({}, self.store, server.url)
        self.popups: list[Toast] = []
        self.states: list[TrayState] = []
        self.words = ChannelWords(
            source,
            source.changed,
            refresh=lambda: self.poller.refresh(),
            new_key=lambda: self.poller.key_changed(),
            toast=self.popups.append,
        )
        self.poller = Poller(
            config=PollerConfig(interval=60.0),
            key_source=self.words.key_source,
            client_factory=lambda key: Client(server.url, key),
            seen=SeenStore(tmp / "seen.json", server.url),
            publish=self.states.append,
            toast=lambda toast: None,
            rng=random.Random(1),
        )
        self.instance = Instance(tmp / "state")
        assert self.instance.acquire()
        self.instance.serve(self.on_command)

    def on_command(self, command: str) -> None:  # as App.on_command passes them on
        if command == "activate":
            self.words.activate()
        elif command == "key-changed":
            self.words.key_changed()

    def already_running(self) -> int:
        return sum(1 for t in self.popups if t.title == "traynotify is already running")

    def close(self) -> None:
        self.instance.close()
        self.words.stop()
        self.poller.stop()


@pytest.fixture
def tray(server: ContractServer, tmp_path: Path) -> Iterator[Tray]:
    t = Tray(server, tmp_path)
    t.poller.start()
    wait_for("the first poll", lambda: t.poller.polls >= 1 and t.poller.walks >= 1)
    yield t
    t.close()


def test_a_flood_of_second_starts_and_logins_is_one_refresh_and_one_popup(
    tray: Tray, server: ContractServer, tmp_path: Path
) -> None:
    walks = tray.poller.walks
    server.clear_requests()
    words = ["activate", "key-changed"] * FLOOD
    assert flood(tmp_path / "state", words) == len(words)  # every word is answered
    wait_for("the one refresh", lambda: tray.poller.walks == walks + 1)
    time.sleep(1.0)  # and nothing after it: the rest were dropped, not queued
    assert tray.poller.walks == walks + 1
    listed = server.requests()
    assert 1 <= len(listed) <= 3, listed  # one walk of 3 unread, where 216 went before
    assert all(r.key == KEY for r in listed)
    assert tray.already_running() == 1


def test_a_login_with_another_key_during_a_flood_is_picked_up_once(
    tray: Tray, server: ContractServer, tmp_path: Path
) -> None:
    folder = tmp_path / "state"
    assert send(folder, "activate")  # a second start just before: the walk gap runs
    wait_for("its refresh", lambda: tray.poller.walks >= 2)
    server.clear_requests()
    tray.store.set(server.url, OTHER_KEY)  # login with bob's key
    flood(folder, ["key-changed"] * FLOOD)
    wait_for(
        "bob's count", lambda: tray.states[-1].count == 1 and tray.states[-1].status is Status.OK
    )
    time.sleep(1.0)
    bobs = [r for r in server.requests() if r.key == OTHER_KEY]
    assert 1 <= len(bobs) <= 3, bobs  # the new key's first look, once
    assert all(r.key == OTHER_KEY for r in server.requests())
    server.clear_requests()
    flood(folder, ["key-changed"] * FLOOD)  # the same key again and again: nothing to ask
    time.sleep(1.0)
    assert server.requests() == []
    tray.store.delete(server.url)  # logout
    assert send(folder, "key-changed")
    wait_for("signed out", lambda: tray.states[-1].status is Status.SIGNED_OUT)
    assert server.requests() == []


def test_the_popup_comes_again_after_its_gap(tray: Tray, tmp_path: Path) -> None:
    clock = [1000.0]
    tray.words._clock = lambda: clock[0]
    folder = tmp_path / "state"
    for _ in range(50):
        assert send(folder, "activate")
    assert tray.already_running() == 1
    clock[0] += 10.0
    assert send(folder, "activate")
    assert tray.already_running() == 2
