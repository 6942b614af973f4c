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

LIST = "/api/v1/me/notifications"
COUNT = f"{LIST}/unread-count"


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


def test_console_arms_the_fault_front(demo: ContractServer) -> None:
    events = ticker(1)
    headers = {"Authorization": f"Bearer {DEMO_KEY}"}
    try:
        assert apply_command(demo, "huge 2", events) == "every request now gets a 2 MB answer"
        assert len(get(demo).content) == 2 * 1024 * 1024
        apply_command(demo, "clear", events)
        assert apply_command(demo, "badrow", events) == (
            "the first row of every list now has a numeric link"
        )
        rows = httpx.get(demo.url + LIST, headers=headers, timeout=2).json()["items"]
        assert rows[0]["link"] == 42
        assert get(demo).json() == {"count": 3}  # the count is left alone
        apply_command(demo, "clear", events)
        assert apply_command(demo, "drip 0.2", events) == (
            "every answer now drips, a byte every 0.2 s"
        )
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(demo.url + COUNT, headers=headers, timeout=httpx.Timeout(5, read=0.1))
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
        ("drip 0", "drip takes a number of seconds above 0, at most 60"),
        ("drip nan", "drip takes a number of seconds above 0, at most 60"),
        ("huge 0", "huge takes a number of megabytes from 1 to 4096"),
        ("huge lots", "huge: missing or wrong value (try 'help')"),
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
