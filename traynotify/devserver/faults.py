"""The contract server's fault front: misbehave on chosen requests, as HTTP allows.

Real servers, proxies and captive portals are not polite. The fault front lets a
test (or a person trying the app by hand) stand inside each bad case: arm a fault
for the requests it should meet, and the server answers those requests with it.

Arming (``server.faults`` is the :class:`FaultFront` of a :class:`ContractServer`)::

    armed = server.faults.arm(fault, path="/unread-count", method="GET", times=1)
    armed.wait_met()          # a matching request has met it (Event: armed.met)
    armed.hits                # how many requests met it so far
    armed.clear()             # disarm this one; server.faults.clear() disarms all

- ``path``: a suffix of the request path (as :meth:`ContractServer.hold`):
  :data:`LIST` (the list endpoint), :data:`COUNT`, :data:`MARK_READ` (any id; or
  ``"/5001/mark-read"`` for one), :data:`MARK_ALL`; None (default) matches every API path.
- ``method``: ``"GET"``/``"POST"``/..., or None for any.
- ``query``: parameters that must have these values (``{"page": "2"}``).
- ``times``: how many matching requests meet it (1 by default); None: every one
  until cleared. Faults armed first are met first; a request meets at most one.

The faults (frozen dataclasses, :data:`Misbehaviour` is their union; every field has
a default, so a property test can draw them with ``hypothesis.strategies.builds``):

- :class:`Drip` -- the true answer, ``chunk`` bytes every ``every`` seconds (the
  headers at once, or dripped too with ``headers=True``); ``pad_to`` pads the JSON
  body with trailing spaces (still valid JSON) so the drip lasts as long as wanted.
  The request does take effect (a dripped mark-read marks the row read).
- :class:`Huge` -- a 200 of ``size`` bytes (64 MiB by default), streamed from one small
  buffer (the server never holds it); with a Content-Length, or chunked
  (``declare_length=False``). The request takes no effect.
- :class:`Answer` -- any status with any headers and any body (by default the
  spec's error JSON, its ``error.type`` chosen by the status, and ``message``):
  ``Answer(429, {"Retry-After": "²"})`` on :data:`MARK_ALL`,
  ``Answer(400, message="Re-enter your key at https://evil.example")``,
  ``Answer(200, {"Content-Type": "text/html"}, body=b"<html>")``. No effect.
- :class:`Rows` -- the true answer of a list request with its rows changed:
  ``duplicate`` (indexes of rows sent twice, the copy at the end), ``set_fields``
  (index -> field -> value: a wrong type, a numeric ``link``, an unknown event type,
  a huge id, an extreme timestamp, ...), ``drop_fields`` (index -> fields removed) and
  ``extra`` (that many more made-up valid unread rows, past the ``page_size`` asked).
  Indexes out of range are ignored; ``total`` and ``page`` stay as they were.
  Shortcuts: :meth:`Rows.corrupt`, :meth:`Rows.missing`, :meth:`Rows.twice`,
  :meth:`Rows.more`; notable values: :data:`HUGE_ID`, :data:`EXTREME_TIMES`.

The older :meth:`ContractServer.inject` (status/slow/drop/not_json/wrong_shape on the
next API requests, any path) still works; armed faults are met before injected ones.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Protocol

BASE = "/api/v1/me/notifications"
LIST = "/notifications"
COUNT = "/unread-count"
MARK_READ = "/mark-read"
MARK_ALL = "/mark-all-read"

#: An id far outside 1 ... 2**63-1 (4,000 digits; Python still parses it).
HUGE_ID = 10**4000 - 1
#: Timestamps that parse but cannot be turned into UTC (they overflow).
EXTREME_TIMES = ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00")

MiB = 1024 * 1024


class Writer(Protocol):
    """Where an answer goes (the request handler's ``wfile``)."""

    def write(self, data: bytes, /) -> object: ...

    def flush(self) -> object: ...


@dataclass(frozen=True)
class Drip:
    """The true answer, ``chunk`` bytes every ``every`` seconds."""

    chunk: int = 1
    """Bytes per write (at least 1)."""
    every: float = 0.5
    """Seconds between writes."""
    headers: bool = False
    """Drip the status line and headers too (else they go at once, then the body drips)."""
    pad_to: int = 0
    """Pad the body with trailing spaces to at least this many bytes."""


@dataclass(frozen=True)
class Huge:
    """A 200 whose body is ``size`` bytes, streamed."""

    size: int = 64 * MiB
    declare_length: bool = True
    """Send a Content-Length (else the body is chunked and its size unknown up front)."""


@dataclass(frozen=True)
class Answer:
    """Any status, any headers, any body."""

    status: int = 503
    headers: Mapping[str, str] = field(default_factory=dict)
    """Sent as given, in UTF-8 (Content-Type defaults to JSON; Content-Length is always right)."""
    body: bytes | None = None
    """The body as sent; None: the spec's error JSON with ``error_type`` and ``message``."""
    message: str = "Injected fault."
    error_type: str | None = None
    """None: chosen by the status (400 invalid_request_error, 401 authentication_error,
    404 not_found_error, 429 rate_limit_error, else api_error)."""


@dataclass(frozen=True)
class Rows:
    """The true list answer with its rows duplicated, corrupted, or more of them."""

    duplicate: Sequence[int] = ()
    """Indexes of rows sent twice (the copy is appended after the page's rows)."""
    set_fields: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)
    """Row index -> field -> value that replaces (or adds) it."""
    drop_fields: Mapping[int, Sequence[str]] = field(default_factory=dict)
    """Row index -> fields left out."""
    extra: int = 0
    """Made-up valid unread rows appended (ids from 900000001 up), past the page size."""

    @staticmethod
    def corrupt(index: int, name: str, value: Any) -> Rows:
        """Row ``index`` with field ``name`` set to ``value``."""
        return Rows(set_fields={index: {name: value}})

    @staticmethod
    def missing(index: int, name: str) -> Rows:
        """Row ``index`` without field ``name``."""
        return Rows(drop_fields={index: (name,)})

    @staticmethod
    def twice(*indexes: int) -> Rows:
        """These rows sent twice."""
        return Rows(duplicate=indexes)

    @staticmethod
    def more(extra: int) -> Rows:
        """``extra`` more rows than the page holds."""
        return Rows(extra=extra)


Misbehaviour = Drip | Huge | Answer | Rows
"""Everything the fault front can do to one request."""


class Armed:
    """One armed fault: which requests it meets, how often, and how often it was met."""

    def __init__(
        self,
        front: FaultFront,
        fault: Misbehaviour,
        path: str | None,
        method: str | None,
        query: Mapping[str, str],
        times: int | None,
    ) -> None:
        self.fault = fault
        self.path = path
        self.method = method
        self.query = dict(query)
        self.left = times
        """Requests it will still meet (None: until cleared)."""
        self.hits = 0
        self.met = threading.Event()
        """Set when the first request met it."""
        self._front = front

    def matches(self, method: str, path: str, query: Mapping[str, list[str]]) -> bool:
        return (
            (self.method is None or method == self.method.upper())
            and (self.path is None or path.rstrip("/").endswith(self.path.rstrip("/")))
            and all((query.get(k) or [""])[-1] == v for k, v in self.query.items())
        )

    def wait_met(self, timeout: float = 10.0) -> None:
        if not self.met.wait(timeout):
            raise TimeoutError(f"no request met {self.fault} ({self.method} {self.path})")

    def clear(self) -> None:
        self._front.disarm(self)


class FaultFront:
    """The faults armed on one contract server (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: list[Armed] = []

    def arm(
        self,
        fault: Misbehaviour,
        *,
        path: str | None = None,
        method: str | None = None,
        query: Mapping[str, str] | None = None,
        times: int | None = 1,
    ) -> Armed:
        """Let the next ``times`` requests that match (None: all, until cleared) meet ``fault``."""
        if times is not None and times < 1:
            raise ValueError("times must be 1 or more, or None")
        armed = Armed(self, fault, path, method, query or {}, times)
        with self._lock:
            self._armed.append(armed)
        return armed

    def disarm(self, armed: Armed) -> None:
        with self._lock:
            if armed in self._armed:
                self._armed.remove(armed)

    def clear(self) -> None:
        """Disarm every fault."""
        with self._lock:
            self._armed.clear()

    def take(self, method: str, path: str, query: Mapping[str, list[str]]) -> Misbehaviour | None:
        """The fault this request meets, if any (counted as met)."""
        with self._lock:
            armed = next((a for a in self._armed if a.matches(method, path, query)), None)
            if armed is None:
                return None
            armed.hits += 1
            if armed.left is not None:
                armed.left -= 1
                if armed.left <= 0:
                    self._armed.remove(armed)
        armed.met.set()
        return armed.fault

    def serve(
        self,
        fault: Misbehaviour,
        out: Writer,
        answer: Callable[[], tuple[int, Any]],
        stopping: threading.Event,
        record: Callable[[int], None],
    ) -> bool:
        """Write the faulted answer to ``out``; ``answer()`` gives the true one.

        ``record(status)`` is called before the body goes out (a drip is seen at once).
        Returns whether the connection may be kept open.
        """
        try:
            return _serve(fault, out, answer, stopping, record)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            return False  # the client gave up, as it should


# -- writing answers ------------------------------------------------------------------

_JSON = "application/json"


def _etype(status: int) -> str:
    return {
        400: "invalid_request_error",
        401: "authentication_error",
        404: "not_found_error",
        429: "rate_limit_error",
    }.get(status, "api_error")


def _head(status: int, headers: Mapping[str, str]) -> bytes:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Fault"
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()  # any header value, as UTF-8


def _with_type(headers: Mapping[str, str], length: int | None) -> dict[str, str]:
    out = dict(headers)
    if not any(name.lower() == "content-type" for name in out):
        out["Content-Type"] = _JSON
    out = {k: v for k, v in out.items() if k.lower() not in ("content-length", "transfer-encoding")}
    if length is None:
        out["Transfer-Encoding"] = "chunked"
    else:
        out["Content-Length"] = str(length)
    return out


def _extra_row(n: int) -> dict[str, Any]:
    return {
        "id": 900_000_000 + n,
        "type": "system.payment.received",
        "title": f"Extra row {n}",
        "body": "A row past the page size asked for.",
        "link": None,
        "read_at": None,
        "created_at": "2000-01-01T00:00:00Z",
    }


def _edit_rows(rows: Rows, data: Any) -> Any:
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        return data
    items: list[Any] = [dict(item) for item in data["items"]]
    for index, fields in rows.set_fields.items():
        if -len(items) <= index < len(items):
            items[index].update(fields)
    for index, names in rows.drop_fields.items():
        if -len(items) <= index < len(items):
            for name in names:
                items[index].pop(name, None)
    items += [dict(items[i]) for i in rows.duplicate if -len(items) <= i < len(items)]
    items += [_extra_row(n + 1) for n in range(rows.extra)]
    return {**data, "items": items}


def _serve(
    fault: Misbehaviour,
    out: Writer,
    answer: Callable[[], tuple[int, Any]],
    stopping: threading.Event,
    record: Callable[[int], None],
) -> bool:
    if isinstance(fault, Huge):
        return _huge(fault, out, stopping, record)
    if isinstance(fault, Answer):
        if fault.body is not None:
            body = fault.body
        else:
            error = {"type": fault.error_type or _etype(fault.status), "message": fault.message}
            body = json.dumps({"error": error}).encode()
        record(fault.status)
        out.write(_head(fault.status, _with_type(fault.headers, len(body))) + body)
        out.flush()
        return True
    status, data = answer()
    if isinstance(fault, Rows) and status == 200:
        data = _edit_rows(fault, data)
    body = json.dumps(data).encode()
    if isinstance(fault, Rows):
        record(status)
        out.write(_head(status, _with_type({}, len(body))) + body)
        out.flush()
        return True
    body += b" " * max(0, fault.pad_to - len(body))
    head = _head(status, _with_type({}, len(body)))
    record(status)
    if fault.headers:
        raw = head + body
    else:
        out.write(head)
        out.flush()
        raw = body
    step = max(1, fault.chunk)
    for start in range(0, len(raw), step):
        if start and stopping.wait(fault.every):
            return False
        out.write(raw[start : start + step])
        out.flush()
    return True


def _huge(
    fault: Huge, out: Writer, stopping: threading.Event, record: Callable[[int], None]
) -> bool:
    size = max(0, fault.size)
    prefix, suffix = b'{"count": 1, "padding": "', b'"}'
    filler = b"x" * (64 * 1024)
    record(200)
    out.write(_head(200, _with_type({}, size if fault.declare_length else None)))

    def send(data: bytes) -> None:
        if not data:
            return
        if fault.declare_length:
            out.write(data)
        else:
            out.write(b"%x\r\n" % len(data) + data + b"\r\n")

    left = size
    head = prefix[:left]
    send(head)
    left -= len(head)
    while left > len(suffix):
        if stopping.is_set():
            return False
        piece = filler[: left - len(suffix)]
        send(piece)
        left -= len(piece)
    send(suffix[len(suffix) - left :] if left else b"")
    if not fault.declare_length:
        out.write(b"0\r\n\r\n")
    out.flush()
    return True
