"""The poller against the contract server over loopback, on a fake clock (no sleeps)."""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from traynotify.api.client import Client
from traynotify.api.models import newest_first
from traynotify.core.backoff import BACKOFF_CAP, MAX_DELAY
from traynotify.core.commands import Held, ReadOne
from traynotify.core.poller import Poller, PollerConfig, SystemClock
from traynotify.core.reconcile import FULL_EVERY, PAGE_SIZE
from traynotify.core.state import Status, TrayState
from traynotify.core.toasts import Toast
from traynotify.desktop.pending_store import PendingStore
from traynotify.desktop.seen import KEEP_IDS, SeenStore
from traynotify.devserver import ContractServer, Fault, Hold, RequestRecord, Store
from traynotify.devserver.faults import MARK_ALL, MARK_READ, Answer

from .conftest import KEY, T0, ServerClock

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
        clock: FakeClock | None = None,
        held: Held | None = None,
        paused: bool = False,
        **config: object,
    ) -> None:
        self.server = server
        self.clock = clock or FakeClock()
        """``clock``: an earlier run's, for a restart that goes on in the same time."""
        self.key = key
        self.states: list[TrayState] = []
        self.server_counts: list[int] = []
        """The server's unread count at the moment each state was published."""
        self.toasts: list[Toast] = []
        self.seen_path = tmp / "seen.json"
        self.pending_path = tmp / "pending.json"
        self.poller = Poller(
            config=PollerConfig(interval=interval, **config),  # type: ignore[arg-type]
            key_source=lambda: self.key,
            client_factory=lambda key: Client(server.url, key, timeout=0.5),
            seen=SeenStore(self.seen_path, server.url),
            publish=self.published,
            toast=self.toasts.append,
            clock=self.clock,
            rng=random.Random(4),
            keep=PendingStore(self.pending_path, server.url),
            held=held,
            paused=paused,
        )

    def published(self, state: TrayState) -> None:
        self.states.append(state)
        self.server_counts.append(self.server.store.unread_count("alice"))

    @property
    def state(self) -> TrayState:
        return self.poller.state

    @property
    def ids(self) -> list[int]:
        return [n.id for n in self.state.items]

    def turn(self) -> float:
        """Let time pass until the poller is due, then run one turn."""
        delay = self.poller.step()
        self.clock.advance(delay)
        return self.poller.step()

    def requests(self, suffix: str) -> int:
        return len(self.server.requests(suffix))

    def lists(self) -> list[RequestRecord]:
        return [r for r in self.server.requests(LIST) if r.path == LIST]

    def probes(self) -> int:
        return sum(1 for r in self.lists() if r.query.get("page_size") == ["1"])

    def step_to(self, held: Hold, *, must_meet: bool = True) -> threading.Thread:
        """Start one poller step on another thread and wait until it stands at ``held``
        (a request the server keeps open). ``must_meet=False``: the step may also end
        without sending it (``held.arrived`` then stays unset)."""
        worker = threading.Thread(target=self.poller.step)
        worker.start()
        wait_at(worker, held, must_meet=must_meet)
        return worker

    def finish(self, worker: threading.Thread) -> None:
        """Wait for a step started by :meth:`step_to`; forget holds no request met (one
        left over would catch a later request)."""
        worker.join(10)
        assert not worker.is_alive(), "the poller hung"
        self.server.clear_holds()


def wait_at(worker: threading.Thread, held: Hold, *, must_meet: bool = True) -> None:
    """Wait (10 s at most) until ``worker``'s request for ``held`` has arrived, or, if
    not ``must_meet``, until the worker ended without sending it."""
    deadline = time.monotonic() + 10
    while worker.is_alive() and not held.arrived.wait(0.01) and time.monotonic() < deadline:
        pass
    if must_meet:
        held.wait(0)


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


def add(server: ContractServer, title: str, hours: float | None = None) -> int:
    """A new notification for alice; ``hours`` after T0 gives it an old created_at."""
    created = T0 + timedelta(hours=hours) if hours is not None else None
    return server.store.add("alice", "admin.org.member.add", title, created_at=created).id


# -- the ordinary life -------------------------------------------------------------------


def test_first_poll_is_within_the_start_jitter(h: Harness) -> None:
    delay = h.poller.step()
    assert 0 <= delay <= 3.0
    assert h.server.requests() == []
    h.clock.advance(delay)
    h.poller.step()
    assert len(h.lists()) == 1


def test_first_poll_lists_and_shows_one_summary(h: Harness) -> None:
    h.turn()
    assert h.state.status is Status.OK
    assert h.state.count == 3
    assert h.ids == [5001, 5003, 5004]
    assert h.toasts == [
        Toast(
            "You have 3 unread notifications",
            "Payment received · $25.00",
            covers=(5001, 5003, 5004),
        )
    ]


def test_steady_state_is_one_small_request_per_interval(h: Harness) -> None:
    h.turn()
    first = len(h.server.requests())
    for _ in range(10):
        assert h.turn() == pytest.approx(INTERVAL)
    assert len(h.server.requests()) == first + 10
    # GET ?unread=true&page_size=1, and once in ten minutes the (one-page) full walk
    assert h.probes() == 9
    assert len(h.lists()) == 11
    assert h.poller.polls == 11


def test_new_notification_is_listed_and_toasted_once(h: Harness) -> None:
    h.turn()
    h.toasts.clear()
    h.server.store.add("alice", "admin.org.member.add", "Ana joined", "Ana was added.")
    h.turn()
    assert h.state.count == 4
    assert h.state.items[0].title == "Ana joined"
    ana = h.state.items[0].id
    assert h.toasts == [Toast("Ana joined", "Ana was added.", ana, (ana,))]
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
    assert h.ids == [5001, 5004]


def test_refresh_now_polls_at_once_and_walks_the_list(h: Harness) -> None:
    h.turn()
    h.poller.refresh()
    assert h.poller.step() == pytest.approx(INTERVAL)
    assert len(h.lists()) == 2
    assert h.probes() == 0  # a refresh fetches the list itself, not a probe


def test_mark_read_drops_the_badge_before_the_request_then_tells_the_server(h: Harness) -> None:
    h.turn()
    published = len(h.states)
    h.poller.mark_read(5003)
    h.poller.step()
    drop = h.states[published]
    assert (drop.count, [n.id for n in drop.items]) == (2, [5001, 5004])
    assert h.server_counts[published] == 3  # published before the server heard of it
    assert h.server.store.unread_count("alice") == 2
    assert h.requests("/5003/mark-read") == 1
    assert (h.state.count, h.ids) == (2, [5001, 5004])


def test_a_mark_read_refused_for_good_comes_back_and_says_so(h: Harness) -> None:
    h.turn()
    h.toasts.clear()
    h.server.faults.arm(Answer(400), path=MARK_READ)
    h.poller.mark_read(5003)
    h.poller.step()
    assert h.state.count == 3
    assert h.ids == [5001, 5003, 5004]
    assert h.state.notice is not None
    assert h.state.notice.startswith("Could not mark “Balance low” read")
    assert [t.body for t in h.toasts] == [h.state.notice]
    assert h.server.store.unread_count("alice") == 3
    assert PendingStore(h.pending_path, h.server.url).load() == []  # final: not kept
    h.turn()
    assert h.requests("/5003/mark-read") == 1  # and never sent again


@pytest.mark.parametrize("status", [429, 503, 500])
def test_a_mark_read_the_server_cannot_take_now_stays_read_and_is_sent_after_the_back_off(
    h: Harness, status: int
) -> None:
    h.turn()
    h.toasts.clear()
    h.server.faults.arm(Answer(status, {"Retry-After": "120"}), path=MARK_READ)
    h.poller.mark_read(5003)
    delay = h.poller.step()
    assert h.requests("/5003/mark-read") == 1
    assert (h.state.count, h.ids) == (2, [5001, 5004])  # still shown as done
    assert h.state.notice is None
    assert h.toasts == []
    assert delay >= 120
    h.clock.advance(100)
    h.poller.step()  # the server asked for two minutes: nothing yet
    assert h.requests("/5003/mark-read") == 1
    h.clock.advance(delay)
    h.poller.step()
    assert h.requests("/5003/mark-read") == 2  # sent again once the back-off ended
    assert h.server.store.unread_count("alice") == 2
    for _ in range(3):
        h.turn()
    assert h.requests("/5003/mark-read") == 2  # once
    assert (h.state.count, h.ids) == (2, [5001, 5004])
    assert all(5003 not in [n.id for n in s.items] for s in h.states[-5:])
    assert PendingStore(h.pending_path, h.server.url).load() == []


def test_a_mark_read_of_one_gone_on_the_server_is_final(h: Harness) -> None:
    h.turn()
    h.server.faults.arm(Answer(404), path=MARK_READ)
    h.poller.mark_read(5003)
    h.poller.step()
    h.turn()
    assert h.requests("/5003/mark-read") == 1
    assert PendingStore(h.pending_path, h.server.url).load() == []


def test_mark_all_read_is_sent_once(h: Harness) -> None:
    h.turn()
    h.poller.mark_all_read()
    h.poller.mark_all_read()  # a second click while the first is pending: count is 0 already
    h.poller.step()
    assert h.state.count == 0
    assert h.requests("/mark-all-read") == 1
    assert h.server.store.unread_count("alice") == 0
    assert h.state.notice is None  # nothing else was marked


def test_failed_mark_all_restores_and_says_so(h: Harness) -> None:
    h.turn()
    h.server.inject(Fault("status", status=500), times=1)
    h.poller.mark_all_read()
    h.poller.step()
    assert h.state.count == 3
    assert h.ids == [5001, 5003, 5004]
    assert h.state.notice is not None
    assert h.state.notice.startswith("Could not mark all as read")
    assert h.server.store.unread_count("alice") == 3


def test_a_click_just_after_mark_all_is_sent_when_the_mark_all_is_refused(h: Harness) -> None:
    """Quick hands: "Mark all as read", then a row of a menu still on screen, before the
    poller took the mark-all. The server refuses the mark-all for good; the click was an
    intent of its own, and goes."""
    h.turn()
    h.server.faults.arm(Answer(400), path=MARK_ALL)
    h.poller.mark_all_read()
    h.poller.mark_read(5003)
    h.poller.step()
    assert h.state.notice is not None
    assert h.state.notice.startswith("Could not mark all as read")
    assert h.requests("/5003/mark-read") == 1
    assert h.server.store.unread_count("alice") == 2
    assert h.ids == [5001, 5004]
    assert PendingStore(h.pending_path, h.server.url).load() == []


def test_a_click_just_after_mark_all_is_done_by_the_mark_all(h: Harness) -> None:
    h.turn()
    h.poller.mark_all_read()
    h.poller.mark_read(5003)
    h.poller.step()
    h.turn()
    assert h.requests("/mark-all-read") == 1
    assert h.requests("/5003/mark-read") == 0  # never sent twice
    assert h.server.store.unread_count("alice") == 0
    assert h.state.count == 0
    assert PendingStore(h.pending_path, h.server.url).load() == []


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
    assert h.ids == [5001, 5003, 5004]
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


def test_one_request_at_a_time_even_when_many_clicks_queue(h: Harness) -> None:
    h.turn()
    for note_id in (5001, 5003, 5004):
        h.poller.mark_read(note_id)
    h.poller.refresh()
    h.poller.step()
    paths = [r.path for r in h.server.requests()][-4:]
    assert paths[:3] == [
        f"{LIST}/5001/mark-read",
        f"{LIST}/5003/mark-read",
        f"{LIST}/5004/mark-read",
    ]
    arrivals = [r.at for r in h.server.requests()]
    assert arrivals == sorted(arrivals)
    assert (h.state.count, h.ids) == (0, [])


def test_a_clock_jump_polls_at_once(h: Harness) -> None:
    h.turn()
    h.poller.step()
    h.clock.advance(5)
    h.clock.wall_time += 3600  # the lid was closed for an hour
    before = len(h.server.requests())
    h.poller.step()
    assert len(h.server.requests()) == before + 1


def test_shown_ids_survive_a_restart(server: ContractServer, make: Callable[..., Harness]) -> None:
    first = make()
    first.turn()
    first.poller.stop()
    server.store.add("alice", "admin.org.member.add", "new while off")
    second = make()
    second.turn()
    assert [t.title for t in second.toasts] == ["new while off"]


def test_back_after_a_long_time_off_is_one_summary(
    server: ContractServer, make: Callable[..., Harness]
) -> None:
    first = make()
    first.turn()
    first.poller.stop()
    for n in range(40):
        add(server, f"while off {n}")
    server.store.mark_read("alice", 5003)
    second = make()
    second.turn()
    assert [t.title for t in second.toasts] == ["40 new notifications"]
    for _ in range(3):
        second.turn()
    assert len(second.toasts) == 1


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
    # not popped up on its own later: the end of the pause names it, once
    assert [t.title for t in h.toasts] == ["While pop-ups were paused: quiet"]
    h.turn()
    assert len(h.toasts) == 1


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
    deadline = time.monotonic() + 10
    while len(calls) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert h.poller.alive
    assert len(calls) >= 3


# -- the five ways it went wrong -------------------------------------------------------


def test_case1_a_swap_under_an_unchanged_count_is_seen_in_one_interval(h: Harness) -> None:
    """One read elsewhere and one new between two polls: same count, new newest."""
    h.turn()
    h.toasts.clear()
    h.server.store.mark_read("alice", 5003)
    new = add(h.server, "Ana joined")
    assert h.server.store.unread_count("alice") == 3  # the count alone says nothing changed
    h.turn()
    assert (h.state.count, h.ids) == (3, [new, 5001, 5004])
    assert [t.title for t in h.toasts] == ["Ana joined"]


def test_case1_what_a_probe_cannot_see_is_found_by_the_full_walk(h: Harness) -> None:
    """Same count and same newest: the periodic full walk bounds how long it hides."""
    h.turn()
    h.toasts.clear()
    h.server.store.mark_read("alice", 5004)  # the oldest unread
    backdated = add(h.server, "Backdated", hours=2)  # older than every unread
    h.turn()
    assert h.toasts == []  # invisible to the probe
    turns = 0
    while not h.toasts:
        h.turn()
        turns += 1
        assert turns * INTERVAL <= FULL_EVERY + INTERVAL
    assert [t.title for t in h.toasts] == ["Backdated"]
    assert h.ids == [5001, 5003, backdated]


def test_case1_as_many_new_as_read_elsewhere_beyond_the_top_are_all_seen(h: Harness) -> None:
    """Twenty read in the console and twenty new between two polls: the same count,
    and more new than the top rows fetched after the probe. None is missed."""
    for i in range(27):
        add(h.server, f"old {i}", hours=20 + i / 10)
    h.turn()
    h.toasts.clear()
    for note_id in [n.id for n in h.server.store.query("alice", unread=True)][:20]:
        h.server.store.mark_read("alice", note_id)
    fresh = [add(h.server, f"new {i}") for i in range(20)]
    assert h.server.store.unread_count("alice") == 30  # as before
    h.turn()
    assert [t.title for t in h.toasts] == ["20 new notifications"]
    assert set(h.toasts[0].covers) == set(fresh)
    assert h.state.count == 30
    assert h.ids == [n.id for n in h.server.store.query("alice", unread=True)][: len(h.ids)]


def test_the_full_walk_comes_back_to_ten_minutes_when_the_backlog_is_read(
    h: Harness,
) -> None:
    """A backlog of 401 is walked every 30 minutes; once it is read, every 10 again."""
    for i in range(398):
        add(h.server, f"old {i}", hours=20 + i / 100)
    h.turn()
    assert h.state.count == 401
    h.poller.mark_all_read()
    h.poller.step()
    h.turn()
    assert h.state.count == 0
    walks = h.poller.walks
    h.clock.advance(FULL_EVERY + INTERVAL)
    h.turn()
    assert h.poller.walks == walks + 1


@pytest.mark.parametrize("unread", [60, 500, 5000])
def test_case2_busy_accounts_never_repeat_and_never_miss(
    server: ContractServer, make: Callable[..., Harness], unread: int
) -> None:
    for i in range(unread):  # spread over the 5 h before T0 + 1 day
        add(server, f"old {i}", hours=19 + i * 5 / unread)
    h = make()
    h.turn()
    total = unread + 3
    assert [t.title for t in h.toasts] == [f"You have {total} unread notifications"]
    assert h.state.count == total
    h.toasts.clear()
    # reading elsewhere, from the top and from deep down, never makes an old one "new"
    rows = server.store.query("alice", unread=True)
    for note in rows[:12] + rows[len(rows) // 2 : len(rows) // 2 + 7] + rows[-3:]:
        server.store.mark_read("alice", note.id)
        h.turn()
    assert h.toasts == []
    assert h.state.count == total - 22
    # a new one that sorts past the first pages is shown, once
    deep = add(server, "Backdated but new", hours=19.5)
    h.turn()
    assert [t.title for t in h.toasts] == ["Backdated but new"]
    assert h.state.count == total - 21
    assert deep not in h.ids[:10]
    # many newer ids come and go: the shown store drops those, never the unread
    for n in range(KEEP_IDS // 100 + 2):
        fresh = [add(server, f"burst {n}.{k}") for k in range(100)]
        h.turn()
        for note_id in fresh:
            server.store.mark_read("alice", note_id)
        h.turn()
    h.toasts.clear()
    for note in server.store.query("alice", unread=True)[:5]:
        server.store.mark_read("alice", note.id)
    h.poller.refresh()
    h.turn()
    assert h.toasts == []
    # and the walk was bounded: a page is never larger than the API allows
    assert all(int(r.query["page_size"][0]) <= PAGE_SIZE for r in h.lists())


def test_case3_mark_all_first_shows_what_arrived_since_the_last_poll(h: Harness) -> None:
    h.turn()
    h.toasts.clear()
    add(h.server, "Arrived after the poll")
    h.poller.mark_all_read()
    h.poller.step()
    assert [t.title for t in h.toasts] == ["Arrived after the poll"]  # shown, then marked
    assert h.server.store.unread_count("alice") == 0
    assert h.state.count == 0
    assert h.state.notice is None


def test_case3_with_pop_ups_paused_mark_all_names_what_arrived_since_the_last_poll(
    h: Harness,
) -> None:
    """Paused, nothing pops up: the one found new just before the mark-all was never
    in a menu the user saw, so it is named in the menu's notice, once, not popped up."""
    h.turn()
    h.poller.set_popups_paused(True)
    h.turn()
    h.toasts.clear()
    add(h.server, "Arrived after the poll")
    h.poller.mark_all_read()
    h.poller.step()
    assert h.server.store.unread_count("alice") == 0
    assert h.state.notice == "Also marked read: Arrived after the poll"
    assert h.toasts == []  # paused: the notice alone
    h.turn()
    assert h.state.notice == "Also marked read: Arrived after the poll"
    assert h.toasts == []


def test_case3_mark_all_names_a_muted_one_that_arrived_since_the_last_poll(
    make: Callable[..., Harness],
) -> None:
    """A muted type never pops up: one found new just before the mark-all is named in
    the menu's notice, never in a pop-up; one of another type pops up as before."""
    h = make(muted_types=("system.balance.notify.dispatched",))
    h.turn()
    h.toasts.clear()
    h.server.store.add("alice", "system.balance.notify.dispatched", "Balance low again")
    add(h.server, "Arrived after the poll")
    h.poller.mark_all_read()
    h.poller.step()
    assert h.server.store.unread_count("alice") == 0
    assert [t.title for t in h.toasts] == ["Arrived after the poll"]  # not the muted one
    assert h.state.notice == "Also marked read: Balance low again"
    h.turn()
    assert len(h.toasts) == 1


def test_case3_mark_all_first_shows_a_new_one_the_probe_could_not_see(h: Harness) -> None:
    """Between two polls one is read in the console and one arrives dated back, below
    the top: the probe sees nothing. Mark all still shows it before marking it."""
    h.turn()
    h.toasts.clear()
    h.server.store.mark_read("alice", 5004)
    add(h.server, "Dated back", hours=2)
    h.turn()
    assert h.toasts == []  # invisible to the probe
    h.poller.mark_all_read()
    h.poller.step()
    assert [t.title for t in h.toasts] == ["Dated back"]
    assert h.server.store.unread_count("alice") == 0
    assert h.state.notice is None


def test_case3_mark_all_with_everything_read_elsewhere_meanwhile_sends_nothing(
    h: Harness,
) -> None:
    """Everything was read in the console after the last poll: the click on mark all
    finds nothing unread, sends no mark-all, and a new one is shown, not eaten."""
    h.turn()
    h.toasts.clear()
    h.server.store.mark_all_read("alice")
    h.poller.mark_all_read()
    h.poller.step()
    assert h.requests("/mark-all-read") == 0
    assert (h.state.count, h.ids) == (0, [])
    add(h.server, "Arrived after")
    h.turn()
    assert [t.title for t in h.toasts] == ["Arrived after"]


def test_case3_mark_all_names_what_else_it_marked(h: Harness) -> None:
    """A notification arrives while mark-all is on its way: it is named, not eaten."""
    h.turn()
    h.toasts.clear()
    mark_all_meanwhile(h, lambda: add(h.server, "Arrived during mark all"))
    assert h.server.store.unread_count("alice") == 0
    assert h.state.notice == "Also marked read: Arrived during mark all"
    assert [t.title for t in h.toasts] == ["Also marked read: Arrived during mark all"]
    h.turn()
    assert len(h.toasts) == 1  # and it never pops up as new later


def mark_all_meanwhile(
    h: Harness, meanwhile: Callable[[], object], then: Callable[[], object] | None = None
) -> None:
    """Mark all, with ``meanwhile`` done on the server while its request is held,
    and ``then`` once it is released."""
    held = h.server.hold("/mark-all-read")
    h.poller.mark_all_read()
    worker = h.step_to(held)
    meanwhile()
    held.release()
    if then is not None:
        then()
    h.finish(worker)


def console_read_and_arrival(
    h: Harness, clock: ServerClock, gap: float = 5.0
) -> Callable[[], None]:
    """While mark all is held: 5001 is read in the console, then (``gap`` s later) a
    new one arrives, so the count marked is the count expected."""

    def act() -> None:
        h.server.store.mark_read("alice", 5001)
        clock.advance(gap)
        add(h.server, "Arrived during mark all")
        clock.advance(gap)

    return act


def test_case3_mark_all_names_what_it_marked_when_the_counts_come_out_even(
    h: Harness, server_clock: ServerClock
) -> None:
    """During mark all, one is read in the console and a new one arrives: the count it
    marked is the count it expected, yet the new one was never shown. It is named."""
    h.turn()
    h.toasts.clear()

    mark_all_meanwhile(h, console_read_and_arrival(h, server_clock))
    assert h.server.store.unread_count("alice") == 0
    assert h.state.notice == "Also marked read: Arrived during mark all"
    h.turn()
    assert [t.title for t in h.toasts] == ["Also marked read: Arrived during mark all"]


def test_case3_mark_all_names_the_new_one_when_all_it_expected_was_read_elsewhere(
    h: Harness, server_clock: ServerClock
) -> None:
    """Everything shown is read in the console during mark all, and one arrives: the
    mark-all flipped only the new one (fewer than it expected). It is named."""
    h.turn()
    h.toasts.clear()

    def console_reads_all_then_arrival() -> None:
        h.server.store.mark_all_read("alice")
        server_clock.advance(5)
        add(h.server, "Arrived during mark all")
        server_clock.advance(5)

    mark_all_meanwhile(h, console_reads_all_then_arrival)
    assert [t.title for t in h.toasts] == ["Also marked read: Arrived during mark all"]


def test_case3_mark_all_does_not_name_what_was_read_in_the_console_before(
    h: Harness, server_clock: ServerClock
) -> None:
    """One arrives and is read in the console between two polls, never shown by the
    app; a mark-all a minute later does not claim it."""
    h.turn()
    h.toasts.clear()
    read_there = add(h.server, "Read in the console")
    h.server.store.mark_read("alice", read_there)
    server_clock.advance(60)
    h.poller.mark_all_read()
    h.poller.step()
    assert h.server.store.unread_count("alice") == 0
    assert h.toasts == []
    assert h.state.notice is None
    assert h.requests("/mark-all-read") == 1


def test_case4_a_poll_in_flight_cannot_undo_a_click(h: Harness) -> None:
    h.turn()
    h.clock.advance(h.poller.step())
    held = h.server.hold(LIST, page_size="1")
    worker = h.step_to(held)  # the poll is on its way; its answer will still list 5003
    published = len(h.states)
    h.poller.mark_read(5003)
    deadline = threading.Event()
    for _ in range(200):  # the click shows while the poll is still held
        if len(h.states) > published:
            break
        deadline.wait(0.01)
    assert [n.id for n in h.states[published].items] == [5001, 5004]
    held.release()
    h.finish(worker)
    after_click = h.states[published:]
    assert all(5003 not in [n.id for n in s.items] for s in after_click)
    assert all(s.count == 2 for s in after_click)
    assert h.server.store.unread_count("alice") == 2
    h.turn()
    assert (h.state.count, h.ids) == (2, [5001, 5004])


def test_refresh_while_a_poll_is_on_its_way_polls_again_at_once(h: Harness) -> None:
    h.turn()
    h.clock.advance(h.poller.step())
    held = h.server.hold(LIST, page_size="1")
    worker = h.step_to(held)
    h.server.store.mark_read("alice", 5004)  # read deep down: the held probe cannot tell
    h.poller.refresh()
    held.release()
    h.finish(worker)
    assert h.poller.step() == pytest.approx(INTERVAL)  # the refresh: a full walk, now
    assert (h.state.count, h.ids) == (2, [5001, 5003])


def test_refresh_while_the_list_is_being_walked_walks_it_again(h: Harness) -> None:
    h.turn()
    h.poller.refresh()
    held = h.server.hold(LIST, page_size=str(PAGE_SIZE))
    worker = h.step_to(held)  # the walk the first refresh asked for is on its way
    h.server.store.mark_read("alice", 5004)  # read in the console meanwhile
    h.poller.refresh()
    held.release()
    h.finish(worker)
    walked = len(h.lists())
    h.poller.step()  # the second refresh: the whole list again, not just a probe
    assert [r.query["page_size"] for r in h.lists()[walked:]] == [[str(PAGE_SIZE)]]
    assert (h.state.count, h.ids) == (2, [5001, 5003])


def test_a_click_after_signing_out_is_kept_and_sent_once_signed_in_again(h: Harness) -> None:
    h.turn()
    h.key = None  # logout in another terminal
    h.poller.mark_read(5003)
    h.turn()
    assert h.state.status is Status.SIGNED_OUT
    assert h.state.notice is None  # not refused: kept for when there is a key
    assert h.requests("/mark-read") == 0
    assert PendingStore(h.pending_path, h.server.url).load() == [ReadOne(5003, "Balance low")]
    h.key = KEY  # and login again with the same key
    h.poller.key_changed()
    h.poller.step()
    assert (h.state.status, h.state.count, h.ids) == (Status.OK, 2, [5001, 5004])
    assert all(5003 not in [n.id for n in s.items] for s in h.states[-3:])
    for _ in range(3):
        h.turn()
    assert h.requests("/5003/mark-read") == 1
    assert h.server.store.unread_count("alice") == 2


def test_a_click_met_by_a_401_is_sent_once_with_the_new_key(h: Harness) -> None:
    h.turn()
    h.server.store.revoke_key(KEY)
    h.poller.mark_read(5003)
    h.poller.step()
    assert h.state.status is Status.SIGNED_OUT
    assert h.requests("/5003/mark-read") == 1  # refused: 401
    h.turn()
    assert h.requests("/5003/mark-read") == 1  # never with the rejected key
    h.key = "test-key-alice-2"
    h.poller.key_changed()
    h.poller.step()
    assert (h.state.status, h.state.count, h.ids) == (Status.OK, 2, [5001, 5004])
    h.turn()
    assert h.requests("/5003/mark-read") == 2
    assert h.server.store.unread_count("alice") == 2


def test_case4_a_click_read_elsewhere_meanwhile_stays_read(h: Harness) -> None:
    h.turn()
    h.server.store.mark_read("alice", 5003)  # read in the console too
    h.poller.mark_read(5003)
    h.turn()
    assert (h.state.count, h.ids) == (2, [5001, 5004])
    assert h.state.notice is None


def test_case5_retry_after_never_polls_sooner_than_the_interval(h: Harness) -> None:
    h.turn()
    h.server.inject(Fault("status", status=429, retry_after="1"), times=1)
    assert h.turn() >= INTERVAL * 1.5  # back-off, not one second
    h.server.inject(Fault("status", status=429, retry_after="120"), times=1)
    assert h.turn() >= 120
    h.server.inject(Fault("status", status=503, retry_after="86400"), times=1)
    assert h.turn() == pytest.approx(MAX_DELAY)
    h.server.inject(
        Fault("status", status=503, retry_after="Wed, 21 Oct 2099 07:28:00 GMT"), times=1
    )
    assert h.turn() == pytest.approx(MAX_DELAY)
    assert h.turn() == pytest.approx(INTERVAL)  # recovered


def test_a_deep_click_read_elsewhere_during_a_poll_keeps_the_badge_right(h: Harness) -> None:
    """Below the menu's rows (a pop-up's "Mark read", a menu drawn a moment ago), the
    user reads an old notification while it is also read in the console, and a poll
    is on its way: the badge still counts what the server has unread."""
    h.turn()
    for i in range(10):
        add(h.server, f"Newer {i}")
    h.poller.refresh()
    h.turn()  # 13 unread, 5001 is 11th: below the rows a probe re-fetches
    assert h.ids[10] == 5001
    h.clock.advance(h.poller.step())
    held = h.server.hold(LIST, page_size="1")
    worker = h.step_to(held)
    h.poller.mark_read(5001)
    h.server.store.mark_read("alice", 5001)  # read in the console at the same time
    add(h.server, "Arrived meanwhile")
    held.release()
    h.finish(worker)
    assert h.server.store.unread_count("alice") == 13
    assert (h.state.count, len(h.ids)) == (13, 13)
    h.turn()
    assert (h.state.count, len(h.ids)) == (13, 13)


def test_a_click_on_an_old_one_already_read_elsewhere_keeps_the_badge_right(
    h: Harness,
) -> None:
    """An old notification is read in the console; the app's list still holds it
    (unknown which row went) when the user marks it read from its pop-up: the
    badge is right once that read is confirmed, not an interval later."""
    h.turn()
    for i in range(10):
        add(h.server, f"Newer {i}")
    h.poller.refresh()
    h.turn()
    h.server.store.mark_read("alice", 5001)  # deep down, read in the console
    add(h.server, "Newest")  # the probe sees a change, but not which deep row went
    h.turn()
    assert 5001 in h.ids  # it cannot know yet
    h.poller.mark_read(5001)  # the pop-up's "Mark read"
    h.poller.step()  # the read is confirmed...
    h.poller.step()  # ...and no time has passed
    assert h.server.store.unread_count("alice") == 13
    assert (h.state.count, len(h.ids)) == (13, 13)


def test_a_tray_that_fails_to_draw_loses_no_pop_up(h: Harness) -> None:
    """The icon fails to update (a display hiccup) just as news arrives: the pop-up
    still shows, once, and polling keeps its pace."""
    h.turn()
    h.toasts.clear()

    def broken(state: TrayState) -> None:
        raise RuntimeError("the display went away")

    h.poller._publish = broken
    add(h.server, "While the icon was broken")
    h.turn()
    assert [t.title for t in h.toasts] == ["While the icon was broken"]
    h.poller._publish = h.published
    requests = len(h.server.requests())
    assert h.poller.step() == pytest.approx(INTERVAL)  # no poll before its time
    assert len(h.server.requests()) == requests
    h.turn()
    assert [t.title for t in h.toasts] == ["While the icon was broken"]
    assert h.states[-1].count == 4  # the icon caught up at the next poll


def test_an_unexpected_error_in_a_poll_is_a_failure(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """Whatever goes wrong inside a poll counts as a failed poll: the tray says it is
    not up to date and why, the next one waits for the back-off (instead of following
    at once, again and again, if the error stays), and the traceback is logged once."""
    h.turn()
    real_add = h.poller._seen.add

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("a bug")

    h.poller._seen.add = broken  # type: ignore[method-assign]
    add(h.server, "Trips the bug")
    first = h.turn()
    assert (h.state.status, h.state.stale) == (Status.ERROR, True)
    assert h.state.problem == "unexpected error (RuntimeError: a bug); see the log"
    assert first >= INTERVAL * 1.5
    requests = len(h.server.requests())
    h.poller.step()  # the owner thread's next turn, at once
    assert len(h.server.requests()) == requests
    assert h.turn() > first  # still broken: the back-off grows
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1
    assert "a bug" in caplog.text
    h.poller._seen.add = real_add  # type: ignore[method-assign]
    assert h.turn() == pytest.approx(INTERVAL)
    assert (h.state.status, h.state.stale, h.state.problem) == (Status.OK, False, None)
    assert [t.title for t in h.toasts][-1] == "Trips the bug"


class RowByRowStore(Store):
    """A server whose mark-all stamps each row as it writes it, newest first, 1.5 s a
    row (an ORM loop on a busy database), instead of one moment for all."""

    def __init__(self, clock: ServerClock) -> None:
        super().__init__(clock=clock)
        self.server_clock = clock

    def mark_all_read(self, user: str) -> int:
        with self._lock:
            rows = [r for r in self._rows.values() if r.owner == user and r.note.unread]
            rows.sort(key=lambda r: newest_first(r.note), reverse=True)
            for row in rows:
                self.server_clock.advance(1.5)
                row.note = dataclasses.replace(row.note, read_at=self.server_clock.now)
            return len(rows)


def test_case3_mark_all_names_what_it_flipped_on_a_server_that_stamps_row_by_row(
    tmp_path: Path,
) -> None:
    """The server's mark-all takes longer than a second, stamping the new one first and
    the ones expected after it; one expected was read in the console meanwhile, so the
    counts come out even. The new one is still named."""
    clock = ServerClock()
    store = RowByRowStore(clock)
    store.add_key(KEY, "alice")
    for hours in (3, 5, 7):
        store.add(
            "alice", "admin.org.member.add", f"Old {hours}", created_at=T0 + timedelta(hours=hours)
        )
    with ContractServer(store) as server:
        h = Harness(server, tmp_path)
        try:
            h.turn()
            assert h.state.count == 3
            oldest = h.ids[-1]
            h.toasts.clear()

            def oldest_read_and_arrival() -> None:
                server.store.mark_read("alice", oldest)  # read in the console meanwhile
                clock.advance(5)
                add(server, "Arrived during mark all")
                clock.advance(5)

            mark_all_meanwhile(h, oldest_read_and_arrival)
            assert server.store.unread_count("alice") == 0
            assert h.state.notice == "Also marked read: Arrived during mark all"
        finally:
            h.poller.stop()


def test_case3_mark_all_names_the_new_one_when_200_newer_rows_were_read_before(
    h: Harness, server_clock: ServerClock
) -> None:
    """The one unread is old; 205 notifications created after it were read long ago.
    During mark all it is read in the console and a new one arrives: counts even."""
    for done in (5003, 5004):
        h.server.store.mark_read("alice", done)
    for i in range(205):
        h.server.store.mark_read("alice", add(h.server, f"Read long ago {i}", hours=10 + i / 100))
    server_clock.advance(60)
    h.turn()
    assert h.ids == [5001]
    h.toasts.clear()

    mark_all_meanwhile(h, console_read_and_arrival(h, server_clock))
    assert h.server.store.unread_count("alice") == 0
    assert h.state.notice == "Also marked read: Arrived during mark all"


def test_case3_mark_all_names_the_new_one_when_listing_what_it_marked_fails_once(
    h: Harness, server_clock: ServerClock
) -> None:
    h.turn()
    h.toasts.clear()
    listed = h.server.hold(LIST, read="true")

    def listing_fails() -> None:
        listed.wait()
        h.server.inject(Fault("status", status=503), times=1)
        listed.release()

    mark_all_meanwhile(h, console_read_and_arrival(h, server_clock), then=listing_fails)
    h.turn()
    assert h.server.store.unread_count("alice") == 0
    assert h.state.notice == "Also marked read: Arrived during mark all"
    listings = [r.status for r in h.server.requests(LIST) if r.query.get("read") == ["true"]]
    assert listings == [503, 200]  # asked again at the next poll


def test_case3_mark_all_whose_answer_is_lost_still_names_what_it_flipped(
    h: Harness, server_clock: ServerClock
) -> None:
    h.turn()
    h.toasts.clear()

    def arrival_and_a_late_answer() -> None:
        server_clock.advance(5)
        add(h.server, "Arrived during mark all")
        server_clock.advance(5)
        h.server.inject(Fault("slow", delay=1.5), times=1)  # done, then answered too late

    mark_all_meanwhile(h, arrival_and_a_late_answer)
    # No answer: it may not have reached the server, so it stays shown as done, kept,
    # and is sent again after the back-off (which finds it done, and names the flip).
    assert (h.state.count, h.state.notice) == (0, None)
    sent = len(h.server.requests())
    assert h.poller.step() >= INTERVAL  # no answer is a failure: the back-off first
    assert len(h.server.requests()) == sent
    h.turn()  # then the poll asks what the mark-all did
    assert h.state.notice == "Also marked read: Arrived during mark all"
    assert h.server.store.unread_count("alice") == 0
    assert h.state.count == 0
    assert [t.title for t in h.toasts if "Arrived" in t.title] == [
        "Also marked read: Arrived during mark all"
    ]


def test_also_marked_read_does_not_pop_up_while_popups_are_paused(
    h: Harness, server_clock: ServerClock
) -> None:
    h.turn()
    h.poller.set_popups_paused(True)
    h.toasts.clear()

    def arrival() -> None:
        server_clock.advance(5)
        add(h.server, "Arrived during mark all")

    mark_all_meanwhile(h, arrival)
    assert h.state.notice == "Also marked read: Arrived during mark all"
    assert h.toasts == []


def test_also_marked_read_does_not_pop_up_a_muted_type(
    make: Callable[..., Harness], server_clock: ServerClock
) -> None:
    h = make(muted_types=("system.balance.notify.dispatched",))
    h.turn()
    h.toasts.clear()

    def muted_arrival() -> None:
        server_clock.advance(5)
        h.server.store.add("alice", "system.balance.notify.dispatched", "Balance low again")

    mark_all_meanwhile(h, muted_arrival)
    assert h.state.notice == "Also marked read: Balance low again"
    assert h.toasts == []
