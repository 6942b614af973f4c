"""The poller's inbox and the reads it has yet to send."""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from typing import Any

from traynotify.api.models import Notification
from traynotify.core.commands import (
    Inbox,
    MarkAll,
    MarkRead,
    ReadAll,
    ReadOne,
    Reads,
    Refresh,
)


def note(id_: int) -> Notification:
    return Notification(
        id_,
        "admin.org.member.add",
        f"t{id_}",
        "",
        None,
        None,
        datetime(2026, 5, 22, tzinfo=timezone.utc),
    )


def test_commands_come_out_in_order_and_wake_the_owner() -> None:
    wake = threading.Event()
    inbox = Inbox(wake)
    assert inbox.take() is None
    inbox.send(MarkRead(5))
    assert wake.is_set()
    inbox.send(Refresh())
    assert [inbox.take(), inbox.take(), inbox.take()] == [MarkRead(5), Refresh(), None]


def test_commands_from_many_threads_are_each_taken_once() -> None:
    inbox = Inbox(threading.Event())
    senders = [
        threading.Thread(target=lambda k=k: [inbox.send(MarkRead(k * 100 + i)) for i in range(100)])
        for k in range(4)
    ]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(10)
    taken = []
    while (command := inbox.take()) is not None:
        assert isinstance(command, MarkRead)
        taken.append(command.notification_id)
    assert sorted(taken) == list(range(400))


def test_a_read_is_pending_at_once_and_sent_once() -> None:
    reads = Reads()
    assert reads.ask_one(note(1))
    assert not reads.ask_one(note(1))  # clicked twice: one request
    reads.ask_all(frozenset({2, 3}))
    assert reads.pending == {1, 2, 3}
    assert reads.queued
    one = ReadOne(1, note(1).title)
    assert reads.next() == one
    assert reads.next() == one  # queued until the server answered for good
    reads.done(one)
    assert reads.next() == ReadAll(frozenset({2, 3}))
    reads.done(ReadAll(frozenset({2, 3})))
    assert not reads.queued
    assert reads.next() is None
    assert reads.pending == {1, 2, 3}  # until the server answers
    reads.settled({1, 2})
    assert reads.pending == {3}


class Kept:
    """A Keep that keeps in memory, as pending.json does on disk."""

    def __init__(self, jobs: list[Any] | None = None) -> None:
        self.jobs = list(jobs or [])

    def load(self) -> list[Any]:
        return list(self.jobs)

    def save(self, jobs: Any) -> None:
        self.jobs = list(jobs)


def test_a_click_behind_a_mark_all_is_queued_and_kept_behind_it() -> None:
    keep = Kept()
    reads = Reads(keep)
    reads.ask_all(frozenset({1, 2}))
    assert reads.ask_one(note(2))  # quick hands: a row clicked before the mark-all went
    assert not reads.ask_one(note(2))  # clicked twice: one request
    every = ReadAll(frozenset({1, 2}))
    assert keep.jobs == [every, ReadOne(2, "t2")]
    again = Reads(Kept(keep.jobs))  # a restart: both taken up, in order
    again.restore()
    assert (again.next(), again.pending) == (every, {1, 2})
    again.done(every)
    assert again.next() == ReadOne(2, "t2")


def test_a_refused_mark_all_leaves_the_click_behind_it_pending_and_queued() -> None:
    reads = Reads()
    reads.ask_all(frozenset({1, 2}))
    reads.ask_one(note(2))
    reads.settled({1, 2})  # the mark-all was refused
    reads.done(ReadAll(frozenset({1, 2})))
    assert reads.pending == {2}
    assert reads.next() == ReadOne(2, "t2")


def test_a_mark_all_that_marked_is_the_click_behind_it_too() -> None:
    keep = Kept()
    reads = Reads(keep)
    reads.ask_all(frozenset({1, 2}))
    reads.ask_one(note(2))
    reads.ask_one(note(3))  # not in what the mark-all was shown: still its own
    reads.read_by_all({1, 2})
    reads.done(ReadAll(frozenset({1, 2})))
    assert reads.pending == {3}
    assert reads.next() == ReadOne(3, "t3")
    assert keep.jobs == [ReadOne(3, "t3")]


def test_mark_all_is_a_command_like_any_other() -> None:
    inbox = Inbox(threading.Event())
    inbox.send(MarkAll())
    assert inbox.take() == MarkAll()
