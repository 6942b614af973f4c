"""One tray app per user.

The running app holds an OS lock on ``instance.lock`` (released by the OS when the
process ends, however it ends, so a crash leaves nothing that blocks the next start)
and listens on a loopback port written, with a random token, to ``instance.json``
(readable by the user only). A second start, ``login`` and ``logout`` send it one
word: ``activate`` or ``key-changed``. Nothing secret travels: never the API key.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import os
import secrets
import socket
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO

from .files import write_atomic

log = logging.getLogger(__name__)

LOCK_NAME = "instance.lock"
INFO_NAME = "instance.json"
COMMANDS = ("activate", "key-changed")
TIMEOUT = 2.0


def _try_lock(handle: IO[bytes]) -> bool:
    try:
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


class Instance:
    """This process's claim to be the one running tray app."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock_file: IO[bytes] | None = None
        self._server: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def acquire(self) -> bool:
        """True when no other tray app of this user is running (and now this one is)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        handle = open(self.folder / LOCK_NAME, "a+b")  # noqa: SIM115 - held for the process's life
        if not _try_lock(handle):
            handle.close()
            return False
        self._lock_file = handle
        return True

    def serve(self, handler: Callable[[str], None]) -> None:
        """Take commands from later starts; ``handler`` runs on a helper thread."""
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        token = secrets.token_hex(16)
        info = {"port": server.getsockname()[1], "token": token, "pid": os.getpid()}
        write_atomic(self.folder / INFO_NAME, json.dumps(info))
        self._server = server
        self._thread = threading.Thread(
            target=self._accept, args=(server, token, handler), name="traynotify-ipc", daemon=True
        )
        self._thread.start()

    def _accept(self, server: socket.socket, token: str, handler: Callable[[str], None]) -> None:
        while True:
            try:
                conn, _peer = server.accept()
            except OSError:  # closed: we are quitting
                return
            with conn:
                try:
                    conn.settimeout(TIMEOUT)
                    message = json.loads(_read_line(conn))
                    given = str(message.get("token", ""))
                    command = str(message.get("command", ""))
                    if not hmac.compare_digest(given, token) or command not in COMMANDS:
                        conn.sendall(b"denied\n")
                        continue
                    conn.sendall(b"ok\n")
                except (OSError, ValueError, AttributeError):
                    continue
            try:
                handler(command)
            except Exception:
                log.exception("Handling %r from another traynotify failed.", command)

    def close(self) -> None:
        if self._server is not None:
            with contextlib.suppress(OSError):
                self._server.close()
            (self.folder / INFO_NAME).unlink(missing_ok=True)
            self._server = None
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None


def _read_line(conn: socket.socket, limit: int = 4096) -> str:
    data = b""
    while b"\n" not in data and len(data) < limit:
        chunk = conn.recv(1024)
        if not chunk:
            break
        data += chunk
    return data.split(b"\n", 1)[0].decode("utf-8")


def send(folder: Path, command: str, timeout: float = TIMEOUT) -> bool:
    """Tell the running tray app ``command``; False when none answered."""
    try:
        info = json.loads((folder / INFO_NAME).read_text(encoding="utf-8"))
        port, token = int(info["port"]), str(info["token"])
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
            conn.sendall(json.dumps({"token": token, "command": command}).encode() + b"\n")
            return _read_line(conn) == "ok"
    except (OSError, ValueError, KeyError, TypeError):
        return False
