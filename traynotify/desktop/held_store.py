"""What arrived while pop-ups were paused, kept in the state folder (``held.json``).

A snooze survives a restart; so does what it held back: the pop-up at its end names
what arrived before the restart too. Ids only (titles are read from the unread list
when the pause ends), kept per API URL as pending.json is; written atomically, 0600;
a broken file is set aside with one warning and read as nothing held.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from ..core.commands import HELD_MAX, Arrived
from .files import write_atomic
from .local import read_private
from .seen import set_aside

log = logging.getLogger(__name__)

FILE_NAME = "held.json"


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _arrived(raw: Any) -> Arrived:
    if not isinstance(raw, dict):
        raise TypeError
    ids, more = raw.get("ids", []), raw.get("more", 0)
    if not isinstance(ids, list) or not all(_whole(i) for i in ids) or not _whole(more):
        raise TypeError
    return Arrived(tuple(dict.fromkeys(ids))[:HELD_MAX], more)


class HeldStore:
    """What a pause held back, per API URL, in one small JSON file."""

    def __init__(self, path: Path, api_url: str) -> None:
        self.path = path
        self.api_url = api_url
        self._accounts: dict[str, dict[str, Any]] = {}
        self._failed = False

    def load(self) -> Arrived:
        """What an earlier run held back for this API URL (nothing: an empty one)."""
        try:
            raw = read_private(self.path)  # never through a link; the user's own
        except OSError as exc:
            log.warning(
                "Cannot read %s (%s); what arrived while pop-ups were paused is not named.",
                self.path,
                exc.strerror or exc,
            )
            return Arrived()
        if raw is None:
            return Arrived()
        try:
            data = json.loads(raw.decode("utf-8"))
            accounts = data["accounts"]
            if not isinstance(accounts, dict):
                raise TypeError
            held = {str(url): _arrived(entry) for url, entry in accounts.items()}
        except (ValueError, TypeError, KeyError, AttributeError):
            try:
                set_aside(self.path, "was not a valid file of what a pause held back")
            except OSError as exc:
                log.warning("Cannot move aside %s: %s", self.path, exc.strerror)
            return Arrived()
        self._accounts = {url: {"ids": list(a.ids), "more": a.more} for url, a in held.items()}
        return held.get(self.api_url, Arrived())

    def save(self, held: Arrived) -> None:
        """Keep ``held`` for this API URL (nothing held: its entry goes)."""
        if held:
            self._accounts[self.api_url] = {"ids": list(held.ids[:HELD_MAX]), "more": held.more}
        else:
            self._accounts.pop(self.api_url, None)
        try:
            if not self._accounts:
                self.path.unlink(missing_ok=True)
                return
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_atomic(self.path, json.dumps({"version": 1, "accounts": self._accounts}))
            if os.name == "posix":
                os.chmod(self.path, 0o600)  # mkstemp's mode already; said here, not assumed
        except OSError as exc:
            if not self._failed:  # once, not at every poll
                log.warning(
                    "Cannot save %s (%s); a restart while paused forgets what arrived.",
                    self.path,
                    exc.strerror or exc,
                )
            self._failed = True
            return
        self._failed = False
