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

GNOME's AppIndicator extension calls ``AboutToShow`` once when it first reads the
menu, without showing it, and says "opened" (then ``AboutToShow``) each time it really
opens. So "opened" begins a hold of the rows of now unless the hold it comes in began
with an "opened" of its own (opened again, never said closed): a hold begun by a bare
``AboutToShow`` does not keep what that call read (else GNOME's menu would say
"Connecting…" for up to QUIET seconds after a start). Plasma sends "opened" right after
its ``AboutToShow``, so what it is served can change only in that instant, before the
menu can be aimed at; xfce4-panel says none, and holds as before.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, replace
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
    """It is about to show the menu or a submenu (AboutToShow, Event "opened" on a
    submenu)."""
    OPENED = "opened"
    """Event "opened" on the root: the host says the menu opens now."""
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
    opened: bool = False
    """Whether the host said "opened" in this hold (then its opening is this one)."""


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
    if call in (Call.SHOW, Call.OPENED):
        opened = call is Call.OPENED
        if held(hold, now, quiet) and (hold.opened or not opened):
            return replace(hold, asked_at=now)  # on screen now: what the host read last
        return Hold(tuple(latest), now, opened)
    if call is Call.ASK:
        return replace(hold, asked_at=now) if held(hold, now, quiet) else Hold()
    return Hold()


def serve(hold: Hold[R], now: float, latest: Sequence[R], quiet: float = QUIET) -> tuple[R, ...]:
    """The rows to give the host: the state's, or while held the ones it was shown, in
    their places, each as the state has it now when it is still there."""
    if not held(hold, now, quiet) or hold.shown is None:
        return tuple(latest)
    now_rows = {row.id: row for row in latest}
    return tuple(now_rows.get(row.id, row) for row in hold.shown)
