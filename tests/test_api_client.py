"""The API client: against the contract server over loopback, and edge cases via MockTransport."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

from traynotify import __version__, errors
from traynotify.api.client import Client, _tls, parse_retry_after
from traynotify.devserver import ContractServer

from .conftest import KEY

BASE = "/api/v1/me/notifications"

# -- over a real loopback socket ------------------------------------------------------


def test_all_four_endpoints_against_the_contract_server(client: Client) -> None:
    assert client.unread_count() == 3
    page = client.list(unread=True, page_size=2)
    assert [n.id for n in page.items] == [5001, 5003]
    assert page.total == 3
    assert page.last_page == 2
    first = page.items[0]
    assert first.type == "system.payment.received"
    assert first.created_at == datetime(2026, 5, 22, 16, tzinfo=timezone.utc)
    assert first.unread
    result = client.mark_read(5001)
    assert result.id == 5001
    assert result.read_at.tzinfo is not None
    assert client.unread_count() == 2
    assert client.mark_all_read() == 2
    assert client.mark_all_read() == 0
    assert client.unread_count() == 0


def test_filters_reach_the_server(client: Client, server: ContractServer) -> None:
    read_rows = client.list(read=True, type="system.payment.received", page=1, page_size=5)
    assert [n.id for n in read_rows.items] == [5006]
    assert read_rows.items[0].read_at is not None
    seen = server.requests(BASE)[-1].query
    assert seen == {
        "read": ["true"],
        "type": ["system.payment.received"],
        "page": ["1"],
        "page_size": ["5"],
    }


def test_iter_all_walks_to_the_last_page(client: Client, server: ContractServer) -> None:
    for n in range(7):
        server.store.add("alice", "admin.org.member.add", f"member {n}")
    ids = [n.id for n in client.iter_all(page_size=3, max_pages=50)]
    assert len(ids) == 12 == len(set(ids))
    assert len(server.requests(BASE)) == 4  # pages 1..4, no extra empty page


def test_null_link_is_kept(client: Client) -> None:
    note = next(n for n in client.iter_all(max_pages=1) if n.id == 5004)
    assert note.link is None


def test_errors_from_the_server_are_typed(client: Client, server: ContractServer) -> None:
    with pytest.raises(errors.NotFoundError) as not_found:
        client.mark_read(7001)  # Bob's
    assert not_found.value.status == 404
    server.store.revoke_key(KEY)
    with pytest.raises(errors.AuthenticationError, match="missing or has been revoked"):
        client.unread_count()


def test_connection_refused_is_a_connection_error() -> None:
    with (
        Client("http://127.0.0.1:1", KEY, timeout=2) as c,
        pytest.raises(errors.ApiConnectionError, match="Cannot reach"),
    ):
        c.unread_count()


def test_https_checks_certificates_and_plain_http_trusts_none() -> None:
    """https verifies against the CA bundle as httpx does; a plain-http (loopback) API never
    speaks TLS, so it loads no bundle, and the context it has would refuse any certificate."""
    assert _tls(httpx.URL("https://api.example.com")) is True
    plain = _tls(httpx.URL("http://127.0.0.1:8080"))
    assert isinstance(plain, ssl.SSLContext)
    assert plain.verify_mode == ssl.CERT_REQUIRED
    assert plain.check_hostname
    assert plain.cert_store_stats()["x509_ca"] == 0


def test_headers_sent(client: Client, server: ContractServer) -> None:
    captured: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        captured.append(request)
        return httpx.Response(200, json={"count": 1})

    with Client("https://api.example.test", "k-123", transport=httpx.MockTransport(handler)) as c:
        c.unread_count()
    request = captured[0]
    assert request.headers["Authorization"] == "Bearer k-123"
    assert request.headers["User-Agent"] == f"traynotify/{__version__}"
    assert str(request.url) == f"https://api.example.test{BASE}/unread-count"


# -- edge cases with a mock transport -----------------------------------------------


def mock(handler: Callable[[httpx.Request], httpx.Response]) -> Client:
    return Client("https://api.example.test", "k", transport=httpx.MockTransport(handler))


def answer(
    status: int,
    body: Any = None,
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
) -> Client:
    def handler(request: httpx.Request) -> httpx.Response:
        if content is not None:
            return httpx.Response(status, content=content, headers=headers)
        return httpx.Response(status, json=body, headers=headers)

    return mock(handler)


@pytest.mark.parametrize(
    ("status", "body", "error", "text"),
    [
        (
            400,
            {"error": {"type": "invalid_request_error", "message": "bad"}},
            errors.InvalidRequestError,
            "^The server rejected the request.$",
        ),
        (401, {"error": {"type": "authentication_error"}}, errors.AuthenticationError, "revoked"),
        (404, {"error": {"type": "not_found_error"}}, errors.WrongApiUrlError, "Wrong API URL"),
        (429, {"error": {"type": "rate_limit_error"}}, errors.RateLimitedError, "rate limit"),
        (500, None, errors.ServerError, "HTTP 500"),
        (502, None, errors.ServerError, "HTTP 502"),
        (503, {"error": {}}, errors.ServerError, "HTTP 503"),
        (418, None, errors.UnexpectedResponseError, "HTTP 418"),
        (302, None, errors.UnexpectedResponseError, "HTTP 302"),
    ],
)
def test_each_status_becomes_its_own_error(
    status: int, body: Any, error: type[errors.ApiError], text: str
) -> None:
    with answer(status, body) as c, pytest.raises(error, match=text) as info:
        c.unread_count()
    assert type(info.value) is error
    assert info.value.status == status


def test_retry_after_seconds_is_kept() -> None:
    with (
        answer(429, {}, {"Retry-After": "42"}) as c,
        pytest.raises(errors.RateLimitedError) as info,
    ):
        c.unread_count()
    assert info.value.retry_after == 42.0


def test_retry_after_on_503_is_kept() -> None:
    with answer(503, {}, {"Retry-After": "5"}) as c, pytest.raises(errors.ServerError) as info:
        c.unread_count()
    assert info.value.retry_after == 5.0


def test_parse_retry_after_forms() -> None:
    now = datetime(2026, 5, 22, 8, 0, 0, tzinfo=timezone.utc).timestamp()
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after("Fri, 22 May 2026 08:01:30 GMT", now) == 90.0
    assert parse_retry_after("Fri, 22 May 2026 07:00:00 GMT", now) == 0.0  # in the past
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after("", now) is None
    assert parse_retry_after(None, now) is None
    assert parse_retry_after("-5", now) is None
    assert parse_retry_after("99999999", now) == 6 * 3600.0  # capped


def test_timeout_becomes_timeout_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with mock(handler) as c, pytest.raises(errors.ApiTimeoutError):
        c.unread_count()


def test_connection_failure_becomes_connection_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with mock(handler) as c, pytest.raises(errors.ApiConnectionError):
        c.mark_all_read()


def test_html_from_a_proxy_is_an_unexpected_response() -> None:
    c = answer(200, content=b"<html>login</html>", headers={"Content-Type": "text/html"})
    with c, pytest.raises(errors.UnexpectedResponseError, match="not JSON \\(text/html\\)"):
        c.unread_count()


GOOD_ITEM = {
    "id": 5001,
    "type": "system.payment.received",
    "title": "t",
    "body": "b",
    "link": "/billing",
    "read_at": None,
    "created_at": "2026-05-22T08:08:00Z",
}


def page_of(*items: Any, total: Any = 1) -> dict[str, Any]:
    return {"items": list(items), "total": total, "page": 1, "page_size": 50}


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"count": "7"}, "count"),
        ({"count": True}, "count"),
        ({"count": -1}, "count"),
        ({}, "count is missing"),
        ([], "not a JSON object"),
        ({"items": {}, "total": 0, "page": 1, "page_size": 50}, "items is not a list"),
        (page_of(GOOD_ITEM, total="1"), "total"),
        ({"items": [], "total": 0, "page_size": 50}, "page is missing"),
        ({"total": 0, "page": 1, "page_size": 50}, "items is missing"),
    ],
)
def test_wrong_shapes_are_unexpected_responses(body: Any, where: str) -> None:
    c = answer(200, body)
    call = c.list if isinstance(body, list) or "total" in body else c.unread_count
    with c, pytest.raises(errors.UnexpectedResponseError, match=where):
        call()


def test_timestamps_with_offsets_and_without_zone() -> None:
    items = [
        {**GOOD_ITEM, "id": 1, "created_at": "2026-05-22T10:08:00+02:00"},
        {**GOOD_ITEM, "id": 2, "created_at": "2026-05-22T08:08:00"},
    ]
    with answer(200, page_of(*items, total=2)) as c:
        a, b = c.list().items
    assert a.created_at == b.created_at == datetime(2026, 5, 22, 8, 8, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        ({"unread": True, "read": True}, "not both"),
        ({"type": "admin.org.member.remove"}, "Unknown notification type"),
        ({"page_size": 201}, "1 to 200"),
        ({"page_size": 0}, "1 to 200"),
        ({"page": 0}, "from 1"),
    ],
)
def test_what_the_spec_forbids_is_never_sent(kwargs: dict[str, Any], text: str) -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=page_of())

    with mock(handler) as c, pytest.raises(errors.RequestRejected, match=text):
        c.list(**kwargs)
    assert sent == []


def test_negative_id_is_never_sent() -> None:
    with answer(200, {}) as c, pytest.raises(errors.RequestRejected):
        c.mark_read(-3)


def test_iter_all_stops_even_if_the_server_keeps_answering() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        page = int(request.url.params["page"])
        item = {**GOOD_ITEM, "id": page}
        return httpx.Response(200, json={"items": [item], "total": 3, "page": page, "page_size": 1})

    with mock(handler) as c:
        ids = [n.id for n in c.iter_all(page_size=1, max_pages=50)]
    assert ids == [1, 2, 3]
    assert len(calls) == 3


def test_errors_do_not_contain_the_key() -> None:
    with (
        Client("http://127.0.0.1:1", "secret-key-xyz", timeout=1) as c2,
        pytest.raises(errors.ApiConnectionError) as info2,
    ):
        c2.unread_count()
    assert "secret-key-xyz" not in str(info2.value)
