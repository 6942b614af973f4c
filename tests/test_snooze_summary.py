"""The end of a pause of pop-ups: exactly one pop-up names what arrived meanwhile and
is still unread (nothing at all when nothing did), and settings changed while running.

The summary itself is a pure plan (a table); the poller's side runs against the
contract server over loopback, on a fake clock, as in tests/test_poller.py.
"""

from __future__ import annotations

import dataclasses
import json
import stat
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from traynotify.api.models import Notification
from traynotify.core.commands import HELD_MAX, Arrived, HeldInMemory
from traynotify.core.poller import PollerConfig
from traynotify.core.toasts import Toast, while_paused_toast
from traynotify.desktop.held_store import HeldStore

from . import test_poller
from .test_poller import INTERVAL, LIST, Harness, add

make = test_poller.make  # the poller tests' fixtures, shared
h = test_poller.h

T0 = datetime(2026, 5, 22, 8, 0, tzinfo=timezone.utc)
MUTED = "system.balance.notify.dispatched"


def note(i: int, title: str | None = None) -> Notification:
    return Notification(
        i, "admin.org.member.add", f"title {i}" if title is None else title, "body", None, None,
        T0 + timedelta(minutes=i),
    )  # fmt: skip


# -- the plan ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("held", "more", "title", "body", "covers"),
    [
        ([], 0, None, None, ()),
        ([note(1)], 0, "While pop-ups were paused: title 1", "body", (1,)),
        ([note(1, "")], 0, "While pop-ups were paused: (no title)", "body", (1,)),
        (
            [note(2), note(1)],
            0,
            "2 notifications arrived while pop-ups were paused",
            "title 2 · title 1",
            (2, 1),
        ),
        (
            [note(3), note(2), note(1)],
            0,
            "3 notifications arrived while pop-ups were paused",
            "title 3 · title 2 · title 1",
            (3, 2, 1),
        ),
        (
            [note(i) for i in range(9, 0, -1)],
            0,
            "9 notifications arrived while pop-ups were paused",
            "title 9 · title 8 · title 7 …",
            tuple(range(9, 0, -1)),
        ),
        (
            [note(2), note(1)],
            5,
            "7 notifications arrived while pop-ups were paused",
            "title 2 · title 1 …",
            (2, 1),
        ),
        ([note(1)], 1, "2 notifications arrived while pop-ups were paused", "title 1", (1,)),
        ([], 4, "4 notifications arrived while pop-ups were paused", "", ()),
        ([], 1, "1 notification arrived while pop-ups were paused", "", ()),
    ],
)
def test_the_summary_names_what_arrived_or_counts_it(
    held: list[Notification], more: int, title: str | None, body: str | None, covers: tuple[int]
) -> None:
    toast = while_paused_toast(held, more)
    if title is None:
        assert toast is None
        return
    assert toast is not None
    assert (toast.title, toast.body, toast.covers) == (title, body, covers)


def test_one_alone_opens_itself_and_several_open_the_list() -> None:
    one = while_paused_toast([note(1)])
    assert one is not None
    assert one.notification_id == 1
    assert one.subject == note(1)
    several = while_paused_toast([note(2), note(1)])
    assert several is not None
    assert several.notification_id is None
    assert several.subject is None


def test_server_text_in_the_summary_is_one_safe_line() -> None:
    toast = while_paused_toast([note(1, "evil\u202e\nline" + "x" * 300)])
    assert toast is not None
    assert "\u202e" not in toast.title
    assert "\n" not in toast.title
    assert len(toast.title) < 160


def test_what_is_held_is_each_id_once_newest_first_and_bounded() -> None:
    held = Arrived().add([3, 2]).add([5, 4, 3])
    assert held == Arrived((5, 4, 3, 2))
    many = Arrived().add(range(HELD_MAX + 7, 0, -1))
    assert len(many.ids) == HELD_MAX
    assert many.more == 7
    assert many.ids[0] == HELD_MAX + 7  # the newest are named
    assert many.add([]).more == 7
    assert not Arrived()
    assert Arrived(more=1)
    assert Arrived((3, 2, 1), 2).keep_only({1, 3}) == Arrived((3, 1), 2)


# -- the poller --------------------------------------------------------------------------


def paused(h: Harness) -> None:
    """Past the first start's summary, then pop-ups paused."""
    h.turn()
    h.poller.set_popups_paused(True)
    h.turn()
    h.toasts.clear()


def resume(h: Harness) -> list[Toast]:
    """Resume, then two more polls: what popped up from the resume on."""
    told = len(h.toasts)
    h.poller.set_popups_paused(False)
    h.poller.step()
    h.turn()
    h.turn()
    return h.toasts[told:]


def test_two_arrive_while_paused_and_the_end_names_both_in_one_pop_up(h: Harness) -> None:
    paused(h)
    first = add(h.server, "Mei joined the team")
    h.turn()
    second = add(h.server, "Ana joined the team")
    h.turn()
    assert h.toasts == []
    assert h.state.count == 5  # the badge still counts
    assert h.state.popups_paused
    told = resume(h)
    assert told == [
        Toast(
            "2 notifications arrived while pop-ups were paused",
            "Ana joined the team · Mei joined the team",
            covers=(second, first),
        )
    ]
    assert not h.state.popups_paused
    third = add(h.server, "After the pause")
    h.turn()
    assert [t.covers for t in h.toasts[1:]] == [(third,)]  # pop-ups as before


def test_one_that_arrived_alone_is_named_and_opens_itself(h: Harness) -> None:
    paused(h)
    quiet = add(h.server, "Mei joined the team")
    h.turn()
    [toast] = resume(h)
    assert toast.title == "While pop-ups were paused: Mei joined the team"
    assert toast.notification_id == quiet
    assert toast.subject is not None


def test_nothing_arrived_nothing_pops_up(h: Harness) -> None:
    paused(h)
    h.turn()
    assert resume(h) == []


def test_what_was_read_meanwhile_is_not_named(h: Harness) -> None:
    paused(h)
    in_console = add(h.server, "Read in the console")
    clicked = add(h.server, "Clicked in the menu")
    kept = add(h.server, "Still unread")
    h.turn()
    h.server.store.mark_read("alice", in_console)
    h.turn()
    h.poller.mark_read(clicked)
    h.poller.step()
    assert [t.covers for t in resume(h)] == [(kept,)]


def test_a_click_still_on_its_way_is_not_named(h: Harness) -> None:
    paused(h)
    clicked = add(h.server, "Clicked just now")
    kept = add(h.server, "Still unread")
    h.turn()
    h.poller.mark_read(clicked)  # pending: the resume comes before it is sent
    h.poller.set_popups_paused(False)
    h.poller.step()
    assert [t.covers for t in h.toasts] == [(kept,)]


def test_a_muted_type_is_not_named(make: Callable[..., Harness]) -> None:
    h = make(muted_types=(MUTED,))
    paused(h)
    h.server.store.add("alice", MUTED, "Balance low again")
    loud = add(h.server, "Mei joined the team")
    h.turn()
    assert [t.covers for t in resume(h)] == [(loud,)]


def test_a_type_muted_during_the_pause_is_not_named(h: Harness) -> None:
    paused(h)
    h.server.store.add("alice", MUTED, "Balance low again")
    loud = add(h.server, "Mei joined the team")
    h.turn()
    h.poller.reconfigure(dataclasses.replace(h.poller.config, muted_types=(MUTED,)))
    assert [t.covers for t in resume(h)] == [(loud,)]


def test_a_new_pause_while_paused_keeps_what_arrived(h: Harness) -> None:
    paused(h)
    first = add(h.server, "Before the second snooze")
    h.turn()
    h.poller.set_popups_paused(True, datetime.now(timezone.utc) + timedelta(hours=1))
    h.turn()
    second = add(h.server, "During the second snooze")
    h.turn()
    assert h.toasts == []
    assert [t.covers for t in resume(h)] == [(second, first)]


def test_mark_all_while_paused_leaves_nothing_to_name(h: Harness) -> None:
    paused(h)
    add(h.server, "Marked by mark all")
    h.turn()
    h.poller.mark_all_read()
    h.poller.step()
    after = add(h.server, "After mark all")
    h.turn()
    assert [t.covers for t in resume(h)] == [(after,)]


def test_more_than_three_are_counted_with_the_newest_titles(h: Harness) -> None:
    paused(h)
    for i in range(5):
        add(h.server, f"Joined {i}")
        h.turn()
    [toast] = resume(h)
    assert toast.title == "5 notifications arrived while pop-ups were paused"
    assert toast.body == "Joined 4 · Joined 3 · Joined 2 …"
    assert len(toast.covers) == 5


def test_a_restart_while_paused_still_names_what_arrived(
    make: Callable[..., Harness], tmp_path: Path
) -> None:
    store = tmp_path / "held.json"
    h = make(held=HeldStore(store, "x"))
    paused(h)
    before = add(h.server, "Before the restart")
    h.turn()
    h.poller.stop()
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    again = make(held=HeldStore(store, "x"), paused=True, clock=h.clock)
    assert again.state.popups_paused
    again.turn()
    after = add(again.server, "After the restart")
    again.turn()
    assert again.toasts == []
    assert [t.covers for t in resume(again)] == [(after, before)]
    assert not store.exists()  # told: forgotten


def test_a_pause_that_ended_while_the_app_was_off_is_named_at_the_next_start(
    make: Callable[..., Harness], tmp_path: Path
) -> None:
    held = HeldInMemory()
    h = make(held=held)
    paused(h)
    quiet = add(h.server, "Arrived while snoozed")
    h.turn()
    h.poller.stop()
    again = make(held=held, clock=h.clock)  # the snooze ended before this start
    again.turn()
    assert [t.covers for t in again.toasts] == [(quiet,)]
    again.turn()
    assert len(again.toasts) == 1


def test_the_held_file_keeps_each_account_apart_and_survives_a_broken_one(
    tmp_path: Path,
) -> None:
    path = tmp_path / "held.json"
    HeldStore(path, "a").save(Arrived((2, 1)))
    b = HeldStore(path, "b")
    assert b.load() == Arrived()
    b.save(Arrived((9,), 3))
    assert HeldStore(path, "a").load() == Arrived((2, 1))
    assert HeldStore(path, "b").load() == Arrived((9,), 3)
    path.write_text(json.dumps({"version": 1, "accounts": {"a": {"ids": ["x"]}}}))
    assert HeldStore(path, "a").load() == Arrived()  # set aside, nothing held
    assert not path.exists()


# -- the popups setting and other settings changed while running ---------------------------


def test_the_popups_setting_off_stops_pop_ups_and_on_again_names_nothing(h: Harness) -> None:
    h.turn()
    h.toasts.clear()
    h.poller.reconfigure(dataclasses.replace(h.poller.config, popups=False))
    h.poller.step()
    assert h.state.popups_setting_off  # the menu and tooltip say so
    add(h.server, "While the setting was off")
    h.turn()
    assert h.toasts == []
    h.poller.reconfigure(dataclasses.replace(h.poller.config, popups=True))
    h.poller.step()
    assert not h.state.popups_off
    h.turn()
    assert h.toasts == []  # not a pause's end
    later = add(h.server, "After")
    h.turn()
    assert [t.covers for t in h.toasts] == [(later,)]


def test_a_pause_ending_while_the_setting_is_off_pops_nothing_up(h: Harness) -> None:
    paused(h)
    add(h.server, "Quiet")
    h.turn()
    h.poller.reconfigure(dataclasses.replace(h.poller.config, popups=False))
    assert resume(h) == []
    assert (h.state.popups_paused, h.state.popups_off) == (False, True)  # the setting holds
    h.poller.reconfigure(dataclasses.replace(h.poller.config, popups=True))
    h.turn()
    assert h.toasts == []


def test_a_start_with_the_setting_off_shows_paused_and_a_resume_does_not_override_it(
    make: Callable[..., Harness],
) -> None:
    h = make(popups=False)
    h.turn()
    assert (h.state.popups_setting_off, h.state.popups_paused) == (True, False)
    assert h.toasts == []
    h.poller.set_popups_paused(False)
    add(h.server, "Quiet")
    h.turn()
    assert h.state.popups_off
    assert h.toasts == []


def test_a_shorter_interval_brings_the_next_poll_sooner_and_a_longer_one_later(
    h: Harness,
) -> None:
    h.turn()
    polls = h.poller.polls
    h.clock.advance(5)
    h.poller.reconfigure(PollerConfig(interval=20.0))
    assert h.poller.step() == pytest.approx(15.0)  # 20 s after the last poll
    h.clock.advance(15)
    h.poller.step()
    assert h.poller.polls == polls + 1
    h.poller.reconfigure(PollerConfig(interval=600.0))
    assert h.poller.step() == pytest.approx(600.0)
    h.clock.advance(599)
    h.poller.step()
    assert h.poller.polls == polls + 1
    h.clock.advance(1)
    h.poller.step()
    assert h.poller.polls == polls + 2


def test_a_refresh_asked_for_stays_sooner_than_a_longer_interval(h: Harness) -> None:
    h.turn()
    polls = h.poller.polls
    h.poller.refresh()
    h.poller.reconfigure(PollerConfig(interval=600.0))
    h.poller.step()
    assert h.poller.polls == polls + 1


def test_a_longer_menu_fetches_its_rows_from_the_server(h: Harness) -> None:
    h.turn()
    h.poller.reconfigure(dataclasses.replace(h.poller.config, menu_length=30))
    add(h.server, "New")
    h.clock.advance(INTERVAL)
    h.poller.step()
    sizes = [r.query.get("page_size") for r in h.server.requests(LIST) if r.path == LIST]
    assert sizes[-1] == ["31"]  # the growth and the menu's rows


def test_muted_types_apply_at_once_and_show_in_the_state(h: Harness) -> None:
    h.turn()
    h.toasts.clear()
    h.poller.reconfigure(dataclasses.replace(h.poller.config, muted_types=(MUTED,)))
    h.poller.step()
    assert h.state.muted_types == (MUTED,)
    h.server.store.add("alice", MUTED, "Balance low again")
    h.turn()
    assert h.toasts == []
    assert h.state.count == 4  # still counts
