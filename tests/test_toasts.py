"""Toast planning: new vs seen, coalescing, first start, muted types."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from traynotify.api.models import Notification
from traynotify.core.toasts import Toast, also_marked_toast, plan_toasts

T0 = datetime(2026, 5, 22, 8, 0, tzinfo=timezone.utc)


def note(
    i: int, title: str | None = None, type_: str = "system.payment.received", body: str = "body"
) -> Notification:
    return Notification(
        i, type_, title or f"title {i}", body, "/billing", None, T0 + timedelta(minutes=i)
    )


def test_each_of_up_to_three_new_gets_its_own_toast_oldest_first() -> None:
    new = [note(3), note(2)]  # newest first, as listed
    assert plan_toasts(new, first_run=False, unread_total=5) == [
        Toast("title 2", "body", 2, (2,)),
        Toast("title 3", "body", 3, (3,)),
    ]


def test_more_than_three_new_become_one_summary() -> None:
    new = [note(i) for i in range(9, 4, -1)]
    toasts = plan_toasts(new, first_run=False, unread_total=5)
    assert len(toasts) == 1
    assert toasts[0].title == "5 new notifications"
    assert toasts[0].body == "title 9 · title 8 · title 7 …"
    assert toasts[0].notification_id is None
    assert toasts[0].covers == (9, 8, 7, 6, 5)  # all five it counts, not just the three named


def test_also_marked_read_names_what_was_never_shown() -> None:
    toast = also_marked_toast([note(3), note(2)])
    assert toast.title == "Also marked read: title 3 · title 2"
    assert toast.notification_id is None
    assert toast.covers == (3, 2)
    many = also_marked_toast([note(i) for i in range(5, 0, -1)], more=2)
    assert many.title == "Also marked read: title 5 · title 4 · title 3 and 4 more"
    unnamed = also_marked_toast([], more=2)
    assert unnamed.title == "Also marked read: 2 notifications you were not shown"


def test_first_start_with_a_backlog_is_one_summary() -> None:
    new = [note(i) for i in range(7, 0, -1)]
    assert plan_toasts(new, first_run=True, unread_total=7) == [
        Toast("You have 7 unread notifications", "title 7", covers=(7, 6, 5, 4, 3, 2, 1))
    ]
    assert plan_toasts([note(1)], first_run=True, unread_total=1)[0].title == (
        "You have 1 unread notification"
    )


def test_first_start_with_nothing_unread_is_silent() -> None:
    assert plan_toasts([], first_run=True, unread_total=0) == []


def test_nothing_new_nothing_shown() -> None:
    assert plan_toasts([], first_run=False, unread_total=4) == []


def test_paused_shows_nothing() -> None:
    assert plan_toasts([note(1)], first_run=False, unread_total=1, enabled=False) == []


def test_muted_types_do_not_pop_up() -> None:
    new = [note(2, type_="admin.org.member.add"), note(1)]
    toasts = plan_toasts(new, first_run=False, unread_total=2, muted=["admin.org.member.add"])
    assert [t.notification_id for t in toasts] == [1]
    summary = plan_toasts(
        [note(i, type_="admin.org.member.add") for i in (9, 8, 7)]
        + [note(i) for i in (6, 5, 4, 3)],
        first_run=False,
        unread_total=7,
        muted=["admin.org.member.add"],
    )
    assert [(t.title, t.covers) for t in summary] == [("4 new notifications", (6, 5, 4, 3))]


def test_hostile_text_is_made_safe() -> None:
    evil = note(1, title="a\nb\x1b[2J" + "x" * 500, body="line1\nline2\u202e" + "y" * 5000)
    (toast,) = plan_toasts([evil], first_run=False, unread_total=1)
    assert "\n" not in toast.title
    assert "\x1b" not in toast.title
    assert len(toast.title) <= 100
    assert len(toast.body) <= 300
    assert "\u202e" not in toast.body


def test_empty_title_gets_a_placeholder() -> None:
    (toast,) = plan_toasts([note(1, title="\n\t ")], first_run=False, unread_total=1)
    assert toast.title == "New notification"
