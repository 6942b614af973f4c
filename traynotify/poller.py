"""The one background thread that talks to the API.

It polls the cheap unread count every interval, fetches the unread list only
when the count changed (or on start, on request, after a problem), and runs the
user's mark-read requests, one request at a time. It sleeps on an event, so
Quit and "Refresh now" act at once. Every change reaches the tray as a new
:class:`TrayState` through ``publish``.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Protocol

from .api import Client
from .errors import (
    ApiError,
    AuthenticationError,
    CredentialError,
    NetworkError,
    NotFoundError,
    RetryableError,
    TraynotifyError,
)
from .i18n import _
from .models import Notification, newest_first
from .schedule import first_delay, next_delay, slept
from .seen import SeenStore
from .state import Status, TrayState
from .text import one_line
from .toasts import Toast, plan_toasts

log = logging.getLogger(__name__)

FETCH_SIZE = 50
"""Unread rows fetched per list call: enough to tell new from seen, cheap to parse."""
WAKE_SLICE = 10.0
"""Longest single sleep, so a suspend/resume is noticed within this many seconds."""


class Clock(Protocol):
    def monotonic(self) -> float: ...
    def wall(self) -> float: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def wall(self) -> float:
        return time.time()


@dataclasses.dataclass(frozen=True)
class PollerConfig:
    interval: float = 60.0
    menu_length: int = 10
    muted_types: tuple[str, ...] = ()
    popups: bool = True


class Poller:
    """Owns the tray state; all API traffic of the app goes through here."""

    def __init__(
        self,
        *,
        config: PollerConfig,
        key_source: Callable[[], str | None],
        client_factory: Callable[[str], Client],
        seen: SeenStore,
        publish: Callable[[TrayState], None],
        toast: Callable[[Toast], object],
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self._key_source = key_source
        self._client_factory = client_factory
        self._seen = seen
        self._publish = publish
        self._toast = toast
        self._clock = clock or SystemClock()
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security

        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._commands: deque[tuple[str, Notification | None]] = deque()
        self._thread: threading.Thread | None = None

        self.state = TrayState(popups_paused=not config.popups)
        self._client: Client | None = None
        self._client_key: str | None = None
        self._rejected_key: str | None = None
        self._key_problem: str | None = None
        self._failures = 0
        self._need_list = True
        self._next_at = self._clock.monotonic() + first_delay(config.interval, self._rng)
        self._last_wall = self._clock.wall()
        self._last_mono = self._clock.monotonic()
        self.polls = 0
        """Completed poll cycles (for tests and the benchmark)."""

    # -- control (any thread) -------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="traynotify-poller", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        if self._client is not None:
            self._client.close()

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def refresh(self) -> None:
        """Poll now and refetch the list (the menu's "Refresh now", a second start)."""
        self._enqueue("refresh", None)

    def key_changed(self) -> None:
        """A new key may be available: try it now."""
        self.refresh()

    def set_popups_paused(self, paused: bool) -> None:
        self._update(popups_paused=paused)

    def set_autostart(self, enabled: bool | None) -> None:
        """Show whether the app starts at login (None: no such item)."""
        self._update(autostart=enabled)

    def mark_read(self, notification_id: int) -> None:
        """Drop the item from the badge and menu at once, then tell the server."""
        with self._lock:
            item = next((n for n in self.state.items if n.id == notification_id), None)
            if item is None:
                return
            self.state = dataclasses.replace(
                self.state,
                items=tuple(n for n in self.state.items if n.id != notification_id),
                count=max(0, self.state.count - 1),
                notice=None,
            )
            state = self.state
        self._publish(state)
        self._enqueue("mark", item)

    def mark_all_read(self) -> None:
        with self._lock:
            if self.state.count == 0:
                return
            self.state = dataclasses.replace(self.state, items=(), count=0, notice=None)
            state = self.state
        self._publish(state)
        self._enqueue("mark_all", None)

    def note(self, message: str) -> None:
        """Show ``message`` in the menu (e.g. a link that was not opened)."""
        self._update(notice=message)

    # -- the thread -------------------------------------------------------------------
    def _enqueue(self, command: str, item: Notification | None) -> None:
        with self._lock:
            self._commands.append((command, item))
        self._wake.set()

    def _update(self, **changes: object) -> TrayState:
        with self._lock:
            self.state = dataclasses.replace(self.state, **changes)  # type: ignore[arg-type]
            state = self.state
        self._publish(state)
        return state

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                delay = self.step()
            except Exception:  # a bug must not end polling for the session
                log.exception("Unexpected error in the poller; continuing.")
                delay = self.config.interval
            self._wake.wait(min(delay, WAKE_SLICE))
            self._wake.clear()

    def step(self) -> float:
        """One turn: run queued commands, poll if due; returns seconds until the next turn."""
        mono, wall = self._clock.monotonic(), self._clock.wall()
        if slept(wall - self._last_wall, mono - self._last_mono):
            log.info("The clock jumped (sleep or resume?); polling now.")
            self._next_at = mono
            self._failures = 0
            self._need_list = True
        self._last_wall, self._last_mono = wall, mono

        while not self._stop.is_set():
            with self._lock:
                if not self._commands:
                    break
                command, item = self._commands.popleft()
            self._run_command(command, item)
        if self._stop.is_set():
            return 0.0
        if self._clock.monotonic() >= self._next_at:
            started = self._clock.monotonic()  # cadence runs start to start
            self._next_at = started + self._poll()
            self.polls += 1
        return max(0.0, self._next_at - self._clock.monotonic())

    def _run_command(self, command: str, item: Notification | None) -> None:
        if command == "refresh":
            self._need_list = True
            self._next_at = self._clock.monotonic()
            return
        client = self._ensure_client()
        if client is None:
            self._restore(item, _("not signed in"))
            return
        try:
            if command == "mark" and item is not None:
                client.mark_read(item.id)
            elif command == "mark_all":
                client.mark_all_read()
        except NotFoundError:
            log.info("Notification %s is gone on the server already.", item and item.id)
        except AuthenticationError as exc:
            self._restore(item, str(exc))
            self._signed_out(str(exc))
        except TraynotifyError as exc:
            self._restore(item, str(exc))

    def _restore(self, item: Notification | None, reason: str) -> None:
        """A mark-read failed: put things back and say so."""
        if item is None:  # mark-all: the next poll brings the list back
            message = _("Could not mark all as read: {reason}").format(reason=one_line(reason))
            self._need_list = True
            self._next_at = self._clock.monotonic()
        else:
            message = _("Could not mark “{title}” read: {reason}").format(
                title=one_line(item.title, 40), reason=one_line(reason)
            )
            with self._lock:
                items = sorted((*self.state.items, item), key=newest_first, reverse=True)
                self.state = dataclasses.replace(
                    self.state, items=tuple(items), count=self.state.count + 1
                )
        self._update(notice=message)
        self._toast(Toast(_("traynotify"), message))

    # -- polling ------------------------------------------------------------------------
    def _ensure_client(self) -> Client | None:
        try:
            key = self._key_source()
            self._key_problem = None
        except CredentialError as exc:
            key, self._key_problem = None, one_line(str(exc), 120)
        if key is None or key == self._rejected_key:
            return None
        if self._client is None or key != self._client_key:
            if self._client is not None:
                self._client.close()
            self._client = self._client_factory(key)
            self._client_key = key
            self._need_list = True
        return self._client

    def _poll(self) -> float:
        """Ask the server; returns the delay until the next poll."""
        client = self._ensure_client()
        if client is None:
            problem = self._key_problem or (
                _("the key was rejected; sign in again") if self._rejected_key else _("no API key")
            )
            if self.state.status is not Status.SIGNED_OUT or self.state.problem != problem:
                self._signed_out(problem)
            return self.config.interval
        retry_after: float | None = None
        try:
            count = client.unread_count()
            items = None
            if self._need_list or count != self.state.count or self.state.status is not Status.OK:
                page = client.list(unread=True, page_size=FETCH_SIZE)
                items, count = page.items, page.total
        except AuthenticationError as exc:
            self._rejected_key = self._client_key
            self._signed_out(one_line(str(exc)))
            return self.config.interval
        except ApiError as exc:
            self._failures += 1
            if isinstance(exc, RetryableError):
                retry_after = exc.retry_after
            status = Status.OFFLINE if isinstance(exc, NetworkError) else Status.ERROR
            log.warning("Poll failed (%s); next try in a while.", one_line(str(exc)))
            self._update(status=status, stale=True, problem=one_line(str(exc), 80))
            self._need_list = True
            return next_delay(self.config.interval, self._failures, retry_after, self._rng)
        self._failures = 0
        self._rejected_key = None
        changes: dict[str, object] = {
            "status": Status.OK,
            "count": count,
            "stale": False,
            "problem": None,
            "updated_at": datetime.now(timezone.utc),
        }
        if items is not None:
            previous = self.state.count
            self._need_list = False
            changes["items"] = items
            self._update(**changes)
            self._announce(items, count, previous)
        else:
            self._update(**changes)
        return self.config.interval

    def _signed_out(self, problem: str) -> None:
        self._update(status=Status.SIGNED_OUT, count=0, items=(), stale=False, problem=problem)
        self._need_list = True

    def _announce(self, items: tuple[Notification, ...], count: int, previous: int) -> None:
        """Toast what was not shown before, then remember it as shown."""
        new = [n for n in items if n.id not in self._seen]
        # When every fetched row is new, more may lie beyond the page: the count says.
        more = len(new) == len(items) and count > len(items)
        toasts = plan_toasts(
            new,
            first_run=self._seen.first_run,
            unread_total=count,
            muted=self.config.muted_types,
            enabled=not self.state.popups_paused,
            new_count=max(len(new), count - previous) if more else len(new),
        )
        if new or self._seen.first_run:
            self._seen.add(n.id for n in items)
        for toast in toasts:
            self._toast(toast)
