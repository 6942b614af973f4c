"""Making the contract server misbehave by hand: the demo server's command console."""

from __future__ import annotations

import re
import subprocess
import sys

import httpx
import pytest

from traynotify.devserver import ContractServer
from traynotify.devserver.console import apply_command
from traynotify.devserver.samples import DEMO_KEY, seed, ticker

COUNT = "/api/v1/me/notifications/unread-count"


@pytest.fixture
def demo() -> ContractServer:
    srv = ContractServer()
    seed(srv.store)
    return srv.start()


def get(server: ContractServer, key: str = DEMO_KEY) -> httpx.Response:
    return httpx.get(server.url + COUNT, headers={"Authorization": f"Bearer {key}"}, timeout=2)


def test_console_commands_change_what_the_server_answers(demo: ContractServer) -> None:
    events = ticker(1)
    try:
        assert apply_command(demo, "fault 503 30", events) == (
            "every request now gets HTTP 503 with Retry-After: 30"
        )
        response = get(demo)
        assert (response.status_code, response.headers["Retry-After"]) == (503, "30")
        assert get(demo).status_code == 503  # until cleared
        assert apply_command(demo, "clear", events) == "normal answers again"
        assert get(demo).json() == {"count": 3}
        assert apply_command(demo, "add", events).startswith("added ")
        assert get(demo).json() == {"count": 4}
        apply_command(demo, "html", events)
        assert get(demo).headers["content-type"] == "text/html"
        apply_command(demo, "clear", events)
        apply_command(demo, "revoke", events)
        assert get(demo).status_code == 401
        apply_command(demo, "restore", events)
        assert get(demo).status_code == 200
        apply_command(demo, "slow 5", events)
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(demo.url + COUNT, timeout=0.3)
    finally:
        demo.stop()


def test_fault_with_an_http_date(demo: ContractServer) -> None:
    try:
        apply_command(demo, "fault 503 Wed, 21 Oct 2099 07:28:00 GMT", ticker(1))
        assert get(demo).headers["Retry-After"] == "Wed, 21 Oct 2099 07:28:00 GMT"
    finally:
        demo.stop()


@pytest.mark.parametrize(
    ("line", "reply"),
    [
        ("fault", "fault: missing or wrong value (try 'help')"),
        ("fault 200", "fault takes an HTTP error status from 400 to 599"),
        ("slow soon", "slow: missing or wrong value (try 'help')"),
        ("reboot", "unknown command 'reboot' (try 'help')"),
        ("   ", ""),
    ],
)
def test_console_rejects_bad_commands(line: str, reply: str) -> None:
    server = ContractServer()
    try:
        assert apply_command(server, line, ticker(1)) == reply
    finally:
        server.stop()


def test_typing_commands_into_the_running_demo_server() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "traynotify", "demo", "--server-only", "--every", "0"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    try:
        head = ""
        while "Type 'help'" not in head:
            line = proc.stdout.readline()
            assert line, head
            head += line
        url = re.search(r"BYTESPIKE_API_URL=(\S+)", head)
        assert url, head
        proc.stdin.write("fault 500\n")
        proc.stdin.flush()
        assert proc.stdout.readline() == "every request now gets HTTP 500\n"
        response = httpx.get(
            url.group(1) + COUNT, headers={"Authorization": f"Bearer {DEMO_KEY}"}, timeout=5
        )
        assert response.status_code == 500
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdin.close()
        proc.stdout.close()
