"""When the next request may go: failures, Retry-After and the clocks, as plain numbers."""

from __future__ import annotations

import random

BACKOFF_CAP = 900.0
"""Longest wait after repeated failures (15 min; jitter takes up to a quarter off)."""
START_JITTER_MAX = 3.0
CLOCK_JUMP = 30.0
"""Wall time running ahead of monotonic time by this much means the machine slept."""
MAX_DELAY = 3600.0
"""Longest wait between polls whatever the server says (1 h), unless the interval is longer."""


def first_delay(interval: float, rng: random.Random) -> float:
    """Spread the first poll of many clients that all start at login."""
    return rng.uniform(0.0, min(START_JITTER_MAX, interval / 2))


def next_delay(
    interval: float,
    failures: int,
    retry_after: float | None,
    rng: random.Random,
) -> float:
    """Seconds until the next poll.

    No failure: the interval. After failures: exponential back-off with jitter
    from the interval up, capped at BACKOFF_CAP. A server-given Retry-After can
    only lengthen that wait: the delay is ``max(back-off, Retry-After)``, never
    below the interval and never above ``max(interval, MAX_DELAY)``.
    """
    backoff = interval
    if failures > 0:
        ceiling = min(BACKOFF_CAP, interval * 2.0 ** min(failures, 30))
        backoff = max(interval, ceiling * rng.uniform(0.75, 1.0))
    wanted = max(backoff, retry_after or 0.0)
    return min(wanted, max(interval, MAX_DELAY))


def slept(wall_elapsed: float, mono_elapsed: float) -> bool:
    """Whether the machine was suspended between two readings of both clocks."""
    return wall_elapsed - mono_elapsed > CLOCK_JUMP


WAKE_SLICE = 10.0
"""Longest single sleep, so a suspend/resume is noticed within this many seconds."""
