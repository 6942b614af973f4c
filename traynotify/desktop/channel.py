"""The instance channel's wire format, and the asking side of it.

One JSON object per line each way, within a size limit and a deadline. The running
tray app serves it (:mod:`traynotify.desktop.instance`); ``count``, ``watch``, a second start
and ``login`` ask through :func:`request`. This module loads nothing but the standard
library's json and socket, so a status bar's ``traynotify count`` stays quick.
"""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

INFO_NAME = "instance.json"
"""Where the running app says how to reach it (a socket path, or a port and token)."""
TIMEOUT = 2.0
"""Seconds a connection may take to send its request, and a sender waits for the answer."""
MAX_MESSAGE = 4096
"""Longest request line, in bytes; longer ones are refused unread."""
MAX_ANSWER = 65536
"""Longest answer line a sender reads, in bytes (a ``state`` answer carries titles)."""


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
    line = data.split(b"\n", 1)[0]
    if len(line) > limit:
        raise BadRequest("too long")
    try:
        message = json.loads(line.decode("utf-8"))
    except (ValueError, RecursionError):
        raise BadRequest("not JSON") from None
    if not isinstance(message, dict):
        raise BadRequest("not a JSON object")
    return message


def request(folder: Path, command: str, timeout: float = TIMEOUT) -> dict[str, Any] | None:
    """Ask the running tray app; its answer, or None when none answered."""
    try:
        info = json.loads((folder / INFO_NAME).read_text(encoding="utf-8"))
        message: dict[str, Any] = {"command": command}
        if "socket" in info:
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                conn.settimeout(timeout)
                conn.connect(str(info["socket"]))
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
