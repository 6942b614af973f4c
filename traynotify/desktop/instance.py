"""One tray app per user, and the channel later starts use to reach it.

The running app holds an OS lock on ``instance.lock`` (released by the OS when the
process ends, however it ends, so a crash leaves nothing that blocks the next start).

It listens for requests from other traynotify processes of the same user (a second
start, ``login``, ``logout``, and ``count``, ``watch``, ``open`` and ``read --all``,
which read the tray's state or act through it instead of asking the server):

- On Linux and macOS, on a Unix socket in the user-only (0700) state folder, so the
  OS itself turns every other account away.
- Where Unix sockets are not usable (Windows), on a loopback TCP port; a random token,
  written with the port to the user-only ``instance.json``, must come with each request.

The protocol is one JSON object per line each way. A request is
``{"command": "activate"}`` (plus ``"token"`` over TCP); the answer is
``{"ok": true, ...}`` with whatever the handler adds, or ``{"ok": false, "error": ...}``.
Each connection is served on its own short-lived thread, with a size limit and a
deadline, so no input, however malformed or slow, can end or block the listener.
Nothing secret travels: never the API key.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import IO, Any, Literal

from .channel import (  # the wire format, shared with the asking side
    INFO_NAME,
    MAX_ANSWER,
    MAX_MESSAGE,
    TIMEOUT,
    BadRequest,
    _read_message,
    request,
)

__all__ = [
    "COMMANDS",
    "INFO_NAME",
    "LOCK_NAME",
    "MAX_ANSWER",
    "MAX_CONNECTIONS",
    "MAX_MESSAGE",
    "SOCKET_NAME",
    "TIMEOUT",
    "BadRequest",
    "Instance",
    "request",
    "send",
]
from .files import write_atomic

log = logging.getLogger(__name__)

LOCK_NAME = "instance.lock"
SOCKET_NAME = "instance.sock"
COMMANDS = frozenset({"activate", "key-changed", "state", "open", "read-all"})
"""activate (a second start), key-changed (login, logout); for status bars and scripts:
state (the last published state, see :mod:`traynotify.core.bar`), open (the console's
notifications page) and read-all (mark all read through the poller)."""
MAX_CONNECTIONS = 16
"""Connections served at once; more are closed at once (each lasts at most TIMEOUT)."""
#: Longest path bind() takes for a Unix socket (104 on macOS, 108 on Linux), with room.
MAX_SOCKET_PATH = 100

Transport = Literal["unix", "tcp"]
Handler = Callable[[str], "Mapping[str, Any] | None"]
"""Runs one command; what it returns is added to the answer."""

UNIX_SOCKETS = hasattr(socket, "AF_UNIX") and sys.platform != "win32"


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


def _private_folder(folder: Path) -> Path | None:
    """``folder``, made user-only (0700); None when it is not this user's."""
    st = folder.stat()
    if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
        return None
    if st.st_mode & 0o077:
        folder.chmod(0o700)
    return folder


class Instance:
    """This process's claim to be the one running tray app."""

    def __init__(self, folder: Path, transport: Transport | None = None) -> None:
        self.folder = folder
        self.transport: Transport = transport or ("unix" if UNIX_SOCKETS else "tcp")
        self._lock_file: IO[bytes] | None = None
        self._server: socket.socket | None = None
        self._socket_path: Path | None = None
        self._own_tmp: Path | None = None
        self._token = ""
        self._commands: Collection[str] = COMMANDS
        self._handler: Handler = lambda command: None
        self._handler_lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self._closed = threading.Event()

    def acquire(self) -> bool:
        """True when no other tray app of this user is running (and now this one is)."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle = open(self.folder / LOCK_NAME, "a+b")  # noqa: SIM115 - held for the process's life
        if not _try_lock(handle):
            handle.close()
            return False
        self._lock_file = handle
        return True

    def serve(self, handler: Handler, commands: Collection[str] = COMMANDS) -> None:
        """Take requests from later starts; ``handler`` runs them one at a time."""
        self._handler = handler
        self._commands = frozenset(commands)
        if self.transport == "unix":
            server, info = self._listen_unix()
        else:
            server, info = self._listen_tcp()
        info["pid"] = os.getpid()
        write_atomic(self.folder / INFO_NAME, json.dumps(info))
        self._server = server
        threading.Thread(
            target=self._accept, args=(server,), name="traynotify-ipc", daemon=True
        ).start()

    def _listen_unix(self) -> tuple[socket.socket, dict[str, Any]]:
        folder = _private_folder(self.folder)
        path = folder / SOCKET_NAME if folder is not None else None
        if path is None or len(os.fsencode(path)) > MAX_SOCKET_PATH:
            # A folder path too long for bind(), or not the user's: a fresh 0700 folder.
            import tempfile

            self._own_tmp = Path(tempfile.mkdtemp(prefix="traynotify-"))
            path = self._own_tmp / SOCKET_NAME
        path.unlink(missing_ok=True)  # left by a crash: we hold the lock, so it is stale
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            server.bind(os.fspath(path))
            path.chmod(0o600)
            server.listen(8)
        except OSError:
            server.close()
            raise
        self._socket_path = path
        return server, {"socket": os.fspath(path)}

    def _listen_tcp(self) -> tuple[socket.socket, dict[str, Any]]:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            server.bind(("127.0.0.1", 0))
            server.listen(8)
        except OSError:
            server.close()
            raise
        import secrets

        self._token = secrets.token_hex(16)
        return server, {"port": server.getsockname()[1], "token": self._token}

    def _accept(self, server: socket.socket) -> None:
        while not self._closed.is_set():
            try:
                conn, _peer = server.accept()
            except OSError:
                if self._closed.is_set():
                    return
                self._closed.wait(0.1)  # out of file handles, say: try again shortly
                continue
            if not self._slots.acquire(blocking=False):
                conn.close()  # too many at once; each of them ends within TIMEOUT
                continue
            try:
                threading.Thread(
                    target=self._serve_one, args=(conn,), name="traynotify-ipc-conn", daemon=True
                ).start()
            except RuntimeError:
                self._slots.release()
                conn.close()

    def _serve_one(self, conn: socket.socket) -> None:
        """One connection, whatever it sends: an answer, or at worst a closed socket."""
        try:
            with conn:
                try:
                    answer = self._answer(conn)
                except BadRequest as exc:
                    answer = {"ok": False, "error": str(exc)}
                except Exception as exc:  # OSError, timeout, or what no one foresaw
                    log.debug("Instance channel: dropped a request (%s).", type(exc).__name__)
                    answer = {"ok": False, "error": "bad request"}
                with contextlib.suppress(OSError):
                    conn.settimeout(TIMEOUT)
                    conn.sendall(json.dumps(answer).encode("ascii") + b"\n")
        finally:
            self._slots.release()

    def _answer(self, conn: socket.socket) -> dict[str, Any]:
        if self.transport == "unix" and not _same_user(conn):
            raise BadRequest("denied")
        message = _read_message(conn, time.monotonic() + TIMEOUT)
        if self.transport == "tcp":
            import hmac

            given = message.get("token")
            if not isinstance(given, str) or not hmac.compare_digest(
                given.encode("utf-8", "surrogatepass"), self._token.encode("ascii")
            ):
                raise BadRequest("denied")
        command = message.get("command")
        if not isinstance(command, str) or command not in self._commands:
            raise BadRequest("unknown command")
        try:
            with self._handler_lock:
                extra = self._handler(command)
        except Exception:
            log.exception("Handling %r from another traynotify failed.", command)
            return {"ok": False, "error": "failed"}
        return {**(extra or {}), "ok": True}

    def close(self) -> None:
        self._closed.set()
        if self._server is not None:
            with contextlib.suppress(OSError):
                self._server.shutdown(socket.SHUT_RDWR)  # wakes accept() on Linux
            with contextlib.suppress(OSError):
                self._server.close()
            (self.folder / INFO_NAME).unlink(missing_ok=True)
            if self._socket_path is not None:
                self._socket_path.unlink(missing_ok=True)
            if self._own_tmp is not None:
                with contextlib.suppress(OSError):
                    self._own_tmp.rmdir()
            self._server = None
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None


def _same_user(conn: socket.socket) -> bool:
    """The peer runs as this user (Linux checks; elsewhere the 0700 folder does)."""
    peercred = getattr(socket, "SO_PEERCRED", None)
    if peercred is None or not hasattr(os, "geteuid"):
        return True
    raw = conn.getsockopt(socket.SOL_SOCKET, peercred, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", raw)
    return bool(uid == os.geteuid())


def send(folder: Path, command: str, timeout: float = TIMEOUT) -> bool:
    """Tell the running tray app ``command``; False when none answered or it refused."""
    answer = request(folder, command, timeout)
    return answer is not None and answer.get("ok") is True
