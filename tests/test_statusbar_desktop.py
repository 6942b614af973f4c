"""Status bars beside a real tray app on the virtual desktop: count, watch, read --all and
open ask the running app over its channel and send no request of their own.

The tray app signs in with one of alice's keys and the bar's commands with another, so
the contract server's log tells whose requests it saw.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import IO

import pytest

from traynotify.devserver import ContractServer

from .conftest import Launch
from .desktop import AppProcess, wait_for
from .test_cli import traynotify
from .test_statusbar import WAYBAR_SCHEMA

pytestmark = pytest.mark.desktop

BAR_KEY = "test-key-alice-2"
"""alice's second key: what the bar's commands run with."""
TRAY_INTERVAL = 1.0


def bar_env(app: AppProcess) -> dict[str, str]:
    return {**app.env, "BYTESPIKE_API_KEY": BAR_KEY, "BROWSER": "false"}


def bar_requests(server: ContractServer) -> list[str]:
    return [r.path for r in server.requests() if r.key == BAR_KEY]


class Lines:
    """The lines a long-running command prints, read on a thread as they come."""

    def __init__(self, stream: IO[str]) -> None:
        self._queue: queue.Queue[str] = queue.Queue()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(line.rstrip("\n"))

    def next(self, what: str, timeout: float = 20.0) -> str:
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}")

    def pending(self) -> list[str]:
        out = []
        while not self._queue.empty():
            out.append(self._queue.get_nowait())
        return out


@pytest.fixture
def watching(launch: Launch) -> Iterator[list[subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def start_watch(
    procs: list[subprocess.Popen[str]], env: dict[str, str], fmt: str
) -> tuple[subprocess.Popen[str], Lines]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "traynotify", "watch", "--format", fmt, "--interval", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    procs.append(proc)
    assert proc.stdout is not None
    return proc, Lines(proc.stdout)


def test_count_in_every_format_reads_the_tray_and_sends_nothing(
    launch: Launch, server: ContractServer
) -> None:
    app = launch()
    wait_for("the count", lambda: app.title() == "traynotify: 3 unread")
    server.store.add("alice", "admin.org.member.add", "Ana joined", "", None)
    wait_for("the tray's count", lambda: app.title() == "traynotify: 4 unread")
    env = bar_env(app)
    text = traynotify("count", env=env)
    assert (text.returncode, text.stdout, text.stderr) == (0, "4\n", "")
    data = json.loads(traynotify("count", "--format", "json", env=env).stdout)
    assert (data["count"], data["state"], data["source"]) == (4, "fresh", "tray")
    assert data["titles"][0] == "Ana joined"
    import jsonschema

    waybar = json.loads(traynotify("count", "--format", "waybar", env=env).stdout)
    jsonschema.validate(waybar, WAYBAR_SCHEMA)
    assert (waybar["text"], waybar["class"]) == ("4", ["unread", "fresh"])
    assert bar_requests(server) == []
    # --direct asks the server: one request, with the bar's own key
    assert traynotify("count", "--direct", env=env).stdout == "4\n"
    assert len(bar_requests(server)) == 1


def test_count_beside_the_tray_imports_no_http_library(launch: Launch) -> None:
    app = launch()
    wait_for("the count", lambda: app.title() == "traynotify: 3 unread")
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "traynotify", "count"],
        env=bar_env(app),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout == "3\n"
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines()}
    assert "traynotify.desktop.channel" in imported  # it did ask the tray
    assert not {m for m in imported if m.split(".")[0] in ("httpx", "httpcore", "keyring")}
    assert "traynotify.credentials" not in imported


def test_watch_follows_the_tray_line_by_line(
    launch: Launch, server: ContractServer, watching: list[subprocess.Popen[str]]
) -> None:
    app = launch()
    wait_for("the count", lambda: app.title() == "traynotify: 3 unread")
    proc, lines = start_watch(watching, bar_env(app), "json")
    first = json.loads(lines.next("the first line"))
    assert (first["count"], first["source"]) == (3, "tray")
    server.store.add("alice", "admin.org.member.add", "Ana joined", "", None)
    # within one tray interval of the tray seeing it (the tray polls every second)
    wait_for("the tray's count", lambda: app.title() == "traynotify: 4 unread")
    changed = json.loads(lines.next("a line for the change", timeout=TRAY_INTERVAL + 5))
    assert (changed["count"], changed["titles"][0]) == (4, "Ana joined")
    time.sleep(4 * TRAY_INTERVAL)  # four tray polls with nothing new
    assert lines.pending() == []
    assert bar_requests(server) == []
    assert proc.poll() is None


def test_read_all_and_open_from_the_bar_go_through_the_tray(
    launch: Launch, server: ContractServer
) -> None:
    app = launch()
    wait_for("the count", lambda: app.title() == "traynotify: 3 unread")
    env = bar_env(app)
    done = traynotify("read", "--all", env=env)
    # the tray answers once the server has: what it did, not what it hoped for
    assert (done.returncode, done.stdout) == (0, "Marked 3 notifications read.\n")
    wait_for("the tray's badge to drop", lambda: app.title() == "traynotify: 0 unread")
    assert server.store.unread_count("alice") == 0
    done = traynotify("open", env=env)  # BROWSER=false here: only the tray can open it
    assert (done.returncode, done.stderr) == (0, "")
    assert wait_for("the tray to open the console", app.opened_urls) == [
        "https://console.bytespike.ai/"
    ]
    assert bar_requests(server) == []


def test_watch_outlives_the_tray(
    launch: Launch, server: ContractServer, watching: list[subprocess.Popen[str]]
) -> None:
    app = launch()
    wait_for("the count", lambda: app.title() == "traynotify: 3 unread")
    proc, lines = start_watch(watching, bar_env(app), "text")
    assert lines.next("the first line") == "3"
    app.proc.kill()
    app.proc.wait(timeout=10)
    server.store.add("alice", "admin.org.member.add", "Ana joined", "", None)
    # no tray: watch polls by itself, with its own key
    assert lines.next("the count from its own poll", timeout=30) == "4"
    assert bar_requests(server)
    again = launch()
    wait_for("the restarted tray's count", lambda: again.title() == "traynotify: 4 unread")
    server.store.add("alice", "admin.org.member.add", "Bo joined", "", None)
    wait_for("the tray's count", lambda: again.title() == "traynotify: 5 unread")
    assert lines.next("the count from the restarted tray", timeout=10) == "5"
    time.sleep(3 * TRAY_INTERVAL)  # watch stopped its own poller once the tray was back
    sent = len(bar_requests(server))
    time.sleep(3 * TRAY_INTERVAL)
    assert len(bar_requests(server)) == sent
    assert proc.poll() is None
    proc.terminate()
    assert proc.wait(timeout=10) == 0
    assert proc.stderr is not None
    assert "Traceback" not in proc.stderr.read()
