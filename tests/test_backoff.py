"""The back-off and the poll schedule: pure functions over numbers."""

from __future__ import annotations

import random

import pytest

from traynotify.core.backoff import (
    BACKOFF_CAP,
    MAX_DELAY,
    NEVER,
    Backoff,
    first_delay,
    next_delay,
    slept,
)


def test_no_failure_means_the_interval() -> None:
    assert next_delay(60, 0, None, random.Random(1)) == 60


class MaxJitter(random.Random):
    """Jitter that takes nothing off, so back-off values are exact in the table."""

    def uniform(self, a: float, b: float) -> float:
        return b


@pytest.mark.parametrize(
    ("interval", "failures", "retry_after", "expected", "why"),
    [
        (60, 1, 1.0, 120, "Retry-After: 1 never polls sooner than the back-off"),
        (60, 1, 0.0, 120, "Retry-After: 0 is no tight loop"),
        (60, 0, 1.0, 60, "never below the interval"),
        (60, 1, 300.0, 300, "a longer Retry-After lengthens the wait"),
        (60, 5, 300.0, BACKOFF_CAP, "a back-off longer than Retry-After wins"),
        (60, 1, 86400.0, MAX_DELAY, "a huge Retry-After is capped at MAX_DELAY"),
        (60, 1, 6 * 3600.0, MAX_DELAY, "the client's own 6 h parse cap is capped too"),
        (7200, 1, 86400.0, 7200, "an interval above MAX_DELAY still sets the pace"),
        (7200, 0, None, 7200, "no failure: the interval"),
        (1, 1, 120.0, 120, "a short interval still waits what the server asks"),
        (10, 3, None, 80, "no Retry-After: plain back-off"),
        (10, 20, None, BACKOFF_CAP, "back-off is capped"),
    ],
)
def test_retry_after_rule(
    interval: float, failures: int, retry_after: float | None, expected: float, why: str
) -> None:
    assert next_delay(interval, failures, retry_after, MaxJitter()) == expected, why


@pytest.mark.parametrize("seed", range(20))
def test_backoff_grows_and_is_capped(seed: int) -> None:
    rng = random.Random(seed)
    delays = [next_delay(10, n, None, rng) for n in range(1, 12)]
    for n, d in enumerate(delays, start=1):
        ceiling = min(BACKOFF_CAP, 10 * 2**n)
        assert 0.75 * ceiling <= d <= ceiling
        assert d >= 10
    assert delays[-1] >= 0.75 * BACKOFF_CAP
    assert max(delays) <= BACKOFF_CAP


def test_backoff_has_jitter() -> None:
    rng = random.Random(7)
    assert len({round(next_delay(10, 3, None, rng), 3) for _ in range(20)}) > 10


def test_first_poll_is_spread() -> None:
    rng = random.Random(3)
    starts = [first_delay(60, rng) for _ in range(50)]
    assert all(0 <= s <= 3 for s in starts)
    assert len({round(s, 3) for s in starts}) > 40
    assert all(0 <= first_delay(1, rng) <= 0.5 for _ in range(20))


def test_the_first_poll_waits_half_the_interval_at_most() -> None:
    assert first_delay(60, MaxJitter()) == 3.0
    assert first_delay(4, MaxJitter()) == 2.0


def test_a_short_interval_is_kept_without_a_failure() -> None:
    assert next_delay(0.5, 0, None, MaxJitter()) == 0.5


def test_sleep_is_detected_from_the_two_clocks() -> None:
    assert slept(wall_elapsed=3600, mono_elapsed=10)
    assert not slept(wall_elapsed=10.2, mono_elapsed=10)
    assert not slept(wall_elapsed=40, mono_elapsed=40)  # a long turn, awake
    assert not slept(wall_elapsed=40, mono_elapsed=10)  # 30 s ahead: not yet a sleep
    assert slept(wall_elapsed=40.5, mono_elapsed=10)
    assert not slept(wall_elapsed=-30, mono_elapsed=10)  # clock set back: not a sleep


# -- the back-off: no request of any kind before it ends ---------------------------------


def test_no_back_off_blocks_nothing() -> None:
    assert not Backoff().blocks(0.0)
    assert not Backoff().blocks(-1e12)


def test_a_failure_blocks_every_request_until_its_delay_has_run() -> None:
    backoff = Backoff().failed(1000.0, 60, None, MaxJitter())
    assert backoff.failures == 1
    assert backoff.until == 1120.0
    assert backoff.blocks(1000.0)
    assert backoff.blocks(1119.9)
    assert not backoff.blocks(1120.0)
    assert backoff.server_until == NEVER  # the server asked for nothing


def test_failures_in_a_row_grow_the_back_off() -> None:
    backoff = Backoff().failed(0.0, 60, None, MaxJitter()).failed(120.0, 60, None, MaxJitter())
    assert (backoff.failures, backoff.until) == (2, 120.0 + 240.0)


def test_refresh_now_ends_an_ordinary_back_off_at_once() -> None:
    backoff = Backoff().failed(1000.0, 60, None, MaxJitter())
    refreshed = backoff.refreshed(1010.0)
    assert not refreshed.blocks(1010.0)
    assert refreshed.failures == 1  # a failure after it still backs off further
    assert Backoff().refreshed(5.0) == Backoff()  # nothing to shorten


def test_refresh_now_never_shortens_the_servers_retry_after() -> None:
    backoff = Backoff().failed(1000.0, 60, 300.0, MaxJitter())
    assert (backoff.until, backoff.server_until) == (1300.0, 1300.0)
    assert backoff.refreshed(1010.0).until == 1300.0
    short = Backoff().failed(1000.0, 60, 5.0, MaxJitter())  # Retry-After: 5
    assert short.until == 1120.0  # still the back-off ...
    assert short.refreshed(1001.0).until == 1005.0  # ... but Refresh now only down to 5 s
    assert short.refreshed(1010.0).until == 1010.0


def test_a_huge_retry_after_is_held_to_the_same_cap() -> None:
    backoff = Backoff().failed(0.0, 60, 86400.0, MaxJitter())
    assert backoff.until == backoff.server_until == MAX_DELAY


def test_a_sleep_forgets_the_failures_and_runs_down_the_servers_wait() -> None:
    ordinary = Backoff().failed(0.0, 60, None, MaxJitter()).failed(1.0, 60, None, MaxJitter())
    assert not ordinary.woke(40.0).blocks(1.0)
    assert ordinary.woke(40.0).failures == 0
    asked = Backoff().failed(0.0, 60, 600.0, MaxJitter())
    assert asked.woke(100.0).until == 500.0
    assert asked.woke(100.0).blocks(499.0)
    assert asked.woke(100.0).refreshed(10.0).until == 500.0  # still the server's
    assert not asked.woke(1000.0).blocks(0.0)
