"""The one thread that owns the tray state and all of the app's API traffic.

Every interval it sends one probe (the newest unread and the unread count) and
fetches more only when that changed; :mod:`traynotify.core.reconcile` decides what
is new and what the tray shows. Clicks, menu actions and words from a second
process arrive as queued commands: their effect on the tray (a read that is
*pending*) is applied at once, even while a request is in flight, and every poll
answer is filtered through the pending reads until the server confirms or refuses
them. Requests run one at a time on a helper thread, so the owner thread can take
commands meanwhile; only the owner changes the state, and states reach ``publish``
in the order they were made.

The loop ties these together: :mod:`.backoff` (when the next request may go),
:mod:`.requests` (the request thread), :mod:`.commands` (the inbox and the pending
reads), :mod:`.markall` (what a mark-all flipped unseen) and :mod:`.reconcile`.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from datetime import datetime, timezone
from typing import Protocol, TypeVar

from ..api.client import Client
from ..api.models import Notification, Page, newest_first
from ..errors import (
    ApiError,
    AuthenticationError,
    CredentialError,
    NetworkError,
    NotFoundError,
    RetryableError,
    TraynotifyError,
)
from ..i18n import _
from .backoff import WAKE_SLICE, Backoff, first_delay, slept
from .commands import (
    Arrived,
    Command,
    Forget,
    Held,
    HeldInMemory,
    Inbox,
    Job,
    Keep,
    MarkAll,
    MarkRead,
    PausePopups,
    ReadAll,
    ReadOne,
    Reads,
    Reconfigure,
    Refresh,
    Reply,
    ShowAutostart,
    ShowNotice,
)
from .commands import PollerConfig as PollerConfig
from .markall import READ_PAGES, MarkAllQuestion, answer
from .outcome import Done, MarkAllOutcome
from .reconcile import (
    MAX_PAGES,
    PAGE_SIZE,
    Snapshot,
    full_walk_every,
    merge_prefix,
    prefix_size,
    probe_changed,
    reconcile,
)
from .requests import BACKSTOP, Requests, Stopped
from .state import Status, TrayState
from .text import one_line
from .throttle import POLL_GAP, may_go
from .toasts import Toast, also_marked_toast, while_paused_toast

log = logging.getLogger(__name__)

T = TypeVar("T")

QUIT_FLUSH = 3.0
"""Seconds a quit waits at most for the reads not confirmed yet to be sent (they stay
kept on disk for the next start when the server does not answer in time, or has
asked to wait with Retry-After)."""


class Clock(Protocol):
    def monotonic(self) -> float: ...
    def wall(self) -> float: ...


class ShownIds(Protocol):
    """Which notifications were already shown, kept across restarts (desktop.seen on disk)."""

    first_run: bool

    def __contains__(self, notification_id: object) -> bool: ...
    def add(self, ids: Iterable[int], unread: Collection[int] | None = None) -> None: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def wall(self) -> float:
        return time.time()


class _Everything:
    """A container that holds every id (re-showing a snapshot toasts nothing)."""

    def __contains__(self, item: object) -> bool:
        return True


def _page(number: int, *, read: bool) -> Callable[[Client], Page]:
    return lambda client: client.list(unread=not read, read=read, page=number, page_size=PAGE_SIZE)


class Poller:
    """Owns the tray state; all API traffic of the app goes through here."""

    def __init__(
        self,
        *,
        config: PollerConfig,
        key_source: Callable[[], str | None],
        client_factory: Callable[[str], Client],
        seen: ShownIds,
        publish: Callable[[TrayState], None],
        toast: Callable[[Toast], object],
        clock: Clock | None = None,
        rng: random.Random | None = None,
        keep: Keep | None = None,
        held: Held | None = None,
        paused: bool = False,
        paused_until: datetime | None = None,
    ) -> None:
        """``paused``: pop-ups start paused (a snooze in force), until ``paused_until``
        (None: until resumed); ``held``: where what arrives meanwhile is kept."""
        self.config = config
        self._key_source = key_source
        self._client_factory = client_factory
        self._seen = seen
        self._publish = publish
        self._toast = toast
        self._clock = clock or SystemClock()
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security

        self._wake = threading.Event()
        self._stop = threading.Event()
        self._inbox = Inbox(self._wake)
        self._thread: threading.Thread | None = None
        self._requests = Requests(self._wake, self._stop)

        # Everything below belongs to the owner thread.
        self.state = TrayState(
            popups_paused=paused,
            popups_setting_off=not config.popups,
            paused_until=paused_until if paused else None,
            muted_types=config.muted_types,
        )
        self._held_store = held or HeldInMemory()
        self._held = self._held_store.load()
        """What arrived while paused that no pop-up told of (an earlier run's too)."""
        self._summary_due = bool(self._held) and not paused
        """The pause ended (before this start, too): name what arrived, once the
        unread list is known."""
        self._known: Snapshot | None = None
        """The server's unread list as last fetched (None: unknown, fetch it all)."""
        self._reads = Reads(keep or Forget())
        """Reads asked for here that the server has not confirmed yet, and their requests
        (kept on disk with ``keep``; those an earlier run left are taken up at once)."""
        self._reads.restore()
        self._flush_by: float | None = None
        """On quit: the moment (time.monotonic) sending the reads not confirmed must end."""
        self._send_by: float | None = None
        """While a read is sent on quit: the moment its request must end by."""
        self._client: Client | None = None
        self._client_key: str | None = None
        self._rejected_key: str | None = None
        self._retried_at: float | None = None
        """When a rejected key was last tried again (see :meth:`_retry_rejected`)."""
        self._key_problem: str | None = None
        self._backoff = Backoff()
        """No request of any kind before it ends (see :mod:`.backoff`)."""
        self._unexpected: tuple[type[Exception], str] | None = None
        """The last unexpected error logged with its traceback (until a success)."""
        self._need_full = True
        self._refresh = False
        self._walked_at: float | None = None
        self._unsettled: MarkAllQuestion | None = None
        """A mark-all whose unseen flips are not yet named (see :meth:`_settle`)."""
        self._next_at = self._clock.monotonic() + first_delay(config.interval, self._rng)
        self._polled_at: float | None = None
        """When the last poll started (time.monotonic): the next one is due an interval on."""
        self._last_wall = self._clock.wall()
        self._last_mono = self._clock.monotonic()
        self.polls = 0
        """Completed poll cycles (for tests and the benchmark)."""
        self.walks = 0
        """Completed walks of the whole unread list (for tests and the benchmark)."""

    # -- commands (any thread) ------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="traynotify-poller", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0, flush: float = 0.0) -> None:
        """End the loop; ``flush``: seconds to send the reads not confirmed yet first
        (at most; see :data:`QUIT_FLUSH`), whatever the poll schedule says."""
        if flush > 0 and self._flush_by is None:
            self._flush_by = time.monotonic() + flush
        self._stop.set()
        self._wake.set()
        if self._thread is None:
            self._flush()  # never started: the caller is the owner
        elif self._thread is not threading.current_thread():
            self._thread.join(timeout + flush)
        self._requests.close()
        if self._client is not None:
            self._client.close()

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def refresh(self) -> None:
        """Poll now and fetch the whole unread list (the menu's "Refresh now")."""
        self._inbox.send(Refresh())

    def key_changed(self) -> None:
        """A new key may be available: try it now."""
        self.refresh()

    def set_popups_paused(self, paused: bool, until: datetime | None = None) -> None:
        """Pause pop-ups (until ``until``, for the menu and tooltip; None: until resumed),
        or resume them."""
        self._inbox.send(PausePopups(paused, until if paused else None))

    def reconfigure(self, config: PollerConfig) -> None:
        """Work by ``config`` from now on (settings changed while running)."""
        self._inbox.send(Reconfigure(config))

    def set_autostart(self, enabled: bool | None) -> None:
        """Show whether the app starts at login (None: no such item)."""
        self._inbox.send(ShowAutostart(enabled))

    def mark_read(self, notification_id: int) -> None:
        """Drop the item from the badge and menu at once, then tell the server."""
        self._inbox.send(MarkRead(notification_id))

    def mark_all_read(self, reply: Reply | None = None) -> None:
        """Empty the menu at once; show anything new, then mark all at the server.

        ``reply`` (on the poller's thread) is told what came of it; on quit, nothing."""
        self._inbox.send(MarkAll(reply))

    def note(self, message: str) -> None:
        """Show ``message`` in the menu (e.g. a link that was not opened)."""
        self._inbox.send(ShowNotice(message))

    # -- the owner thread -----------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                delay = self.step()
            except Stopped:
                break
            except Exception as exc:  # a bug outside any request: a failure like any other
                delay = self._broke(exc)
            self._wake.wait(min(delay, WAKE_SLICE))
            self._wake.clear()
        self._flush()

    def _flush(self) -> None:
        """On quit: send the reads not confirmed yet, within the time given to
        :meth:`stop`; not while the server's Retry-After is in force. What is not sent
        stays kept for the next start."""
        by, self._flush_by = self._flush_by, None
        if by is None:
            return
        # A fresh request thread: the one a poll was abandoned on may still be stuck.
        self._requests = Requests(self._wake, threading.Event())
        try:
            self._drain()
            while time.monotonic() < by and self._clock.monotonic() >= self._backoff.server_until:
                if (job := self._reads.next()) is None or not self._send(job, by):
                    break
                self._drain()
        except Exception as exc:  # never a traceback on quit; the reads stay kept
            log.warning("Could not send the pending reads on quit: %s", self._reason(exc))
        finally:
            self._requests.close()

    def step(self) -> float:
        """One turn: take commands, run queued requests, poll if due.

        Returns the seconds until the next turn is due.
        """
        mono, wall = self._clock.monotonic(), self._clock.wall()
        if slept(wall - self._last_wall, mono - self._last_mono):
            log.info(
                "The clock jumped (sleep or resume?); polling now, or once the server's wait ends."
            )
            self._backoff = self._backoff.woke((wall - self._last_wall) - (mono - self._last_mono))
            self._next_at = mono
        self._last_wall, self._last_mono = wall, mono

        self._run_work()
        if self._stop.is_set():
            return 0.0
        if self._due() <= self._clock.monotonic():
            started = self._clock.monotonic()  # cadence runs start to start
            self._polled_at = started
            self._refresh = False
            self._next_at = started + self.config.interval  # kept if the poll fails oddly
            self._next_at = started + self._poll()
            self.polls += 1
            if self._refresh:  # "Refresh now" while the poll was on its way
                self._refresh_now()
            self._run_work()  # clicks made while the poll was on its way
        if self._stop.is_set():
            return 0.0
        return max(0.0, self._due() - self._clock.monotonic())

    def _due(self) -> float:
        """When the next poll may go: its time, and not before the back-off ends."""
        return max(self._next_at, self._backoff.until)

    def _refresh_now(self) -> None:
        """Poll at once, unless the server asked to wait (Retry-After)."""
        self._backoff = self._backoff.refreshed(self._clock.monotonic())
        self._next_at = self._clock.monotonic()

    def _failed(self, exc: Exception, retry_after: float | None = None) -> float:
        """A request failed (at the server's end, or here by surprise): back off;
        returns the seconds it lasts."""
        if not isinstance(exc, TraynotifyError):
            self._log_unexpected(exc)
        now = self._clock.monotonic()
        self._backoff = self._backoff.failed(now, self.config.interval, retry_after, self._rng)
        return self._backoff.until - now

    def _succeeded(self) -> None:
        """The server answered and all went well: the back-off is over."""
        self._backoff = Backoff()
        self._unexpected = None

    def _log_unexpected(self, exc: Exception) -> None:
        """The traceback once; the same error again (every poll, say) in one line."""
        seen = (type(exc), str(exc))
        if seen == self._unexpected:
            log.warning("Unexpected error again: %s", self._reason(exc))
        else:
            log.error("Unexpected error in the poller: %s", self._reason(exc), exc_info=exc)
        self._unexpected = seen

    @staticmethod
    def _reason(exc: Exception) -> str:
        """One line for the user on what went wrong."""
        if isinstance(exc, TraynotifyError):
            return one_line(str(exc))
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return _("unexpected error ({error}); see the log").format(error=one_line(error, 60))

    def _broke(self, exc: Exception) -> float:
        """An unexpected error in a poll or a turn: not up to date, and back off."""
        delay = self._failed(exc)
        self._set(status=Status.ERROR, stale=True, problem=one_line(self._reason(exc), 80))
        return delay

    def _held_back(self) -> bool:
        """Whether a request must wait for the back-off to end."""
        return self._backoff.blocks(self._clock.monotonic())

    def _run_work(self) -> None:
        """Take commands and send the requests they queued, one at a time."""
        self._drain()
        while not self._stop.is_set() and not self._held_back():
            if (job := self._reads.next()) is None or not self._send(job):
                break
            self._drain()

    def _send(self, job: Job, by: float | None = None) -> bool:
        """Send one job; whether it is done (False: it stays queued and kept, to be sent
        when the server is back, the back-off ended or a key is there)."""
        self._send_by = by
        try:
            done = self._mark(job) if isinstance(job, ReadOne) else self._mark_all(job)
        finally:
            self._send_by = None
        if done:
            self._reads.done(job)
        return done

    def _drain(self) -> None:
        """Apply queued commands to the state at once; requests they need are queued."""
        while (command := self._inbox.take()) is not None:
            self._apply(command)

    def _apply(self, command: Command) -> None:
        if isinstance(command, Refresh):
            self._retry_rejected()
            self._need_full = True
            self._refresh = True
            self._refresh_now()
        elif isinstance(command, PausePopups):
            self._set(
                popups_paused=command.paused,
                paused_until=command.until if command.paused else None,
            )
            # A pause that goes on (a new snooze while snoozed) keeps what it held.
            self._summary_due = not command.paused and bool(self._held)
            self._tell_held()
        elif isinstance(command, Reconfigure):
            self._reconfigure(command.config)
        elif isinstance(command, ShowAutostart):
            self._set(autostart=command.enabled)
        elif isinstance(command, ShowNotice):
            self._set(notice=command.message)
        elif isinstance(command, MarkRead):
            note = self._find(command.notification_id)
            if note is not None and self._reads.ask_one(note):
                self._show(notice=None)
        elif isinstance(command, MarkAll):
            if self.state.count == 0:
                signed_out = self.state.status is Status.SIGNED_OUT  # since it was asked
                self._reply(
                    command.reply,
                    MarkAllOutcome(Done.SIGNED_OUT, problem=self.state.problem or "")
                    if signed_out
                    else MarkAllOutcome(Done.NOTHING),
                )
                return
            ids = frozenset(n.id for n in self._known.items) if self._known else frozenset()
            self._reads.ask_all(ids, command.reply)
            self._show(notice=None)

    def _reconfigure(self, config: PollerConfig) -> None:
        """Work by changed settings from now on: the next poll an interval after the
        last one, the menu's length, the muted types, the ``popups`` setting (turning it
        on names nothing: only the end of a pause does)."""
        old, self.config = self.config, config
        if config.interval != old.interval and self._polled_at is not None:
            ordinary = self._polled_at + old.interval
            due = self._polled_at + config.interval
            # A poll asked for sooner (a refresh, after a mark-all) stays sooner; a
            # back-off holds whatever this says (see :meth:`_due`).
            self._next_at = due if self._next_at == ordinary else min(self._next_at, due)
        self._set(muted_types=config.muted_types, popups_setting_off=not config.popups)

    def _hold(self, held: Arrived) -> None:
        """Keep ``held`` as what arrived while paused (on disk, when the app has it)."""
        if held == self._held:
            return
        self._held = held
        try:
            self._held_store.save(held)
        except Exception:  # the summary is a nicety: never a reason to stop polling
            log.exception("Could not keep what arrived while pop-ups were paused.")

    def _tell_held(self) -> None:
        """The pause ended: one pop-up names what arrived meanwhile that is still
        unread (not read here or elsewhere) and not of a muted type; then forget it.
        While the unread list is unknown (not fetched yet, signed out) it waits."""
        if not self._summary_due or self.state.popups_paused:
            return
        known = self._known
        if known is None or self.state.status is Status.SIGNED_OUT:
            return  # named once the list is known
        self._summary_due = False
        held = self._held
        self._hold(Arrived())
        if not self.config.popups:
            return  # the setting is off: nothing pops up
        rows = {n.id: n for n in known.items}
        still = sorted(
            (
                rows[i]
                for i in held.ids
                if i in rows
                and i not in self._reads.pending
                and rows[i].type not in self.config.muted_types
            ),
            key=newest_first,
            reverse=True,
        )
        # Those only counted may have been read too: never more than are unread.
        more = min(held.more, max(0, known.total - len(still)))
        toast = while_paused_toast(still, more)
        if toast is not None:
            self._pop_up(toast)

    @staticmethod
    def _reply(reply: Reply | None, outcome: MarkAllOutcome) -> None:
        if reply is None:
            return
        try:
            reply(outcome)
        except Exception:  # whoever asked is gone, or broke: the poller goes on
            log.exception("Could not pass on what mark all came to.")

    def _retry_rejected(self) -> None:
        """Try the key the server rejected once more (it may have been restored in the
        console): at the next poll, and at most once per POLL_GAP, so quick clicks or
        words from other processes cost one request."""
        now = self._clock.monotonic()
        if self._rejected_key is not None and may_go(now, self._retried_at, POLL_GAP):
            self._retried_at = now
            self._rejected_key = None

    def _find(self, notification_id: int) -> Notification | None:
        if self.state.status is Status.SIGNED_OUT or self._known is None:
            return None
        return next((n for n in self._known.items if n.id == notification_id), None)

    def _set(self, **changes: object) -> None:
        """Change the state and publish it (owner thread only)."""
        state = dataclasses.replace(self.state, **changes)  # type: ignore[arg-type]
        if state != self.state:
            self.state = state
            try:
                self._publish(state)
            except Exception:  # the icon failed to draw: the pop-ups must still show
                log.exception("Could not show the tray state.")

    def _pop_up(self, toast: Toast) -> None:
        try:
            self._toast(toast)
        except Exception:  # one failed pop-up must not cost the others
            log.exception("Could not show a pop-up.")

    def _show(self, **changes: object) -> None:
        """Publish the known list through the pending reads (no toasts)."""
        if self._known is not None and self.state.status is not Status.SIGNED_OUT:
            out = reconcile(
                self._known, seen=_Everything(), first_run=False, pending=self._reads.pending
            )
            changes.update(count=out.count, items=out.items)
        self._set(**changes)

    def _call(self, request: Callable[[Client], T], client: Client) -> T:
        """Run one request on the helper thread; take commands while it runs."""
        deadline = client.deadline + BACKSTOP
        if self._send_by is not None:  # on quit: no longer than the time left
            deadline = min(deadline, max(0.0, self._send_by - time.monotonic()))
        return self._requests.run(lambda: request(client), self._drain, deadline)

    # -- reads asked for by the user ------------------------------------------------
    def _mark(self, job: ReadOne) -> bool:
        """Send one read; whether it is done (confirmed, gone, or refused for good)."""
        client = self._ensure_client()
        if client is None:  # signed out: kept, and sent once there is a key again
            return False
        try:
            self._call(lambda c: c.mark_read(job.id), client)
        except NotFoundError:
            log.info("Notification %s is gone on the server already.", job.id)
        except Stopped:
            raise
        except AuthenticationError as exc:  # kept, and sent with the next key
            self._rejected_key = self._client_key
            self._signed_out(one_line(str(exc)))
            return False
        except RetryableError as exc:  # kept, shown as done, sent when the back-off ends
            self._failed(exc, exc.retry_after)
            log.warning(
                "Could not mark %s read yet (%s); it is sent again when the server is back.",
                job.id,
                one_line(str(exc)),
            )
            return False
        except Exception as exc:
            self._reads.pending.discard(job.id)
            if not isinstance(exc, TraynotifyError):
                self._failed(exc)
            message = _("Could not mark “{title}” read: {reason}").format(
                title=one_line(job.title, 40), reason=self._reason(exc)
            )
            self._refused(message, exc)
            return True
        self._succeeded()
        self._reads.pending.discard(job.id)
        if self._known is not None and self._known.stale:
            # It may have been one of the rows read elsewhere that the count no
            # longer includes: walk the list at once rather than guess the badge.
            self._need_full = True
            self._next_at = self._clock.monotonic()
        self._forget({job.id})
        self._show()
        return True

    def _mark_all(self, job: ReadAll) -> bool:
        """Mark all, having first shown everything it will mark; name what else it did;
        tell ``job.reply`` what came of it.

        Whether it is done (False: offline or signed out, it stays kept and pending).
        One asked for from the command line (with a reply) is told and not kept: the
        command says what happened, and nothing happens after it."""
        reply = job.reply
        client = self._ensure_client()
        if client is None and reply is None:  # signed out: kept, sent with the next key
            return False
        expected: set[int] = set(job.ids)
        known = Snapshot(0, ())
        untold: tuple[Notification, ...] = ()  # listed only now, no pop-up: named after
        try:
            if client is None:
                raise CredentialError(self._key_problem or _("not signed in"))
            self._settle(client)  # an earlier mark-all's question, while it can be told
            # Anything new since the last poll is shown before it can be marked read:
            # the whole list, as a probe cannot see a new one that sorts below the top.
            untold = self._absorb(self._walk(client))
            known = self._known or known
            if not known.items and known.total == 0:
                # Read elsewhere meanwhile: nothing to mark. Whatever arrives now is
                # shown by the next poll, not marked unseen by a mark-all sent anyway.
                self._reads.read_by_all(expected)
                self._show()
                self._reply(reply, MarkAllOutcome(Done.NOTHING))
                return True
            expected |= {n.id for n in known.items}
            self._reads.pending.update(expected)
            self._show()
            marked = self._call(lambda c: c.mark_all_read(), client)
        except Stopped:
            raise
        except Exception as exc:
            kept = reply is None and isinstance(exc, (NetworkError, AuthenticationError))
            if not kept:
                return self._mark_all_refused(exc, client, reply, expected, known, untold)
            # offline or signed out: kept, shown as done, sent when the server is back
            self._reads.pending = (self._reads.pending - expected) | self._reads.waiting()
            if isinstance(exc, AuthenticationError):
                self._rejected_key = self._client_key
                self._signed_out(one_line(str(exc)))
                return False
            self._failed(exc, exc.retry_after if isinstance(exc, NetworkError) else None)
            self._show()
            if known.items:  # the answer may be what was lost: the stamps will tell
                self._unsettled = MarkAllQuestion.about(known, None, untold)
            log.warning(
                "Could not mark all as read yet (%s); sent again when the server is back.",
                one_line(str(exc)),
            )
            return False
        self._succeeded()
        self._reads.read_by_all(expected)
        self._reply(reply, MarkAllOutcome(Done.MARKED, marked))
        self._known = Snapshot(0, ())
        self._next_at = self._clock.monotonic()  # learn at once what arrived meanwhile
        self._show()
        if marked > 0:
            # Counts can come out even while something unseen was marked (one read in
            # the console as a new one arrived): look at what was read, by its moment.
            self._unsettled = MarkAllQuestion.about(known, marked, untold)
            self._settle(client)
        return True

    def _mark_all_refused(
        self,
        exc: Exception,
        client: Client | None,
        reply: Reply | None,
        expected: set[int],
        known: Snapshot,
        untold: tuple[Notification, ...],
    ) -> bool:
        """A mark-all failed for good: it comes back, and the user is told."""
        self._reads.settled(expected)
        if isinstance(exc, RetryableError) or not isinstance(exc, TraynotifyError):
            self._failed(exc, exc.retry_after if isinstance(exc, RetryableError) else None)
        message = _("Could not mark all as read: {reason}").format(reason=self._reason(exc))
        self._refused(message, exc)
        self._reply(reply, self._mark_all_failed(exc, client is None))
        if client is not None and isinstance(exc, RetryableError) and known.items:
            # The answer may be what was lost, not the mark-all: the stamps will tell.
            self._unsettled = MarkAllQuestion.about(known, None, untold)
            self._settle(client)
        return True

    def _mark_all_failed(self, exc: Exception, no_client: bool) -> MarkAllOutcome:
        problem = one_line(self._reason(exc))
        if no_client or isinstance(exc, AuthenticationError):
            return MarkAllOutcome(Done.SIGNED_OUT, problem=problem)
        if isinstance(exc, NetworkError):
            return MarkAllOutcome(Done.OFFLINE, problem=problem)
        return MarkAllOutcome(Done.FAILED, problem=problem)

    def _settle(self, client: Client) -> None:
        """Ask what the last mark-all flipped that was never shown, and name it.

        The question stays open until it is answered (a failed list is asked again
        at the next poll: the stamps do not change).
        """
        question = self._unsettled
        if question is None or self._held_back():
            return  # asked at the next poll
        read: list[Notification] = []
        try:
            for page in self._pages(client, read=True, limit=READ_PAGES):
                read.extend(page.items)
                if question.reached(page.items):
                    break
        except TraynotifyError as exc:
            log.warning("Cannot list what mark all also marked: %s", one_line(str(exc)))
            if isinstance(exc, RetryableError):
                self._failed(exc, exc.retry_after)
            return
        self._unsettled = None
        told = answer(question, read, self._seen)
        if told is None:
            return
        self._seen.add(n.id for n in told.found)
        self._set(notice=also_marked_toast(told.found, told.more).title)
        loud = told.loud(self.config.muted_types)
        if not self.state.popups_off and (loud or told.more > 0):
            self._pop_up(also_marked_toast(loud, told.more))

    def _refused(self, message: str, exc: Exception) -> None:
        self._show(notice=message)
        self._pop_up(Toast(_("traynotify"), message))
        if isinstance(exc, AuthenticationError) and self._client is not None:
            self._rejected_key = self._client_key
            self._signed_out(one_line(str(exc)))

    def _forget(self, ids: Collection[int]) -> None:
        """The server confirmed these reads: drop them from the known list."""
        if self._known is None:
            return
        kept = tuple(n for n in self._known.items if n.id not in ids)
        gone = len(self._known.items) - len(kept)
        self._known = Snapshot(
            max(0, self._known.total - gone), kept, self._known.stale, self._known.skipped
        )

    # -- polling --------------------------------------------------------------------
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
            self._known = None
            self._unsettled = None  # another account's question
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
        try:
            snapshot = self._fetch(client)
            self._rejected_key = None
            self._absorb(snapshot)
        except AuthenticationError as exc:
            self._rejected_key = self._client_key
            self._signed_out(one_line(str(exc)))
            return self.config.interval
        except ApiError as exc:
            retry_after = exc.retry_after if isinstance(exc, RetryableError) else None
            status = Status.OFFLINE if isinstance(exc, NetworkError) else Status.ERROR
            log.warning("Poll failed (%s); next try in a while.", one_line(str(exc)))
            self._set(status=status, stale=True, problem=one_line(str(exc), 80))
            return self._failed(exc, retry_after)
        except Stopped:
            raise
        except Exception as exc:  # a bug, or an answer that tripped one: a failed poll
            return self._broke(exc)
        self._succeeded()
        self._settle(client)
        return self.config.interval

    def _fetch(self, client: Client) -> Snapshot:
        """The server's unread list, with as few requests as it takes."""
        known = self._known
        if not self._need_full and known is not None and not self._walk_due(known):
            probe = self._call(lambda c: c.list(unread=True, page_size=1), client)
            newest = probe.items[0] if probe.items else None
            if not probe_changed(known, probe.total, newest):
                return known
            size = prefix_size(known.total, probe.total, self.config.menu_length)
            top = self._call(lambda c: c.list(unread=True, page_size=size), client)
            merged = merge_prefix(known, top.items, top.total, len(top.skipped))
            below = {n.id for n in merged.items[len(top.items) :]} if merged else set()
            if merged is not None and not (merged.stale and self._reads.pending & below):
                return merged
            # else: a read asked for here sits among rows that may be read already
            # (unknown which); only the whole list tells the badge what is unread.
        return self._walk(client)

    def _walk_due(self, known: Snapshot) -> bool:
        """Time for the periodic full walk (its period follows today's unread count)."""
        if self._walked_at is None:
            return True
        return self._clock.monotonic() >= self._walked_at + full_walk_every(known.total)

    def _walk(self, client: Client) -> Snapshot:
        """Every page of the unread list (up to MAX_PAGES); once more if it moved meanwhile."""
        # Cleared before, not after: a "Refresh now" while this walk runs asks for another.
        self._need_full = False
        try:
            return self._walk_pages(client)
        except BaseException:
            self._need_full = True  # not walked after all
            raise

    def _walk_pages(self, client: Client) -> Snapshot:
        for _attempt in range(2):
            rows: list[Notification] = []
            total = skipped = 0
            for page in self._pages(client, read=False, limit=MAX_PAGES):
                total = page.total
                rows.extend(page.items)
                skipped += len(page.skipped)
            # each id once, the later page's copy
            walked = Snapshot(total, tuple(rows), skipped=skipped)
            if len(walked.items) + skipped >= min(total, MAX_PAGES * PAGE_SIZE):
                break  # nothing shifted between pages
        self._walked_at = self._clock.monotonic()
        self.walks += 1
        return walked

    def _pages(self, client: Client, *, read: bool, limit: int) -> Iterator[Page]:
        """The unread (or read) list, newest first, a page at a time up to its last
        page or ``limit`` pages; each request through :meth:`_call`."""
        for number in range(1, limit + 1):
            page = self._call(_page(number, read=read), client)
            yield page
            if not page.rows or number * PAGE_SIZE >= page.total:
                return

    def _absorb(self, snapshot: Snapshot) -> tuple[Notification, ...]:
        """Show a fresh snapshot: toast what is new, remember it, publish the state.

        What is new that no pop-up told of (paused, or muted) is returned."""
        self._drain()  # clicks made while the answer was on its way
        first_run = self._seen.first_run
        paused = self.state.popups_paused
        out = reconcile(
            snapshot,
            seen=self._seen,
            first_run=first_run,
            pending=self._reads.pending,
            muted=self.config.muted_types,
            popups=not self.state.popups_off,
        )
        if out.new or first_run:
            self._seen.add(out.remember, unread=out.remember if snapshot.complete else None)
        self._known = snapshot
        self._set(
            status=Status.OK,
            count=out.count,
            items=out.items,
            stale=False,
            problem=None,
            updated_at=datetime.now(timezone.utc),
        )
        held = self._held
        if paused and not first_run:  # the backlog of a first start did not arrive meanwhile
            held = held.add(n.id for n in out.untold if n.type not in self.config.muted_types)
        if held and snapshot.complete:  # the whole list: what it lacks was read meanwhile
            held = held.keep_only({n.id for n in snapshot.items})
        self._hold(held)
        self._tell_held()  # a pause that ended before the list was known
        for toast in out.toasts:
            self._pop_up(toast)
        return out.untold

    def _signed_out(self, problem: str) -> None:
        self._known = None
        self._reads.pending = self._reads.waiting()  # kept: sent with the next key
        self._set(status=Status.SIGNED_OUT, count=0, items=(), stale=False, problem=problem)
