"""The contract server's data: users, their keys and their notifications."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from ..api.models import Notification, newest_first


class StoreError(Exception):
    """A request the spec answers with an error; ``etype`` is its ``error.type``."""

    def __init__(self, status: int, etype: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.etype = etype
        self.message = message


def _utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


@dataclass
class _Row:
    owner: str
    note: Notification


class Store:
    """Thread-safe in-memory feed for several users, each with API keys."""

    def __init__(self, clock: Callable[[], datetime] = _utcnow, first_id: int = 5001) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._keys: dict[str, str] = {}
        self._rows: dict[int, _Row] = {}
        self._next_id = first_id

    # -- accounts ------------------------------------------------------------
    def add_key(self, key: str, user: str) -> None:
        """Let ``key`` act as ``user`` (a user may have several keys)."""
        with self._lock:
            self._keys[key] = user

    def revoke_key(self, key: str) -> None:
        with self._lock:
            self._keys.pop(key, None)

    def user_for(self, key: str | None) -> str:
        with self._lock:
            user = self._keys.get(key) if key else None
        if user is None:
            message = "Missing API key." if not key else "Invalid or revoked API key."
            raise StoreError(401, "authentication_error", message)
        return user

    # -- feed ------------------------------------------------------------------
    def add(
        self,
        user: str,
        type: str,
        title: str,
        body: str = "",
        link: str | None = None,
        *,
        created_at: datetime | None = None,
        read_at: datetime | None = None,
        id: int | None = None,
    ) -> Notification:
        """Record a new event for ``user`` and return it as the API would."""
        with self._lock:
            if id is None:
                id = self._next_id
            if id in self._rows:
                raise ValueError(f"id {id} already exists")
            self._next_id = max(self._next_id, id + 1)
            note = Notification(
                id=id,
                type=type,
                title=title,
                body=body,
                link=link,
                read_at=read_at,
                created_at=created_at or self._clock(),
            )
            self._rows[id] = _Row(user, note)
            return note

    def query(
        self,
        user: str,
        *,
        unread: bool = False,
        read: bool = False,
        type: str | None = None,
    ) -> list[Notification]:
        """All matching rows of ``user``, newest ``created_at`` first."""
        with self._lock:
            rows = [r.note for r in self._rows.values() if r.owner == user]
        if unread:
            rows = [n for n in rows if n.read_at is None]
        if read:
            rows = [n for n in rows if n.read_at is not None]
        if type is not None:
            rows = [n for n in rows if n.type == type]
        rows.sort(key=newest_first, reverse=True)
        return rows

    def unread_count(self, user: str) -> int:
        with self._lock:
            return sum(1 for r in self._rows.values() if r.owner == user and r.note.unread)

    def mark_read(self, user: str, notification_id: int) -> Notification:
        with self._lock:
            row = self._rows.get(notification_id)
            if row is None or row.owner != user:
                raise StoreError(
                    404, "not_found_error", f"Notification {notification_id} not found."
                )
            if row.note.read_at is None:
                row.note = replace(row.note, read_at=self._clock())
            return row.note

    def mark_all_read(self, user: str) -> int:
        with self._lock:
            now = self._clock()
            flipped = 0
            for row in self._rows.values():
                if row.owner == user and row.note.read_at is None:
                    row.note = replace(row.note, read_at=now)
                    flipped += 1
            return flipped

    def get(self, notification_id: int) -> Notification | None:
        with self._lock:
            row = self._rows.get(notification_id)
            return row.note if row else None
