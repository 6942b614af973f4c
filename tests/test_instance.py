"""One tray app per user: the lock, and the channel later starts use to reach it."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from traynotify.app import hand_over
from traynotify.desktop.instance import (
    INFO_NAME,
    MAX_MESSAGE,
    UNIX_SOCKETS,
    Handler,
    Instance,
    Transport,
    request,
    send,
)
from traynotify.devserver import ContractServer

from .conftest import KEY

TRANSPORTS: list[Transport] = ["unix", "tcp"] if UNIX_SOCKETS else ["tcp"]


class Running:
    """A served Instance and the commands that reached its handler."""

    def __init__(self, folder: Path, transport: Transport, answer: Handler | None = None) -> None:
        self.folder = folder
        self.got: list[str] = []
        self.arrived = threading.Event()
        self.answer = answer
        self.instance = Instance(folder, transport)
        assert self.instance.acquire()
        self.instance.serve(self.handle)

    def handle(self, command: str) -> Mapping[str, Any] | None:
        self.got.append(command)
        self.arrived.set()
        return self.answer(command) if self.answer is not None else None

    def info(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.folder / INFO_NAME).read_text())
        return data

    def connect(self) -> socket.socket:
        info = self.info()
        if "socket" in info:
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            conn.settimeout(5)
            conn.connect(info["socket"])
            return conn
        return socket.create_connection(("127.0.0.1", info["port"]), timeout=5)

    def exchange(self, payload: bytes) -> bytes:
        """Send raw bytes, half-close, and read whatever comes back."""
        with self.connect() as conn:
            try:
                conn.sendall(payload)
                conn.shutdown(socket.SHUT_WR)
                reply = b""
                while chunk := conn.recv(4096):
                    reply += chunk
            except OSError:  # the server may close on us mid-send (too long): fine
                return b""
        return reply


@pytest.fixture(params=TRANSPORTS)
def running(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Running]:
    r = Running(tmp_path / "state", request.param)
    yield r
    r.instance.close()


def test_only_one_holder_at_a_time_and_the_lock_goes_with_it(tmp_path: Path) -> None:
    first = Instance(tmp_path)
    assert first.acquire()
    assert not Instance(tmp_path).acquire()
    first.close()
    again = Instance(tmp_path)
    assert again.acquire()
    again.close()


def test_commands_reach_the_running_one(running: Running) -> None:
    info = running.info()
    if running.instance.transport == "unix":
        assert set(info) == {"socket", "pid"}  # nothing to steal: the OS checks who calls
    else:
        assert set(info) == {"port", "token", "pid"}
    assert (running.folder / INFO_NAME).stat().st_mode & 0o077 == 0  # the user's only
    assert send(running.folder, "activate")
    assert running.arrived.wait(5)
    running.arrived.clear()
    assert send(running.folder, "key-changed")
    assert running.arrived.wait(5)
    assert running.got == ["activate", "key-changed"]
    assert request(running.folder, "quit") == {"ok": False, "error": "unknown command"}
    running.instance.close()
    assert not (running.folder / INFO_NAME).exists()
    assert not send(running.folder, "activate")


def test_a_handler_answers_a_request(tmp_path: Path) -> None:
    """Requests carry answers back, so a query (the unread count, say) can be added."""
    instance = Instance(tmp_path)
    assert instance.acquire()
    instance.serve(lambda command: {"count": 3}, commands=("count",))
    try:
        assert request(tmp_path, "count") == {"count": 3, "ok": True}
        assert not send(tmp_path, "activate")  # not offered by this listener
    finally:
        instance.close()


def test_a_failing_handler_is_answered_and_the_channel_goes_on(tmp_path: Path) -> None:
    calls: list[str] = []

    def handler(command: str) -> None:
        calls.append(command)
        if len(calls) == 1:
            raise RuntimeError("bug")

    instance = Instance(tmp_path)
    assert instance.acquire()
    instance.serve(handler)
    try:
        assert request(tmp_path, "activate") == {"ok": False, "error": "failed"}
        assert send(tmp_path, "activate")
    finally:
        instance.close()


@pytest.mark.skipif(not UNIX_SOCKETS, reason="Unix sockets: Linux and macOS")
def test_the_unix_socket_is_in_a_user_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    running = Running(folder, "unix")
    try:
        path = Path(running.info()["socket"])
        assert path.parent == folder
        assert stat.S_ISSOCK(path.stat().st_mode)
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert path.stat().st_mode & 0o077 == 0
        if os.geteuid() == 0:  # as root, try for real as another account
            probe = (
                "import os, socket, sys\n"
                "os.setgid(65534); os.setuid(65534)\n"
                "s = socket.socket(socket.AF_UNIX)\n"
                "try:\n"
                "    s.connect(sys.argv[1])\n"
                "except PermissionError:\n"
                "    print('refused')\n"
                "else:\n"
                "    print('connected')\n"
            )
            other = subprocess.run(
                [sys.executable, "-c", probe, str(path)],
                capture_output=True,
                text=True,
                timeout=30,
            )
            assert other.stdout == "refused\n", other.stderr
        assert send(folder, "activate")
    finally:
        running.instance.close()
    assert not path.exists()


@pytest.mark.skipif(not UNIX_SOCKETS, reason="Unix sockets: Linux and macOS")
def test_a_folder_path_too_long_for_a_socket_still_works(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    running = Running(deep, "unix")
    try:
        path = Path(running.info()["socket"])
        assert path.parent != deep
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert send(deep, "activate")
    finally:
        running.instance.close()
    assert not path.parent.exists()


def test_a_tcp_caller_without_the_token_is_turned_away(tmp_path: Path) -> None:
    running = Running(tmp_path, "tcp")
    try:
        reply = running.exchange(b'{"token": "guess", "command": "activate"}\n')
        assert json.loads(reply) == {"ok": False, "error": "denied"}
        reply = running.exchange(b'{"command": "activate"}\n')
        assert json.loads(reply) == {"ok": False, "error": "denied"}
        assert send(tmp_path, "activate")
    finally:
        running.instance.close()
    assert running.got == ["activate"]


HOSTILE = [
    b"\xff\xfe garbage\n",
    b"not json at all\n",
    b"\n",
    b"",
    b"null\n",
    b"[]\n",
    b'"activate"\n',
    b"12\n",
    '{"token": "é", "command": "activate"}\n'.encode(),
    b'{"token": 1, "command": "activate"}\n',
    b'{"token": null, "command": ["activate"]}\n',
    b'{"token": {"a": 1}, "command": {"b": 2}}\n',
    b'{"token": "\\ud800", "command": "\\udfff"}\n',
    '{"command": "激活"}\n'.encode(),
    b'{"command": "activate\\u0000"}\n',
    b"[" * 3000 + b"\n",
    b'{"command": "' + b"a" * (MAX_MESSAGE * 4) + b'"}\n',
    b"x" * (1 << 20),  # a megabyte with no end of line
]


def well_formed(payload: bytes) -> bool:
    try:
        message = json.loads(payload)
    except (ValueError, RecursionError):
        return False
    return isinstance(message, dict) and message.get("command") == "activate"


def test_no_input_ends_the_channel_and_a_second_start_hands_over_at_once(
    running: Running,
) -> None:
    slow: list[socket.socket] = []
    try:
        for _ in range(3):  # slow callers: a few bytes, then nothing
            conn = running.connect()
            conn.sendall(b'{"comm')
            slow.append(conn)
        idle = running.connect()  # and one that sends nothing at all
        slow.append(idle)
        accepted = 0
        for payload in HOSTILE:
            reply = running.exchange(payload)
            if running.instance.transport == "unix" and well_formed(payload):
                accepted += 1  # no token needed: the OS vouches for the caller
                assert json.loads(reply) == {"ok": True}
            else:
                assert reply == b"" or json.loads(reply)["ok"] is False, payload[:40]
        assert running.got == ["activate"] * accepted
        running.arrived.clear()
        # with the slow ones still connected, a second start is answered on its first try
        assert hand_over(running.folder, attempts=1) == 0
        assert running.arrived.wait(5)
        assert running.got == ["activate"] * (accepted + 1)
    finally:
        for conn in slow:
            conn.close()


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Running]]:
    made = [Running(tmp_path_factory.mktemp(f"chan-{t}"), t) for t in TRANSPORTS]
    yield made
    for r in made:
        r.instance.close()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
requests_like = st.fixed_dictionaries(
    {},
    optional={
        "token": json_values | st.text(max_size=40),
        "command": json_values | st.sampled_from(["activate ", "Activate", "quit", ""]),
    },
)
payloads = st.one_of(
    st.binary(max_size=600),
    json_values.map(lambda v: json.dumps(v).encode() + b"\n"),
    requests_like.map(lambda v: json.dumps(v, ensure_ascii=False).encode() + b"\n"),
    st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=payloads)
def test_property_any_input_gets_an_answer_or_nothing_and_never_a_command(
    shared: list[Running], payload: bytes
) -> None:
    for r in shared:
        before = len(r.got)
        reply = r.exchange(payload)
        if reply:
            answer = json.loads(reply)
            assert answer["ok"] is False
        assert len(r.got) == before  # no token and no known command: nothing ran
        assert send(r.folder, "activate", timeout=5)
        assert r.got[before:] == ["activate"]


def test_a_stale_info_file_from_a_crash_is_harmless(tmp_path: Path) -> None:
    with socket.socket() as dead:
        dead.bind(("127.0.0.1", 0))
        port = dead.getsockname()[1]
    (tmp_path / INFO_NAME).write_text(json.dumps({"port": port, "token": "t", "pid": 1}))
    assert not send(tmp_path, "activate", timeout=1)
    (tmp_path / INFO_NAME).write_text(json.dumps({"socket": str(tmp_path / "gone"), "pid": 1}))
    assert not send(tmp_path, "activate", timeout=1)
    (tmp_path / INFO_NAME).write_text("{broken")
    assert not send(tmp_path, "activate", timeout=1)
    (tmp_path / INFO_NAME).write_text("[]")
    assert not send(tmp_path, "activate", timeout=1)
    fresh = Instance(tmp_path)
    assert fresh.acquire()
    fresh.close()


@pytest.mark.skipif(not UNIX_SOCKETS, reason="Unix sockets: Linux and macOS")
def test_a_socket_left_by_a_crash_is_replaced(tmp_path: Path) -> None:
    first = Running(tmp_path, "unix")
    path = Path(first.info()["socket"])
    first.instance._closed.set()  # as if killed: nothing cleaned up
    assert first.instance._server is not None
    first.instance._server.close()
    assert first.instance._lock_file is not None
    first.instance._lock_file.close()
    assert path.exists()
    second = Running(tmp_path, "unix")
    try:
        assert send(tmp_path, "activate")
        assert second.got == ["activate"]
    finally:
        second.instance.close()


class Stallers:
    """``n`` callers that send a few bytes and stall, each opened again as soon as the
    app closes it (as a stuck status bar, or a process bent on locking others out)."""

    def __init__(self, connect: Callable[[], socket.socket], n: int = 100) -> None:
        self.connect = connect
        self.n = n
        self.opened = 0
        self.conns: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _open(self) -> None:
        try:
            conn = self.connect()
        except OSError:
            return
        try:
            conn.sendall(b'{"comm')
        except OSError:
            conn.close()  # closed on us at once: that is the app's limit at work
            return
        conn.setblocking(False)
        self.conns.append(conn)
        self.opened += 1

    def _run(self) -> None:
        while not self._stop.is_set():
            for conn in list(self.conns):
                try:
                    conn.recv(4096)  # an answer ("too slow") or the end: closed on us
                    gone = True
                except BlockingIOError:
                    gone = False
                except OSError:
                    gone = True
                if gone:
                    self.conns.remove(conn)
                    conn.close()
            while len(self.conns) < self.n and not self._stop.is_set():
                self._open()
            self._stop.wait(0.05)

    def __enter__(self) -> Stallers:
        self._thread.start()
        end = time.monotonic() + 60
        while self.opened < self.n and time.monotonic() < end:
            time.sleep(0.01)
        assert self.opened >= self.n
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        for conn in self.conns:
            conn.close()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_hundred_stalled_callers_lock_out_neither_count_nor_a_second_start(
    transport: Transport, server: ContractServer
) -> None:
    """They once filled all 16 slots: count fell back to the server and a second start
    failed after 5 s with "does not answer"."""
    from traynotify.core.bar import bar_state, to_wire
    from traynotify.core.state import Status, TrayState
    from traynotify.desktop.paths import state_dir

    tray = TrayState(status=Status.OK, count=7)

    def handle(command: str) -> dict[str, object]:
        return {"state": to_wire(bar_state(tray, 60.0)), "api_url": server.url}

    running = Running(state_dir(), transport, handle)
    env = {**os.environ, "BYTESPIKE_API_URL": server.url, "BYTESPIKE_API_KEY": KEY}
    env.pop("DISPLAY", None)
    try:
        with Stallers(running.connect):
            for _ in range(3):  # a status bar asks every few seconds
                count = subprocess.run(
                    [sys.executable, "-m", "traynotify", "count"],
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
                assert (count.returncode, count.stdout, count.stderr) == (0, "7\n", "")
            second = subprocess.run(
                [sys.executable, "-m", "traynotify", "run"],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert (second.returncode, second.stdout, second.stderr) == (
                0,
                "traynotify is already running; it will refresh now.\n",
                "",
            )
    finally:
        running.instance.close()
    assert running.got == ["state"] * 3 + ["activate"]
    assert server.requests() == []  # count asked the tray, not the server
