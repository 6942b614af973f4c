"""The still menu: which rows the host is served while its menu may be open."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from traynotify.core.menuhold import (
    MIN_QUIET,
    QUIET,
    Call,
    Hold,
    after,
    deadline,
    held,
    quiet_time,
    serve,
)


@dataclass(frozen=True)
class Row:
    id: int
    label: str


HEADER3 = Row(1, "3 unread")
HEADER4 = Row(1, "4 unread")
A, B, C = Row(2, "A"), Row(3, "B"), Row(4, "C")
NEW = Row(9, "New")
MARK_ALL = Row(5, "Mark all as read")
BEFORE = (HEADER3, A, B, C, MARK_ALL)
ARRIVED = (HEADER4, NEW, A, B, C, MARK_ALL)
B_READ = (Row(1, "2 unread"), A, C, MARK_ALL)


def run(script: list[tuple[float, str]]) -> list[tuple[Row, ...]]:
    """Feed (time, what happened) to a hold; the rows served after each step.

    What happened: "state:before", "state:arrived", "state:b_read" (a new state
    published), or a host call: show, ask, close, click. "look" just reads."""
    states = {"before": BEFORE, "arrived": ARRIVED, "b_read": B_READ}
    hold: Hold[Row] = Hold()
    latest: tuple[Row, ...] = BEFORE
    served = []
    for now, event in script:
        if event.startswith("state:"):
            latest = states[event.split(":")[1]]
        elif event != "look":
            hold = after(hold, Call(event), now, latest)
        served.append(serve(hold, now, latest))
    return served


@pytest.mark.parametrize(
    ("script", "last"),
    [
        # closed menu: every state is served at once
        ([(0, "state:arrived")], ARRIVED),
        # open: the new row waits, the header's count updates in place
        ([(0, "show"), (1, "state:arrived")], (HEADER4, A, B, C, MARK_ALL)),
        # a row read meanwhile stays where it was until the menu closes
        ([(0, "show"), (1, "state:b_read")], (Row(1, "2 unread"), A, B, C, MARK_ALL)),
        # "closed" applies what waited
        ([(0, "show"), (1, "state:arrived"), (2, "close")], ARRIVED),
        # so does a click on a row
        ([(0, "show"), (1, "state:arrived"), (2, "click")], ARRIVED),
        # and a quiet host: xfce4-panel never says "closed"
        ([(0, "show"), (1, "state:arrived"), (QUIET - 0.1, "look")], (HEADER4, A, B, C, MARK_ALL)),
        ([(0, "show"), (1, "state:arrived"), (QUIET, "look")], ARRIVED),
        # the host's reads keep it open from the last of them
        (
            [(0, "show"), (1, "state:arrived"), (20, "ask"), (20 + QUIET - 0.1, "look")],
            (HEADER4, A, B, C, MARK_ALL),
        ),
        ([(0, "show"), (1, "state:arrived"), (20, "ask"), (20 + QUIET, "look")], ARRIVED),
        # a read while closed does not open it
        ([(0, "ask"), (1, "state:arrived")], ARRIVED),
        # a read after the quiet time does not bring the old rows back
        ([(0, "show"), (1, "state:arrived"), (QUIET + 1, "ask")], ARRIVED),
        # shown again (closed without a word): still held, from the last showing
        ([(0, "show"), (1, "state:arrived"), (5, "show")], (HEADER4, A, B, C, MARK_ALL)),
        (
            [(0, "show"), (1, "state:arrived"), (20, "show"), (20 + QUIET - 0.1, "look")],
            (HEADER4, A, B, C, MARK_ALL),
        ),
        ([(0, "show"), (1, "state:arrived"), (20, "show"), (20 + QUIET, "look")], ARRIVED),
        # shown after the hold ran out: the newest rows, held from then
        (
            [(0, "show"), (1, "state:arrived"), (QUIET + 5, "show"), (QUIET + 6, "state:b_read")],
            (Row(1, "2 unread"), NEW, A, B, C, MARK_ALL),
        ),
    ],
)
def test_rows_served(script: list[tuple[float, str]], last: tuple[Row, ...]) -> None:
    assert run(script)[-1] == last


def test_mark_all_keeps_its_place_while_open() -> None:
    served = run([(0, "show"), (1, "state:arrived"), (2, "look")])
    assert served[-1].index(MARK_ALL) == BEFORE.index(MARK_ALL)


def test_hold_ends_by_itself_at_its_deadline() -> None:
    hold: Hold[Row] = after(Hold(), Call.SHOW, 100.0, BEFORE)
    assert deadline(hold) == 100.0 + QUIET
    assert held(hold, 100.0 + QUIET - 0.01)
    assert not held(hold, 100.0 + QUIET)
    assert deadline(Hold()) is None
    assert deadline(after(hold, Call.CLOSE, 101.0, BEFORE)) is None


def test_quiet_time_is_never_below_its_floor() -> None:
    assert quiet_time(1.0) == MIN_QUIET
    assert quiet_time(45.0) == 45.0
    hold: Hold[Row] = after(Hold(), Call.SHOW, 0.0, BEFORE, quiet=1.0)
    assert held(hold, MIN_QUIET - 0.1, quiet=1.0)
    assert serve(hold, 5.0, ARRIVED, quiet=1.0) == (HEADER4, A, B, C, MARK_ALL)


HELD_BEFORE = (HEADER4, A, B, C, MARK_ALL)
"""BEFORE as shown, its header taking the new count in place."""


@pytest.mark.parametrize(
    ("script", "last"),
    [
        # GNOME: AboutToShow once when it first reads the menu (nothing shown), then at
        # each real opening "opened" and AboutToShow: the opening is served the rows of
        # now, not those of the first read
        ([(0, "show"), (1, "state:arrived"), (10, "opened"), (10.1, "show")], ARRIVED),
        # ... and the opening holds them still from there
        (
            [(0, "show"), (10, "opened"), (10.1, "show"), (12, "state:arrived")],
            HELD_BEFORE,
        ),
        # Plasma: AboutToShow and "opened" come together, in either order: one opening
        ([(0, "show"), (0.2, "opened"), (1, "state:arrived")], HELD_BEFORE),
        ([(0, "opened"), (0.1, "show"), (1, "state:arrived")], HELD_BEFORE),
        # opened again with no "closed" in between: still the menu the host drew
        ([(0, "opened"), (1, "state:arrived"), (5, "opened")], HELD_BEFORE),
        # xfce4-panel never says "opened": a later AboutToShow keeps what it was shown
        ([(0, "show"), (1, "state:arrived"), (10, "show")], HELD_BEFORE),
        # a bare AboutToShow that has run out, then "opened": the rows of now
        ([(0, "show"), (1, "state:arrived"), (40, "opened")], ARRIVED),
        # GNOME opened within a second of its first read: the rows of now all the same
        ([(0, "show"), (0.5, "state:arrived"), (1, "opened"), (1, "show")], ARRIVED),
        # after "closed", "opened" is a new opening whatever came before
        ([(0, "opened"), (1, "state:arrived"), (3, "close"), (4, "opened")], ARRIVED),
    ],
)
def test_an_opening_the_host_announces(
    script: list[tuple[float, str]], last: tuple[Row, ...]
) -> None:
    assert run(script)[-1] == last
