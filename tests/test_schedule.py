"""Poll scheduling: pure functions over numbers."""

from __future__ import annotations

import random

import pytest

from traynotify.schedule import BACKOFF_CAP, first_delay, next_delay, slept


def test_no_failure_means_the_interval() -> None:
    assert next_delay(60, 0, None, random.Random(1)) == 60


def test_retry_after_is_obeyed_exactly() -> None:
    assert next_delay(60, 3, 17.0, random.Random(1)) == 17.0
    assert next_delay(1, 1, 120.0, random.Random(1)) == 120.0
    assert next_delay(60, 1, 0.0, random.Random(1)) == 1.0  # never a tight loop


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
