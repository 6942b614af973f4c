"""The back-off and the poll schedule: pure functions over numbers."""

from __future__ import annotations

import random

import pytest

from traynotify.core.backoff import BACKOFF_CAP, MAX_DELAY, first_delay, next_delay, slept


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


def test_sleep_is_detected_from_the_two_clocks() -> None:
    assert slept(wall_elapsed=3600, mono_elapsed=10)
    assert not slept(wall_elapsed=10.2, mono_elapsed=10)
    assert not slept(wall_elapsed=-30, mono_elapsed=10)  # clock set back: not a sleep
