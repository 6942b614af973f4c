"""Reads the server has not confirmed yet, kept in the state folder (``pending.json``).

A click on a notification, or "Mark all as read", is written here before the tray
shows it as done, and leaves once the server confirmed it (or answered for good that
the notification is gone). So a quit while a request is on its way, a crash, or a
time offline or signed out loses no click: the next start shows it as done at once
and sends it first. Kept per API URL, as seen.json is; written atomically, 0600; a
broken file is set aside with one warning and read as nothing pending.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..core.commands import Job, ReadAll, ReadOne
from .json_store import AccountsFile, whole

FILE_NAME = "pending.json"
MAX_JOBS = 10_000
"""Reads kept at most per API URL (clicks are one a row; a mark-all is one job)."""


def _job(raw: Any) -> Job:
    if not isinstance(raw, dict):
        raise TypeError
    if "read" in raw:
        note_id, title = raw["read"], raw.get("title", "")
        if not whole(note_id) or not isinstance(title, str):
            raise TypeError
        return ReadOne(note_id, title)
    ids = raw["all"]
    if not isinstance(ids, list) or not all(whole(i) for i in ids):
        raise TypeError
    return ReadAll(frozenset(ids))


def _wire(job: Job) -> dict[str, Any]:
    if isinstance(job, ReadOne):
        return {"read": job.id, "title": job.title}
    return {"all": sorted(job.ids)}


def _parse(accounts: dict[Any, Any]) -> dict[str, list[Job]]:
    return {
        str(url): [_job(job) for job in entries]
        for url, entries in accounts.items()
        if isinstance(entries, list)
    }


class PendingStore:
    """The reads not confirmed yet, per API URL, in one small JSON file."""

    def __init__(self, path: Path, api_url: str) -> None:
        self.path = path
        self.api_url = api_url
        self._accounts: dict[str, list[dict[str, Any]]] = {}
        self._file = AccountsFile(
            path,
            _parse,
            what="pending reads",
            unread="clicks an earlier run could not send are lost.",
            unsaved="a click not yet sent is lost if traynotify quits.",
        )

    def load(self) -> list[Job]:
        """The reads an earlier run left unsent for this API URL (none: an empty list)."""
        jobs = self._file.load()
        if jobs is None:
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
        self._file.save(self._accounts)
