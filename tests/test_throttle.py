"""The channel's rate rule: a table of cases (pure, no clock)."""

from __future__ import annotations

import pytest

from traynotify.core.throttle import (
    POLL_GAP,
    POPUP_GAP,
    WALK_GAP,
    may_go,
    refresh_now,
    wait_before,
)


@pytest.mark.parametrize(
    ("now", "last", "gap", "wait"),
    [
        (100.0, None, 5.0, 0.0),  # never done: now
        (100.0, 100.0, 5.0, 5.0),  # just done: the whole gap
        (101.5, 100.0, 5.0, 3.5),
        (104.999, 100.0, 5.0, 0.001),
        (105.0, 100.0, 5.0, 0.0),  # exactly the gap: now
        (500.0, 100.0, 5.0, 0.0),
        (90.0, 100.0, 5.0, 0.0),  # the clock went back: now, not never
        (100.0, 100.0, 0.0, 0.0),  # no gap: always
    ],
)
def test_wait_before(now: float, last: float | None, gap: float, wait: float) -> None:
    assert wait_before(now, last, gap) == pytest.approx(wait)
    assert may_go(now, last, gap) is (wait == 0.0)


@pytest.mark.parametrize(
    ("now", "last_poll", "last_walk", "go"),
    [
        (0.0, None, None, True),  # the first one goes
        (10.0, 0.0, 0.0, False),  # a second start 10 s after the last: dropped
        (59.9, 0.0, 0.0, False),
        (60.0, 0.0, 0.0, True),  # a minute on: a walk again
        (60.0, 58.0, 0.0, False),  # a login's poll 2 s ago: not yet
        (60.0, 60.0 - POLL_GAP, 0.0, True),
        (3.0, None, 0.0, False),
        (3.0, 0.0, None, False),  # a poll 3 s ago, never a walk: not yet
        (5.0, 0.0, None, True),
    ],
)
def test_refresh_now(
    now: float, last_poll: float | None, last_walk: float | None, go: bool
) -> None:
    assert refresh_now(now, last_poll, last_walk) is go


def test_the_gaps_are_what_the_readme_says() -> None:
    assert (POLL_GAP, WALK_GAP, POPUP_GAP) == (5.0, 60.0, 10.0)


def test_a_flood_on_a_clock_goes_once_per_gap() -> None:
    """7,500 words in 10 s (one every 1.33 ms, the last just before 10 s): one pop-up, one
    walk; another pop-up only once 10 s have passed."""
    last_popup = last_walk = last_poll = None
    popups = walks = 0
    for i in range(7500):
        now = 1000.0 + i * (10.0 / 7500)
        if may_go(now, last_popup, POPUP_GAP):
            popups, last_popup = popups + 1, now
        if refresh_now(now, last_poll, last_walk):
            walks, last_walk, last_poll = walks + 1, now, now
    assert (popups, walks) == (1, 1)
    assert may_go(1010.0, last_popup, POPUP_GAP)
