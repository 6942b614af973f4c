"""What a security review found to hold, kept so it goes on holding: hostile links,
redirects that would carry the key elsewhere, private file modes, and writes over a
planted link. (Markup and bidi escaping: tests/test_notifier.py, test_toasts.py,
test_menu_and_badge.py, test_text.py; http refused off loopback: tests/test_cli.py;
another account on the socket: tests/test_instance.py, test_local_trust.py.)"""

from __future__ import annotations

import json
import stat
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from traynotify import errors
from traynotify.api.client import Client
from traynotify.core.links import safe_link
from traynotify.desktop.files import write_atomic
from traynotify.desktop.instance import INFO_NAME, Instance
from traynotify.desktop.seen import SeenStore

from .conftest import KEY

CONSOLE = "https://console.bytespike.ai"


@pytest.mark.parametrize(
    "link",
    [
        "vbscript:msgbox(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "javascript&colon;alert(1)",
        "https:evil.example",
        "https:/evil.example",
        "HTTPS://EVIL.EXAMPLE/x",
        "https://console.bytespike.ai.evil.example/",
        "https://evil.example#console.bytespike.ai",
        "https://evil.example?console.bytespike.ai",
        "/\\/evil.example",
        "\\/evil.example",
        "ftp://console.bytespike.ai/",
        "blob:https://console.bytespike.ai/x",
        "about:blank",
        "/\u2028x",
        "/\u200bx",
        "https://console.bytespike.ai\\@evil.example",
        "\x01/billing",
        "/billing\r\nSet-Cookie: a=b",
        "https://user:pass@console.bytespike.ai/",
        "http://127.0.0.1/",
        "/..\\evil",
    ],
)
def test_more_hostile_links_are_refused(link: str) -> None:
    """With the table in tests/test_links.py, the review's 40 and more."""
    assert safe_link(CONSOLE, link) is None


class _Recorder(BaseHTTPRequestHandler):
    seen: list[tuple[str, str | None]]
    location = ""

    def do_GET(self) -> None:
        self.seen.append((self.path, self.headers.get("Authorization")))
        if self.location:
            self.send_response(302)
            self.send_header("Location", self.location)
        else:
            self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve(location: str) -> tuple[ThreadingHTTPServer, list[tuple[str, str | None]]]:
    seen: list[tuple[str, str | None]] = []
    handler = type("H", (_Recorder,), {"seen": seen, "location": location})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    return httpd, seen


@pytest.fixture
def redirect() -> Iterator[tuple[str, list[tuple[str, str | None]], list[tuple[str, str | None]]]]:
    elsewhere, elsewhere_seen = _serve("")
    target = f"http://127.0.0.1:{elsewhere.server_address[1]}/steal"
    api, api_seen = _serve(target)
    try:
        yield f"http://127.0.0.1:{api.server_address[1]}", api_seen, elsewhere_seen
    finally:
        for httpd in (api, elsewhere):
            httpd.shutdown()
            httpd.server_close()


def test_a_redirect_is_not_followed_with_the_key(
    redirect: tuple[str, list[tuple[str, str | None]], list[tuple[str, str | None]]],
) -> None:
    url, api_seen, elsewhere_seen = redirect
    with Client(url, KEY) as client, pytest.raises(errors.UnexpectedResponseError):
        client.unread_count()
    assert len(api_seen) == 1
    assert elsewhere_seen == []  # the key went nowhere else


def test_the_apps_files_are_the_users_only(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    instance = Instance(folder)
    assert instance.acquire()
    instance.serve(lambda command: None)
    try:
        store = SeenStore(folder / "seen.json", "https://api")
        store.add([1])
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        for name in (INFO_NAME, "seen.json", "instance.lock"):
            assert stat.S_IMODE((folder / name).stat().st_mode) & 0o077 == 0, name
    finally:
        instance.close()


def test_an_atomic_write_replaces_a_planted_link_and_leaves_its_target(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.write_text("precious")
    path = tmp_path / "state.json"
    path.symlink_to(target)
    write_atomic(path, json.dumps({"a": 1}))
    assert target.read_text() == "precious"
    assert not path.is_symlink()
    assert json.loads(path.read_text()) == {"a": 1}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
