"""Random server events and user actions against the real poller and the contract server.

After every poll: every notification unread on the server that was not shown before
has been toasted or summarised; nothing is toasted twice; the menu is the server's
newest unread (no reads are pending between turns); nothing was marked read that
the user did not click, was not shown, or was not told about ("Also marked read").
"""

from __future__ import annotations

import re
import tempfile
import threading
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from traynotify.core.state import Status
from traynotify.devserver import ContractServer, Fault

from .conftest import in_ci, seeded_store
from .test_poller import LIST, Harness

MENU = 10
SUMMARY = re.compile(r"^(?:You have )?(\d+) (?:new|unread) notifications?$")
ALSO = re.compile(r"^Also marked read: (.*)$")


class Account(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory()
        self.server = ContractServer(seeded_store()).start()
        self.h = Harness(self.server, Path(self.tmp.name))
        self.next_id = 9000
        self.announced: set[int] = set()
        """Ids toasted on their own, or covered by a summary or an "Also marked read"."""
        self.read_elsewhere: set[int] = self.read()  # read before the app ever ran
        self.clicked: set[int] = set()
        self.toasts_seen = 0

    def teardown(self) -> None:
        self.h.poller.stop()
        self.server.stop()
        self.tmp.cleanup()

    # -- helpers ---------------------------------------------------------------------
    def unread(self) -> list[int]:
        return [n.id for n in self.server.store.query("alice", unread=True)]

    def read(self) -> set[int]:
        return {n.id for n in self.server.store.query("alice", read=True)}

    def turn(self) -> None:
        polls = self.h.poller.polls
        unread_before = set(self.unread())
        self.h.turn()
        assert self.h.poller.polls > polls
        self.check_toasts(unread_before)
        self.check_state()

    def check_toasts(self, unread_before: set[int]) -> None:
        fresh = self.h.toasts[self.toasts_seen :]
        self.toasts_seen = len(self.h.toasts)
        singles = [t.notification_id for t in fresh if t.notification_id is not None]
        assert len(singles) == len(set(singles)), f"toasted twice in one turn: {singles}"
        assert not set(singles) & self.announced, "toasted again"
        self.announced |= set(singles)  # type: ignore[arg-type]
        unread_now = set(self.unread())
        candidates = (unread_before | unread_now) - self.announced
        for toast in fresh:
            summary = SUMMARY.match(toast.title)
            if summary:
                assert int(summary.group(1)) >= len(unread_now - self.announced)
                if not toast.title.startswith("You have"):  # "N new": none of them old
                    named = {int(i) for i in re.findall(r"#(\d+)", toast.body)}
                    assert named <= candidates, f"summarised again: {named - candidates}"
                    assert int(summary.group(1)) <= len(candidates), (toast, candidates)
                self.announced |= candidates
            also = ALSO.match(toast.title)
            if also:
                text = also.group(1)
                named = {int(i) for i in re.findall(r"#(\d+)", text)}
                more = re.search(r"(\d+) (?:more|notifications? you were not shown)", text)
                told = len(named) + (int(more.group(1)) if more else 0)
                unexplained = self.read() - self.read_elsewhere - self.clicked - self.announced
                assert len(unexplained) == told, (unexplained, toast.title)
                self.announced |= unexplained

    # -- the server's side -----------------------------------------------------------
    @initialize()
    def first_start(self) -> None:
        self.turn()

    @rule(k=st.integers(1, 5))
    def new(self, k: int) -> None:
        for _ in range(k):
            self.next_id += 1
            self.server.store.add(
                "alice", "admin.org.member.add", f"#{self.next_id}", id=self.next_id
            )

    @rule(pick=st.integers(0, 50))
    def read_one_elsewhere(self, pick: int) -> None:
        unread = self.unread()
        if unread:
            note_id = unread[pick % len(unread)]
            self.server.store.mark_read("alice", note_id)
            self.read_elsewhere.add(note_id)

    @rule()
    def mark_all_elsewhere(self) -> None:
        self.read_elsewhere |= set(self.unread())
        self.server.store.mark_all_read("alice")

    @rule(
        fault=st.sampled_from(
            [
                Fault("status", status=500),
                Fault("status", status=429, retry_after="1"),
                Fault("drop"),
                Fault("wrong_shape"),
            ]
        ),
        times=st.integers(1, 3),
    )
    def fault(self, fault: Fault, times: int) -> None:
        self.server.inject(fault, times=times)

    # -- the user's side ---------------------------------------------------------------
    @rule(pick=st.integers(0, MENU - 1))
    def click(self, pick: int) -> None:
        items = self.h.state.items[:MENU]
        if self.h.state.status is Status.OK and items:
            note = items[pick % len(items)]
            self.h.poller.mark_read(note.id)
            self.clicked.add(note.id)

    @rule()
    def mark_all(self) -> None:
        if self.h.state.count > 0:
            self.h.poller.mark_all_read()

    @rule(k=st.integers(1, 3))
    def mark_all_while_more_arrive(self, k: int) -> None:
        """New notifications reach the server while its mark-all request is on its way."""
        if self.h.state.count == 0:
            return
        unread_before = set(self.unread())
        self.server.clear_faults()
        held = self.server.hold("/mark-all-read")
        self.h.poller.mark_all_read()
        worker = threading.Thread(target=self.h.poller.step)
        worker.start()
        while worker.is_alive() and not held.arrived.wait(0.01):
            pass  # the clicks queued before may have left nothing to mark
        if held.arrived.is_set():
            self.new(k)
        held.release()
        worker.join(10)
        self.check_toasts(unread_before)
        self.check_state()

    @rule(pick=st.integers(0, MENU - 1), elsewhere=st.booleans(), k=st.integers(0, 2))
    def click_while_a_poll_is_on_its_way(self, pick: int, elsewhere: bool, k: int) -> None:
        """The answer to a poll that left before the click must not bring the item back."""
        items = self.h.state.items[:MENU]
        if self.h.state.status is not Status.OK or not items:
            return
        note = items[pick % len(items)]
        self.server.clear_faults()
        unread_before = set(self.unread())
        self.h.clock.advance(self.h.poller.step())  # the next poll is due
        published = len(self.h.states)
        held = self.server.hold(LIST)
        worker = threading.Thread(target=self.h.poller.step)
        worker.start()
        while worker.is_alive() and not held.arrived.wait(0.01):
            pass
        self.h.poller.mark_read(note.id)
        self.clicked.add(note.id)
        if elsewhere:  # the same one read in the console too, before the poll's answer
            self.server.store.mark_read("alice", note.id)
            self.read_elsewhere.add(note.id)
        self.new(k)
        held.release()
        worker.join(10)
        assert not worker.is_alive(), "the poller hung"
        for state in self.h.states[published:]:
            assert note.id not in {n.id for n in state.items}, "a click was undone"
        self.check_toasts(unread_before)
        self.check_state()

    @rule(pick=st.integers(0, MENU - 1), everything=st.booleans(), k=st.integers(0, 2))
    def read_elsewhere_while_a_click_is_on_its_way(
        self, pick: int, everything: bool, k: int
    ) -> None:
        """The console reads it (or everything) while the app's own read is in flight."""
        items = self.h.state.items[:MENU]
        if self.h.state.status is not Status.OK or not items:
            return
        note = items[pick % len(items)]
        self.server.clear_faults()
        unread_before = set(self.unread())
        held = self.server.hold(f"/{note.id}/mark-read")
        self.h.poller.mark_read(note.id)
        self.clicked.add(note.id)
        worker = threading.Thread(target=self.h.poller.step)
        worker.start()
        while worker.is_alive() and not held.arrived.wait(0.01):
            pass
        if everything:
            self.mark_all_elsewhere()
        else:
            self.server.store.mark_read("alice", note.id)
            self.read_elsewhere.add(note.id)
        self.new(k)
        held.release()
        worker.join(10)
        assert not worker.is_alive(), "the poller hung"
        self.check_toasts(unread_before)  # what the turn showed (a mark all queued before)
        self.turn()

    @rule()
    def refresh(self) -> None:
        self.h.poller.refresh()

    @rule()
    def poll(self) -> None:
        self.turn()

    # -- after every poll, and every step --------------------------------------------------
    def check_state(self) -> None:
        state = self.h.state
        if state.status is not Status.OK or state.stale or self.h.poller._work:
            return  # the last poll failed: the menu is the last one known, marked stale
        unread = self.unread()
        assert state.count == len(unread)
        assert [n.id for n in state.items[:MENU]] == unread[:MENU]
        missed = set(unread) - self.announced
        assert not missed, f"never shown: {missed}"

    @invariant()
    def nothing_marked_unasked(self) -> None:
        unexplained = self.read() - self.read_elsewhere - self.clicked - self.announced
        assert not unexplained, f"marked read unasked: {unexplained}"


Account.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    # CI runs the same examples every time, so a red run can be replayed exactly;
    # a developer's run explores new ones (and keeps failures in .hypothesis/).
    derandomize=in_ci(),
)
test_account = Account.TestCase
