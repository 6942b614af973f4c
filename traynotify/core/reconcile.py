"""What is new, what the tray shows, what to remember: pure functions over plain values.

The poller asks the server and hands the answers here; nothing in this module
reads a clock, touches the network or knows about threads.

How change is detected (see the README's design notes):

* Every interval the poller sends one probe, ``GET /notifications?unread=true&page_size=1``:
  its ``total`` is the unread count and its one item the newest unread. When both
  match what it knows (:func:`probe_changed`), nothing else is fetched.
* Otherwise it fetches the top of the unread list (:func:`prefix_size`) and lines it
  up with the list it already knows (:func:`merge_prefix`); when unread rows are
  missing from both it walks every page (bounded by MAX_PAGES).
* Now and then it walks every page anyway (:func:`full_walk_every`), so that what
  a probe cannot see (one read elsewhere and one new that sorts below the top, in
  the same interval) is bounded in time too.
"""

from __future__ import annotations

from collections.abc import Collection, Container, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from ..api.models import Notification, newest_first
from .toasts import Toast, plan_toasts

PAGE_SIZE = 200
"""Rows per page when walking the whole unread list (the API's maximum)."""
MAX_PAGES = 50
"""Pages walked at most (10,000 unread); beyond that the oldest are not looked at."""
STATE_ITEMS = 50
"""Unread notifications kept in the tray state (the menu shows the first few)."""
PREFIX_MARGIN = 10
"""Rows fetched from the top after a change beyond the growth (at least the menu's length)."""
FULL_EVERY = 600.0
"""Seconds between full walks, per page walked (10 min for an ordinary account)."""
SAME_MOMENT = timedelta(seconds=1)
"""Read stamps this close to a mark-all's own count as its moment (see :func:`also_marked`)."""


def unique(items: Iterable[Notification]) -> tuple[Notification, ...]:
    """Each id once, newest first (:func:`newest_first`): the one place rows are deduped.

    A server may send one row twice (a bug, or a row that moved between pages while
    they were fetched); the copy given last wins, so callers pass the freshest last.
    """
    latest: dict[int, Notification] = {}
    for note in items:
        latest[note.id] = note
    return tuple(sorted(latest.values(), key=newest_first, reverse=True))


@dataclass(frozen=True)
class Snapshot:
    """What the poller knows of the server's unread list."""

    total: int
    """Unread count the server reported."""
    items: tuple[Notification, ...]
    """Unread notifications, newest first: all of them, or the first MAX_PAGES pages.
    Each id once, however they were fetched (made so by :func:`unique`)."""
    stale: int = 0
    """How many of ``items`` below the top were read elsewhere since (unknown which)."""
    skipped: int = 0
    """Malformed rows the server listed as unread, counted in ``total`` but not in
    ``items`` (see :attr:`traynotify.api.models.Page.skipped`)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", unique(self.items))

    @property
    def complete(self) -> bool:
        return len(self.items) + self.skipped - self.stale >= self.total

    @property
    def newest(self) -> Notification | None:
        return self.items[0] if self.items else None


@dataclass(frozen=True)
class Outcome:
    """What to show and say after a snapshot."""

    count: int
    """The badge: unread on the server minus the reads still pending here."""
    items: tuple[Notification, ...]
    """The menu's source: newest unread minus pending reads (at most STATE_ITEMS)."""
    toasts: tuple[Toast, ...]
    remember: tuple[int, ...]
    """Ids to record as shown (every unread id in the snapshot)."""
    new: tuple[int, ...]
    """Ids that were not shown before (toasted, summarised, or silent when muted/paused)."""
    untold: tuple[Notification, ...] = ()
    """The new ones no pop-up tells of (pop-ups paused, or a muted type), newest first:
    a mark-all sent right after must name them (see :class:`..markall.MarkAllQuestion`)."""


def probe_changed(known: Snapshot | None, total: int, newest: Notification | None) -> bool:
    """Whether a probe's answer differs from what is known (then fetch more)."""
    if known is None:
        return True
    known_newest = known.newest
    return total != known.total or (
        (newest.id if newest else None) != (known_newest.id if known_newest else None)
    )


def prefix_size(known_total: int, total: int, menu_length: int) -> int:
    """Rows to fetch from the top after a probe saw a change: the growth, plus enough
    that the menu's rows come straight from the server."""
    return min(PAGE_SIZE, max(0, total - known_total) + max(PREFIX_MARGIN, menu_length))


def merge_prefix(
    known: Snapshot | None, prefix: Sequence[Notification], total: int, skipped: int = 0
) -> Snapshot | None:
    """Line up the top of the unread list with what is known; None: walk every page.

    ``prefix`` is the first page of the unread list; it must reach down to a row
    known before, and everything below its last row is taken from ``known``. Those
    rows may come to more than ``total``: some below were read elsewhere. Which ones
    does not change the badge, the menu or what is new, so they stay listed (counted
    in ``stale``) until the next full walk. When that surplus shrinks, unread rows
    appeared below the top that were never listed (a new one that sorts low): walk.
    ``skipped`` counts the prefix's malformed rows: when they make up the rest of the
    list, the prefix is the whole of it.
    """
    prefix = unique(prefix)
    if len(prefix) + skipped >= total:
        return Snapshot(total, tuple(prefix), skipped=skipped)
    if known is None or not prefix:
        return None
    if all(n.id != prefix[-1].id for n in known.items):
        # The prefix never reached a row known before: more may have arrived below it
        # (as many as were read elsewhere meanwhile, so the count cannot tell).
        return None
    last = newest_first(prefix[-1])
    fetched = {n.id for n in prefix}
    below = [n for n in known.items if newest_first(n) < last]  # pragma: no mutate (1)
    tail = tuple(n for n in below if n.id not in fetched)
    beyond = max(0, known.total - (len(known.items) - known.stale))  # past the walk's bound
    surplus = len(prefix) + len(tail) + beyond - total
    if surplus < known.stale:
        return None
    return Snapshot(total, (*prefix, *tail), surplus)


# Mutants no test can kill, as they change nothing (``# pragma: no mutate (n)``):
# (1) ``<=``: adds only prefix[-1] itself, which the next line drops (it was fetched).
# (2) ``>=``: the floor is a row shown before, and a new row has another id.


def full_walk_every(unread: int) -> float:
    """Seconds between full walks of ``unread`` rows: one page's worth of traffic per
    FULL_EVERY at most (10 minutes up to 200 unread, 20 up to 400, ...)."""
    pages = min(MAX_PAGES, max(1, -(-unread // PAGE_SIZE)))
    return FULL_EVERY * pages


def reconcile(
    snapshot: Snapshot,
    *,
    seen: Container[int],
    first_run: bool,
    pending: Collection[int] = frozenset(),
    muted: Collection[str] = (),
    popups: bool = True,
) -> Outcome:
    """The tray state, the toasts and the ids to remember for one snapshot.

    New means: unread on the server, never shown before (``seen``), and not a read
    the user just asked for (``pending``). The first run shows one summary of the
    backlog and records all of it as shown.
    """
    visible = tuple(n for n in snapshot.items if n.id not in pending)
    hidden = len(snapshot.items) - len(visible)
    count = max(0, snapshot.total - hidden)
    new = [n for n in visible if n.id not in seen]
    if not snapshot.complete:
        # More unread than a walk covers: rows that come into view from below, as
        # others are read, are old. New ones sort above the oldest row shown before.
        shown = [n for n in snapshot.items if n.id in seen]
        if shown:
            floor = newest_first(shown[-1])
            new = [n for n in new if newest_first(n) > floor]  # pragma: no mutate (2)
    toasts = plan_toasts(
        new if not first_run else visible,
        first_run=first_run,
        unread_total=count,
        muted=muted,
        enabled=popups,
    )
    told = {i for toast in toasts for i in toast.covers}
    return Outcome(
        count=count,
        items=visible[:STATE_ITEMS],
        toasts=tuple(toasts),
        remember=tuple(n.id for n in snapshot.items),
        new=tuple(n.id for n in new),
        untold=tuple(n for n in (visible if first_run else new) if n.id not in told),
    )


def also_marked(
    read: Sequence[Notification],
    unread_before: Container[int],
    seen: Container[int],
    extra: int,
) -> tuple[Notification, ...]:
    """Which of ``read`` (the newest read notifications, listed after a mark-all) the
    mark-all flipped that were never shown (not in ``seen``), newest first.

    ``unread_before``: the ids listed unread just before the mark-all went out.
    ``extra``: how many more it marked than were counted unread then.

    A read row keeps its stamp, and every row unread before was read after the list
    was walked: by the mark-all, or in the console meanwhile. So the earliest
    ``read_at`` among them is no later than the mark-all's moment, and a row never
    shown that was read then or later was flipped by the mark-all, even when the
    counts came out even (one read in the console as one arrived) and even on a
    server that stamps row by row for longer than a second. SAME_MOMENT of slack
    covers the stamps' rounding. A row never shown that was read in the console in
    that window is named too: telling the user of one they saw in the console beats
    hiding one they never saw.

    When that finds fewer than ``extra`` (more marked than were counted unread), or
    none of the rows unread before is in view, the ones read last make up the count.
    """
    read = unique(read)
    unknown = [n for n in read if n.id not in unread_before and n.id not in seen and n.read_at]
    stamps = [n.read_at for n in read if n.id in unread_before and n.read_at]
    hits: list[Notification] = []
    if stamps:
        since = min(stamps) - SAME_MOMENT
        hits = [n for n in unknown if n.read_at is not None and n.read_at >= since]
    rest = [n for n in unknown if n not in hits]
    rest.sort(key=lambda n: (n.read_at, *newest_first(n)), reverse=True)
    hits += rest[: max(0, extra - len(hits))]
    return tuple(sorted(hits, key=newest_first, reverse=True))
