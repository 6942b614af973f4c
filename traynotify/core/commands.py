"""What reaches the poller from other threads, and the reads it has yet to send.

Clicks, menu actions and words from a second process arrive as :data:`Command`
values in the :class:`Inbox`; only the poller's own thread takes them out and
changes the tray state. A read the user asks for is *pending* from that moment
(:class:`Reads`): the badge and menu leave it out at once, and its request waits
its turn until the server confirms or refuses it.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..api.models import Notification
from .outcome import MarkAllOutcome

Reply = Callable[[MarkAllOutcome], None]
"""Told what a mark-all came to (``read --all`` through the tray waits for it)."""


@dataclass(frozen=True)
class Refresh:
    """Poll now and walk the whole unread list (the menu's "Refresh now", a new key)."""


@dataclass(frozen=True)
class PausePopups:
    paused: bool


@dataclass(frozen=True)
class ShowAutostart:
    enabled: bool | None
    """Whether the app starts at login (None: this system offers no way)."""


@dataclass(frozen=True)
class ShowNotice:
    message: str
    """For the menu (a link that was not opened, ...)."""


@dataclass(frozen=True)
class MarkRead:
    notification_id: int


@dataclass(frozen=True)
class MarkAll:
    """Mark every unread notification read, once all of them were shown."""

    reply: Reply | None = field(default=None, compare=False)


Command = Refresh | PausePopups | ShowAutostart | ShowNotice | MarkRead | MarkAll


class Inbox:
    """Commands from any thread, in order, for the owner thread."""

    def __init__(self, wake: threading.Event) -> None:
        self._wake = wake
        """Set on every command, so a sleeping owner thread takes it at once."""
        self._lock = threading.Lock()
        self._commands: deque[Command] = deque()

    def send(self, command: Command) -> None:
        with self._lock:
            self._commands.append(command)
        self._wake.set()

    def take(self) -> Command | None:
        """The oldest command not taken yet (None: none)."""
        with self._lock:
            return self._commands.popleft() if self._commands else None


@dataclass(frozen=True)
class ReadOne:
    note: Notification


@dataclass(frozen=True)
class ReadAll:
    ids: frozenset[int]
    """The unread ids the user saw when they asked."""
    reply: Reply | None = field(default=None, compare=False)


Job = ReadOne | ReadAll


@dataclass
class Reads:
    """Reads asked for here: pending until the server confirms or refuses them."""

    pending: set[int] = field(default_factory=set)
    """Ids the badge and menu leave out."""
    _jobs: deque[Job] = field(default_factory=deque)

    def ask_one(self, note: Notification) -> bool:
        """Queue one read; False when it is pending already."""
        if note.id in self.pending:
            return False
        self.pending.add(note.id)
        self._jobs.append(ReadOne(note))
        return True

    def ask_all(self, ids: frozenset[int], reply: Reply | None = None) -> None:
        self.pending |= ids
        self._jobs.append(ReadAll(ids, reply))

    @property
    def queued(self) -> bool:
        """Whether a request is still to be sent."""
        return bool(self._jobs)

    def next(self) -> Job | None:
        return self._jobs.popleft() if self._jobs else None

    def settled(self, ids: Iterable[int]) -> None:
        """The server confirmed or refused these: no longer pending."""
        self.pending.difference_update(ids)
