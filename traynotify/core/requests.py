"""The one thread that sends the poller's requests, one at a time.

The owner thread hands it one request and waits for the answer while it takes
commands (``meanwhile``), so a click shows at once even while a poll is on its way.
Only the owner thread looks at the answer.

Each request has a deadline. The HTTP client ends a whole request within its own
(``Client.deadline``); this one is the backstop for what no socket timeout covers
(a name lookup that hangs, a bug below): past it the owner stops waiting, and the
request counts as unanswered. The thread stays one: a request that never ends
holds back the ones after it, which then miss their deadline too, and the tray
says it is not up to date rather than show an old count as fresh.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

from ..errors import ApiTimeoutError
from ..i18n import _
from .backoff import WAKE_SLICE

T = TypeVar("T")

BACKSTOP = 5.0
"""Seconds the owner waits for an answer beyond the HTTP client's own deadline."""


class Stopped(Exception):
    """Quit while a request was in flight: abandon it."""


class Requests:
    """One daemon thread that runs requests one at a time for the owner thread."""

    def __init__(
        self,
        wake: threading.Event,
        stop: threading.Event,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        """The real clock the deadlines run on (a request takes real time)."""
        self._wake = wake
        """Set when an answer is in (commands set it too)."""
        self._stop = stop
        self._jobs: queue.SimpleQueue[tuple[Callable[[], object], Future[object]] | None] = (
            queue.SimpleQueue()
        )
        self._thread: threading.Thread | None = None

    def run(
        self,
        request: Callable[[], T],
        meanwhile: Callable[[], None],
        deadline: float | None = None,
    ) -> T:
        """Send ``request`` and wait for its answer, calling ``meanwhile`` at every wake.

        Raises what the request raised, :class:`ApiTimeoutError` when no answer is in
        ``deadline`` seconds after it was handed over, or :class:`Stopped` on quit.
        """
        ends = None if deadline is None else self._clock() + deadline
        future = self._submit(request)
        future.add_done_callback(lambda _f: self._wake.set())
        while not future.done():
            left = WAKE_SLICE if ends is None else min(WAKE_SLICE, ends - self._clock())
            if left <= 0:
                future.cancel()  # not sent yet (one before it hangs): never send it
                raise ApiTimeoutError(_("The BytesSpike server did not answer in time."))
            self._wake.wait(left)
            self._wake.clear()
            meanwhile()
            if self._stop.is_set():
                raise Stopped
        return future.result()

    def _submit(self, job: Callable[[], T]) -> Future[T]:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._serve, name="traynotify-requests", daemon=True
            )
            self._thread.start()
        future: Future[T] = Future()
        self._jobs.put((job, future))  # type: ignore[arg-type]
        return future

    def _serve(self) -> None:
        while (entry := self._jobs.get()) is not None:
            job, future = entry
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(job())
                except BaseException as exc:  # handed to the owner thread as is
                    future.set_exception(exc)

    def close(self) -> None:
        if self._thread is not None:
            self._jobs.put(None)
