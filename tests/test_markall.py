"""What a mark-all flipped unseen: the question it leaves and its answer."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from traynotify.api.models import Notification
from traynotify.core.markall import AlsoMarked, MarkAllQuestion, answer
from traynotify.core.reconcile import Snapshot, reconcile

T0 = datetime(2026, 5, 22, 8, 0, tzinfo=timezone.utc)
MUTED = "system.balance.notify.dispatched"


def n(
    id_: int, minute: int, read: float | None = None, type_: str = "admin.org.member.add"
) -> Notification:
    return Notification(
        id_,
        type_,
        f"t{id_}",
        "",
        None,
        None if read is None else T0 + timedelta(hours=1, seconds=read),
        T0 + timedelta(minutes=minute),
    )


def test_the_question_remembers_what_was_unread_and_how_many_more_were_marked() -> None:
    unread = Snapshot(3, (n(1, 30), n(2, 20), n(3, 10)))
    question = MarkAllQuestion.about(unread, 5)
    assert question.unread_before == {1, 2, 3}
    assert question.extra == 2
    assert question.floor == (T0 + timedelta(minutes=10), 3)
    assert MarkAllQuestion.about(unread, None).extra == 0  # its answer was lost


def test_read_rows_are_listed_down_to_the_oldest_expected() -> None:
    question = MarkAllQuestion.about(Snapshot(2, (n(1, 30), n(2, 20))), 2)
    assert not question.reached([n(9, 50), n(8, 40)])
    assert question.reached([n(9, 50), n(2, 20)])
    assert question.reached([n(9, 50), n(7, 5)])
    assert not question.reached([])
    assert MarkAllQuestion.about(Snapshot(0, ()), 1).reached([])  # nothing expected


def test_the_answer_names_what_it_flipped_unseen_and_keeps_muted_ones_off_pop_ups() -> None:
    question = MarkAllQuestion.about(Snapshot(2, (n(1, 30), n(2, 20))), 3)
    read = [n(9, 50, read=0, type_=MUTED), n(1, 30, read=0), n(2, 20, read=0)]
    told = answer(question, read, seen={1, 2})
    assert told == AlsoMarked((n(9, 50, read=0, type_=MUTED),), 0)
    assert told.loud({MUTED}) == ()


def test_nothing_to_tell_when_only_what_was_expected_was_marked() -> None:
    question = MarkAllQuestion.about(Snapshot(2, (n(1, 30), n(2, 20))), 2)
    assert answer(question, [n(1, 30, read=0), n(2, 20, read=0)], seen={1, 2}) is None


def test_more_marked_than_could_be_listed_is_counted() -> None:
    question = MarkAllQuestion.about(Snapshot(1, (n(1, 30),)), 4)
    told = answer(question, [n(9, 50, read=0), n(1, 30, read=0)], seen={1})
    assert told == AlsoMarked((n(9, 50, read=0),), 2)


def test_the_oldest_row_of_a_longer_page_decides_whether_the_floor_was_reached() -> None:
    question = MarkAllQuestion.about(Snapshot(2, (n(1, 30), n(2, 20))), 2)
    assert question.reached([n(9, 50), n(8, 40), n(7, 5)])
    assert not question.reached([n(9, 50), n(8, 40), n(7, 25)])


def test_one_more_marked_that_cannot_be_named_is_still_told() -> None:
    question = MarkAllQuestion.about(Snapshot(1, (n(1, 30),)), 2)
    assert answer(question, [n(1, 30, read=0)], seen={1}) == AlsoMarked((), 1)


def test_what_no_pop_up_told_of_just_before_is_named_once_with_what_else_it_flipped() -> None:
    """Paused or muted, one found new by the walk just before the mark-all was never
    shown: named with the one that arrived while it was on its way, each once."""
    unread = Snapshot(2, (n(3, 40, type_=MUTED), n(1, 30)))
    question = MarkAllQuestion.about(unread, 3, untold=(n(3, 40, type_=MUTED),))
    read = [n(9, 50, read=1), n(3, 40, read=0, type_=MUTED), n(1, 30, read=0)]
    told = answer(question, read, seen={1, 3})
    assert told == AlsoMarked((n(9, 50, read=1), n(3, 40, type_=MUTED)), 0)
    assert told.loud({MUTED}) == (n(9, 50, read=1),)  # the muted one: the notice alone


def test_what_no_pop_up_told_of_is_named_even_when_the_rows_do_not_reach_it() -> None:
    question = MarkAllQuestion.about(Snapshot(1, (n(1, 30),)), 1, untold=(n(1, 30),))
    assert answer(question, [], seen={1}) == AlsoMarked((n(1, 30),), 0)


def test_when_the_answer_was_lost_what_no_pop_up_told_of_is_named_only_if_read() -> None:
    untold = (n(1, 30), n(2, 20))
    question = MarkAllQuestion.about(Snapshot(2, untold), None, untold)
    assert answer(question, [n(1, 30, read=0)], seen={1, 2}) == AlsoMarked((n(1, 30),), 0)
    assert answer(question, [], seen={1, 2}) is None  # not done: still unread, in the menu


NOTES = st.lists(
    st.tuples(st.integers(1, 30), st.integers(0, 90), st.booleans()),
    max_size=12,
    unique_by=lambda t: t[0],
).map(lambda rows: tuple(n(i, m, type_=MUTED if muted else "x.y") for i, m, muted in rows))


@given(
    NOTES,
    st.frozensets(st.integers(1, 30)),
    st.booleans(),
    st.booleans(),
    st.integers(0, 5),
)
def test_a_mark_all_right_after_a_walk_names_every_new_one_no_pop_up_told_of(
    notes: tuple[Notification, ...], seen: frozenset[int], popups: bool, first: bool, extra: int
) -> None:
    """Whatever is paused or muted: every row the walk found new was either in a
    pop-up or is named after the mark-all, never both, and none shown before is."""
    unread = Snapshot(len(notes), notes)
    out = reconcile(unread, seen=seen, first_run=first, muted=(MUTED,), popups=popups)
    popped = {i for toast in out.toasts for i in toast.covers}
    question = MarkAllQuestion.about(unread, len(notes) + extra, out.untold)
    read = [dataclasses.replace(x, read_at=T0) for x in notes]
    told = answer(question, read, seen=seen | set(out.remember))
    named = {x.id for x in told.found} if told else set()
    new = {x.id for x in notes} if first else set(out.new)
    assert new <= popped | named
    assert not popped & named
    assert named <= new
    assert all(x.type != MUTED for x in notes if x.id in popped and not first)
    if not popups:
        assert not out.toasts
