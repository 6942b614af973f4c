"""The snooze, kept in the state folder (``snooze.json``) so a restart honours it.

Written atomically, user-only (0600: the state folder's files are the user's), as
seen.json is. A broken file is set aside and read as no snooze; a missing one is no
snooze. Whether a snooze is still on is the reader's question (:meth:`Snooze.active`).
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime
from pathlib import Path

from ..core.snooze import Snooze
from .files import set_aside, write_atomic
from .local import read_private

log = logging.getLogger(__name__)

FILE_NAME = "snooze.json"
SNOOZE_CHANGED = "snooze-changed"
"""The instance-channel command ``traynotify snooze`` sends: the file changed, read it."""


def snooze_path() -> Path:
    """Where the snooze is kept: in the state folder this user owns (see :mod:`.local`)."""
    from .local import state_folder

    return state_folder().file(FILE_NAME)


class SnoozeStore:
    """One snooze in one small JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> Snooze | None:
        """The snooze on file, ended or not; None when there is none."""
        try:
            data = read_private(self.path, 4096)  # never through a link; the user's own
            if data is None:
                return None
            raw = data.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            log.warning("Cannot read %s (%s); pop-ups are not paused.", self.path, exc)
            return None
        try:
            data = json.loads(raw)
            until = data["until"]
            if until is None:
                return Snooze(None)
            end = datetime.fromisoformat(until)
            if end.tzinfo is None:
                raise ValueError("no UTC offset")
            return Snooze(end)
        except (ValueError, TypeError, KeyError):
            try:
                set_aside(self.path, "was not a valid snooze file")
            except OSError as exc:
                log.warning("Cannot move aside %s: %s", self.path, exc.strerror)
            return None

    def write(self, snooze: Snooze | None) -> None:
        """Keep ``snooze`` (None: remove it). Raises OSError when the folder refuses."""
        if snooze is None:
            self.path.unlink(missing_ok=True)
            return
        until = None if snooze.until is None else snooze.until.isoformat(timespec="seconds")
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(self.path, json.dumps({"version": 1, "until": until}) + "\n")
        if os.name == "posix":
            os.chmod(self.path, 0o600)  # mkstemp's mode already; said here, not assumed
