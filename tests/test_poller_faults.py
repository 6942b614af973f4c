"""The poller against a contract server that misbehaves as HTTP allows (the fault front),
through the real HTTP client, on a fake clock."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from traynotify.api.client import Client
from traynotify.core.markall import READ_PAGES
from traynotify.core.reconcile import MAX_PAGES, PAGE_SIZE
from traynotify.core.state import Status
from traynotify.devserver import ContractServer
from traynotify.devserver.faults import LIST as LIST_PATH
from traynotify.devserver.faults import MARK_ALL, MARK_READ, Answer, Drip, Rows

from .conftest import ServerClock
from .test_poller import INTERVAL, LIST, Harness, add, mark_all_meanwhile


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


# -- the back-off is the server's, not the poll's ----------------------------------------


def sent(h: Harness) -> int:
    return len(h.server.requests())


def test_a_retry_after_on_a_mark_read_holds_every_request_until_it_ends(h: Harness) -> None:
    h.turn()
    h.server.faults.arm(Answer(429, {"Retry-After": "300"}), path=MARK_READ)
    h.poller.mark_read(5003)
    h.poller.step()
    assert h.state.notice is not None
    assert h.state.notice.startswith("Could not mark “Balance low” read")
    before = sent(h)
    h.poller.mark_read(5004)  # a click while the server asked to wait
    h.poller.refresh()  # and "Refresh now": neither may shorten the server's wait
    assert h.poller.step() == pytest.approx(300)
    assert (h.state.count, h.ids) == (2, [5001, 5003])  # shown at once, as always
    for _ in range(5):
        h.clock.advance(59)
        h.poller.refresh()
        h.poller.step()
    assert sent(h) == before  # no poll, no walk, no mark-read
    assert h.server.store.unread_count("alice") == 3
    h.clock.advance(5)  # 300 s since the 429
    h.poller.step()
    assert h.requests("/5004/mark-read") == 1  # the click waited, and goes first
    assert h.server.store.unread_count("alice") == 2
    assert [r.path for r in h.server.requests()][before:][:2] == [f"{LIST}/5004/mark-read", LIST]
    assert (h.state.status, h.state.count, h.ids) == (Status.OK, 2, [5001, 5003])


def test_a_click_made_while_the_probe_meets_a_429_waits_for_its_retry_after(h: Harness) -> None:
    h.turn()
    h.clock.advance(INTERVAL)
    held = h.server.hold(LIST, page_size="1")
    worker = h.step_to(held)
    h.server.faults.arm(Answer(429, {"Retry-After": "300"}), path=LIST_PATH)
    h.poller.mark_read(5003)  # while the probe is on its way
    held.release()
    h.finish(worker)
    assert (h.state.stale, h.state.count, h.ids) == (True, 2, [5001, 5004])
    for _ in range(4):
        h.clock.advance(INTERVAL)
        h.poller.refresh()
        h.poller.step()
    assert h.requests(MARK_READ) == 0
    h.clock.advance(300 - 4 * INTERVAL)
    h.poller.step()
    assert h.requests("/5003/mark-read") == 1
    assert (h.state.status, h.state.stale, h.state.count) == (Status.OK, False, 2)


def test_a_mark_all_made_during_a_back_off_shows_at_once_and_goes_when_it_ends(
    h: Harness,
) -> None:
    h.turn()
    h.server.faults.arm(Answer(503, {"Retry-After": "240"}), path=LIST_PATH)
    assert h.turn() == pytest.approx(240)
    before = sent(h)
    h.poller.mark_all_read()
    h.poller.step()
    assert (h.state.count, h.ids) == (0, [])  # the menu empties at once
    h.clock.advance(200)
    h.poller.step()
    assert sent(h) == before  # its walk and the mark-all wait for the server
    assert h.server.store.unread_count("alice") == 3
    h.clock.advance(40)
    h.poller.step()
    assert h.requests("/mark-all-read") == 1
    assert h.server.store.unread_count("alice") == 0
    assert (h.state.status, h.state.stale, h.state.count) == (Status.OK, False, 0)


def test_a_429_on_mark_all_holds_the_poll_and_its_follow_up(
    h: Harness, server_clock: ServerClock
) -> None:
    h.turn()
    h.server.faults.arm(Answer(429, {"Retry-After": "200"}), path=MARK_ALL)
    h.poller.mark_all_read()
    h.poller.step()
    assert h.state.notice is not None
    assert h.state.notice.startswith("Could not mark all as read")
    before = sent(h)
    h.clock.advance(150)
    h.poller.refresh()
    assert h.poller.step() == pytest.approx(50)
    assert sent(h) == before  # nor the listing of what the mark-all may have done
    h.clock.advance(50)
    h.poller.step()
    assert sent(h) > before
    assert (h.state.status, h.state.count) == (Status.OK, 3)


def test_refresh_now_shortens_an_ordinary_back_off_and_sends_what_waited(h: Harness) -> None:
    h.turn()
    h.server.faults.arm(Answer(503), path=LIST_PATH)  # no Retry-After
    delay = h.turn()
    assert delay >= INTERVAL * 1.5
    assert h.state.stale
    before = sent(h)
    h.poller.mark_read(5003)
    h.clock.advance(10)
    assert h.poller.step() == pytest.approx(delay - 10)
    assert sent(h) == before  # the click waits for the back-off
    assert h.state.count == 2  # but shows at once
    h.poller.refresh()
    h.poller.step()
    assert h.requests("/5003/mark-read") == 1
    assert h.server.store.unread_count("alice") == 2
    assert (h.state.status, h.state.stale, h.state.count) == (Status.OK, False, 2)


def test_a_success_resets_the_back_off(h: Harness) -> None:
    h.turn()
    h.server.faults.arm(Answer(500), path=LIST_PATH, times=3)
    delays = [h.turn() for _ in range(3)]
    assert delays[-1] >= 0.75 * 8 * INTERVAL  # three in a row
    assert h.turn() == pytest.approx(INTERVAL)  # a success
    h.server.faults.arm(Answer(500), path=LIST_PATH)
    assert INTERVAL * 1.5 <= h.turn() <= INTERVAL * 2  # the first failure again


def test_a_success_of_a_click_resets_the_back_off(h: Harness) -> None:
    h.turn()
    h.server.faults.arm(Answer(500), path=LIST_PATH, times=3)
    for _ in range(3):
        h.turn()
    h.poller.mark_read(5003)
    h.clock.advance(h.poller.step())
    h.poller.step()  # the click goes first, and is answered
    h.server.faults.arm(Answer(500), path=LIST_PATH)
    assert INTERVAL * 1.5 <= h.turn() <= INTERVAL * 2


def test_a_sleep_runs_down_the_servers_wait_by_the_time_asleep(h: Harness) -> None:
    h.turn()
    h.server.faults.arm(Answer(503, {"Retry-After": "600"}), path=LIST_PATH)
    assert h.turn() == pytest.approx(600)
    before = sent(h)
    h.clock.advance(5)
    h.clock.wall_time += 100  # the lid was closed for 100 s
    assert h.poller.step() == pytest.approx(600 - 5 - 100)
    assert sent(h) == before
    h.clock.advance(5)
    h.clock.wall_time += 3600  # and then for an hour
    h.poller.step()
    assert sent(h) == before + 1
    assert h.state.status is Status.OK


# -- an unexpected error is a failure ----------------------------------------------------


def test_an_unexpected_error_from_the_request_layer_is_a_failed_poll(
    server: ContractServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A request that raises what no one expected (a bug below, an answer that trips
    one) is a failed poll: counted, shown as not up to date with one line, logged once."""
    trouble = {"on": False}

    def handler(request: httpx.Request) -> httpx.Response:
        if trouble["on"]:
            raise ValueError("could not convert string to float: '²'")
        with httpx.Client() as real:
            return real.send(
                real.build_request(request.method, request.url, headers=request.headers)
            )

    harness = Harness(server, tmp_path)
    harness.poller._client_factory = lambda key: Client(  # the transport is the edge
        server.url, key, transport=httpx.MockTransport(handler)
    )
    try:
        harness.turn()
        assert harness.state.status is Status.OK
        trouble["on"] = True
        harness.poller.refresh()
        delays = [harness.turn(), harness.turn()]
        assert harness.state.status is Status.ERROR
        assert harness.state.stale
        assert harness.state.problem is not None
        assert harness.state.problem.startswith("unexpected error (ValueError")
        assert delays[0] >= INTERVAL * 1.5
        assert delays[1] > delays[0]
        assert len([r for r in caplog.records if r.exc_info]) == 1
        harness.poller.mark_read(5003)  # a click while it lasts waits, and then fails too
        harness.turn()
        assert harness.state.notice is not None
        assert "unexpected error (ValueError" in harness.state.notice
        trouble["on"] = False
        harness.turn()
        assert (harness.state.status, harness.state.stale, harness.state.count) == (
            Status.OK,
            False,
            3,
        )
    finally:
        harness.poller.stop()


# -- a dripping answer never keeps the tray "fresh" ---------------------------------------


def test_a_drip_in_the_middle_of_a_walk_ends_at_the_deadline_and_the_tray_says_so(
    h: Harness,
) -> None:
    for i in range(PAGE_SIZE + 2):
        add(h.server, f"old {i}", hours=20 + i / 1000)
    h.turn()
    assert (h.state.status, h.state.stale) == (Status.OK, False)
    h.server.faults.arm(Drip(chunk=1, every=0.1, pad_to=5000), path=LIST_PATH, query={"page": "2"})
    h.poller.refresh()
    h.poller.step()  # the drip would take minutes; the deadline ends it
    assert (h.state.status, h.state.stale) == (Status.OFFLINE, True)
    assert h.state.count == PAGE_SIZE + 5  # the last count, marked stale
    h.poller.refresh()  # an ordinary back-off: Refresh now may shorten it
    h.poller.step()
    assert (h.state.status, h.state.stale, h.state.count) == (Status.OK, False, PAGE_SIZE + 5)


def test_a_request_that_hangs_below_every_timeout_still_ends(
    server: ContractServer, tmp_path: Path
) -> None:
    """A request stuck where no socket timeout reaches (a name lookup, a bug below the
    client): the poller stops waiting past the deadline, says it is not up to date,
    takes clicks meanwhile, and never sends what queued behind the stuck one late."""
    stuck = threading.Event()
    release = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        if not stuck.is_set():
            with httpx.Client() as real:
                return real.send(
                    real.build_request(request.method, request.url, headers=request.headers)
                )
        release.wait(120)
        return httpx.Response(503)

    harness = Harness(server, tmp_path)
    harness.poller._client_factory = lambda key: Client(
        server.url, key, transport=httpx.MockTransport(handler), deadline=0.5
    )
    try:
        harness.turn()
        stuck.set()
        harness.clock.advance(harness.poller.step())
        worker = threading.Thread(target=harness.poller.step)
        worker.start()  # the poll hangs
        harness.poller.mark_read(5003)  # a click meanwhile shows at once
        worker.join(30)
        assert not worker.is_alive(), "the poller hung"
        assert (harness.state.status, harness.state.stale) == (Status.OFFLINE, True)
        assert harness.state.count == 2
        assert any(s.count == 2 and not s.stale for s in harness.states)  # before it ended
        release.set()
        stuck.clear()
        harness.turn()  # the back-off ends: the click goes, then the poll
        assert (harness.state.status, harness.state.stale, harness.state.count) == (
            Status.OK,
            False,
            2,
        )
        assert server.store.unread_count("alice") == 2
    finally:
        release.set()
        harness.poller.stop()


# -- the walks' bounds -------------------------------------------------------------------


def list_pages(h: Harness, since: int, **query: str) -> list[int]:
    """The page numbers of the list requests after the first ``since`` requests."""
    return [
        int(r.query["page"][0])
        for r in h.server.requests()[since:]
        if r.path == LIST
        and r.query.get("page_size") == [str(PAGE_SIZE)]
        and all(r.query.get(k) == [v] for k, v in query.items())
    ]


def test_a_walk_covers_exactly_its_page_bound_and_what_is_new_beyond_it_is_still_told(
    h: Harness,
) -> None:
    """Over 10,000 unread: the walk asks for pages 1 to MAX_PAGES, no more, on the first
    run too; a never-shown row dated above the oldest one shown is new all the same."""
    unread = MAX_PAGES * PAGE_SIZE + 47
    for i in range(unread - 3):
        add(h.server, f"old {i}", hours=-(i + 1) / 100)  # all older than the seed's rows
    h.turn()
    assert list_pages(h, 0, unread="true") == list(range(1, MAX_PAGES + 1))
    assert [t.title for t in h.toasts] == [f"You have {unread} unread notifications"]
    assert h.state.count == unread
    h.toasts.clear()
    deep = add(h.server, "Dated back, new", hours=-5)  # far down, yet above the bound
    before = len(h.server.requests())
    h.poller.refresh()
    h.poller.step()
    assert list_pages(h, before, unread="true") == list(range(1, MAX_PAGES + 1))
    assert [t.title for t in h.toasts] == ["Dated back, new"]
    assert h.state.count == unread + 1
    assert deep not in h.ids[:10]


def test_a_walk_ends_at_the_last_page(h: Harness) -> None:
    for i in range(PAGE_SIZE):
        add(h.server, f"old {i}", hours=-(i + 1) / 100)
    h.turn()
    assert list_pages(h, 0, unread="true") == [1, 2]  # 203 unread: two pages


def test_the_read_row_lookup_after_a_mark_all_covers_exactly_its_own_bound(
    h: Harness, server_clock: ServerClock
) -> None:
    """Behind the one unread row (old), more read rows than the lookup's bound: it
    looks at READ_PAGES pages of them, no more, and still names what it flipped."""
    for done in (5003, 5004):
        h.server.store.mark_read("alice", done)
    for i in range(READ_PAGES * PAGE_SIZE + 30):
        h.server.store.mark_read("alice", add(h.server, f"Read long ago {i}", hours=10 + i / 1000))
    server_clock.advance(60)
    h.turn()
    assert h.ids == [5001]
    h.toasts.clear()
    before = len(h.server.requests())

    def arrival() -> None:
        server_clock.advance(5)
        add(h.server, "Arrived during mark all")

    mark_all_meanwhile(h, arrival)
    assert list_pages(h, before, read="true") == list(range(1, READ_PAGES + 1))
    assert h.state.notice == "Also marked read: Arrived during mark all"


# -- malformed rows ----------------------------------------------------------------------


def test_a_walk_goes_on_past_a_page_whose_rows_are_all_malformed(h: Harness) -> None:
    oldest = add(h.server, "Oldest of many", hours=-48)  # sorts last: on page 2
    for n in range(PAGE_SIZE):
        add(h.server, f"Member {n}")
    h.server.faults.arm(
        Rows(set_fields={i: {"title": 5} for i in range(PAGE_SIZE)}),
        path=LIST_PATH,
        query={"page": "1", "page_size": str(PAGE_SIZE)},
        times=None,
    )
    h.turn()
    assert oldest in h.ids  # page 2 was read: the walk did not take page 1 for the last
    assert len(h.lists()) == 2  # one walk of two pages, not two walks


def test_a_malformed_row_does_not_walk_every_list_twice(h: Harness) -> None:
    h.server.faults.arm(Rows.missing(1, "title"), path=LIST_PATH, times=None)
    h.turn()
    assert (h.state.count, len(h.ids)) == (3, 2)  # the badge counts what the server counts
    assert len(h.lists()) == 1


def test_a_malformed_row_does_not_hide_a_new_one_dated_back(h: Harness) -> None:
    h.server.faults.arm(Rows.missing(1, "title"), path=LIST_PATH, times=None)
    h.turn()
    h.toasts.clear()
    back = add(h.server, "Dated back", hours=-100)  # below every row shown before
    h.poller.refresh()  # a full walk, as the periodic one would be
    h.turn()
    assert [t.covers for t in h.toasts] == [(back,)]
