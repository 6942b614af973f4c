"""Reads the server has not confirmed yet, kept in the state folder (``pending.json``).

A click on a notification, or "Mark all as read", is written here before the tray
shows it as done, and leaves once the server confirmed it (or answered for good that
the notification is gone). So a quit while a request is on its way, a crash, or a
time offline or signed out loses no click: the next start shows it as done at once
and sends it first. Kept per API URL, as seen.json is; written atomically, 0600; a
broken file is set aside with one warning and read as nothing pending.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..core.commands import Job, ReadAll, ReadOne
from .files import write_atomic
from .local import read_private
from .seen import set_aside

log = logging.getLogger(__name__)

FILE_NAME = "pending.json"
MAX_JOBS = 10_000
"""Reads kept at most per API URL (clicks are one a row; a mark-all is one job)."""


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _job(raw: Any) -> Job:
    if not isinstance(raw, dict):
        raise TypeError
    if "read" in raw:
        note_id, title = raw["read"], raw.get("title", "")
        if not _whole(note_id) or not isinstance(title, str):
            raise TypeError
        return ReadOne(note_id, title)
    ids = raw["all"]
    if not isinstance(ids, list) or not all(_whole(i) for i in ids):
        raise TypeError
    return ReadAll(frozenset(ids))


def _wire(job: Job) -> dict[str, Any]:
    if isinstance(job, ReadOne):
        return {"read": job.id, "title": job.title}
    return {"all": sorted(job.ids)}


class PendingStore:
    """The reads not confirmed yet, per API URL, in one small JSON file."""

    def __init__(self, path: Path, api_url: str) -> None:
        self.path = path
        self.api_url = api_url
        self._accounts: dict[str, list[dict[str, Any]]] = {}
        self._failed = False

    def load(self) -> list[Job]:
        """The reads an earlier run left unsent for this API URL (none: an empty list)."""
        try:
            raw = read_private(self.path)  # never through a link; the user's own
        except OSError as exc:
            log.warning(
                "Cannot read %s (%s); clicks an earlier run could not send are lost.",
                self.path,
                exc.strerror or exc,
            )
            return []
        if raw is None:
            return []
        try:
            data = json.loads(raw.decode("utf-8"))
            accounts = data["accounts"]
            if not isinstance(accounts, dict):
                raise TypeError
            jobs = {
                str(url): [_job(job) for job in entries]
                for url, entries in accounts.items()
                if isinstance(entries, list)
            }
        except (ValueError, TypeError, KeyError, AttributeError):
            try:
                set_aside(self.path, "was not a valid file of pending reads")
            except OSError as exc:
                log.warning("Cannot move aside %s: %s", self.path, exc.strerror)
            return []
        self._accounts = {url: [_wire(j) for j in entries] for url, entries in jobs.items()}
        return jobs.get(self.api_url, [])

    def save(self, jobs: Sequence[Job]) -> None:
        """Keep ``jobs`` (the reads not confirmed yet) for this API URL."""
        entries = [_wire(job) for job in list(jobs)[-MAX_JOBS:]]
        if entries:
            self._accounts[self.api_url] = entries
        else:
            self._accounts.pop(self.api_url, None)
        try:
            if not self._accounts and not self.path.exists():
                return
            write_atomic(self.path, json.dumps({"version": 1, "accounts": self._accounts}))
            if os.name == "posix":
                os.chmod(self.path, 0o600)  # mkstemp's mode already; said here, not assumed
        except OSError as exc:
            if not self._failed:  # once, not at every click
                log.warning(
                    "Cannot save %s (%s); a click not yet sent is lost if traynotify quits.",
                    self.path,
                    exc.strerror or exc,
                )
            self._failed = True
            return
        self._failed = False
