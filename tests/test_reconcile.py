"""What is new and what the tray shows: the pure decisions, case by case."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pytest

from traynotify.api.models import Notification
from traynotify.core.reconcile import (
    FULL_EVERY,
    STATE_ITEMS,
    Snapshot,
    also_marked,
    full_walk_every,
    merge_prefix,
    prefix_size,
    probe_changed,
    reconcile,
    unique,
)

T0 = datetime(2026, 5, 22, 8, 0, tzinfo=timezone.utc)
MUTED = "system.balance.notify.dispatched"


def n(
    id_: int, minute: int, type_: str = "admin.org.member.add", read: int | None = None
) -> Notification:
    """Notification ``id_`` created ``minute`` minutes after T0 (ids need not follow time)."""
    return Notification(
        id_,
        type_,
        f"t{id_}",
        f"b{id_}",
        None,
        None if read is None else T0 + timedelta(hours=read),
        T0 + timedelta(minutes=minute),
    )


def snap(*notes: Notification, total: int | None = None) -> Snapshot:
    ordered = tuple(sorted(notes, key=lambda x: (x.created_at, x.id), reverse=True))
    return Snapshot(len(ordered) if total is None else total, ordered)


@dataclass(frozen=True)
class Case:
    snapshot: Snapshot
    seen: frozenset[int] = frozenset()
    first_run: bool = False
    pending: frozenset[int] = frozenset()
    popups: bool = True
    # expected
    count: int = 0
    menu: tuple[int, ...] = ()
    toasts: tuple[str, ...] = ()
    new: tuple[int, ...] = ()
    remember: tuple[int, ...] | None = field(default=None)


A, B, C = n(1, 10), n(2, 20), n(3, 30)
LONG = tuple(n(i, i) for i in range(100, 160) if i % 7)  # every 7th read elsewhere
CASES = {
    "nothing new": Case(snap(A, B, C), seen=frozenset({1, 2, 3}), count=3, menu=(3, 2, 1)),
    "one new": Case(
        snap(A, B, C, n(4, 40)),
        seen=frozenset({1, 2, 3}),
        count=4,
        menu=(4, 3, 2, 1),
        toasts=("t4",),
        new=(4,),
    ),
    # case 1: the count is the same, the list is not
    "read elsewhere and one new: same count": Case(
        snap(A, C, n(4, 40)),
        seen=frozenset({1, 2, 3}),
        count=3,
        menu=(4, 3, 1),
        toasts=("t4",),
        new=(4,),
    ),
    # ids say nothing about time: a low id can be the newest, a high one old
    "ids not in created_at order": Case(
        snap(n(900, 10), n(2, 50), n(950, 5)),
        seen=frozenset({900}),
        count=3,
        menu=(2, 900, 950),
        toasts=("t950", "t2"),
        new=(2, 950),
    ),
    "muted type: listed and remembered, not toasted": Case(
        snap(A, n(4, 40, MUTED)),
        seen=frozenset({1}),
        count=2,
        menu=(4, 1),
        new=(4,),
    ),
    "several new at once: oldest first, newest on top": Case(
        snap(A, n(4, 40), n(5, 50), n(6, 60)),
        seen=frozenset({1}),
        count=4,
        menu=(6, 5, 4, 1),
        toasts=("t4", "t5", "t6"),
        new=(6, 5, 4),
    ),
    "more than three new: one summary": Case(
        snap(*(n(i, i) for i in range(10, 15))),
        seen=frozenset(),
        count=5,
        menu=(14, 13, 12, 11, 10),
        toasts=("5 new notifications",),
        new=(14, 13, 12, 11, 10),
    ),
    # case 2: old ones read elsewhere never make others "new"
    "old ones read elsewhere on a long list": Case(
        snap(*LONG),
        seen=frozenset(range(100, 160)),
        count=len(LONG),
        menu=tuple(x.id for x in reversed(LONG))[:STATE_ITEMS],
    ),
    "first run with a backlog: one summary, all remembered": Case(
        snap(A, B, C, n(4, 40, MUTED)),
        first_run=True,
        count=4,
        menu=(4, 3, 2, 1),
        toasts=("You have 4 unread notifications",),
        new=(4, 3, 2, 1),
    ),
    "first run with nothing unread: silent": Case(snap(), first_run=True),
    # case 4: a click's read is pending while an older answer still lists it
    "answer in flight still lists a pending read": Case(
        snap(A, B, C), seen=frozenset({1, 2, 3}), pending=frozenset({2}), count=2, menu=(3, 1)
    ),
    "a pending read that was read elsewhere too is not counted twice": Case(
        snap(A, C), seen=frozenset({1, 2, 3}), pending=frozenset({2}), count=2, menu=(3, 1)
    ),
    "a pending read is never toasted": Case(
        snap(A, n(4, 40)), seen=frozenset({1}), pending=frozenset({4}), count=1, menu=(1,)
    ),
    "a notification that disappears leaves the menu quietly": Case(
        snap(A, C), seen=frozenset({1, 2, 3}), count=2, menu=(3, 1)
    ),
    "pop-ups paused: nothing shown, still remembered": Case(
        snap(A, n(4, 40)), seen=frozenset({1}), popups=False, count=2, menu=(4, 1), new=(4,)
    ),
    "more unread than walked: old rows coming into view from below stay quiet": Case(
        snap(n(9, 90), A, B, n(0, 1), total=9000),
        seen=frozenset({1, 2}),
        count=9000,
        menu=(9, 2, 1, 0),
        toasts=("t9",),
        new=(9,),
    ),
    "more unread than walked: the count is the server's": Case(
        snap(A, B, total=9000), seen=frozenset({1, 2}), count=9000, menu=(2, 1)
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_reconcile(case: Case) -> None:
    out = reconcile(
        case.snapshot,
        seen=case.seen,
        first_run=case.first_run,
        pending=case.pending,
        muted=(MUTED,),
        popups=case.popups,
    )
    assert out.count == case.count
    assert tuple(x.id for x in out.items) == case.menu
    assert tuple(t.title for t in out.toasts) == case.toasts
    assert out.new == case.new
    # every unread id is remembered as shown, pending or not
    assert out.remember == tuple(x.id for x in case.snapshot.items)


def test_the_menu_keeps_at_most_state_items() -> None:
    many = snap(*(n(i, i) for i in range(STATE_ITEMS + 30)))
    out = reconcile(many, seen=set(range(1000)), first_run=False)
    assert len(out.items) == STATE_ITEMS
    assert out.count == STATE_ITEMS + 30


KNOWN = snap(A, B, C)


@pytest.mark.parametrize(
    ("known", "total", "newest", "changed"),
    [
        (None, 3, C, True),
        (KNOWN, 3, C, False),
        (KNOWN, 4, C, True),  # one more, below the top
        (KNOWN, 3, n(4, 40), True),  # a swap: same count, new newest (case 1)
        (KNOWN, 2, C, True),
        (snap(), 0, None, False),
        (snap(), 1, A, True),
    ],
)
def test_probe_changed(
    known: Snapshot | None, total: int, newest: Notification | None, changed: bool
) -> None:
    assert probe_changed(known, total, newest) is changed


D, E = n(4, 40), n(5, 5)
F, G = n(6, 60), n(7, 50)


@pytest.mark.parametrize(
    ("known", "prefix", "total", "expected"),
    [
        # the whole list fits the prefix: no need for what was known
        (None, (D, C, B, A), 4, (4, 3, 2, 1)),
        # a new one on top; the rest lines up with what is known
        (KNOWN, (D, C), 4, (4, 3, 2, 1)),
        # the top one read elsewhere
        (KNOWN, (B,), 2, (2, 1)),
        # one read inside the prefix's range and one new on top: lines up
        (KNOWN, (D, B), 3, (4, 2, 1)),
        # the count says one more than the prefix and the known tail: a new one deep down
        (KNOWN, (D, C), 5, None),
        # the count says one fewer: something below was read elsewhere, unknown which;
        # it stays listed below the top (harmless: nothing there is new) until a full walk
        (KNOWN, (D, C), 3, (4, 3, 2, 1)),
        # one read below before, and now one fewer surplus: a new row appeared below
        (Snapshot(2, (C, B, A), stale=1), (D, C), 4, None),
        # one read below before, and one more read below now
        (Snapshot(3, (D, C, B, A), stale=1), (D, C), 2, (4, 3)),
        (Snapshot(4, (D, C, B, A, E), stale=1), (D, C), 3, (4, 3, 2, 1, 5)),
        # as many arrived as were read elsewhere, more than the prefix holds: it never
        # reaches a known row, so what lies between is unknown: walk
        (KNOWN, (F, G), 3, None),
        # ... and once it reaches one, the rest lines up
        (KNOWN, (F, G, C), 4, (6, 7, 3, 2, 1)),
        # nothing known: walk
        (None, (D, C), 4, None),
        # a known list that was cut off at the walk's bound still lines up
        (snap(A, B, C, total=10), (D, C), 11, (4, 3, 2, 1)),
    ],
)
def test_merge_prefix(
    known: Snapshot | None,
    prefix: tuple[Notification, ...],
    total: int,
    expected: tuple[int, ...] | None,
) -> None:
    merged = merge_prefix(known, prefix, total)
    if expected is None:
        assert merged is None
    else:
        assert merged is not None
        assert tuple(x.id for x in merged.items) == expected
        assert merged.total == total
        assert merged.stale == max(0, len(expected) - total)


@pytest.mark.parametrize(
    ("known_total", "total", "menu_length", "size"),
    [
        (3, 3, 10, 10),  # a swap: just enough for the menu
        (3, 4, 10, 11),  # one more: it, and the menu below it
        (50, 10, 10, 10),  # reads only
        (3, 3, 30, 30),  # a longer menu
        (0, 5000, 10, 200),  # never more than a page
    ],
)
def test_prefix_size(known_total: int, total: int, menu_length: int, size: int) -> None:
    assert prefix_size(known_total, total, menu_length) == size


MARK_ALL = T0 + timedelta(days=1)
"""The moment a mark-all stamped on what it flipped (in the tables below)."""


def read_at(note: Notification, seconds: float) -> Notification:
    """``note``, read ``seconds`` after the mark-all's moment (negative: before it)."""
    return dataclasses.replace(note, read_at=MARK_ALL + timedelta(seconds=seconds))


@pytest.mark.parametrize(
    ("read", "extra", "named"),
    [
        pytest.param(
            [read_at(n(10, 90), 0), read_at(n(1, 10), 0), read_at(n(2, 20), 0)],
            1,
            [10],
            id="one more marked than counted: the new one",
        ),
        pytest.param(
            [read_at(n(10, 90), 0), read_at(n(1, 10), 0), read_at(n(2, 20), -40)],
            0,
            [10],
            id="counts even: one read in the console as one arrived",
        ),
        pytest.param(
            [read_at(n(10, 90), -50), read_at(n(1, 10), -40), read_at(n(2, 20), -30)],
            -1,
            [],
            id="arrived and read in the console before, never shown: not this mark-all",
        ),
        pytest.param(
            [read_at(n(10, 90), 0), read_at(n(1, 10), -30), read_at(n(2, 20), -20)],
            1,
            [10],
            id="all it expected read in the console meanwhile: the one it flipped",
        ),
        pytest.param(
            [read_at(n(13, 95), 0), read_at(n(1, 10), 0), read_at(n(12, 5), -3600)],
            0,
            [],
            id="shown before, or read long ago: not named",
        ),
        pytest.param(
            [read_at(n(11, 80), -0.4), read_at(n(10, 90), -0.2), read_at(n(1, 10), 0)],
            2,
            [10, 11],
            id="a server that stamps row by row",
        ),
        pytest.param(
            [read_at(n(10, 90), 0), read_at(n(1, 10), 3), read_at(n(2, 20), -20)],
            0,
            [10],
            id="row by row for seconds, the new one first, one read in the console",
        ),
        pytest.param(
            [read_at(n(10, 5), 0), read_at(n(1, 10), 0), read_at(n(2, 20), 0)],
            1,
            [10],
            id="flipped one dated before the ones expected",
        ),
        pytest.param(
            [read_at(n(10, 90), -5), read_at(n(1, 10), 0), read_at(n(2, 20), 0)],
            1,
            [10],
            id="stamped seconds before the ones expected: the count makes it up",
        ),
        pytest.param(
            [read_at(n(10, 90), -5), read_at(n(12, 70), -3600), read_at(n(1, 10), 0)],
            1,
            [10],
            id="the count makes up with the one read last, not one read long ago",
        ),
    ],
)
def test_also_marked(read: list[Notification], extra: int, named: list[int]) -> None:
    found = also_marked(read, unread_before={1, 2}, seen={13}, extra=extra)
    assert [x.id for x in found] == named


def test_also_marked_names_one_read_in_the_console_at_the_same_moment() -> None:
    """Within a second of the mark-all, read in the console or flipped by it cannot be
    told apart: it is named, rather than risk hiding one never shown."""
    read = [read_at(n(10, 90), -0.5), read_at(n(1, 10), 0)]
    assert [x.id for x in also_marked(read, unread_before={1}, seen=(), extra=0)] == [10]


def test_also_marked_without_one_it_expected_in_view_takes_the_extra_read_last() -> None:
    read = [
        read_at(n(10, 90), 0),
        read_at(n(11, 80), 0),
        read_at(n(12, 70), -3600),  # read long ago, never shown
        read_at(n(13, 60), 0),  # shown before (seen)
    ]
    found = also_marked(read, unread_before={1}, seen={13}, extra=2)
    assert [x.id for x in found] == [10, 11]
    assert also_marked(read, unread_before={1}, seen={13}, extra=0) == ()
    more = also_marked(read, unread_before={1}, seen={13}, extra=9)
    assert [x.id for x in more] == [10, 11, 12]


# -- one id, once ---------------------------------------------------------------------


def test_unique_keeps_each_id_once_the_copy_given_last_and_sorts_newest_first() -> None:
    older_copy = dataclasses.replace(B, title="before")
    assert unique([A, older_copy, C, B, A]) == (C, B, A)
    assert unique([]) == ()
    # ids say nothing about time: the order is (created_at, id), newest first
    assert [x.id for x in unique([n(900, 10), n(2, 50), n(950, 10)])] == [2, 950, 900]


def test_a_snapshot_holds_each_id_once_however_it_was_built() -> None:
    snapshot = Snapshot(3, (A, C, B, C, A))
    assert snapshot.items == (C, B, A)
    assert snapshot.complete
    out = reconcile(snapshot, seen=frozenset({1}), first_run=False)
    assert [x.id for x in out.items] == [3, 2, 1]
    assert out.new == (3, 2)
    assert [t.covers for t in out.toasts] == [(2,), (3,)]  # each once, oldest first


def test_merge_prefix_counts_a_row_sent_twice_once() -> None:
    known = snap(A, B, C)
    merged = merge_prefix(known, (D := n(4, 40), C, D), 4)
    assert merged is not None
    assert [x.id for x in merged.items] == [4, 3, 2, 1]
    assert merged.stale == 0  # not one row "read elsewhere" too many
    whole = merge_prefix(known, (D, C, B, A, A), 4)
    assert whole is not None
    assert [x.id for x in whole.items] == [4, 3, 2, 1]


def test_also_marked_names_a_row_listed_twice_once() -> None:
    new = read_at(n(10, 90), 0)
    read = [new, read_at(n(1, 10), 0), new]
    assert [x.id for x in also_marked(read, unread_before={1}, seen=(), extra=1)] == [10]


# -- more unread than a walk covers ------------------------------------------------------

BEYOND = 10_050
"""An unread count past the walk's bound (MAX_PAGES pages of PAGE_SIZE)."""


def incomplete(*notes: Notification) -> Snapshot:
    return snap(*notes, total=BEYOND)


def test_an_unseen_row_newer_than_the_oldest_shown_is_new_in_an_incomplete_snapshot() -> None:
    """Rows that come into view from below, as others are read, are old; a row never
    shown that sorts above the oldest one shown before is new (here: 7 and 3)."""
    s6, s4, s2 = n(6, 60), n(4, 40), n(2, 20)
    out = reconcile(
        incomplete(n(7, 70), s6, s4, n(3, 30), s2, n(1, 10)),
        seen=frozenset({6, 4, 2}),
        first_run=False,
    )
    assert out.new == (7, 3)
    assert [t.covers for t in out.toasts] == [(3,), (7,)]
    assert out.count == BEYOND


def test_the_oldest_shown_row_is_the_bound_even_when_it_is_the_last_row() -> None:
    out = reconcile(
        incomplete(n(5, 50), n(4, 40), n(3, 30), n(2, 20)),
        seen=frozenset({4, 2}),
        first_run=False,
    )
    assert out.new == (5, 3)


def test_an_incomplete_snapshot_with_nothing_shown_before_is_all_new() -> None:
    """A first run (or a cleared store) over 10,000 unread: nothing to bound it by."""
    rows = (n(3, 30), n(2, 20), n(1, 10))
    out = reconcile(incomplete(*rows), seen=frozenset(), first_run=False)
    assert out.new == (3, 2, 1)
    first = reconcile(incomplete(*rows), seen=frozenset(), first_run=True)
    assert first.new == (3, 2, 1)
    assert [t.title for t in first.toasts] == [f"You have {BEYOND} unread notifications"]
    assert first.remember == (3, 2, 1)


def test_a_first_run_summary_covers_the_whole_backlog_even_rows_remembered_before() -> None:
    out = reconcile(snap(A, B, C), seen=frozenset({2}), first_run=True)
    assert [t.covers for t in out.toasts] == [(3, 2, 1)]
    assert out.new == (3, 1)


def test_merge_prefix_keeps_count_of_rows_past_the_walks_bound() -> None:
    """A list cut at the walk's bound (6 unread past it) with one row read elsewhere:
    one more arrives and one more is read; the rows past the bound still count."""
    e, d, c, b, a = n(5, 50), n(4, 40), n(3, 30), n(2, 20), n(1, 10)
    known = Snapshot(10, (e, d, c, b, a), stale=1)
    merged = merge_prefix(known, (n(6, 60), e), 10)
    assert merged is not None
    assert [x.id for x in merged.items] == [6, 5, 4, 3, 2, 1]
    assert merged.stale == 2


@pytest.mark.parametrize(
    ("unread", "period"),
    [(0, 1), (-3, 1), (1, 1), (200, 1), (201, 2), (400, 2), (401, 3), (9_999, 50), (10**6, 50)],
)
def test_the_full_walk_period_follows_the_pages_it_walks(unread: int, period: int) -> None:
    assert full_walk_every(unread) == FULL_EVERY * period


def test_also_marked_takes_a_stamp_exactly_one_moment_before_as_its_own() -> None:
    read = [read_at(n(10, 90), -1), read_at(n(1, 10), 0)]
    assert [x.id for x in also_marked(read, unread_before={1}, seen=(), extra=0)] == [10]
    later = [read_at(n(10, 90), -1.001), read_at(n(1, 10), 0)]
    assert also_marked(later, unread_before={1}, seen=(), extra=0) == ()


def test_also_marked_names_exactly_the_rows_found_when_the_stamps_find_fewer() -> None:
    """The read-time rule finds one, the count says two: the one read last makes up the
    count, and no more."""
    read = [
        read_at(n(10, 90), 0),  # by the stamps
        read_at(n(11, 80), -5),  # read last of the rest
        read_at(n(12, 70), -3600),
        read_at(n(13, 60), -7200),
        read_at(n(1, 10), 0),
    ]
    found = also_marked(read, unread_before={1}, seen=(), extra=2)
    assert [x.id for x in found] == [10, 11]


def test_malformed_rows_the_server_counts_make_a_snapshot_complete() -> None:
    """Two rows listed, one malformed row skipped, three unread: that is all of them."""
    b, a = n(2, 20), n(1, 10)
    assert Snapshot(3, (b, a), skipped=1).complete
    assert not Snapshot(3, (b, a)).complete
    assert not Snapshot(4, (b, a), skipped=1).complete


def test_merge_prefix_whose_malformed_rows_make_up_the_rest_is_the_whole_list() -> None:
    b, a = n(2, 20), n(1, 10)
    merged = merge_prefix(None, (b, a), 3, skipped=1)
    assert merged is not None
    assert ([x.id for x in merged.items], merged.skipped, merged.complete) == ([2, 1], 1, True)
    assert merge_prefix(None, (b, a), 4, skipped=1) is None  # one more than it saw: walk
