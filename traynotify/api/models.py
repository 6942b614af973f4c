"""Value objects of the notifications API, and parsing of its JSON.

An answer's own shape is strict: anything wrong with it is one
:class:`~traynotify.errors.UnexpectedResponseError`. A list's rows are parsed one by
one: a malformed row (a field missing or of the wrong type, an event type the spec
does not list, an id outside 1 ... 2**63-1, a timestamp that is not one or cannot be
represented) is left out with one warning in the log naming its id and field, and
counted in :attr:`Page.skipped`; the rest of the page counts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

from ..errors import UnexpectedResponseError
from ..i18n import _

log = logging.getLogger(__name__)
T = TypeVar("T")

#: The five user-visible event types the spec lists; a row of any other is malformed.
KNOWN_TYPES: tuple[str, ...] = (
    "system.payment.received",
    "system.balance.notify.dispatched",
    "admin.org.member.add",
    "admin.api_key.revoke",
    "org.api_key.revoke",
)

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
#: The largest id a row may have (a signed 64-bit integer): the seen store stays small.
MAX_ID = 2**63 - 1
#: The earliest and latest timestamps a row may carry: a day inside datetime's range.
EARLIEST = datetime.min.replace(tzinfo=timezone.utc) + timedelta(days=1)
LATEST = datetime.max.replace(tzinfo=timezone.utc) - timedelta(days=1)
#: Distinct malformed rows warned about; past that, further ones are logged at debug.
_WARNED_MAX = 1000
_warned: set[tuple[int | None, str, str]] = set()


@dataclass(frozen=True)
class Notification:
    """One row of the in-app notification feed."""

    id: int
    """Server id; not ordered by time."""
    type: str
    """Event type: one of KNOWN_TYPES (a row of another is malformed, and skipped)."""
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
class Skipped:
    """A malformed row left out of a page."""

    index: int
    """Its place in the page's ``items``."""
    id: int | None
    """Its id, when it had a valid one."""
    field: str
    """The first field found wrong (``id``, ``title``, ...), or "" when the row is not an object."""
    problem: str
    """What is wrong with it ("is missing", "is not a string", ...)."""

    def __str__(self) -> str:
        which = f"id {self.id}" if self.id is not None else f"row {self.index + 1} (no valid id)"
        what = f"{self.field} {self.problem}" if self.field else self.problem
        return f"{which}: {what}"


@dataclass(frozen=True)
class Page:
    """One page of a list call."""

    items: tuple[Notification, ...]
    """The page's well-formed rows, in the server's order."""
    total: int
    """Rows matching the filter, independent of the page."""
    page: int
    page_size: int
    skipped: tuple[Skipped, ...] = ()
    """Malformed rows left out of ``items`` (each logged once): the page held
    ``len(items) + len(skipped)`` rows, so a walk must not take it for the last one."""

    @property
    def rows(self) -> int:
        """How many rows the server sent in this page, well-formed or not."""
        return len(self.items) + len(self.skipped)

    @property
    def last_page(self) -> int:
        """The number of the last page (at least 1), by ``total`` and ``page_size``."""
        return max(1, -(-self.total // self.page_size))


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
    """Parse an ISO-8601 timestamp into an aware UTC datetime (naive means UTC).

    Raises ValueError for a timestamp that is not one, or that lies within a day of
    the ends of what a datetime can hold (``0001-01-01T00:00:00+01:00`` is in year 0
    in UTC): such a moment could not be shown in local time, nor a second taken off it.
    """
    text = value.strip()
    if text.endswith(("Z", "z")):  # pragma: no mutate (3.11 reads a Z itself; 3.10 does not)
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        utc = parsed.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError(f"{value!r} is out of range") from None
    if not EARLIEST <= utc <= LATEST:
        raise ValueError(f"{value!r} is out of range")
    return utc


def format_time(value: datetime) -> str:
    """The server's timestamp form: UTC with a trailing Z, whole seconds, four-digit year."""
    utc = value.astimezone(timezone.utc).replace(microsecond=0, tzinfo=None)
    return utc.isoformat() + "Z"


class Malformed(ValueError):
    """One value of the answer is not what the spec says; ``where`` names it."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where} {problem}")
        self.where = where
        self.problem = problem


class _Reader:
    """Typed access to a JSON object that names the failing path in its errors."""

    def __init__(self, data: object, where: str = "") -> None:
        if not isinstance(data, Mapping):
            raise Malformed(where or "the response", "is not a JSON object")
        self.data: Mapping[str, Any] = data
        self.where = where

    def _path(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def _get(self, key: str) -> Any:
        if key not in self.data:
            raise Malformed(self._path(key), "is missing")
        return self.data[key]

    def integer(self, key: str, *, minimum: int = 0, maximum: int | None = None) -> int:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise Malformed(self._path(key), f"is not a whole number >= {minimum}")
        if maximum is not None and value > maximum:
            raise Malformed(self._path(key), f"is above {maximum}")
        return value

    def string(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str):
            raise Malformed(self._path(key), "is not a string")
        return value

    def opt_str(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is not None and not isinstance(value, str):
            raise Malformed(self._path(key), "is not a string or null")
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
            raise Malformed(self._path(key), "is not a timestamp in range") from None


def _shape(error: Malformed) -> UnexpectedResponseError:
    return UnexpectedResponseError(
        _("The server's answer was not understood: {detail}.").format(detail=str(error))
    )


def parse_notification(data: object, where: str = "item") -> Notification:
    """One row, strictly; raises :class:`Malformed` naming the first field that is wrong."""
    r = _Reader(data, where)
    note = Notification(
        id=r.integer("id", minimum=1, maximum=MAX_ID),
        type=r.string("type"),
        title=r.string("title"),
        body=r.opt_str("body") or "",
        link=r.opt_str("link"),
        read_at=r.opt_time("read_at"),
        created_at=r.time("created_at"),
    )
    if note.type not in KNOWN_TYPES:
        raise Malformed(f"{where}.type", "is not one of the five event types")
    return note


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


def _row_id(data: object) -> int | None:
    """The row's id, when it has one worth naming."""
    value = data.get("id") if isinstance(data, Mapping) else None
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID:
        return value
    return None


def _warn_once(skipped: Skipped) -> None:
    key = (skipped.id, skipped.field, skipped.problem)
    if key in _warned:
        log.debug("Skipped a malformed row again: %s", skipped)
        return
    if len(_warned) < _WARNED_MAX:
        _warned.add(key)
    log.warning("Skipped a malformed row: %s", skipped)


def parse_page(data: object, page_size: int | None = None) -> Page:
    """A page of the list: its shape strictly, its rows one by one.

    A malformed row is left out, counted in ``Page.skipped`` and logged (one warning
    per row, naming its id and field); the rest of the page counts. A page with more
    rows than ``page_size`` (the size asked for) is not understood.
    """
    try:
        r = _Reader(data)
        raw_items = r._get("items")
        if not isinstance(raw_items, list):
            raise Malformed("items", "is not a list")
        total = r.integer("total")
        page = r.integer("page", minimum=1)
        size = r.integer("page_size", minimum=1)
        if page_size is not None and len(raw_items) > page_size:
            raise Malformed(
                "items", f"holds {len(raw_items)} rows, more than the {page_size} asked"
            )
    except Malformed as exc:
        raise _shape(exc) from None
    items: list[Notification] = []
    skipped: list[Skipped] = []
    for index, raw in enumerate(raw_items):
        try:
            items.append(parse_notification(raw))
        except Malformed as exc:
            row = Skipped(index, _row_id(raw), exc.where.partition(".")[2], exc.problem)
            _warn_once(row)
            skipped.append(row)
    return Page(items=tuple(items), total=total, page=page, page_size=size, skipped=tuple(skipped))


def _strict(parse: Callable[[object], T], data: object) -> T:
    try:
        return parse(data)
    except Malformed as exc:
        raise _shape(exc) from None


def parse_count(data: object) -> int:
    return _strict(lambda d: _Reader(d).integer("count"), data)


def parse_mark_read(data: object) -> MarkReadResult:
    def parse(d: object) -> MarkReadResult:
        r = _Reader(d)
        return MarkReadResult(
            id=r.integer("id", minimum=1, maximum=MAX_ID),
            type=r.string("type"),
            read_at=r.time("read_at"),
        )

    return _strict(parse, data)


def parse_marked_all(data: object) -> int:
    return _strict(lambda d: _Reader(d).integer("marked_read"), data)
