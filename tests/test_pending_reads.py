"""Clicks the server has not confirmed survive a quit, a crash, offline and signed-out
times: the real poller against the contract server, its pending reads in pending.json."""

from __future__ import annotations

import json
import logging
import os
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from traynotify.core.commands import ReadAll, ReadOne
from traynotify.core.state import TrayState
from traynotify.desktop.pending_store import PendingStore
from traynotify.devserver import ContractServer, Fault
from traynotify.devserver.faults import MARK_ALL, MARK_READ, Answer

from .test_poller import INTERVAL, LIST, Harness

Make = Callable[..., Harness]


@pytest.fixture
def make(server: ContractServer, tmp_path: Path) -> Iterator[Make]:
    """Pollers on one state folder, one after the other: each a start of the app."""
    made: list[Harness] = []

    def factory(**kwargs: object) -> Harness:
        made.append(Harness(server, tmp_path, **kwargs))
        return made[-1]

    yield factory
    for harness in made:
        harness.poller.stop()


def marks(server: ContractServer, note_id: int) -> list[int]:
    """The statuses of every mark-read of ``note_id`` the server saw (0: dropped)."""
    return [r.status for r in server.requests(f"/{note_id}/mark-read")]


def kept(h: Harness) -> list[object]:
    return list(PendingStore(h.pending_path, h.server.url).load())


def shows(state: TrayState, note_id: int) -> bool:
    return note_id in [n.id for n in state.items]


def test_a_click_during_a_poll_on_its_way_is_sent_on_quit(make: Make) -> None:
    h = make()
    h.turn()
    h.clock.advance(INTERVAL)  # the next poll is due: the thread sends it at once
    held = h.server.hold(LIST, page_size="1")
    h.poller.start()
    held.wait()  # the poll is on its way, and the server keeps it
    h.poller.mark_read(5003)
    deadline = time.monotonic() + 10
    while shows(h.state, 5003) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert (h.state.count, h.ids) == (2, [5001, 5004])  # shown as done at once
    assert kept(h) == [ReadOne(5003, "Balance low")]  # and on disk already
    assert marks(h.server, 5003) == []
    h.poller.stop(timeout=1, flush=3)  # Quit, while the poll is still held
    held.release()
    assert marks(h.server, 5003) == [200]  # sent on quit, past the held poll
    assert h.server.store.unread_count("alice") == 2
    assert kept(h) == []
    assert not h.poller.alive


def test_quit_with_the_server_unreachable_keeps_it_for_the_next_start(make: Make) -> None:
    first = make()
    first.turn()
    first.server.inject(Fault("drop"))  # every request, until cleared
    first.poller.mark_read(5003)
    first.poller.step()
    first.poller.stop(flush=3)  # tried once more on quit: still no answer
    assert marks(first.server, 5003) == [0, 0]
    assert kept(first) == [ReadOne(5003, "Balance low")]

    first.server.clear_faults()
    second = make()  # the next start
    second.turn()
    assert marks(second.server, 5003) == [0, 0, 200]
    log = [r.path for r in second.server.requests()]
    sent = len(log) - 1 - log[::-1].index(f"{LIST}/5003/mark-read")
    assert all(p == LIST or p.endswith("/mark-read") for p in log[sent:])
    assert not any(p == LIST for p in log[sent - 1 : sent])  # no poll in between
    # shown as done from the first answer on, which came after the read was sent
    assert second.states
    assert not any(shows(s, 5003) for s in second.states)
    assert (second.state.count, second.ids) == (2, [5001, 5004])
    assert second.toasts == []  # shown before (seen.json); the clicked one not again
    for _ in range(3):
        second.turn()
    assert marks(second.server, 5003) == [0, 0, 200]  # exactly once
    assert kept(second) == []


def test_quit_while_the_server_asks_to_wait_sends_nothing_and_keeps_it(make: Make) -> None:
    first = make()
    first.turn()
    first.server.faults.arm(Answer(429, {"Retry-After": "300"}), path=MARK_READ)
    first.poller.mark_read(5003)
    first.poller.step()
    first.poller.stop(flush=3)
    assert marks(first.server, 5003) == [429]  # not again within the server's wait
    assert kept(first) == [ReadOne(5003, "Balance low")]
    second = make()
    second.turn()
    assert marks(second.server, 5003) == [429, 200]
    assert (second.state.count, second.ids) == (2, [5001, 5004])


def test_a_crash_after_the_click_sends_it_at_the_next_start(make: Make) -> None:
    first = make()
    first.turn()
    first.key = None  # nothing can be sent: the click waits in pending.json
    first.poller.mark_read(5001)
    first.poller.step()
    assert marks(first.server, 5001) == []
    # The process dies here: no stop, no quit (the poller is simply dropped).
    second = make()
    second.turn()
    assert marks(second.server, 5001) == [200]
    assert not any(shows(s, 5001) for s in second.states)
    assert (second.state.count, second.ids) == (2, [5003, 5004])
    second.turn()
    assert marks(second.server, 5001) == [200]
    assert kept(second) == []


def test_a_mark_all_kept_on_quit_is_sent_at_the_next_start(make: Make) -> None:
    first = make()
    first.turn()
    first.server.inject(Fault("drop"))
    first.poller.mark_all_read()
    first.poller.step()
    assert first.state.count == 0  # shown as done
    first.poller.stop()  # no time to send it (a crash, or a quit that timed out)
    assert kept(first) == [ReadAll(frozenset({5001, 5003, 5004}))]
    first.server.clear_faults()
    second = make()
    second.turn()
    assert [r.status for r in second.server.requests(MARK_ALL)] == [200]
    assert second.server.store.unread_count("alice") == 0
    assert second.state.count == 0
    assert second.toasts == []
    assert kept(second) == []


def test_offline_for_a_while_the_click_stays_read_and_is_sent_once_back(make: Make) -> None:
    h = make()
    h.turn()
    h.server.inject(Fault("drop"))
    published = len(h.states)
    h.poller.mark_read(5004)
    for _ in range(4):
        h.turn()  # the back-off grows; the click is tried once per turn at most
    assert h.server.store.unread_count("alice") == 3
    assert h.state.notice is None
    h.server.clear_faults()
    for _ in range(3):
        h.turn()
    assert [s for s in marks(h.server, 5004) if s == 200] == [200]
    assert not any(shows(s, 5004) for s in h.states[published:])
    assert (h.state.count, h.ids) == (2, [5001, 5003])
    assert kept(h) == []


def test_a_damaged_pending_file_is_set_aside_with_one_warning(
    make: Make, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "pending.json").write_text("{not json", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        h = make()
        h.turn()
    warnings = [r for r in caplog.records if "pending.json" in r.getMessage()]
    assert len(warnings) == 1
    assert "not a valid" in warnings[0].getMessage()
    assert not any(r.exc_info for r in caplog.records)
    assert [p.name.split(".broken-")[0] for p in tmp_path.glob("pending.json.broken-*")] == [
        "pending.json"
    ]
    h.poller.mark_read(5001)
    h.poller.step()
    assert marks(h.server, 5001) == [200]


# -- the store on its own ---------------------------------------------------------------


def test_the_store_keeps_reads_per_api_url_in_a_file_of_the_users_own(tmp_path: Path) -> None:
    path = tmp_path / "pending.json"
    one = PendingStore(path, "https://a.example")
    assert one.load() == []
    one.save([ReadOne(7, "Seven"), ReadAll(frozenset({1, 2}))])
    other = PendingStore(path, "https://b.example")
    assert other.load() == []
    other.save([ReadOne(9, "Nine")])
    again = PendingStore(path, "https://a.example")
    assert again.load() == [ReadOne(7, "Seven"), ReadAll(frozenset({1, 2}))]
    again.save([])
    assert PendingStore(path, "https://b.example").load() == [ReadOne(9, "Nine")]
    assert "a.example" not in json.loads(path.read_text())["accounts"]
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.skipif(os.name != "posix", reason="links and modes as on POSIX")
def test_the_store_never_reads_through_a_link(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    target = tmp_path / "elsewhere.json"
    target.write_text(json.dumps({"version": 1, "accounts": {"u": [{"read": 1}]}}))
    (tmp_path / "pending.json").symlink_to(target)
    with caplog.at_level(logging.WARNING):
        assert PendingStore(tmp_path / "pending.json", "u").load() == []
    assert len(caplog.records) == 1


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        '{"accounts": []}',
        '{"accounts": {"u": [{"read": "5"}]}}',
        '{"accounts": {"u": [{"read": true}]}}',
        '{"accounts": {"u": [{"all": [1, -2]}]}}',
        '{"accounts": {"u": [{"what": 1}]}}',
        '{"accounts": {"u": [7]}}',
        "\xff",
    ],
)
def test_any_damaged_file_is_nothing_pending_and_set_aside(tmp_path: Path, text: str) -> None:
    path = tmp_path / "pending.json"
    path.write_bytes(text.encode("latin-1"))
    assert PendingStore(path, "u").load() == []
    assert not path.exists()
    assert len(list(tmp_path.glob("pending.json.broken-*"))) == 1


def test_a_folder_that_refuses_writes_warns_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = PendingStore(tmp_path / "missing" / "deeper" / "pending.json", "u")
    (tmp_path / "missing").write_text("a file, not a folder")
    with caplog.at_level(logging.WARNING):
        store.save([ReadOne(1, "One")])
        store.save([ReadOne(1, "One"), ReadOne(2, "Two")])
    assert len(caplog.records) == 1
    assert "Cannot save" in caplog.records[0].getMessage()
