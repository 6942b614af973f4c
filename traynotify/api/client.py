"""Client for the four ``/api/v1/me/notifications`` endpoints, over httpx.

httpx errors and HTTP statuses become the typed errors of ``traynotify.errors``
here and nowhere else.
"""

from __future__ import annotations

import email.utils
import json
import ssl
import time
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any

import httpx

from .. import __version__
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

BASE_PATH = "/api/v1/me/notifications"
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
USER_AGENT = f"traynotify/{__version__}"
#: Longest Retry-After we honour; a larger value is capped, not trusted blindly.
MAX_RETRY_AFTER = 6 * 3600.0


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date)."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return min(float(text), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    current = time.time() if now is None else now
    return min(max(0.0, when.timestamp() - current), MAX_RETRY_AFTER)


def _error_detail(response: httpx.Response) -> tuple[str | None, str | None]:
    """The documented ``error.type`` and ``error.message``, if the body has them."""
    try:
        data = response.json()
    except (ValueError, UnicodeDecodeError):
        return None, None
    if not isinstance(data, dict) or not isinstance(data.get("error"), dict):
        return None, None
    err = data["error"]
    etype = err.get("type") if isinstance(err.get("type"), str) else None
    message = err.get("message") if isinstance(err.get("message"), str) else None
    return etype, message


def error_for_response(
    response: httpx.Response,
    now: float | None = None,
    *,
    api_url: str | None = None,
    one_notification: bool = False,
) -> ApiError:
    """Translate a non-2xx response into the matching typed error.

    A 404 means "that notification is not yours" only for a call on one notification
    that got the spec's ``not_found_error``; anywhere else the API is not at ``api_url``.
    """
    status = response.status_code
    etype, server_message = _error_detail(response)
    said = (
        _(" (server said: {message})").format(message=server_message.rstrip(". "))
        if server_message
        else ""
    )
    retry_after = parse_retry_after(response.headers.get("Retry-After"), now)
    if status == 400:
        return InvalidRequestError(
            _("The server rejected the request{said}.").format(said=said), status=status
        )
    if status == 401:
        return AuthenticationError(_("The API key is missing or has been revoked."), status=status)
    if status == 404 and not (one_notification and etype == "not_found_error"):
        return WrongApiUrlError(
            _(
                "Wrong API URL: {url} has no BytesSpike notifications API (HTTP 404); "
                "check BYTESPIKE_API_URL or --api-url."
            ).format(url=api_url or response.request.url),
            status=status,
        )
    if status == 404:
        return NotFoundError(
            _("That notification does not exist or is not yours{said}.").format(said=said),
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


class Client:
    """A typed client for the notifications API; one instance per key."""

    def __init__(
        self,
        api_url: str,
        api_key: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        on_request: Callable[[], None] | None = None,
    ) -> None:
        base_url = httpx.URL(api_url.rstrip("/"))
        self._http = httpx.Client(
            base_url=base_url,
            headers={
                "Authorization": f"Bearer {api_key}",
                "User-Agent": USER_AGENT,
                "Accept": "application/json",
            },
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
            verify=_tls(base_url),
            trust_env=True,  # proxies, NO_PROXY and SSL_CERT_FILE as users expect ...
            mounts=_bypass_proxies(base_url),  # ... but never for plain http or loopback
        )
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
        """GET one page of notifications, newest first."""
        params = list_params(unread=unread, read=read, type=type, page=page, page_size=page_size)
        return parse_page(self._call("GET", BASE_PATH, params=params))

    def iter_all(
        self,
        *,
        unread: bool = False,
        read: bool = False,
        type: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> Iterator[Notification]:
        """Every matching notification, page after page, up to the last page."""
        page_no = 1
        while True:
            page = self.list(unread=unread, read=read, type=type, page=page_no, page_size=page_size)
            yield from page.items
            if not page.items or page_no >= page.last_page:
                return
            page_no += 1

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
        try:
            response = self._http.request(method, path, params=params)
        except httpx.TimeoutException as exc:
            raise ApiTimeoutError(_("The BytesSpike server did not answer in time.")) from exc
        except httpx.TransportError as exc:
            raise ApiConnectionError(
                _("Cannot reach the BytesSpike server at {url}.").format(url=self._http.base_url)
            ) from exc
        if not response.is_success:
            raise error_for_response(
                response, api_url=self.api_url, one_notification=one_notification
            )
        try:
            return json.loads(response.content)
        except (ValueError, UnicodeDecodeError) as exc:
            kind = response.headers.get("Content-Type", "no content type").split(";")[0]
            raise UnexpectedResponseError(
                _("The server's answer was not JSON ({kind}); check the API URL or proxy.").format(
                    kind=kind
                ),
                status=response.status_code,
            ) from exc


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
