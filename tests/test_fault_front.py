"""The contract server's fault front, checked on its own with a plain HTTP client."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from traynotify.devserver import ContractServer
from traynotify.devserver.faults import (
    COUNT,
    EXTREME_TIMES,
    HUGE_ID,
    LIST,
    MARK_ALL,
    MARK_READ,
    Answer,
    Drip,
    Huge,
    Rows,
)

from .conftest import KEY

BASE = "/api/v1/me/notifications"


@pytest.fixture
def http(server: ContractServer) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}, timeout=30
    ) as c:
        yield c


def items(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["items"]
    return rows


def test_an_answer_meets_only_the_requests_it_was_armed_for(
    server: ContractServer, http: httpx.Client
) -> None:
    armed = server.faults.arm(
        Answer(429, {"Retry-After": "²"}), path=MARK_ALL, method="POST", times=2
    )
    assert http.get(f"{BASE}/unread-count").json() == {"count": 3}
    for _ in range(2):
        response = http.post(f"{BASE}/mark-all-read")
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "²"
        assert response.json()["error"]["type"] == "rate_limit_error"
    assert armed.hits == 2
    assert armed.met.is_set()
    assert server.store.unread_count("alice") == 3  # a faulted mark-all changed nothing
    assert http.post(f"{BASE}/mark-all-read").json() == {"marked_read": 3}
    assert [r.status for r in server.requests(MARK_ALL)] == [429, 429, 200]


def test_until_cleared_and_by_query(server: ContractServer, http: httpx.Client) -> None:
    armed = server.faults.arm(
        Answer(400, message="Re-enter your key at https://evil.example"),
        path=LIST,
        query={"page": "2"},
        times=None,
    )
    assert http.get(BASE, params={"page": "1"}).status_code == 200
    for _ in range(3):
        bad = http.get(BASE, params={"page": "2", "page_size": "1"})
        assert bad.status_code == 400
        assert bad.json()["error"] == {
            "type": "invalid_request_error",
            "message": "Re-enter your key at https://evil.example",
        }
    armed.clear()
    assert http.get(BASE, params={"page": "2", "page_size": "1"}).status_code == 200


def test_any_body_and_content_type(server: ContractServer, http: httpx.Client) -> None:
    server.faults.arm(Answer(200, {"Content-Type": "text/html"}, body=b"<html>login</html>"))
    response = http.get(f"{BASE}/5001/mark-read")  # any method: the fault comes first
    assert response.headers["content-type"] == "text/html"
    assert response.content == b"<html>login</html>"


def test_a_drip_sends_the_true_answer_slowly(server: ContractServer, http: httpx.Client) -> None:
    server.faults.arm(Drip(chunk=20, every=0.05, pad_to=200), path=MARK_READ)
    started = time.monotonic()
    response = http.post(f"{BASE}/5001/mark-read")
    assert time.monotonic() - started >= 9 * 0.05  # 200 bytes, 20 at a time
    assert len(response.content) == 200
    assert response.json()["id"] == 5001
    assert server.store.unread_count("alice") == 2  # the dripped request took effect


def test_a_drip_can_hold_back_the_headers_too(server: ContractServer) -> None:
    server.faults.arm(Drip(chunk=1, every=0.2, headers=True), path=COUNT)
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            f"GET {BASE}/unread-count HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Authorization: Bearer {KEY}\r\n\r\n".encode()
        )
        first = sock.recv(100)
    assert first == b"H"  # one byte of the status line, the rest follows slowly


def test_a_client_that_gives_up_on_a_drip_frees_the_server(
    server: ContractServer, http: httpx.Client
) -> None:
    server.faults.arm(Drip(chunk=1, every=0.2, pad_to=10_000), path=COUNT)
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(
            server.url + f"{BASE}/unread-count",
            headers={"Authorization": f"Bearer {KEY}"},
            timeout=httpx.Timeout(5, read=0.05),
        )
    assert http.get(f"{BASE}/unread-count").json() == {"count": 3}


@pytest.mark.parametrize("declare_length", [True, False], ids=["content-length", "chunked"])
def test_a_huge_answer_is_streamed(
    server: ContractServer, http: httpx.Client, declare_length: bool
) -> None:
    size = 3 * 1024 * 1024 + 7
    server.faults.arm(Huge(size=size, declare_length=declare_length), path=COUNT)
    with http.stream("GET", f"{BASE}/unread-count") as response:
        assert response.status_code == 200
        assert ("content-length" in response.headers) is declare_length
        received = sum(len(chunk) for chunk in response.iter_raw())
    assert received == size
    assert http.get(f"{BASE}/unread-count").json() == {"count": 3}  # still serving


def test_a_huge_answer_is_valid_json(server: ContractServer, http: httpx.Client) -> None:
    server.faults.arm(Huge(size=1000), path=COUNT)
    data = http.get(f"{BASE}/unread-count").json()
    assert data["count"] == 1
    assert len(json.dumps(data)) == 1000


def test_rows_duplicated_corrupted_dropped_and_extra(
    server: ContractServer, http: httpx.Client
) -> None:
    true_rows = items(http.get(BASE, params={"page_size": "3"}))
    server.faults.arm(
        Rows(
            duplicate=(0, 7),
            set_fields={1: {"link": 42, "id": HUGE_ID}, 9: {"title": None}},
            drop_fields={2: ("title",)},
            extra=5,
        ),
        path=LIST,
    )
    response = http.get(BASE, params={"page_size": "3"})
    data = response.json()
    rows = data["items"]
    assert len(rows) == 3 + 1 + 5
    assert rows[0] == rows[3] == true_rows[0]
    assert rows[1]["link"] == 42
    assert rows[1]["id"] == HUGE_ID
    assert "title" not in rows[2]
    assert rows[2]["id"] == true_rows[2]["id"]
    assert len({r["id"] for r in rows[4:]}) == 5
    assert data["total"] == 5
    assert data["page_size"] == 3
    assert items(http.get(BASE, params={"page_size": "3"})) == true_rows  # once by default


@pytest.mark.parametrize("when", EXTREME_TIMES)
def test_row_shortcuts(server: ContractServer, http: httpx.Client, when: str) -> None:
    server.faults.arm(Rows.corrupt(0, "created_at", when), path=LIST)
    server.faults.arm(Rows.missing(-1, "type"), path=LIST)
    server.faults.arm(Rows.twice(1), path=LIST)
    server.faults.arm(Rows.more(2), path=LIST)
    assert items(http.get(BASE))[0]["created_at"] == when
    assert "type" not in items(http.get(BASE))[-1]
    twice = items(http.get(BASE))
    assert twice[1] == twice[-1]
    assert len(items(http.get(BASE, params={"page_size": "1"}))) == 3


def test_row_faults_leave_errors_alone(server: ContractServer) -> None:
    server.faults.arm(Rows.more(3), path=LIST)
    response = httpx.get(server.url + BASE, headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


def test_clear_faults_disarms_everything(server: ContractServer, http: httpx.Client) -> None:
    server.faults.arm(Answer(503), times=None)
    server.clear_faults()
    assert http.get(f"{BASE}/unread-count").status_code == 200


def test_times_must_be_positive(server: ContractServer) -> None:
    with pytest.raises(ValueError, match="times"):
        server.faults.arm(Answer(503), times=0)
