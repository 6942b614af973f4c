"""The running tray app's instance channel under hostile local callers, as real processes."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from traynotify.devserver import ContractServer

from .conftest import KEY, Launch
from .desktop import wait_for
from .test_desktop_life import traynotify

pytestmark = pytest.mark.desktop

HOSTILE = [
    '{"token": "é", "command": "activate"}\n'.encode(),
    b'{"token": 1, "command": ["activate"]}\n',
    b"\xff\xfe garbage\n",
    b"[" * 3000 + b"\n",
    b"x" * (1 << 20),
]


def connect(info: dict[str, object]) -> socket.socket:
    if "socket" in info:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.settimeout(5)
        conn.connect(str(info["socket"]))
        return conn
    return socket.create_connection(("127.0.0.1", int(str(info["port"]))), timeout=5)


def test_hostile_callers_leave_the_running_app_reachable(
    launch: Launch, server: ContractServer
) -> None:
    app = launch(key=None)
    wait_for("the signed-out title", lambda: app.title() == "traynotify: signed out (no API key)")
    info = json.loads(
        (Path(app.env["XDG_STATE_HOME"]) / "traynotify" / "instance.json").read_text()
    )
    slow = []
    try:
        for payload in HOSTILE:
            with connect(info) as conn:
                try:
                    conn.sendall(payload)
                    conn.shutdown(socket.SHUT_WR)
                    while conn.recv(4096):
                        pass
                except OSError:
                    pass  # cut off mid-send (too long): fine
        for _ in range(3):  # callers that start a request and never finish it
            conn = connect(info)
            conn.sendall(b'{"comm')
            slow.append(conn)

        second = traynotify("run", "--interval", "1", env=app.env)
        # over the user-only socket the well-formed "activate" above counted (no token
        # there): it refreshed then, and the second start says it will not again so soon
        refreshed = "socket" in info
        assert (second.returncode, second.stdout) == (
            0,
            "traynotify is already running; it refreshed less than a minute ago.\n"
            if refreshed
            else "traynotify is already running; it will refresh now.\n",
        )
        done = traynotify("login", env=app.env, stdin=KEY + "\n")
        assert done.returncode == 0, done.stderr
        assert "The running tray app uses the new key now." in done.stdout
        wait_for("the count with the new key", lambda: app.title() == "traynotify: 3 unread")
        assert app.proc.poll() is None
    finally:
        for conn in slow:
            conn.close()
