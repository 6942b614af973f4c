"""One tray app per user: the lock and the word passed to the running one."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

from traynotify.instance import INFO_NAME, Instance, send


def test_only_one_holder_at_a_time_and_the_lock_goes_with_it(tmp_path: Path) -> None:
    first = Instance(tmp_path)
    assert first.acquire()
    assert not Instance(tmp_path).acquire()
    first.close()
    again = Instance(tmp_path)
    assert again.acquire()
    again.close()


def test_commands_reach_the_running_one(tmp_path: Path) -> None:
    got: list[str] = []
    arrived = threading.Event()

    def handler(command: str) -> None:
        got.append(command)
        arrived.set()

    running = Instance(tmp_path)
    assert running.acquire()
    running.serve(handler)
    try:
        info = json.loads((tmp_path / INFO_NAME).read_text())
        assert set(info) == {"port", "token", "pid"}
        assert (tmp_path / INFO_NAME).stat().st_mode & 0o077 == 0  # the user's only
        assert send(tmp_path, "activate")
        assert arrived.wait(5)
        arrived.clear()
        assert send(tmp_path, "key-changed")
        assert arrived.wait(5)
        assert got == ["activate", "key-changed"]
        assert not send(tmp_path, "quit")  # not a command
    finally:
        running.close()
    assert not (tmp_path / INFO_NAME).exists()
    assert not send(tmp_path, "activate")


def test_a_caller_without_the_token_is_turned_away(tmp_path: Path) -> None:
    got: list[str] = []
    running = Instance(tmp_path)
    assert running.acquire()
    running.serve(got.append)
    try:
        port = json.loads((tmp_path / INFO_NAME).read_text())["port"]
        with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
            conn.sendall(b'{"token": "guess", "command": "activate"}\n')
            assert conn.recv(100) == b"denied\n"
        with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
            conn.sendall(b"\xff\xfe garbage\n")
            assert conn.recv(100) == b""
        assert send(tmp_path, "activate")  # still serving after both
    finally:
        running.close()
    assert got == ["activate"]


def test_a_stale_info_file_from_a_crash_is_harmless(tmp_path: Path) -> None:
    with socket.socket() as dead:
        dead.bind(("127.0.0.1", 0))
        port = dead.getsockname()[1]
    (tmp_path / INFO_NAME).write_text(json.dumps({"port": port, "token": "t", "pid": 1}))
    assert not send(tmp_path, "activate", timeout=1)
    (tmp_path / INFO_NAME).write_text("{broken")
    assert not send(tmp_path, "activate", timeout=1)
    fresh = Instance(tmp_path)
    assert fresh.acquire()
    fresh.close()
