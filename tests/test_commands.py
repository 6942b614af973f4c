"""The poller's inbox and the reads it has yet to send."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

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
    assert reads.next() == ReadOne(note(1))
    assert reads.next() == ReadAll(frozenset({2, 3}))
    assert not reads.queued
    assert reads.next() is None
    assert reads.pending == {1, 2, 3}  # until the server answers
    reads.settled({1, 2})
    assert reads.pending == {3}


def test_mark_all_is_a_command_like_any_other() -> None:
    inbox = Inbox(threading.Event())
    inbox.send(MarkAll())
    assert inbox.take() == MarkAll()
