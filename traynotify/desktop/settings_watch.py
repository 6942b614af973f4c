"""Notice the settings file changing (an edit by hand) while the tray runs."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

WATCH_EVERY = 2.0
"""Seconds between two looks at the settings file: a change applies within 5 s."""

Stamp = tuple[int, int, int] | None


def stamp(path: Path) -> Stamp:
    """What tells one version of the file from another: (mtime, size, inode); None when
    there is no file (or it cannot be looked at)."""
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino)


class SettingsWatch:
    """Calls ``on_change`` when the settings file is another than last seen.

    It looks (one ``stat``) every WATCH_EVERY seconds rather than asking the OS to tell:
    inotify, FSEvents and ReadDirectoryChangesW would each need a new dependency (or
    three code paths), and miss an editor that saves by renaming over the file, which a
    look at the inode and size does not. The inode also catches ``config set``, which
    replaces the file."""

    def __init__(
        self, path: Path, on_change: Callable[[], object], every: float = WATCH_EVERY
    ) -> None:
        self.path = path
        self._on_change = on_change
        self._every = every
        self._seen = stamp(path)
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def check(self) -> bool:
        """Look once; True (after ``on_change``) when the file changed since the last look."""
        now = stamp(self.path)
        if now == self._seen:
            return False
        self._seen = now
        self._on_change()
        return True

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name="traynotify-settings-watch", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()

    def _run(self) -> None:
        while not self._stopped.wait(self._every):
            try:
                self.check()
            except Exception:  # a bug: the tray goes on with the settings it has
                log.exception("Could not apply the changed settings file.")
