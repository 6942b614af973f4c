"""The poller against the contract server over loopback, on a fake clock (no sleeps)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from traynotify.api import Client
from traynotify.devserver import ContractServer, Fault
from traynotify.poller import Poller, PollerConfig, SystemClock
from traynotify.schedule import BACKOFF_CAP
from traynotify.seen import SeenStore
from traynotify.state import Status, TrayState
from traynotify.toasts import Toast

from .conftest import KEY

COUNT = "/unread-count"
LIST = "/api/v1/me/notifications"
INTERVAL = 60.0


class FakeClock:
    def __init__(self) -> None:
        self.mono = 1000.0
        self.wall_time = 1_800_000_000.0

    def monotonic(self) -> float:
        return self.mono

    def wall(self) -> float:
        return self.wall_time

    def advance(self, seconds: float) -> None:
        self.mono += seconds
        self.wall_time += seconds


class Harness:
    def __init__(
        self,
        server: ContractServer,
        tmp: Path,
        key: str | None = KEY,
        interval: float = INTERVAL,
        **config: object,
    ) -> None:
        self.server = server
        self.clock = FakeClock()
        self.key = key
        self.states: list[TrayState] = []
        self.toasts: list[Toast] = []
        self.seen_path = tmp / "seen.json"
        self.poller = Poller(
            config=PollerConfig(interval=interval, **config),  # type: ignore[arg-type]
            key_source=lambda: self.key,
            client_factory=lambda key: Client(server.url, key, timeout=0.5),
            seen=SeenStore(self.seen_path, server.url),
            publish=self.states.append,
            toast=self.toasts.append,
            clock=self.clock,
            rng=random.Random(4),
        )

    @property
    def state(self) -> TrayState:
        return self.poller.state

    def turn(self) -> float:
        """Let time pass until the poller is due, then run one turn."""
        delay = self.poller.step()
        self.clock.advance(delay)
        return self.poller.step()

    def requests(self, suffix: str) -> int:
        return len(self.server.requests(suffix))


@pytest.fixture
def make(server: ContractServer, tmp_path: Path) -> Iterator[Callable[..., Harness]]:
    made: list[Harness] = []

    def factory(**kwargs: Any) -> Harness:
        made.append(Harness(server, tmp_path, **kwargs))
        return made[-1]

    yield factory
    for harness in made:
        harness.poller.stop()


@pytest.fixture
def h(make: Callable[..., Harness]) -> Harness:
    return make()


def test_first_poll_is_within_the_start_jitter(h: Harness) -> None:
    delay = h.poller.step()
    assert 0 <= delay <= 3.0
    assert h.requests(COUNT) == 0
    h.clock.advance(delay)
    h.poller.step()
    assert h.requests(COUNT) == 1


def test_first_poll_lists_and_shows_one_summary(h: Harness) -> None:
    h.turn()
    assert h.state.status is Status.OK
    assert h.state.count == 3
    assert [n.id for n in h.state.items] == [5001, 5003, 5004]
    assert h.toasts == [Toast("You have 3 unread notifications", "Payment received · $25.00")]


def test_steady_state_is_one_count_request_per_interval_and_no_list(h: Harness) -> None:
    h.turn()
    lists = len([r for r in h.server.requests(LIST) if r.path == LIST])
    for _ in range(10):
        assert h.turn() == pytest.approx(INTERVAL)
    assert h.requests(COUNT) == 11
    assert len([r for r in h.server.requests(LIST) if r.path == LIST]) == lists == 1
    # and the requests were one interval apart on the poller's clock: nothing in between
    assert h.poller.polls == 11


def test_new_notification_is_listed_and_toasted_once(h: Harness) -> None:
    h.turn()
    h.toasts.clear()
    h.server.store.add("alice", "admin.org.member.add", "Ana joined", "Ana was added.")
    h.turn()
    assert h.state.count == 4
    assert h.state.items[0].title == "Ana joined"
    assert h.toasts == [Toast("Ana joined", "Ana was added.", h.state.items[0].id)]
    for _ in range(3):
        h.turn()
    assert len(h.toasts) == 1


def test_several_new_at_once_become_one_summary(h: Harness) -> None:
    h.turn()
    h.toasts.clear()
    for n in range(5):
        h.server.store.add("alice", "admin.org.member.add", f"member {n}")
    h.turn()
    assert [t.title for t in h.toasts] == ["5 new notifications"]


def test_menu_follows_the_count_down_when_read_elsewhere(h: Harness) -> None:
    h.turn()
    h.server.store.mark_read("alice", 5003)
    h.turn()
    assert h.state.count == 2
    assert [n.id for n in h.state.items] == [5001, 5004]


def test_same_count_does_not_refetch_the_list(h: Harness) -> None:
    h.turn()
    assert (h.requests(COUNT), h.requests(LIST)) == (1, 1)
    h.turn()
    assert (h.requests(COUNT), h.requests(LIST)) == (2, 1)


def test_refresh_now_polls_at_once_and_refetches(h: Harness) -> None:
    h.turn()
    h.poller.refresh()
    assert h.poller.step() == pytest.approx(INTERVAL)
    assert h.requests(COUNT) == 2
    assert len([r for r in h.server.requests(LIST) if r.path == LIST]) == 2


def test_mark_read_drops_the_badge_at_once_then_tells_the_server(h: Harness) -> None:
    h.turn()
    h.poller.mark_read(5003)
    assert h.state.count == 2  # before any request
    assert [n.id for n in h.state.items] == [5001, 5004]
    assert h.server.store.unread_count("alice") == 3
    h.poller.step()
    assert h.server.store.unread_count("alice") == 2
    assert h.requests("/5003/mark-read") == 1


def test_failed_mark_read_comes_back_and_says_so(h: Harness) -> None:
    h.turn()
    h.toasts.clear()
    h.server.inject(Fault("status", status=500), times=1)
    h.poller.mark_read(5003)
    h.poller.step()
    assert h.state.count == 3
    assert [n.id for n in h.state.items] == [5001, 5003, 5004]
    assert h.state.notice is not None
    assert h.state.notice.startswith("Could not mark “Balance low” read")
    assert [t.body for t in h.toasts] == [h.state.notice]
    assert h.server.store.unread_count("alice") == 3


def test_mark_all_read_is_sent_once(h: Harness) -> None:
    h.turn()
    h.poller.mark_all_read()
    h.poller.mark_all_read()  # a second click while the first is pending: count is 0 already
    assert h.state.count == 0
    h.poller.step()
    assert h.requests("/mark-all-read") == 1
    assert h.server.store.unread_count("alice") == 0


def test_failed_mark_all_restores_from_the_server(h: Harness) -> None:
    h.turn()
    h.server.inject(Fault("drop"), times=1)
    h.poller.mark_all_read()
    h.poller.step()
    assert h.state.count == 3
    assert h.state.notice is not None
    assert h.state.notice.startswith("Could not mark all as read")


def test_401_stops_polling_until_the_key_changes(h: Harness) -> None:
    h.turn()
    h.server.store.revoke_key(KEY)
    h.turn()
    assert h.state.status is Status.SIGNED_OUT
    assert h.state.count == 0
    seen = len(h.server.requests())
    for _ in range(5):
        h.turn()
    assert len(h.server.requests()) == seen  # nothing sent with the rejected key
    h.key = "test-key-alice-2"
    h.poller.key_changed()
    h.poller.step()
    assert h.state.status is Status.OK
    assert h.state.count == 3


def test_no_key_is_signed_out_without_requests(
    server: ContractServer, make: Callable[..., Harness]
) -> None:
    h = make(key=None)
    h.turn()
    h.turn()
    assert h.state.status is Status.SIGNED_OUT
    assert h.state.problem == "no API key"
    assert server.requests() == []


@pytest.mark.parametrize(
    ("fault", "status"),
    [
        (Fault("status", status=500), Status.ERROR),
        (Fault("status", status=503), Status.ERROR),
        (Fault("drop"), Status.OFFLINE),
        (Fault("not_json"), Status.ERROR),
        (Fault("wrong_shape"), Status.ERROR),
        (Fault("slow", delay=1.5), Status.OFFLINE),
    ],
    ids=["500", "503", "drop", "html", "shape", "timeout"],
)
def test_faults_back_off_keep_the_stale_menu_and_recover(
    h: Harness, fault: Fault, status: Status
) -> None:
    h.turn()
    h.toasts.clear()
    sent = len(h.server.requests())
    h.server.inject(fault)
    delays = [h.turn() for _ in range(4)]
    assert len(h.server.requests()) == sent + 4  # one request per turn: no retry storm
    assert h.state.status is status
    assert h.state.stale
    assert h.state.count == 3  # last known, still shown
    assert [n.id for n in h.state.items] == [5001, 5003, 5004]
    assert delays == sorted(delays)
    assert delays[0] >= INTERVAL * 1.5
    assert delays[-1] >= 0.75 * BACKOFF_CAP
    h.server.clear_faults()
    h.server.store.add("alice", "admin.org.member.add", "while away")
    assert h.turn() == pytest.approx(INTERVAL)
    assert h.state.status is Status.OK
    assert not h.state.stale
    assert h.state.count == 4
    assert [t.title for t in h.toasts] == ["while away"]
    h.turn()
    assert [t.title for t in h.toasts] == ["while away"]  # never twice


def test_retry_after_is_obeyed(h: Harness) -> None:
    h.turn()
    h.server.inject(Fault("status", status=429, retry_after="120"), times=1)
    assert h.turn() == pytest.approx(120.0)
    h.server.inject(
        Fault("status", status=503, retry_after="Wed, 21 Oct 2099 07:28:00 GMT"), times=1
    )
    assert h.turn() == pytest.approx(6 * 3600.0)  # an HTTP date far away is capped


def test_one_request_at_a_time_even_when_many_clicks_queue(h: Harness) -> None:
    h.turn()
    for note_id in (5001, 5003, 5004):
        h.poller.mark_read(note_id)
    h.poller.refresh()
    h.poller.step()
    paths = [r.path for r in h.server.requests()][-5:]
    assert paths[:3] == [
        f"{LIST}/5001/mark-read",
        f"{LIST}/5003/mark-read",
        f"{LIST}/5004/mark-read",
    ]
    arrivals = [r.at for r in h.server.requests()]
    assert arrivals == sorted(arrivals)


def test_a_clock_jump_polls_at_once(h: Harness) -> None:
    h.turn()
    h.poller.step()
    h.clock.advance(5)
    h.clock.wall_time += 3600  # the lid was closed for an hour
    before = h.requests(COUNT)
    h.poller.step()
    assert h.requests(COUNT) == before + 1


def test_shown_ids_survive_a_restart(server: ContractServer, make: Callable[..., Harness]) -> None:
    first = make()
    first.turn()
    first.poller.stop()
    server.store.add("alice", "admin.org.member.add", "new while off")
    second = make()
    second.turn()
    assert [t.title for t in second.toasts] == ["new while off"]


def test_paused_popups_show_nothing_but_still_count(h: Harness) -> None:
    h.turn()
    h.toasts.clear()
    h.poller.set_popups_paused(True)
    h.server.store.add("alice", "admin.org.member.add", "quiet")
    h.turn()
    assert h.toasts == []
    assert h.state.count == 4
    h.poller.set_popups_paused(False)
    h.turn()
    assert h.toasts == []  # not shown later either: it was seen while paused


def test_a_bug_in_a_turn_does_not_kill_the_thread(h: Harness) -> None:
    calls = []

    def broken_publish(state: TrayState) -> None:
        calls.append(state)
        if len(calls) == 1:
            raise RuntimeError("boom")

    h.poller._publish = broken_publish
    h.poller.config = PollerConfig(interval=0.05)
    h.poller._clock = SystemClock()
    h.poller._next_at = 0
    h.poller.start()
    import time

    deadline = time.monotonic() + 10
    while len(calls) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert h.poller.alive
    assert len(calls) >= 3
