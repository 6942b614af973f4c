"""The poller against a contract server that misbehaves as HTTP allows (the fault front),
through the real HTTP client, on a fake clock."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from traynotify.core.reconcile import PAGE_SIZE
from traynotify.core.state import Status
from traynotify.devserver import ContractServer
from traynotify.devserver.faults import LIST as LIST_PATH
from traynotify.devserver.faults import Rows

from .conftest import ServerClock
from .test_poller import LIST, Harness, add, mark_all_meanwhile


@pytest.fixture
def h(server: ContractServer, tmp_path: Path) -> Iterator[Harness]:
    harness = Harness(server, tmp_path)
    yield harness
    harness.poller.stop()


def listed_once(harness: Harness) -> None:
    """Every state published holds each id once, and every pop-up tells of each once."""
    for state in harness.states:
        ids = [n.id for n in state.items]
        assert len(ids) == len(set(ids)), ids
    told = Counter(i for t in harness.toasts for i in t.covers)
    assert all(times == 1 for times in told.values()), told


# -- one id, once ----------------------------------------------------------------------


def test_a_row_sent_twice_in_the_first_walk_is_listed_and_told_once(h: Harness) -> None:
    h.server.faults.arm(Rows.twice(0, 2), path=LIST_PATH, query={"page_size": str(PAGE_SIZE)})
    h.turn()
    assert (h.state.count, h.ids) == (3, [5001, 5003, 5004])
    assert [t.covers for t in h.toasts] == [(5001, 5003, 5004)]
    listed_once(h)


def test_a_row_sent_twice_in_the_top_after_a_probe_is_listed_and_told_once(h: Harness) -> None:
    h.turn()
    h.toasts.clear()
    new = add(h.server, "Ana joined")
    top = h.server.faults.arm(Rows.twice(0), path=LIST_PATH, query={"page_size": "11"})
    h.turn()
    assert top.hits == 1
    assert (h.state.count, h.ids) == (4, [new, 5001, 5003, 5004])
    assert [t.title for t in h.toasts] == ["Ana joined"]
    listed_once(h)
    h.turn()
    assert [t.title for t in h.toasts] == ["Ana joined"]


def test_a_row_that_moves_between_pages_during_a_walk_is_listed_once(h: Harness) -> None:
    for i in range(PAGE_SIZE + 2):
        add(h.server, f"old {i}", hours=20 + i / 1000)
    h.turn()
    h.toasts.clear()
    h.poller.refresh()
    held = h.server.hold(LIST, page="2")
    worker = h.step_to(held)
    fresh = add(h.server, "Arrived between the pages")  # row 200 moves to page 2
    held.release()
    h.finish(worker)
    assert h.state.count == PAGE_SIZE + 6
    assert h.ids[0] == fresh
    assert [t.title for t in h.toasts] == ["Arrived between the pages"]
    listed_once(h)


def test_also_marked_read_names_a_row_listed_twice_once(
    h: Harness, server_clock: ServerClock
) -> None:
    h.turn()
    h.toasts.clear()
    h.server.faults.arm(Rows.twice(0), path=LIST_PATH, query={"read": "true"})

    def arrival() -> None:
        server_clock.advance(5)
        add(h.server, "Arrived during mark all")

    mark_all_meanwhile(h, arrival)
    assert h.state.notice == "Also marked read: Arrived during mark all"
    assert [t.title for t in h.toasts] == ["Also marked read: Arrived during mark all"]
    assert h.state.status is Status.OK
