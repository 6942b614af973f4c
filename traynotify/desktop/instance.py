"""One tray app per user, and the channel later starts use to reach it.

The running app holds an OS lock on ``instance.lock`` (released by the OS when the
process ends, however it ends, so a crash leaves nothing that blocks the next start).
The lock, ``instance.json`` and the socket live in the folder
:func:`traynotify.desktop.local.settle` vouches for: the state folder when it is this
user's, else a private folder of the app's own. The lock is never opened through a link.

It listens for requests from other traynotify processes of the same user (a second
start, ``login``, ``logout``, and ``count``, ``watch``, ``open`` and ``read --all``,
which read the tray's state or act through it instead of asking the server):

- On Linux and macOS, on a Unix socket in that user-only (0700) folder, so the OS itself
  turns every other account away; the server also checks each caller's uid
  (``SO_PEERCRED``, ``LOCAL_PEERCRED``), and callers check the server's.
- Where Unix sockets are not usable (Windows), on a loopback TCP port; a random token,
  written with the port to the user-only ``instance.json``, must come with each request.

The protocol is one JSON object per line each way. A request is
``{"command": "activate"}`` (plus ``"token"`` over TCP); the answer is
``{"ok": true, ...}`` with whatever the handler adds, or ``{"ok": false, "error": ...}``.
One thread serves every connection through a selector: the first byte must come within
FIRST_BYTE, the whole request (at most MAX_MESSAGE bytes) within TIMEOUT; one process
may hold at most PER_PEER connections, and when MAX_CONNECTIONS are open the oldest
unanswered one makes room. A handler that must wait for another thread (``read-all``
waits for the poller's request) returns a :class:`Later`: the connection waits, and
the loop sends the answer when it comes, or LATER's "meanwhile" answer. So no input,
however malformed or slow, and no number of stalled callers, can end or block the
listener. Nothing secret travels: never the API key.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import selectors
import socket
import sys
import threading
import time
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from .channel import (  # the wire format, shared with the asking side
    INFO_NAME,
    MAX_ANSWER,
    MAX_MESSAGE,
    TIMEOUT,
    BadRequest,
    parse,
    peer,
    request,
    same_user,
)
from .files import write_atomic
from .local import Folder, open_lock, settle

__all__ = [
    "COMMANDS",
    "FIRST_BYTE",
    "INFO_NAME",
    "LATER",
    "LOCK_NAME",
    "MAX_ANSWER",
    "MAX_CONNECTIONS",
    "MAX_MESSAGE",
    "PER_PEER",
    "SETTINGS_CHANGED",
    "SOCKET_NAME",
    "TIMEOUT",
    "BadRequest",
    "Instance",
    "Later",
    "request",
    "send",
]

log = logging.getLogger(__name__)

LOCK_NAME = "instance.lock"
SOCKET_NAME = "instance.sock"
SETTINGS_CHANGED = "settings-changed"
COMMANDS = frozenset({"activate", "key-changed", "state", "open", "read-all", SETTINGS_CHANGED})
"""activate (a second start), key-changed (login, logout), settings-changed (``config set``
and ``config unset``: read the settings file again; the answer says what the tray took,
see :meth:`traynotify.app.App.reload_settings`); for status bars and scripts:
state (the last published state, see :mod:`traynotify.core.bar`), open (the console's
notifications page) and read-all (mark all read through the poller)."""
MAX_CONNECTIONS = 64
"""Connections open at once; one more closes the oldest still unanswered."""
PER_PEER = 8
"""Connections one process may hold open at once; more are closed at once."""
FIRST_BYTE = 1.0
"""Seconds a connection may stay silent before it is closed."""
#: Longest path bind() takes for a Unix socket (104 on macOS, 108 on Linux), with room.
MAX_SOCKET_PATH = 100
#: Connections taken per turn of the loop. Requests already there are read first, so a
#: caller that sends at once is answered before ACCEPTS_PER_TURN (far below
#: MAX_CONNECTIONS) newer ones could push it out.
ACCEPTS_PER_TURN = 8

LATER = 20.0
"""Seconds an answer that comes later (:class:`Later`) is waited for."""


@dataclass(frozen=True)
class Later:
    """An answer that another thread gives when it is known (the poller's, after a
    request): ``answer`` resolves to what is added to it; if that takes longer than
    ``wait`` seconds, ``meanwhile`` is sent instead. The channel's thread never waits."""

    answer: Future[Mapping[str, Any] | None]
    meanwhile: Mapping[str, Any]
    wait: float = LATER


Transport = Literal["unix", "tcp"]
Handler = Callable[[str], "Mapping[str, Any] | Later | None"]
"""Runs one command; what it returns is added to the answer (a :class:`Later`: when
it is known)."""

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


class _Conn:
    """One caller: what it sent so far, what it is owed, and by when."""

    def __init__(self, sock: socket.socket, peer_id: object, now: float) -> None:
        self.sock = sock
        self.peer_id = peer_id
        self.opened = now
        self.deadline = now + FIRST_BYTE
        self.data = b""
        self.out = b""
        self.answered = False
        self.later: Later | None = None
        """An answer still to come (its request was read; the caller waits)."""


class Instance:
    """This process's claim to be the one running tray app."""

    def __init__(self, folder: Path, transport: Transport | None = None) -> None:
        self.folder = folder
        """The state folder asked for (its files may sit in :attr:`place` instead)."""
        self.place: Folder | None = None
        """Where the lock, ``instance.json`` and the socket are (set by :meth:`acquire`)."""
        self.transport: Transport = transport or ("unix" if UNIX_SOCKETS else "tcp")
        self._lock_file: IO[bytes] | None = None
        self._server: socket.socket | None = None
        self._socket_path: Path | None = None
        self._own_tmp: Path | None = None
        self._token = ""
        self._commands: Collection[str] = COMMANDS
        self._handler: Handler = lambda command: None
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None
        self._wake: tuple[socket.socket, socket.socket] | None = None

    def acquire(self) -> bool:
        """True when no other tray app of this user is running (and now this one is).

        OSError when no folder of this user's can hold the lock, or the lock file is a
        link or not the user's."""
        place = self.place = settle(self.folder)
        handle = open(open_lock(place.file(LOCK_NAME)), "r+b")  # noqa: SIM115 - held for life
        if not _try_lock(handle):
            handle.close()
            return False
        self._lock_file = handle
        return True

    def _file(self, name: str) -> Path:
        if self.place is None:
            self.place = settle(self.folder)
        return self.place.file(name)

    def serve(self, handler: Handler, commands: Collection[str] = COMMANDS) -> None:
        """Take requests from later starts; ``handler`` runs them one at a time."""
        self._handler = handler
        self._commands = frozenset(commands)
        if self.transport == "unix":
            server, info = self._listen_unix()
        else:
            server, info = self._listen_tcp()
        info["pid"] = os.getpid()
        write_atomic(self._file(INFO_NAME), json.dumps(info))
        self._server = server
        self._wake = socket.socketpair()
        self._wake[1].setblocking(False)  # a poke from the poller's thread never waits
        self._thread = threading.Thread(
            target=self._loop, args=(server,), name="traynotify-ipc", daemon=True
        )
        self._thread.start()

    def _listen_unix(self) -> tuple[socket.socket, dict[str, Any]]:
        path = self._file(SOCKET_NAME)
        if len(os.fsencode(path)) > MAX_SOCKET_PATH:
            # A folder path too long for bind(): a fresh 0700 folder of our own.
            import tempfile

            self._own_tmp = Path(tempfile.mkdtemp(prefix="traynotify-"))
            path = self._own_tmp / SOCKET_NAME
        path.unlink(missing_ok=True)  # left by a crash: we hold the lock, so it is stale
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            server.bind(os.fspath(path))
            path.chmod(0o600)
            server.listen(128)
        except OSError:
            server.close()
            raise
        self._socket_path = path
        return server, {"socket": os.fspath(path)}

    def _listen_tcp(self) -> tuple[socket.socket, dict[str, Any]]:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            server.bind(("127.0.0.1", 0))
            server.listen(128)
        except OSError:
            server.close()
            raise
        import secrets

        self._token = secrets.token_hex(16)
        return server, {"port": server.getsockname()[1], "token": self._token}

    # -- the one serving thread -------------------------------------------------------
    def _loop(self, server: socket.socket) -> None:
        conns: dict[socket.socket, _Conn] = {}
        sel = selectors.DefaultSelector()
        assert self._wake is not None
        wake = self._wake[0]
        try:
            server.setblocking(False)
            wake.setblocking(False)
            sel.register(server, selectors.EVENT_READ)
            sel.register(wake, selectors.EVENT_READ)
            while not self._closed.is_set():
                now = time.monotonic()
                soonest = min((c.deadline for c in conns.values()), default=now + 0.5)
                try:
                    events = sel.select(max(0.0, min(soonest - now, 0.5)))
                except OSError:  # the listener was closed under us (a test's crash)
                    return
                accept = False
                for key, mask in events:
                    if key.fileobj is server:
                        accept = True  # after what the callers already sent
                    elif key.fileobj is wake:
                        with contextlib.suppress(OSError):
                            wake.recv(4096)
                        if self._closed.is_set():
                            return
                        # else: an answer that came later is ready (below)
                    else:
                        conn = conns.get(key.fileobj)  # type: ignore[call-overload]
                        if conn is not None:
                            self._step(conn, mask, sel, conns)
                if accept:
                    self._accept(server, sel, conns)
                now = time.monotonic()
                for conn in [c for c in conns.values() if c.later is not None]:
                    if conn.later is not None and conn.later.answer.done():
                        self._reply(conn, self._resolved(conn.later.answer), sel, conns)
                for conn in [c for c in conns.values() if c.deadline <= now]:
                    if conn.answered:
                        self._drop(conn, sel, conns)
                    elif conn.later is not None:
                        self._reply(conn, {**conn.later.meanwhile, "ok": True}, sel, conns)
                    else:
                        self._reply(conn, {"ok": False, "error": "too slow"}, sel, conns)
        except Exception:  # a bug: the app goes on, later starts report "does not answer"
            log.exception("The instance channel stopped.")
        finally:
            for conn in list(conns.values()):
                self._drop(conn, sel, conns)
            with contextlib.suppress(Exception):
                sel.close()
            for end in self._wake:
                with contextlib.suppress(OSError):
                    end.close()

    def _accept(
        self, server: socket.socket, sel: selectors.BaseSelector, conns: dict[socket.socket, _Conn]
    ) -> None:
        for _turn in range(ACCEPTS_PER_TURN):
            try:
                sock, address = server.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    self._make_room(conns, sel)  # out of file handles: the oldest goes
                return
            now = time.monotonic()
            sock.setblocking(False)
            peer_id: object = address
            if self.transport == "unix":
                _uid, pid = peer(sock)
                peer_id = pid if pid is not None else id(sock)
            conn = _Conn(sock, peer_id, now)
            if sum(1 for c in conns.values() if c.peer_id == peer_id) >= PER_PEER:
                with contextlib.suppress(OSError):
                    sock.close()  # that process has enough open already
                continue
            if len(conns) >= MAX_CONNECTIONS:
                self._make_room(conns, sel)
            conns[sock] = conn
            try:
                sel.register(sock, selectors.EVENT_READ)
            except (OSError, ValueError):
                conns.pop(sock, None)
                sock.close()
                continue
            if self.transport == "unix" and not same_user(sock):
                self._reply(conn, {"ok": False, "error": "denied"}, sel, conns)

    def _make_room(self, conns: dict[socket.socket, _Conn], sel: selectors.BaseSelector) -> None:
        """Close the oldest connection that has not finished its request."""
        waiting = [c for c in conns.values() if not c.answered] or list(conns.values())
        if waiting:
            self._drop(min(waiting, key=lambda c: c.opened), sel, conns)

    def _step(
        self,
        conn: _Conn,
        mask: int,
        sel: selectors.BaseSelector,
        conns: dict[socket.socket, _Conn],
    ) -> None:
        if conn.answered:
            if mask & selectors.EVENT_WRITE:
                self._flush(conn, sel, conns)
            return
        try:
            chunk = conn.sock.recv(4096)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._drop(conn, sel, conns)
            return
        if conn.later is not None:  # waiting for its answer: more input is not read
            if not chunk:
                self._drop(conn, sel, conns)  # the caller went away: no one to tell
            return
        if chunk and not conn.data:
            conn.deadline = conn.opened + TIMEOUT  # it spoke: it has the whole deadline
        conn.data += chunk
        if b"\n" in conn.data:
            line = conn.data.split(b"\n", 1)[0]
        elif not chunk:  # ended without an end of line: what came is the request
            line = conn.data
        elif len(conn.data) > MAX_MESSAGE:
            line = conn.data  # too long already: parse() says so
        else:
            return
        answer = self._answer(line)
        if isinstance(answer, Later):
            conn.later = answer
            conn.data = b""
            conn.deadline = time.monotonic() + answer.wait
            answer.answer.add_done_callback(lambda _done: self._poke())
            return
        self._reply(conn, answer, sel, conns)

    def _poke(self) -> None:
        """Wake the loop: an answer that comes later is ready (any thread)."""
        if self._wake is not None and not self._closed.is_set():
            with contextlib.suppress(OSError):
                self._wake[1].send(b"r")

    @staticmethod
    def _resolved(answer: Future[Mapping[str, Any] | None]) -> dict[str, Any]:
        if answer.cancelled() or answer.exception() is not None:
            return {"ok": False, "error": "failed"}
        return {**(answer.result() or {}), "ok": True}

    def _answer(self, line: bytes) -> dict[str, Any] | Later:
        """The answer to one request line: never raises."""
        try:
            message = parse(line)
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
        except BadRequest as exc:
            return {"ok": False, "error": str(exc)}
        except Exception as exc:  # what no one foresaw in the input
            log.debug("Instance channel: dropped a request (%s).", type(exc).__name__)
            return {"ok": False, "error": "bad request"}
        try:
            extra = self._handler(command)
        except Exception:
            log.exception("Handling %r from another traynotify failed.", command)
            return {"ok": False, "error": "failed"}
        if isinstance(extra, Later):
            return extra
        return {**(extra or {}), "ok": True}

    def _reply(
        self,
        conn: _Conn,
        answer: dict[str, Any],
        sel: selectors.BaseSelector,
        conns: dict[socket.socket, _Conn],
    ) -> None:
        conn.answered = True
        conn.later = None
        conn.data = b""
        conn.out = json.dumps(answer).encode("ascii") + b"\n"
        conn.deadline = time.monotonic() + TIMEOUT  # to take its answer
        with contextlib.suppress(OSError, ValueError, KeyError):
            sel.modify(conn.sock, selectors.EVENT_WRITE)
        self._flush(conn, sel, conns)

    def _flush(
        self, conn: _Conn, sel: selectors.BaseSelector, conns: dict[socket.socket, _Conn]
    ) -> None:
        try:
            sent = conn.sock.send(conn.out)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._drop(conn, sel, conns)
            return
        conn.out = conn.out[sent:]
        if not conn.out:
            self._drop(conn, sel, conns)

    @staticmethod
    def _drop(conn: _Conn, sel: selectors.BaseSelector, conns: dict[socket.socket, _Conn]) -> None:
        conns.pop(conn.sock, None)
        with contextlib.suppress(Exception):
            sel.unregister(conn.sock)
        with contextlib.suppress(OSError):
            conn.sock.close()

    def close(self) -> None:
        self._closed.set()
        if self._wake is not None:
            with contextlib.suppress(OSError):
                self._wake[1].send(b"x")
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
        self._thread = None
        if self._server is not None:
            with contextlib.suppress(OSError):
                self._server.close()
            if self.place is not None:
                self.place.file(INFO_NAME).unlink(missing_ok=True)
            if self._socket_path is not None:
                self._socket_path.unlink(missing_ok=True)
            if self._own_tmp is not None:
                with contextlib.suppress(OSError):
                    self._own_tmp.rmdir()
            self._server = None
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None


def send(folder: Path, command: str, timeout: float = TIMEOUT) -> bool:
    """Tell the running tray app ``command``; False when none answered or it refused."""
    answer = request(folder, command, timeout)
    return answer is not None and answer.get("ok") is True
