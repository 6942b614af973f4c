"""HTTP front of the contract server: the spec's four endpoints, on loopback.

Where the spec is silent the server answers as follows (and its tests hold it
to that): boolean parameters take ``true``/``false`` (``1``/``0``), an empty
value means "not given"; a page or page size that is not a whole number from 1
up in ASCII digits (not ``²``, not full-width digits), or a ``page_size`` above
the spec's maximum of 200, is a 400 ``invalid_request_error``; an unknown path
is a 404 ``not_found_error``; a wrong method is a 405 ``invalid_request_error``.

It answers only requests addressed to loopback: a ``Host`` of ``127.0.0.1``,
``localhost`` or ``[::1]``, with a port or without (RFC 9110 leaves out a default one;
an https front on loopback names its own), so a web page whose name is rebound to
127.0.0.1 cannot read or mark the sample data with the demo's public key: its browser
sends the page's name. Any other ``Host``, none, or two, is a 400. A
``Content-Length`` that is not ASCII digits is a 400, one above MAX_BODY a 413; both
close the connection. No request, however malformed, prints a traceback.

Faults (for tests and for trying the app by hand) are armed on chosen requests
with ``server.faults.arm`` (see :mod:`.faults`: drip, huge, any status and headers,
duplicated or corrupt rows), or injected on the next API requests with
:meth:`ContractServer.inject`. A test can also
hold one request open (:meth:`ContractServer.hold`) and release it when it likes.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from ..api.models import KNOWN_TYPES, MAX_PAGE_SIZE, format_time, to_json
from .faults import FaultFront
from .store import Store, StoreError

log = logging.getLogger(__name__)

BASE = "/api/v1/me/notifications"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
MAX_BODY = 65536
"""Largest request body taken, in bytes (the API's requests have none)."""
_MARK_READ = re.compile(rf"^{re.escape(BASE)}/([^/]+)/mark-read$")

FaultKind = Literal["status", "slow", "drop", "not_json", "wrong_shape"]


@dataclass(frozen=True)
class Fault:
    """A way for the server to misbehave on purpose."""

    kind: FaultKind
    """status: answer ``status``; slow: wait ``delay`` s first; drop: close the
    connection unanswered; not_json: an HTML page; wrong_shape: JSON of the wrong form."""
    status: int = 503
    retry_after: str | None = None
    """Retry-After header to send with a status fault (seconds or HTTP-date)."""
    delay: float = 0.0


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    at: float
    """time.monotonic() on arrival (a slow answer is recorded before its delay)."""
    status: int
    """Status sent, or 0 when the connection was dropped."""
    key: str | None = field(repr=False, default=None)


def _bool_param(query: dict[str, list[str]], name: str) -> bool:
    value = (query.get(name) or [""])[-1].strip().lower()
    if value in ("", "false", "0"):
        return False
    if value in ("true", "1"):
        return True
    raise StoreError(400, "invalid_request_error", f"{name} must be true or false.")


def _int_param(query: dict[str, list[str]], name: str, default: int, maximum: int = 10**9) -> int:
    raw = (query.get(name) or [""])[-1].strip()
    if raw == "":
        return default
    # isdigit() alone takes "²" (which int() refuses) and full-width or Arabic-Indic digits
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10 or not 1 <= int(raw) <= maximum:
        raise StoreError(
            400, "invalid_request_error", f"{name} must be a whole number from 1 to {maximum}."
        )
    return int(raw)


_LOOPBACK_HOST = re.compile(r"(127\.0\.0\.1|localhost|\[::1\])(:[0-9]{1,5})?")


def refused_headers(headers: Message) -> tuple[int, str] | None:
    """(status, message) for a request whose Host or Content-Length the server will not
    take; None when both are fine."""
    hosts = headers.get_all("Host") or []
    if len(hosts) != 1 or not _LOOPBACK_HOST.fullmatch(hosts[0].strip().lower()):
        return 400, f"Host must be one of {', '.join(LOOPBACK_NAMES)} (with a port or not)."
    lengths = {value.strip() for value in headers.get_all("Content-Length") or []}
    if len(lengths) > 1:
        return 400, "Two different Content-Length headers."
    if lengths:
        raw = lengths.pop()
        if not (raw.isascii() and raw.isdigit()):
            return 400, "Content-Length must be a whole number of bytes."
        if len(raw) > 12 or int(raw) > MAX_BODY:
            return 413, f"A request body may be at most {MAX_BODY} bytes."
    return None


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        # A client that went away mid-request, say: never a traceback on the console.
        log.debug("Contract server: a request failed.", exc_info=True)


class Hold:
    """One request kept open until the test releases it (see :meth:`ContractServer.hold`)."""

    def __init__(self, path_suffix: str, query: dict[str, str]) -> None:
        self.path_suffix = path_suffix
        self.query = query
        self.arrived = threading.Event()
        """Set when the request came in; it waits, unanswered, from then on."""
        self._released = threading.Event()

    def matches(self, path: str, query: dict[str, list[str]]) -> bool:
        return path.endswith(self.path_suffix) and all(
            (query.get(name) or [""])[-1] == value for name, value in self.query.items()
        )

    def wait(self, timeout: float = 10.0) -> None:
        """Wait until the held request has arrived."""
        if not self.arrived.wait(timeout):
            raise TimeoutError(f"no request for {self.path_suffix} {self.query} arrived")

    def release(self) -> None:
        """Let the request go on; it is answered from the store as it is now."""
        self._released.set()


class ContractServer:
    """The notifications API on ``127.0.0.1``, served from a background thread."""

    def __init__(self, store: Store | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the contract server listens on loopback only")
        self.store = store or Store()
        self._lock = threading.Lock()
        self._faults: list[tuple[Fault, int | None]] = []
        self._records: list[RequestRecord] = []
        self._holds: list[Hold] = []
        self.faults = FaultFront()
        """Faults armed for chosen requests (see :mod:`traynotify.devserver.faults`)."""
        self._stopping = threading.Event()
        self._httpd = _Server((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        if isinstance(host, bytes):
            host = host.decode()
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def start(self) -> ContractServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="contract-server", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever(0.2)

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:  # shutdown() waits for a loop that must be running
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._httpd.server_close()

    def __enter__(self) -> ContractServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- test controls ---------------------------------------------------------
    def inject(self, fault: Fault, times: int | None = None) -> None:
        """Apply ``fault`` to the next ``times`` API requests (None: until cleared)."""
        with self._lock:
            self._faults.append((fault, times))

    def hold(self, path_suffix: str, **query: str) -> Hold:
        """Keep the next API request whose path ends with ``path_suffix`` (and whose
        query has these values) open until :meth:`Hold.release`."""
        held = Hold(path_suffix, query)
        with self._lock:
            self._holds.append(held)
        return held

    def _wait_if_held(self, path: str, query: dict[str, list[str]]) -> None:
        with self._lock:
            held = next((h for h in self._holds if h.matches(path, query)), None)
            if held is not None:
                self._holds.remove(held)
        if held is not None:
            held.arrived.set()
            while not held._released.wait(0.05) and not self._stopping.is_set():
                pass

    def clear_holds(self) -> None:
        """Forget holds no request has met yet (those met are released as usual)."""
        with self._lock:
            self._holds.clear()

    def clear_faults(self) -> None:
        """Forget injected faults and disarm every armed one."""
        with self._lock:
            self._faults.clear()
        self.faults.clear()

    def requests(self, path_suffix: str | None = None) -> list[RequestRecord]:
        """Requests seen so far, optionally only those whose path ends with a suffix."""
        with self._lock:
            records = list(self._records)
        if path_suffix is None:
            return records
        return [r for r in records if r.path.endswith(path_suffix)]

    def clear_requests(self) -> None:
        with self._lock:
            self._records.clear()

    def _next_fault(self) -> Fault | None:
        with self._lock:
            if not self._faults:
                return None
            fault, times = self._faults[0]
            if times is not None:
                if times <= 1:
                    self._faults.pop(0)
                else:
                    self._faults[0] = (fault, times - 1)
            return fault

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    # -- routing ---------------------------------------------------------------
    def handle(
        self, method: str, path: str, query: dict[str, list[str]], key: str | None
    ) -> tuple[int, Any]:
        """Answer one API request: (status, JSON body). Pure over the store."""
        try:
            return 200, self._route(method, path, query, key)
        except StoreError as err:
            return err.status, {"error": {"type": err.etype, "message": err.message}}

    def _route(self, method: str, path: str, query: dict[str, list[str]], key: str | None) -> Any:
        path = path.rstrip("/") or "/"
        if not (path == BASE or path.startswith(BASE + "/")):
            raise StoreError(404, "not_found_error", f"No route for {path}.")
        user = self.store.user_for(key)
        want = "POST" if path.endswith("/mark-read") or path.endswith("/mark-all-read") else "GET"
        if method != want:
            raise StoreError(405, "invalid_request_error", f"Use {want} for {path}.")
        if path == BASE:
            return self._list(user, query)
        if path == f"{BASE}/unread-count":
            return {"count": self.store.unread_count(user)}
        if path == f"{BASE}/mark-all-read":
            return {"marked_read": self.store.mark_all_read(user)}
        match = _MARK_READ.match(path)
        if match:
            raw_id = match.group(1)
            if not raw_id.isdigit():
                raise StoreError(404, "not_found_error", f"Notification {raw_id} not found.")
            note = self.store.mark_read(user, int(raw_id))
            assert note.read_at is not None
            return {"id": note.id, "type": note.type, "read_at": format_time(note.read_at)}
        raise StoreError(404, "not_found_error", f"No route for {path}.")

    def _list(self, user: str, query: dict[str, list[str]]) -> dict[str, Any]:
        unread = _bool_param(query, "unread")
        read = _bool_param(query, "read")
        if unread and read:
            raise StoreError(
                400, "invalid_request_error", "read and unread are mutually exclusive."
            )
        type_ = (query.get("type") or [""])[-1] or None
        if type_ is not None and type_ not in KNOWN_TYPES:
            raise StoreError(400, "invalid_request_error", f"Unknown type {type_!r}.")
        page = _int_param(query, "page", 1)
        page_size = _int_param(query, "page_size", 50, MAX_PAGE_SIZE)
        rows = self.store.query(user, unread=unread, read=read, type=type_)
        start = (page - 1) * page_size
        return {
            "items": [to_json(n) for n in rows[start : start + page_size]],
            "total": len(rows),
            "page": page,
            "page_size": page_size,
        }

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as two writes
            server_version = "bytespike-contract/1"

            def log_message(self, format: str, *args: Any) -> None:
                pass  # tests read server.requests() instead

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def do_PUT(self) -> None:
                self._serve("PUT")

            def do_DELETE(self) -> None:
                self._serve("DELETE")

            def _serve(self, method: str) -> None:
                arrived = time.monotonic()
                if self._refused(method, arrived):
                    return
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                parts = urlsplit(self.path)
                query = parse_qs(parts.query, keep_blank_values=True)
                auth = self.headers.get("Authorization", "")
                scheme, _, token = auth.partition(" ")
                key = token.strip() if scheme.lower() == "bearer" and token.strip() else None

                server._wait_if_held(parts.path, query)
                armed = server.faults.take(method, parts.path, query)
                if armed is not None:
                    kept = server.faults.serve(
                        armed,
                        self.wfile,
                        lambda: server.handle(method, parts.path, query, key),
                        server._stopping,
                        lambda status: server._record(
                            RequestRecord(method, parts.path, query, arrived, status, key)
                        ),
                    )
                    self.close_connection = self.close_connection or not kept
                    return
                fault = server._next_fault()
                status, body, extra = self._faulted(fault, method, parts.path, query, key)
                server._record(RequestRecord(method, parts.path, query, arrived, status, key))
                if status == 0:
                    self.close_connection = True
                    return
                if fault is not None and fault.kind == "slow":
                    server._stopping.wait(fault.delay)
                self._send(status, body, extra)

            def _refused(self, method: str, arrived: float) -> bool:
                """Answer a request with a Host or Content-Length not taken; False if fine."""
                refused = refused_headers(self.headers)
                if refused is None:
                    return False
                status, message = refused
                parts = urlsplit(self.path)
                query = parse_qs(parts.query, keep_blank_values=True)
                server._record(RequestRecord(method, parts.path, query, arrived, status))
                self.close_connection = True  # its body, if any, is not read
                body = {"error": {"type": "invalid_request_error", "message": message}}
                headers = {"Content-Type": "application/json", "Connection": "close"}
                self._send(status, json.dumps(body).encode(), headers)
                return True

            def _faulted(
                self,
                fault: Fault | None,
                method: str,
                path: str,
                query: dict[str, list[str]],
                key: str | None,
            ) -> tuple[int, bytes, dict[str, str]]:
                json_type = {"Content-Type": "application/json"}
                if fault is None or fault.kind == "slow":
                    status, data = server.handle(method, path, query, key)
                    return status, json.dumps(data).encode(), json_type
                if fault.kind == "drop":
                    return 0, b"", {}
                if fault.kind == "not_json":
                    page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
                    return 200, page, {"Content-Type": "text/html"}
                if fault.kind == "wrong_shape":
                    return 200, b'{"count": "many", "items": {}}', json_type
                headers = dict(json_type)
                if fault.retry_after is not None:
                    headers["Retry-After"] = fault.retry_after
                etype = "rate_limit_error" if fault.status == 429 else "api_error"
                body = {"error": {"type": etype, "message": "Injected fault."}}
                return fault.status, json.dumps(body).encode(), headers

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
