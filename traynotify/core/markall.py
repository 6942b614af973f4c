"""What a mark-all may have flipped that the user was never shown: the question it
leaves open, and the answer once the read rows are listed.

See :func:`traynotify.core.reconcile.also_marked` for the rule that picks them out
of the read rows; the poller lists the rows (down to :meth:`MarkAllQuestion.reached`,
READ_PAGES at most) and tells the user what :func:`answer` returns.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Container, Sequence
from datetime import datetime

from ..api.models import Notification, newest_first
from .reconcile import Snapshot, also_marked, unique

READ_PAGES = 5
"""Pages of read rows looked at after a mark-all at most (down to the oldest it expected)."""


@dataclasses.dataclass(frozen=True)
class MarkAllQuestion:
    """What a mark-all may have flipped unseen, until the read rows are listed."""

    unread_before: frozenset[int]
    """The ids listed unread just before it went out."""
    extra: int
    """How many more it marked than were counted unread then (0: not known)."""
    floor: tuple[datetime, int] | None
    """The oldest of them (:func:`newest_first`): read rows are looked at down to it."""
    untold: tuple[Notification, ...] = ()
    """Of them, the ones found new just before it went out that no pop-up told of
    (pop-ups paused, or a muted type): listed only after it was asked, so named too."""
    sure: bool = True
    """Whether it is known to have been done (False: its answer was lost)."""

    @classmethod
    def about(
        cls, unread: Snapshot, marked: int | None, untold: Sequence[Notification] = ()
    ) -> MarkAllQuestion:
        return cls(
            frozenset(n.id for n in unread.items),
            0 if marked is None else marked - unread.total,
            newest_first(unread.items[-1]) if unread.items else None,
            tuple(untold),
            marked is not None,
        )

    def reached(self, page: Sequence[Notification]) -> bool:
        """Whether a page of read rows (newest first) goes down to the oldest expected."""
        return self.floor is None or (bool(page) and newest_first(page[-1]) <= self.floor)


@dataclasses.dataclass(frozen=True)
class AlsoMarked:
    """What to tell: the rows it flipped unseen, and how many more could not be named."""

    found: tuple[Notification, ...]
    more: int

    def loud(self, muted: Collection[str]) -> tuple[Notification, ...]:
        """The ones a pop-up may name (not of a muted type)."""
        return tuple(n for n in self.found if n.type not in muted)


def answer(
    question: MarkAllQuestion, read: Sequence[Notification], seen: Container[int]
) -> AlsoMarked | None:
    """What to tell the user, from the read rows listed newest first (None: nothing).

    The untold ones it was sent to mark are named when it was done (read by it, or
    in the console meanwhile), or, when its answer was lost, if the rows show them read.
    """
    flipped = also_marked(read, question.unread_before, seen, question.extra)
    more = question.extra - len(flipped)
    read_ids = {n.id for n in read if n.read_at}
    untold = [n for n in question.untold if question.sure or n.id in read_ids]
    found = unique((*untold, *flipped))
    if not found and more <= 0:
        return None
    return AlsoMarked(found, more)
