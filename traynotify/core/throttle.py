"""How often a word from another process may cost a request or a pop-up (pure).

Any process of the user can write to the instance channel, as often as it likes; what
it asks for (a refresh, the "already running" pop-up) goes ahead only when the last
one of its kind is far enough behind. What comes sooner is dropped, not queued, so a
flood costs the account no more requests than one word does.
"""

from __future__ import annotations

POLL_GAP = 5.0
"""Seconds between two polls forced over the channel (a new key from ``login``)."""
WALK_GAP = 60.0
"""Seconds between two walks of the whole list asked over the channel (a second start)."""
POPUP_GAP = 10.0
"""Seconds between two "already running" pop-ups."""


def wait_before(now: float, last: float | None, gap: float) -> float:
    """Seconds until something last done at ``last`` may be done again (0: now).

    A clock that went back (``now`` before ``last``) lets it go now rather than never."""
    if last is None or now < last:
        return 0.0
    return max(0.0, last + gap - now)


def may_go(now: float, last: float | None, gap: float) -> bool:
    """Whether something last done at ``last`` may be done again at ``now``."""
    return wait_before(now, last, gap) == 0.0


def refresh_now(now: float, last_poll: float | None, last_walk: float | None) -> bool:
    """Whether a refresh asked over the channel (a whole walk) may go now."""
    return may_go(now, last_walk, WALK_GAP) and may_go(now, last_poll, POLL_GAP)
