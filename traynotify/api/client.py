"""Client for the four ``/api/v1/me/notifications`` endpoints, over httpx.

httpx errors and HTTP statuses become the typed errors of ``traynotify.errors``
here and nowhere else.

Every request is bounded, whatever the server does:

- **a deadline**: the whole request (connect, send, headers, body) ends within
  ``DEADLINE_FACTOR`` times the per-read timeout (20 s by default), even when the
  answer drips in a byte at a time; past it, it is an :class:`ApiTimeoutError`.
- **a size cap**: a body over :data:`MAX_BODY` (8 MiB; a full page of 200 rows is
  well under 1 MiB) is cut off, read no further, and is an
  :class:`UnexpectedResponseError`. Bodies are read as a stream, so memory stays bounded;
  one under the cap that holds over :data:`MAX_VALUES` JSON values is refused unparsed.
- **Retry-After** (:func:`parse_retry_after`) as RFC 9110 says, capped; anything
  else is ignored (logged once) and the caller's own back-off applies.
- **the server's words stay the server's**: an error's message is the app's own
  (by status and ``error.type``); the server's ``error.message`` is logged and kept
  on the error as ``server_message``, never in ``str(error)``.
"""

from __future__ import annotations

import contextvars
import email.utils
import json
import logging
import re
import ssl
import time
import zlib
from collections.abc import Callable, Iterator
from datetime import timezone
from types import TracebackType
from typing import Any

import httpcore
import httpx

from .. import __version__
from ..core.text import one_line
from ..errors import (
    ApiConnectionError,
    ApiError,
    ApiTimeoutError,
    AuthenticationError,
    InvalidRequestError,
    NotFoundError,
    RateLimitedError,
    RequestRejected,
    ServerError,
    UnexpectedResponseError,
    WrongApiUrlError,
)
from ..i18n import _
from .models import (
    DEFAULT_PAGE_SIZE,
    KNOWN_TYPES,
    MAX_PAGE_SIZE,
    MarkReadResult,
    Notification,
    Page,
    parse_count,
    parse_mark_read,
    parse_marked_all,
    parse_page,
)

log = logging.getLogger(__name__)
server_log = logging.getLogger("traynotify.api.server")
"""What the server said that the app does not show as its own: error messages, odd
Retry-After values. A one-shot command shows the error itself and quiets this log."""

BASE_PATH = "/api/v1/me/notifications"
#: Per-read (and connect) timeout of every request.
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
#: A whole request ends within this many times the per-read timeout.
DEADLINE_FACTOR = 2.0
#: The largest answer body read, in bytes (after any content decoding).
MAX_BODY = 8 * 1024 * 1024
#: The most JSON values an answer may hold (a full page of 200 rows holds about 3,000):
#: a body under the cap of ``{},{},...`` would parse into some 30 times its size.
MAX_VALUES = 100_000
USER_AGENT = f"traynotify/{__version__}"
#: Longest Retry-After we honour; a larger value is capped, not trusted blindly.
MAX_RETRY_AFTER = 6 * 3600.0
#: The server's error.message is kept (and logged) up to this many characters.
SERVER_MESSAGE_LIMIT = 300

_MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
_HTTP_DATE = re.compile(
    # IMF-fixdate, the obsolete RFC 850 form, and asctime (RFC 9110 section 5.6.7)
    rf"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{{2}} (?:{_MONTHS}) \d{{4}} \d{{2}}:\d{{2}}:\d{{2}} GMT"
    rf"|(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), "
    rf"\d{{2}}-(?:{_MONTHS})-\d{{2}} \d{{2}}:\d{{2}}:\d{{2}} GMT"
    rf"|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:{_MONTHS}) [ \d]\d \d{{2}}:\d{{2}}:\d{{2}} \d{{4}}",
    re.ASCII,
)
_odd_retry_after: set[str] = set()
_MARKS = (b",", b":", b"[", b"{")


def _too_many_values(body: bytes) -> bool:
    """Whether ``body`` holds more than :data:`MAX_VALUES` JSON values: each but the
    first follows a ``,``, ``:``, ``[`` or ``{``, or is a string (two ``"``); what is
    inside strings does not count (a title may hold commas)."""
    if sum(body.count(ch) for ch in _MARKS) <= MAX_VALUES:
        return False
    if body.count(b'"') > 2 * MAX_VALUES:
        return True
    marks, inside = 0, False
    for part in body.split(b'"'):  # few quotes: few parts
        if not inside:
            marks += sum(part.count(ch) for ch in _MARKS)
        elif (len(part) - len(part.rstrip(b"\\"))) % 2:
            continue  # the quote after it is escaped: the string goes on
        inside = not inside
    return marks > MAX_VALUES


def _loads(body: bytes) -> Any:
    """The JSON of an answer's body; ValueError when it is not JSON, or holds too much."""
    if _too_many_values(body):
        raise ValueError(f"more than {MAX_VALUES} values")
    return json.loads(body)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header, ``now`` being the wall clock (epoch s).

    RFC 9110: delta-seconds (ASCII digits only, surrounding spaces and tabs trimmed)
    or an HTTP-date (a past one is 0). At most :data:`MAX_RETRY_AFTER`. Anything else
    (``²``, full-width digits, ``-5``, ``1e3``, garbage) is None: not a server's wish.
    """
    if value is None:
        return None
    text = value.strip(" \t")
    if text and all("0" <= ch <= "9" for ch in text):
        # int() of thousands of digits is slow (and refused past 4300): cap by length
        digits = text.lstrip("0") or "0"
        return MAX_RETRY_AFTER if len(digits) > 9 else min(float(int(digits)), MAX_RETRY_AFTER)
    if not _HTTP_DATE.fullmatch(text):
        return None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # asctime names no zone: an HTTP-date is always GMT
        when = when.replace(tzinfo=timezone.utc)
    return min(max(0.0, when.timestamp() - now), MAX_RETRY_AFTER)


def _retry_after(response: httpx.Response, now: float) -> float | None:
    """The response's Retry-After in seconds; an odd one is logged (once) and ignored."""
    raw = response.headers.get("Retry-After")
    seconds = parse_retry_after(raw, now)
    if raw is not None and seconds is None and raw not in _odd_retry_after:
        if len(_odd_retry_after) < 100:
            _odd_retry_after.add(raw)
        server_log.warning("Ignored a Retry-After that is neither seconds nor a date: %r", raw[:60])
    return seconds


def _error_detail(response: httpx.Response) -> tuple[str | None, str | None]:
    """The documented ``error.type`` and ``error.message``, if the body has them."""
    try:
        data = _loads(response.content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None, None
    if not isinstance(data, dict) or not isinstance(data.get("error"), dict):
        return None, None
    err = data["error"]
    etype = one_line(err["type"], 60) if isinstance(err.get("type"), str) else None
    message = err.get("message") if isinstance(err.get("message"), str) else None
    return etype, message


def error_for_response(
    response: httpx.Response,
    now: float | None = None,
    *,
    api_url: str | None = None,
    one_notification: bool = False,
) -> ApiError:
    """Translate a non-2xx response (its body read) into the matching typed error.

    A 404 means "that notification is not yours" only for a call on one notification
    that got the spec's ``not_found_error``; anywhere else the API is not at ``api_url``.
    The message is the app's own; the server's ``error.message`` is logged and kept
    on the error (``server_message``), for the command line to show labelled as the
    server's. ``now``: the wall clock, for a Retry-After date (default: the system's).
    """
    status = response.status_code
    etype, said = _error_detail(response)
    said = one_line(said, SERVER_MESSAGE_LIMIT) if said else None
    if said:
        server_log.warning("The server said (HTTP %s, %s): %s", status, etype or "no type", said)
    retry_after = _retry_after(response, time.time() if now is None else now)
    error = _error_for(status, etype, retry_after, api_url or str(response.request.url))
    if status == 404 and one_notification and etype == "not_found_error":
        error = NotFoundError(_("That notification does not exist or is not yours."), status=status)
    if not isinstance(error, WrongApiUrlError):  # what answered there is not the API
        error.server_message = said
        error.server_type = etype
    return error


def _error_for(status: int, etype: str | None, retry_after: float | None, url: str) -> ApiError:
    if status == 400:
        return InvalidRequestError(_("The server rejected the request."), status=status)
    if status == 401:
        return AuthenticationError(_("The API key is missing or has been revoked."), status=status)
    if status == 404:
        return WrongApiUrlError(
            _(
                "Wrong API URL: {url} has no BytesSpike notifications API (HTTP 404); "
                "check BYTESPIKE_API_URL or --api-url."
            ).format(url=url),
            status=status,
        )
    if status == 429:
        # Only the tray retries, on its own schedule: the message never promises one.
        wait = (
            _(" (it asks to wait {s:.0f} s)").format(s=retry_after)
            if retry_after is not None
            else ""
        )
        return RateLimitedError(
            _("The server is rate limiting requests{wait}.").format(wait=wait),
            status=status,
            retry_after=retry_after,
        )
    if 500 <= status <= 599:
        return ServerError(
            _("The BytesSpike server had a problem (HTTP {status}).").format(status=status),
            status=status,
            retry_after=retry_after,
        )
    return UnexpectedResponseError(
        _(
            "The server answered HTTP {status}, which traynotify does not expect; "
            "check the API URL."
        ).format(status=status),
        status=status,
    )


_MEDIA_TYPE = re.compile(r"[A-Za-z0-9][\w.+-]{0,40}/[A-Za-z0-9][\w.+-]{0,60}", re.ASCII)


def _media_type(response: httpx.Response) -> str:
    """The answer's media type, to name it; anything else the header says is not repeated
    (it is the server's text, and the message is the app's)."""
    given = response.headers.get("Content-Type")
    if given is None:
        return _("no content type")
    kind = given.split(";")[0].strip()
    return kind.lower() if _MEDIA_TYPE.fullmatch(kind) else _("an unknown content type")


def _bypass_proxies(base_url: httpx.URL) -> dict[str, httpx.BaseTransport | None]:
    """Mounts that keep the API's host off any proxy, for plain http or a loopback host.

    A proxy must never see a plain-http request (it would read the key in the
    Authorization header), and loopback never goes through a proxy. httpx tries its
    mounts most specific first, so a pattern naming the host beats the environment's
    scheme-wide proxies; None means "the client's own transport, direct".
    """
    from ..core.config import is_loopback_host

    host = base_url.host
    if base_url.scheme == "https" and not is_loopback_host(host):
        return {}
    pattern_host = f"[{host}]" if ":" in host else host
    return {f"all://{pattern_host}": None}


def _tls(base_url: httpx.URL) -> bool | ssl.SSLContext:
    """What the client checks TLS with: the CA bundle for https, as httpx does.

    A plain-http API (allowed on loopback only) never speaks TLS: redirects are not
    followed and every call is a path under it. Loading the CA bundle there would cost
    tens of milliseconds and about 2 MB for nothing, so it gets a context that trusts
    no certificate at all: any TLS it were ever asked for would fail, never pass."""
    if base_url.scheme == "https":
        return True
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies, and trusts nothing


_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "traynotify_request_deadline", default=None
)
"""time.monotonic() by which the request under way must end (None: no deadline)."""


def _budget(timeout: float | None, error: type[Exception]) -> float | None:
    """The time a network operation may take: its own timeout, within the deadline."""
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("the request's deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write ends by the request's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _budget(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _budget(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        budget = _budget(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, budget))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's network, with the request's deadline on every connection."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        budget = _budget(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(host, port, budget, local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        budget = _budget(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.connect_unix_socket(path, budget, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _with_deadlines(http: httpx.Client) -> int:
    """Put the deadline on every connection ``http`` makes, direct or through a proxy.

    httpx has no whole-request timeout (encode/httpx#1450); its per-read timeout lets
    an answer that drips in a byte at a time run for ever. Its transports' connection
    pools take a network backend, which httpx does not expose: set it on each. Returns
    how many pools got it (a test checks this still works with the httpx installed).
    """
    done = 0
    for transport in (http._transport, *http._mounts.values()):
        pool = getattr(transport, "_pool", None)
        if isinstance(pool, httpcore.ConnectionPool):
            inner = pool._network_backend
            if not isinstance(inner, _DeadlineBackend):
                pool._network_backend = _DeadlineBackend(inner)
            done += 1
    return done


def _read_timeout(timeout: httpx.Timeout | float) -> float:
    if isinstance(timeout, httpx.Timeout):
        return timeout.read or timeout.connect or 10.0
    return float(timeout)


class Client:
    """A typed client for the notifications API; one instance per key.

    Each request ends within ``deadline`` seconds (default: ``DEADLINE_FACTOR`` times
    the per-read timeout) and reads at most ``max_body`` bytes of answer.
    """

    def __init__(
        self,
        api_url: str,
        api_key: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        on_request: Callable[[], None] | None = None,
        deadline: float | None = None,
        max_body: int = MAX_BODY,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        base_url = httpx.URL(api_url.rstrip("/"))
        self.deadline = DEADLINE_FACTOR * _read_timeout(timeout) if deadline is None else deadline
        """Seconds a whole request may take."""
        self.max_body = max_body
        """Bytes of answer read at most."""
        self._wall_clock = wall_clock
        self._http = httpx.Client(
            base_url=base_url,
            headers={
                "Authorization": f"Bearer {api_key}",
                "User-Agent": USER_AGENT,
                "Accept": "application/json",
                # Only what _body can decode in bounded steps (no brotli or zstd).
                "Accept-Encoding": "gzip",
            },
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
            verify=_tls(base_url),
            trust_env=True,  # proxies, NO_PROXY and SSL_CERT_FILE as users expect ...
            mounts=_bypass_proxies(base_url),  # ... but never for plain http or loopback
        )
        _with_deadlines(self._http)
        self._on_request = on_request

    @property
    def api_url(self) -> str:
        """The API base URL, as the user gave it."""
        return str(self._http.base_url).rstrip("/")

    # -- lifecycle -----------------------------------------------------------
    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- endpoints -----------------------------------------------------------
    def unread_count(self) -> int:
        """GET unread-count: the number for the badge."""
        return parse_count(self._call("GET", f"{BASE_PATH}/unread-count"))

    def list(
        self,
        *,
        unread: bool = False,
        read: bool = False,
        type: str | None = None,
        page: int = 1,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Page:
        """GET one page of notifications, newest first.

        Malformed rows are left out (``Page.skipped``); more rows than ``page_size``
        is an :class:`UnexpectedResponseError`."""
        params = list_params(unread=unread, read=read, type=type, page=page, page_size=page_size)
        return parse_page(self._call("GET", BASE_PATH, params=params), page_size=page_size)

    def pages(
        self,
        *,
        max_pages: int,
        unread: bool = False,
        read: bool = False,
        type: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> Iterator[Page]:
        """The matching pages in order, up to the last page or ``max_pages``, whichever
        comes first (a server's ``total`` is never followed past the bound)."""
        for page_no in range(1, max_pages + 1):
            page = self.list(unread=unread, read=read, type=type, page=page_no, page_size=page_size)
            yield page
            if not page.rows or page_no >= page.last_page:
                return

    def iter_all(
        self,
        *,
        max_pages: int,
        unread: bool = False,
        read: bool = False,
        type: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> Iterator[Notification]:
        """Every matching notification, page after page (at most ``max_pages``)."""
        for page in self.pages(
            max_pages=max_pages, unread=unread, read=read, type=type, page_size=page_size
        ):
            yield from page.items

    def mark_read(self, notification_id: int) -> MarkReadResult:
        """POST mark-read for one id (idempotent on the server)."""
        if isinstance(notification_id, bool) or not isinstance(notification_id, int):
            raise RequestRejected(
                f"Notification id must be a whole number, not {notification_id!r}."
            )
        if notification_id < 0:
            raise RequestRejected(f"Notification id must not be negative ({notification_id}).")
        return parse_mark_read(
            self._call("POST", f"{BASE_PATH}/{notification_id}/mark-read", one_notification=True)
        )

    def mark_all_read(self) -> int:
        """POST mark-all-read; returns how many were flipped."""
        return parse_marked_all(self._call("POST", f"{BASE_PATH}/mark-all-read"))

    # -- transport -----------------------------------------------------------
    def _call(
        self,
        method: str,
        path: str,
        params: dict[str, str] | None = None,
        *,
        one_notification: bool = False,
    ) -> Any:
        if self._on_request is not None:
            self._on_request()
        started = time.monotonic()
        token = _deadline.set(started + self.deadline)
        try:
            with self._http.stream(method, path, params=params) as response:
                body = self._body(response)
        except httpx.TimeoutException as exc:
            if time.monotonic() - started >= self.deadline:
                raise ApiTimeoutError(
                    _(
                        "The BytesSpike server's answer took longer than {seconds:.0f} s; "
                        "it was given up."
                    ).format(seconds=self.deadline)
                ) from exc
            raise ApiTimeoutError(_("The BytesSpike server did not answer in time.")) from exc
        except httpx.TransportError as exc:
            raise ApiConnectionError(
                _("Cannot reach the BytesSpike server at {url}.").format(url=self._http.base_url)
            ) from exc
        except httpx.DecodingError as exc:
            raise UnexpectedResponseError(
                _("The server's answer could not be decoded; check the API URL or proxy.")
            ) from exc
        finally:
            _deadline.reset(token)
        if not response.is_success:
            read = httpx.Response(
                response.status_code,
                headers=response.headers,
                content=body,
                request=response.request,
            )
            raise error_for_response(
                read,
                self._wall_clock(),
                api_url=self.api_url,
                one_notification=one_notification,
            )
        if _too_many_values(body):
            raise UnexpectedResponseError(
                _("The server's answer was not understood: {detail}.").format(
                    detail=f"it holds more than {MAX_VALUES} values"
                ),
                status=response.status_code,
            )
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise UnexpectedResponseError(
                _("The server's answer was not JSON ({kind}); check the API URL or proxy.").format(
                    kind=_media_type(response)
                ),
                status=response.status_code,
            ) from exc

    def _body(self, response: httpx.Response) -> bytes:
        """The answer's body, read a piece at a time, at most ``max_body`` bytes.

        A gzip body is inflated here, in steps that never pass the cap: one small piece
        of a compressed answer can hold a thousand times its size."""
        declared = response.headers.get("Content-Length", "").strip()
        if declared.isascii() and declared.isdigit() and int(declared[:20]) > self.max_body:
            raise self._too_big(response)
        if response.is_stream_consumed:  # a transport that hands over a read answer
            if len(response.content) > self.max_body:
                raise self._too_big(response)
            return response.content
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
            raise self._undecodable()
        inflate = None
        if encoding not in ("", "identity"):
            # gzip, or deflate in its zlib wrapping (what RFC 9110 calls deflate)
            inflate = zlib.decompressobj(zlib.MAX_WBITS | 32)
        # One buffer, grown in place: past a few pages it lives in its own mapping, which
        # goes back to the system when it is dropped (a heap of small pieces would not).
        body = bytearray()
        try:
            for raw in response.iter_raw():
                data = raw
                while data:
                    if inflate is None:
                        piece, data = data, b""
                    else:
                        piece = inflate.decompress(data, self.max_body - len(body) + 1)
                        data = inflate.unconsumed_tail
                    if len(body) + len(piece) > self.max_body:
                        # Free it now: the error's traceback keeps this frame, and callers
                        # may keep the error in a cycle (a Future) until a full collection.
                        body.clear()
                        raise self._too_big(response)
                    body += piece
            if inflate is not None and body:
                body += inflate.flush()
                if not inflate.eof:  # cut short
                    body.clear()
                    raise self._undecodable()
                if len(body) > self.max_body:
                    body.clear()
                    raise self._too_big(response)
        except zlib.error:
            body.clear()
            raise self._undecodable() from None
        return bytes(body)

    def _undecodable(self) -> UnexpectedResponseError:
        return UnexpectedResponseError(
            _("The server's answer could not be decoded; check the API URL or proxy.")
        )

    def _too_big(self, response: httpx.Response) -> UnexpectedResponseError:
        return UnexpectedResponseError(
            _(
                "The server's answer was larger than {limit} MB and was cut off; "
                "check the API URL or proxy."
            ).format(limit=self.max_body // (1024 * 1024) or 1),
            status=response.status_code,
        )


def list_params(
    *,
    unread: bool = False,
    read: bool = False,
    type: str | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> dict[str, str]:
    """Query parameters for a list call; refuses what the spec forbids."""
    if unread and read:
        raise RequestRejected(_("Choose unread or read, not both."))
    if type is not None and type not in KNOWN_TYPES:
        raise RequestRejected(
            _("Unknown notification type {type!r}; known types: {known}.").format(
                type=type, known=", ".join(KNOWN_TYPES)
            )
        )
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise RequestRejected(
            _("Page must be a whole number from 1 up, not {page!r}.").format(page=page)
        )
    if (
        isinstance(page_size, bool)
        or not isinstance(page_size, int)
        or not (1 <= page_size <= MAX_PAGE_SIZE)
    ):
        raise RequestRejected(
            _("Page size must be a whole number from 1 to {max}, not {page_size!r}.").format(
                max=MAX_PAGE_SIZE, page_size=page_size
            )
        )
    params = {"page": str(page), "page_size": str(page_size)}
    if unread:
        params["unread"] = "true"
    if read:
        params["read"] = "true"
    if type is not None:
        params["type"] = type
    return params
