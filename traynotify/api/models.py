"""Value objects of the notifications API, and strict parsing of its JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ..errors import UnexpectedResponseError

#: The five user-visible event types the spec lists. Others are kept, not rejected.
KNOWN_TYPES: tuple[str, ...] = (
    "system.payment.received",
    "system.balance.notify.dispatched",
    "admin.org.member.add",
    "admin.api_key.revoke",
    "org.api_key.revoke",
)

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50


@dataclass(frozen=True)
class Notification:
    """One row of the in-app notification feed."""

    id: int
    """Server id; not ordered by time."""
    type: str
    """Event type; usually one of KNOWN_TYPES, but the service may add more."""
    title: str
    """Single-line summary, exactly as the server sent it (sanitise before showing)."""
    body: str
    """One-paragraph description, as sent."""
    link: str | None
    """Console-relative deep link, or None."""
    read_at: datetime | None
    """When the user read it; None while unread."""
    created_at: datetime
    """When the event happened (aware, UTC)."""

    @property
    def unread(self) -> bool:
        return self.read_at is None


@dataclass(frozen=True)
class Page:
    """One page of a list call."""

    items: tuple[Notification, ...]
    total: int
    """Rows matching the filter, independent of the page."""
    page: int
    page_size: int

    @property
    def last_page(self) -> int:
        return max(1, -(-self.total // self.page_size)) if self.page_size else 1


@dataclass(frozen=True)
class MarkReadResult:
    """What mark-read answers."""

    id: int
    type: str
    read_at: datetime


def newest_first(note: Notification) -> tuple[datetime, int]:
    """Sort key (with reverse=True) for the API's order: newest ``created_at`` first."""
    return note.created_at, note.id


def parse_time(value: str) -> datetime:
    """Parse an ISO-8601 timestamp into an aware datetime (naive means UTC)."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def format_time(value: datetime) -> str:
    """The server's timestamp form: UTC with a trailing Z, whole seconds."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Reader:
    """Typed access to a JSON object that names the failing path in its errors."""

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, Mapping):
            raise _shape(f"{where or 'the response'} is not a JSON object")
        self.data: Mapping[str, Any] = data
        self.where = where

    def _path(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def _get(self, key: str) -> Any:
        if key not in self.data:
            raise _shape(f"{self._path(key)} is missing")
        return self.data[key]

    def integer(self, key: str, *, minimum: int = 0) -> int:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise _shape(f"{self._path(key)} is not a whole number >= {minimum}")
        return value

    def string(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str):
            raise _shape(f"{self._path(key)} is not a string")
        return value

    def opt_str(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is not None and not isinstance(value, str):
            raise _shape(f"{self._path(key)} is not a string or null")
        return value

    def time(self, key: str) -> datetime:
        return self._time(key, self.string(key))

    def opt_time(self, key: str) -> datetime | None:
        raw = self.opt_str(key)
        return None if raw is None else self._time(key, raw)

    def _time(self, key: str, raw: str) -> datetime:
        try:
            return parse_time(raw)
        except ValueError:
            raise _shape(f"{self._path(key)} is not a timestamp") from None


def _shape(detail: str) -> UnexpectedResponseError:
    return UnexpectedResponseError(f"The server's answer was not understood: {detail}.")


def parse_notification(data: object, where: str = "item") -> Notification:
    r = _Reader(data, where)
    return Notification(
        id=r.integer("id"),
        type=r.string("type"),
        title=r.string("title"),
        body=r.opt_str("body") or "",
        link=r.opt_str("link"),
        read_at=r.opt_time("read_at"),
        created_at=r.time("created_at"),
    )


def to_json(note: Notification) -> dict[str, Any]:
    """A notification as the API writes it (the inverse of parse_notification)."""
    return {
        "id": note.id,
        "type": note.type,
        "title": note.title,
        "body": note.body,
        "link": note.link,
        "read_at": format_time(note.read_at) if note.read_at else None,
        "created_at": format_time(note.created_at),
    }


def parse_page(data: object) -> Page:
    r = _Reader(data, "")
    raw_items = r._get("items")
    if not isinstance(raw_items, list):
        raise _shape("items is not a list")
    items = tuple(parse_notification(item, f"items[{i}]") for i, item in enumerate(raw_items))
    return Page(
        items=items,
        total=r.integer("total"),
        page=r.integer("page", minimum=1),
        page_size=r.integer("page_size", minimum=1),
    )


def parse_count(data: object) -> int:
    return _Reader(data, "").integer("count")


def parse_mark_read(data: object) -> MarkReadResult:
    r = _Reader(data, "")
    return MarkReadResult(id=r.integer("id"), type=r.string("type"), read_at=r.time("read_at"))


def parse_marked_all(data: object) -> int:
    return _Reader(data, "").integer("marked_read")
