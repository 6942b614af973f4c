"""The demo server answers only requests addressed to loopback, and bounds their bodies.

A web page whose DNS name is rebound to 127.0.0.1 sends its own name as ``Host``: the
demo must not let it read or mark the sample data with the public demo key. Raw HTTP
over a socket, so every header is as the test writes it.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from email.message import Message
from typing import Any

import pytest

from traynotify.devserver import ContractServer
from traynotify.devserver.samples import DEMO_KEY
from traynotify.devserver.server import MAX_BODY, refused_headers

from .conftest import KEY
from .test_cli import cli_env

BASE = "/api/v1/me/notifications"


def exchange(port: int, request: bytes, timeout: float = 20.0) -> tuple[int, Any]:
    """Send one raw request (it asks the server to close after it) and read the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(request)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body) if body else None


def raw_request(
    port: int,
    method: str = "GET",
    path: str = f"{BASE}/unread-count",
    host: str | None = "default",
    extra: str = "",
    body: bytes = b"",
    key: str = KEY,
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1"]
    if host == "default":
        host = f"127.0.0.1:{port}"
    if host is not None:
        lines.append(f"Host: {host}")
    lines += [f"Authorization: Bearer {key}", "Connection: close"]
    if extra:
        lines.append(extra)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body


def port_of(server: ContractServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1:{p}",
        "localhost:{p}",
        "[::1]:{p}",
        "LocalHost:{p}",
        "127.0.0.1",  # the port left out, as for a default one (RFC 9110)
        "localhost:8443",  # an https front on loopback names its own port
    ],
)
def test_loopback_hosts_are_answered(server: ContractServer, host: str) -> None:
    """The name is what a rebound page cannot fake: its browser sends the page's own."""
    port = port_of(server)
    status, body = exchange(port, raw_request(port, host=host.format(p=port)))
    assert (status, body) == (200, {"count": 3})


@pytest.mark.parametrize(
    "host",
    [
        "evil.example:{p}",  # a rebound DNS name
        "evil.example",
        "127.0.0.1.evil.example",
        "127.0.0.1:{p}.evil.example",
        "127.0.0.1:{p}:1",
        "localhost:http",
        "localhost:123456",
        "[::1]x:{p}",
        "::1",
        "localhost.evil.example:{p}",
        "127.0.0.2:{p}",
        "0.0.0.0:{p}",
        "",
        None,  # no Host at all
    ],
)
def test_any_other_host_is_refused_and_marks_nothing(
    server: ContractServer, host: str | None
) -> None:
    port = port_of(server)
    value = None if host is None else host.format(p=port)
    status, body = exchange(port, raw_request(port, "POST", f"{BASE}/mark-all-read", host=value))
    assert status == 400
    assert body["error"]["type"] == "invalid_request_error"
    status, body = exchange(port, raw_request(port, host=value))
    assert status == 400
    assert server.store.unread_count("alice") == 3  # nothing was marked


def test_two_host_headers_are_refused(server: ContractServer) -> None:
    port = port_of(server)
    request = raw_request(port, extra="Host: evil.example")
    assert exchange(port, request)[0] == 400


def test_the_rule_on_its_own() -> None:
    headers = Message()
    headers["Host"] = "localhost"
    assert refused_headers(headers) is None
    headers.replace_header("Host", "[::1]")
    assert refused_headers(headers) is None
    headers.replace_header("Host", "rebound.example")
    assert refused_headers(headers) == (
        400,
        "Host must be one of 127.0.0.1, localhost, [::1] (with a port or not).",
    )


@pytest.mark.parametrize(
    ("length", "status"),
    [
        ("-1", 400),  # read to the end: it used to hold a handler thread for good
        ("abc", 400),
        ("1e3", 400),
        ("+5", 400),
        ("٣", 400),  # an Arabic-Indic digit
        ("99999999999", 413),  # it used to print a MemoryError traceback
        ("9" * 5000, 413),
        (str(MAX_BODY + 1), 413),
    ],
)
def test_content_length_is_bounded(server: ContractServer, length: str, status: int) -> None:
    port = port_of(server)
    request = raw_request(port, "POST", f"{BASE}/mark-all-read", extra=f"Content-Length: {length}")
    got, body = exchange(port, request, timeout=10)
    assert got == status
    assert body["error"]["type"] == "invalid_request_error"
    assert server.store.unread_count("alice") == 3
    # and the server goes on
    assert exchange(port, raw_request(port))[0] == 200


def test_a_body_within_the_bound_is_read_and_the_request_answered(server: ContractServer) -> None:
    port = port_of(server)
    body = b"x" * 100
    request = raw_request(port, "POST", f"{BASE}/mark-all-read", extra="Content-Length: 100")
    assert exchange(port, request + body) == (200, {"marked_read": 3})


@pytest.fixture
def demo() -> Iterator[tuple[subprocess.Popen[str], int]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "traynotify", "demo", "--server-only", "--every", "0"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
    )
    try:
        assert proc.stdout is not None
        head = proc.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)", head)
        assert found, head
        yield proc, int(found.group(1))
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.communicate(timeout=10)


def test_the_demo_never_prints_a_traceback(demo: tuple[subprocess.Popen[str], int]) -> None:
    proc, port = demo
    for length in ("99999999999", "-1", "x", "9" * 5000):
        request = raw_request(
            port, "POST", f"{BASE}/mark-all-read", extra=f"Content-Length: {length}"
        )
        assert exchange(port, request, timeout=10)[0] in (400, 413)
    assert exchange(port, raw_request(port, host="evil.example"), timeout=10)[0] == 400
    # a client that gives up halfway through its headers
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-" % port)
    assert exchange(port, raw_request(port, key=DEMO_KEY))[0] == 200
    proc.terminate()
    _out, err = proc.communicate(timeout=10)
    assert "Traceback" not in err
    assert "Error" not in err
