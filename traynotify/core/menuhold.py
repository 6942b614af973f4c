"""While the tray menu may be open, its rows stay put: pure decisions, no clock of its own.

An open menu that gains a row moves every row below it, so a click aimed at "Mark all
as read" lands on a notification that arrived meanwhile (and opens it, and marks it
read). So while the host may be showing the menu, the rows it was shown keep their
places: a new row waits, a row whose notification went away stays (a click on it only
refreshes), and rows still there take their new labels in place (the header's count).
The badge, the tooltip and pop-ups never wait.

Hosts differ in what they tell: xfce4-panel calls ``AboutToShow``/``AboutToShowGroup``
when the menu opens and says nothing when it closes; Plasma also sends ``Event``
"opened" and "closed". So the menu counts as open from a call that shows it until a
"closed" event, a click on one of its rows, or QUIET seconds since the host last asked,
whichever comes first; then what waited is applied. A call that shows the menu while
it counts as open (closed without a word, opened again) keeps it held: the host draws
an opening menu from the rows it read last, which are the held ones, and rows that
came in right after it appeared would move as much as any (an open GTK menu that
grows gains scroll arrows, and every row shifts).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

QUIET = 30.0
"""Seconds without a word from the host after which an open menu is taken as closed."""
MIN_QUIET = 15.0
"""The shortest quiet time allowed: less, and a user reading the menu sees it move."""


class HasId(Protocol):
    @property
    def id(self) -> int: ...


R = TypeVar("R", bound=HasId)


class Call(enum.Enum):
    """What the host did, as far as holding the menu goes."""

    SHOW = "show"
    """It is about to show the menu (AboutToShow on the root, Event "opened")."""
    ASK = "ask"
    """It read the menu or sent another event (counts as a word if the menu is open)."""
    CLOSE = "close"
    """Event "closed" on the root."""
    CLICK = "click"
    """A row was clicked: the menu closes, the click is acted on first."""


@dataclass(frozen=True)
class Hold(Generic[R]):
    """The rows the host was shown while the menu may be open (None: not held)."""

    shown: tuple[R, ...] | None = None
    asked_at: float = 0.0
    """When the host last asked (monotonic seconds), while held."""


def quiet_time(seconds: float) -> float:
    """The quiet time to use for ``seconds`` asked for (at least MIN_QUIET)."""
    return max(MIN_QUIET, seconds)


def held(hold: Hold[R], now: float, quiet: float = QUIET) -> bool:
    """Whether the menu may still be open at ``now``."""
    return hold.shown is not None and now - hold.asked_at < quiet_time(quiet)


def deadline(hold: Hold[R], quiet: float = QUIET) -> float | None:
    """When the hold ends by itself if the host says nothing more (None: not held)."""
    return None if hold.shown is None else hold.asked_at + quiet_time(quiet)


def after(
    hold: Hold[R], call: Call, now: float, latest: Sequence[R], quiet: float = QUIET
) -> Hold[R]:
    """The hold once the host made ``call`` at ``now``; ``latest``: the rows of the state now."""
    if call is Call.SHOW:
        if held(hold, now, quiet):
            return Hold(hold.shown, now)  # on screen now: what the host read last
        return Hold(tuple(latest), now)
    if call is Call.ASK:
        return Hold(hold.shown, now) if held(hold, now, quiet) else Hold()
    return Hold()


def serve(hold: Hold[R], now: float, latest: Sequence[R], quiet: float = QUIET) -> tuple[R, ...]:
    """The rows to give the host: the state's, or while held the ones it was shown, in
    their places, each as the state has it now when it is still there."""
    if not held(hold, now, quiet) or hold.shown is None:
        return tuple(latest)
    now_rows = {row.id: row for row in latest}
    return tuple(now_rows.get(row.id, row) for row in hold.shown)
