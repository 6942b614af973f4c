"""Which notifications were already shown, kept on disk across restarts.

The API's ids are not in ``created_at`` order, so a "highest id seen" watermark
would miss or repeat toasts; we keep the ids themselves per API URL: every id
that is still unread (however many), plus the most recent KEEP_IDS others.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Iterable
from pathlib import Path

from .files import set_aside, write_atomic
from .local import read_private

log = logging.getLogger(__name__)

KEEP_IDS = 1000
"""Ids no longer unread that are kept anyway (an item marked unread again stays quiet)."""
MAX_IDS = 50_000
"""Hard bound per account, for calls that cannot say what is still unread."""
KEEP_ACCOUNTS = 8


class SeenStore:
    """Shown ids per API URL in one JSON file."""

    def __init__(self, path: Path, api_url: str) -> None:
        self.path = path
        self.api_url = api_url
        self._accounts: dict[str, list[int]] = {}
        self.first_run = True
        """True when nothing was ever recorded for this API URL."""
        self._lookup: set[int] | None = None
        self._load()

    def _load(self) -> None:
        try:
            # never through a link, and only a file of this user's
            raw = read_private(self.path)
        except OSError as exc:
            log.warning(
                "Cannot read %s (%s); shown notifications start afresh.", self.path, exc.strerror
            )
            return
        if raw is None:
            return
        try:
            data = json.loads(raw.decode("utf-8"))
            accounts = data["accounts"]
            if not isinstance(accounts, dict):
                raise TypeError
            self._accounts = {
                str(url): [int(i) for i in ids if isinstance(i, int) and not isinstance(i, bool)]
                for url, ids in accounts.items()
                if isinstance(ids, list)
            }
        except (ValueError, TypeError, KeyError, AttributeError):
            try:
                set_aside(self.path, "was not a valid state file")
            except OSError as exc:
                log.warning("Cannot move aside %s: %s", self.path, exc.strerror)
            return
        self.first_run = self.api_url not in self._accounts

    def __contains__(self, notification_id: object) -> bool:
        if self._lookup is None:
            self._lookup = set(self._ids())
        return notification_id in self._lookup

    def _ids(self) -> list[int]:
        return self._accounts.get(self.api_url, [])

    def add(self, ids: Iterable[int], unread: Collection[int] | None = None) -> None:
        """Record ``ids`` as shown and save (even when none are new: first run ends).

        ``unread``: every id the server still has unread, when known. Those are
        never dropped; of the others only the most recent KEEP_IDS are kept.
        Without it, only the oldest beyond MAX_IDS go.
        """
        merged = list(self._ids())
        known = set(merged)
        for i in ids:
            if i not in known:
                known.add(i)
                merged.append(i)
        if unread is None:
            merged = merged[-MAX_IDS:]
        else:
            others = [i for i in merged if i not in unread]
            if len(others) > KEEP_IDS:
                drop = set(others[:-KEEP_IDS])
                merged = [i for i in merged if i not in drop]
        self._accounts.pop(self.api_url, None)
        self._accounts[self.api_url] = merged
        self._lookup = None
        while len(self._accounts) > KEEP_ACCOUNTS:
            self._accounts.pop(next(iter(self._accounts)))
        self.first_run = False
        try:
            write_atomic(self.path, json.dumps({"version": 1, "accounts": self._accounts}))
        except OSError as exc:
            log.warning(
                "Cannot save %s (%s); toasts may repeat after a restart.", self.path, exc.strerror
            )
