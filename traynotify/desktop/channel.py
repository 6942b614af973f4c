"""The instance channel's wire format, and the asking side of it.

One JSON object per line each way, within a size limit and a deadline. The running
tray app serves it (:mod:`traynotify.desktop.instance`); ``count``, ``watch``, a second start
and ``login`` ask through :func:`request`. This module loads nothing but the standard
library's json and socket, so a status bar's ``traynotify count`` stays quick.
"""

from __future__ import annotations

import json
import os
import socket
import struct
import sys
import time
from pathlib import Path
from typing import Any

from .local import CHECKS, find, read_private

INFO_NAME = "instance.json"
"""Where the running app says how to reach it (a socket path, or a port and token)."""
TIMEOUT = 2.0
"""Seconds a connection may take to send its request, and a sender waits for the answer."""
MAX_MESSAGE = 4096
"""Longest request line, in bytes; longer ones are refused unread."""
MAX_ANSWER = 65536
"""Longest answer line a sender reads, in bytes (a ``state`` answer carries titles)."""
MAX_INFO = 4096
"""Longest ``instance.json`` a sender reads."""


class BadRequest(Exception):
    """A request that is not one; the answer says ``error``."""


def _read_message(conn: socket.socket, deadline: float, limit: int = MAX_MESSAGE) -> dict[str, Any]:
    """One JSON object on one line, within ``limit`` bytes and before ``deadline``."""
    data = b""
    while b"\n" not in data:
        if len(data) > limit:
            raise BadRequest("too long")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise BadRequest("too slow")
        conn.settimeout(remaining)
        try:
            chunk = conn.recv(4096)
        except TimeoutError:
            raise BadRequest("too slow") from None
        if not chunk:
            break
        data += chunk
    return parse(data.split(b"\n", 1)[0], limit)


def parse(line: bytes, limit: int = MAX_MESSAGE) -> dict[str, Any]:
    """One line (without its end) as a JSON object; BadRequest when it is not one."""
    if len(line) > limit:
        raise BadRequest("too long")
    try:
        message = json.loads(line.decode("utf-8"))
    except (ValueError, RecursionError):
        raise BadRequest("not JSON") from None
    if not isinstance(message, dict):
        raise BadRequest("not a JSON object")
    return message


def peer(conn: socket.socket) -> tuple[int | None, int | None]:
    """The (uid, pid) of the process at the other end of a Unix socket, where the OS says.

    ``SO_PEERCRED`` on Linux; ``LOCAL_PEERCRED`` and ``LOCAL_PEERPID`` (what
    ``getpeereid`` reads) on macOS and the BSDs; (None, None) elsewhere."""
    try:
        if sys.platform.startswith("linux"):
            size = struct.calcsize("3i")
            raw = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, size)
            pid, uid, _gid = struct.unpack("3i", raw)
            return uid, pid
        if sys.platform == "darwin" or sys.platform.startswith("freebsd"):
            sol_local = 0  # SOL_LOCAL
            # struct xucred: u_int cr_version; uid_t cr_uid; short cr_ngroups; gid_t[16]
            raw = conn.getsockopt(sol_local, getattr(socket, "LOCAL_PEERCRED", 1), 76)
            version, uid = struct.unpack_from("=II", raw)
            pid: int | None = None
            if sys.platform == "darwin":
                raw_pid = conn.getsockopt(sol_local, getattr(socket, "LOCAL_PEERPID", 2), 4)
                pid = struct.unpack("=i", raw_pid)[0]
            return (uid if version == 0 else None), pid
    except (OSError, struct.error):
        return None, None
    return None, None


def same_user(conn: socket.socket) -> bool:
    """The peer of a Unix socket runs as this user (where the OS cannot say: True, and
    the user-only folder is the check)."""
    if not CHECKS:
        return True
    uid, _pid = peer(conn)
    if uid is None:
        return not (sys.platform.startswith("linux") or sys.platform == "darwin")
    return uid == os.geteuid()


def request(folder: Path, command: str, timeout: float = TIMEOUT) -> dict[str, Any] | None:
    """Ask the running tray app; its answer, or None when none answered.

    ``folder`` is the state folder asked for; the app's files are where
    :func:`traynotify.desktop.local.find` says. An ``instance.json`` that is a link or
    another account's, or a socket served by another account, gets no question."""
    try:
        place = find(folder)
        if place is None:
            return None
        raw = read_private(place.file(INFO_NAME), MAX_INFO)
        if raw is None:
            return None
        info = json.loads(raw.decode("utf-8"))
        message: dict[str, Any] = {"command": command}
        if "socket" in info:
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                conn.settimeout(timeout)
                conn.connect(str(info["socket"]))
                if not same_user(conn):
                    raise ConnectionRefusedError("served by another account")
            except OSError:
                conn.close()
                raise
        else:
            message["token"] = str(info["token"])
            conn = socket.create_connection(("127.0.0.1", int(info["port"])), timeout=timeout)
        with conn:
            conn.sendall(json.dumps(message).encode("utf-8") + b"\n")
            answer = _read_message(conn, time.monotonic() + timeout, MAX_ANSWER)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, BadRequest):
        return None
    return answer
