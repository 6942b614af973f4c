"""When the next request may go: failures, Retry-After and the clocks, as plain numbers.

The back-off is the server's, not the poll's: after a failed request (a 429 or 503
with or without ``Retry-After``, a 5xx, no answer, an answer not understood) no
request of any kind goes out until it ends (:class:`Backoff`). "Refresh now" may
shorten the poller's own part of it, never the part the server asked for.
"""

from __future__ import annotations

import dataclasses
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
    if failures > 0:  # pragma: no mutate: >= 0 gives the interval too
        doublings = min(failures, 30)  # pragma: no mutate: only keeps the power finite
        ceiling = min(BACKOFF_CAP, interval * 2.0**doublings)
        backoff = max(interval, ceiling * rng.uniform(0.75, 1.0))
    wanted = max(backoff, retry_after or 0.0)
    return min(wanted, max(interval, MAX_DELAY))


NEVER = float("-inf")
"""A moment long past: no back-off."""


@dataclasses.dataclass(frozen=True)
class Backoff:
    """The wait after failed requests, on the monotonic clock."""

    failures: int = 0
    """Failed requests in a row (a success resets it)."""
    until: float = NEVER
    """No request of any kind before this moment."""
    server_until: float = NEVER
    """The part the server asked for (``Retry-After``): "Refresh now" keeps it."""

    def blocks(self, now: float) -> bool:
        """Whether a request must wait."""
        return now < self.until

    def failed(
        self, now: float, interval: float, retry_after: float | None, rng: random.Random
    ) -> Backoff:
        """One more failure at ``now``; ``retry_after``: what the server asked for."""
        failures = self.failures + 1
        delay = next_delay(interval, failures, retry_after, rng)
        asked = NEVER if retry_after is None else now + min(retry_after, delay)
        return Backoff(failures, now + delay, asked)

    def refreshed(self, now: float) -> Backoff:
        """The menu's "Refresh now": the poller's own wait ends now, the server's does not."""
        return dataclasses.replace(self, until=min(self.until, max(now, self.server_until)))

    def woke(self, asleep: float) -> Backoff:
        """The machine slept ``asleep`` seconds (the monotonic clock stood still): the
        failures are forgotten, what the server asked for has run that much."""
        server_until = self.server_until - asleep
        return Backoff(0, server_until, server_until)


def slept(wall_elapsed: float, mono_elapsed: float) -> bool:
    """Whether the machine was suspended between two readings of both clocks."""
    return wall_elapsed - mono_elapsed > CLOCK_JUMP


WAKE_SLICE = 10.0
"""Longest single sleep, so a suspend/resume is noticed within this many seconds."""
