"""Proxies from the environment: used for https, never for plain http or loopback.

A recording proxy on loopback answers every request with 502 and keeps what it was sent.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from traynotify.api.client import Client
from traynotify.devserver import ContractServer
from traynotify.errors import ApiConnectionError

from .conftest import KEY

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


class RecordingProxy:
    """Keeps the head of each request it gets, and refuses to forward it."""

    def __init__(self) -> None:
        self.heads: list[bytes] = []
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                head = b""
                try:
                    while b"\r\n\r\n" not in head:
                        chunk = conn.recv(4096)
                        if not chunk:
                            break
                        head += chunk
                    self.heads.append(head)
                    conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                except OSError:
                    pass

    def close(self) -> None:
        self._sock.close()


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingProxy]:
    recorder = RecordingProxy()
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    yield recorder
    recorder.close()


def set_proxy(monkeypatch: pytest.MonkeyPatch, url: str, *names: str) -> None:
    for name in names:
        monkeypatch.setenv(name, url)
        monkeypatch.setenv(name.lower(), url)


def test_plain_http_never_goes_through_a_proxy(
    proxy: RecordingProxy, monkeypatch: pytest.MonkeyPatch, server: ContractServer
) -> None:
    """The demo's http://127.0.0.1 API with HTTP_PROXY set: the key stays off the proxy."""
    set_proxy(monkeypatch, proxy.url, "HTTP_PROXY", "ALL_PROXY")
    with Client(server.url, KEY) as client:
        assert client.unread_count() == 3
    assert proxy.heads == []
    assert server.requests()[-1].key == KEY


def test_localhost_by_name_and_ipv6_loopback_skip_the_proxy_too(
    proxy: RecordingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_proxy(monkeypatch, proxy.url, "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
    for url in ("https://localhost:9", "https://[::1]:9", "http://localhost:9"):
        with Client(url, KEY) as client, pytest.raises(ApiConnectionError):
            client.unread_count()
    assert proxy.heads == []


def test_https_honours_the_environment_proxy_through_a_tunnel(
    proxy: RecordingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_proxy(monkeypatch, proxy.url, "HTTPS_PROXY")
    with Client("https://api.example.test", KEY) as client, pytest.raises(ApiConnectionError):
        client.unread_count()
    (head,) = proxy.heads
    assert head.startswith(b"CONNECT api.example.test:443 HTTP/1.1\r\n")
    assert KEY.encode() not in head  # the key only travels inside TLS, end to end
    assert b"authorization" not in head.lower()
