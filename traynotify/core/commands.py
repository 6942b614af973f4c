"""What reaches the poller from other threads, and the reads it has yet to send.

Clicks, menu actions and words from a second process arrive as :data:`Command`
values in the :class:`Inbox`; only the poller's own thread takes them out and
changes the tray state. A read the user asks for is *pending* from that moment
(:class:`Reads`): the badge and menu leave it out at once, and its request waits
its turn until the server confirms or refuses it. The reads not confirmed yet are
kept (:class:`Keep`, a file in the state folder in the running app) *before* the
tray shows them as done, so a quit, a crash, a time offline or signed out loses none:
the next start shows them as done at once and sends them first.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from ..api.models import Notification
from .outcome import MarkAllOutcome

Reply = Callable[[MarkAllOutcome], None]
"""Told what a mark-all came to (``read --all`` through the tray waits for it)."""


@dataclass(frozen=True)
class PollerConfig:
    """The settings the poller works by (see :class:`Reconfigure` for a change)."""

    interval: float = 60.0
    menu_length: int = 10
    muted_types: tuple[str, ...] = ()
    popups: bool = True
    """The ``popups`` setting; a pause (:class:`PausePopups`) is on top of it."""


@dataclass(frozen=True)
class Refresh:
    """Poll now and walk the whole unread list (the menu's "Refresh now", a new key)."""


@dataclass(frozen=True)
class PausePopups:
    paused: bool
    until: datetime | None = None
    """When a timed pause ends (shown in the menu and tooltip); None: until resumed."""


@dataclass(frozen=True)
class Reconfigure:
    """Settings changed while running (``config set``, the settings file, the menu)."""

    config: PollerConfig


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


Command = Refresh | PausePopups | Reconfigure | ShowAutostart | ShowNotice | MarkRead | MarkAll


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
    id: int
    title: str
    """For a notice should the server refuse it."""


@dataclass(frozen=True)
class ReadAll:
    ids: frozenset[int]
    """The unread ids the user saw when they asked."""
    reply: Reply | None = field(default=None, compare=False)


Job = ReadOne | ReadAll


class Keep(Protocol):
    """Where the reads not confirmed yet are kept across restarts (desktop.pending_store)."""

    def load(self) -> list[Job]: ...
    def save(self, jobs: Sequence[Job]) -> None: ...


HELD_MAX = 10_000
"""Ids held back while pop-ups are paused, at most (as many as a walk of the unread list
covers; older ones are only counted). Each is kept, not just a count, so that the end
of the pause leaves out what was read meanwhile."""


@dataclass(frozen=True)
class Arrived:
    """What arrived while pop-ups were paused that no pop-up told of (not a muted type):
    named by one pop-up when the pause ends (see :func:`..toasts.while_paused_toast`)."""

    ids: tuple[int, ...] = ()
    """Newest first, each once, at most HELD_MAX."""
    more: int = 0
    """How many older ones arrived beyond the bound (counted, not named)."""

    def __bool__(self) -> bool:
        return bool(self.ids) or self.more > 0

    def add(self, ids: Iterable[int]) -> Arrived:
        """With ``ids`` (newer ones, newest first) on top; the oldest beyond the bound
        are counted in ``more``."""
        held = set(self.ids)
        fresh = [i for i in dict.fromkeys(ids) if i not in held]
        if not fresh:
            return self
        every = (*fresh, *self.ids)
        return Arrived(every[:HELD_MAX], self.more + max(0, len(every) - HELD_MAX))

    def keep_only(self, unread: Container[int]) -> Arrived:
        """Without the ones no longer unread (read meanwhile, here or elsewhere)."""
        kept = tuple(i for i in self.ids if i in unread)
        return self if kept == self.ids else Arrived(kept, self.more)


class Held(Protocol):
    """Where :class:`Arrived` is kept across restarts (desktop.held_store), so that a
    pause that goes on over a restart still names, when it ends, what arrived."""

    def load(self) -> Arrived: ...
    def save(self, held: Arrived) -> None: ...


class HeldInMemory:
    """A :class:`Held` for one run only (a poller without a state folder)."""

    def __init__(self) -> None:
        self.held = Arrived()

    def load(self) -> Arrived:
        return self.held

    def save(self, held: Arrived) -> None:
        self.held = held


class Forget:
    """A :class:`Keep` that keeps nothing (a poller without a state folder)."""

    def load(self) -> list[Job]:
        return []

    def save(self, jobs: Sequence[Job]) -> None:
        pass


@dataclass
class Reads:
    """Reads asked for here: pending until the server confirms or refuses them.

    A job stays queued (and kept) while its request is on its way: it leaves only
    through :meth:`done`, once the server answered for good.
    """

    keep: Keep = field(default_factory=Forget)
    pending: set[int] = field(default_factory=set)
    """Ids the badge and menu leave out."""
    _jobs: deque[Job] = field(default_factory=deque)

    def restore(self) -> None:
        """Take up the reads kept by an earlier run: pending at once, sent first."""
        for job in self.keep.load():
            if isinstance(job, ReadOne):
                if job.id in self._ones():
                    continue
                self.pending.add(job.id)
            else:
                self.pending |= job.ids
            self._jobs.append(job)

    def ask_one(self, note: Notification) -> bool:
        """Queue one read (kept before it shows); False when one is queued already.

        One that a queued mark-all covers is queued too, behind it: if that mark-all
        is refused, this click still goes; if it marks, the click is done with it."""
        if note.id in self._ones():
            return False
        self._jobs.append(ReadOne(note.id, note.title))
        self.keep.save(self._jobs)
        self.pending.add(note.id)
        return True

    def ask_all(self, ids: frozenset[int], reply: Reply | None = None) -> None:
        self._jobs.append(ReadAll(ids, reply))
        self.keep.save(self._jobs)
        self.pending |= ids

    @property
    def queued(self) -> bool:
        """Whether a request is still to be sent."""
        return bool(self._jobs)

    def next(self) -> Job | None:
        """The oldest job not done yet (it stays queued until :meth:`done`)."""
        return self._jobs[0] if self._jobs else None

    def done(self, job: Job) -> None:
        """The server answered ``job`` for good (or it was given up): no longer kept."""
        if self._jobs and self._jobs[0] == job:
            self._jobs.popleft()
        else:
            try:
                self._jobs.remove(job)
            except ValueError:
                return
        self.keep.save(self._jobs)

    def _ones(self) -> set[int]:
        """The ids of the single reads queued."""
        return {job.id for job in self._jobs if isinstance(job, ReadOne)}

    def waiting(self) -> set[int]:
        """The ids the queued jobs read (they stay pending whatever else happens)."""
        ids: set[int] = set()
        for job in self._jobs:
            ids |= {job.id} if isinstance(job, ReadOne) else job.ids
        return ids

    def settled(self, ids: Iterable[int]) -> None:
        """A mark-all that would have read these was refused: no longer pending, but for
        the single reads still queued for them (sent next, on their own)."""
        self.pending.difference_update(set(ids) - self._ones())

    def read_by_all(self, ids: Iterable[int]) -> None:
        """The server marked these read (a mark-all): no longer pending, and the single
        reads queued for them behind it are done with it (never sent twice)."""
        ids = set(ids)
        self.pending.difference_update(ids)
        kept = deque(j for j in self._jobs if not (isinstance(j, ReadOne) and j.id in ids))
        if len(kept) != len(self._jobs):
            self._jobs = kept
            self.keep.save(self._jobs)
