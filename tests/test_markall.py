"""What a mark-all flipped unseen: the question it leaves and its answer."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from traynotify.api.models import Notification
from traynotify.core.markall import AlsoMarked, MarkAllQuestion, answer
from traynotify.core.reconcile import Snapshot

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
