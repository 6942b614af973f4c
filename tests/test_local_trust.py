"""What traynotify trusts on this machine: its folder, its files, the peer on its socket.

Another account may have made the state folder first (``HOME=/tmp``, a shared
``XDG_STATE_HOME``), planted links and files in it, or serve a socket of its own. As
root, these tests make such a folder and run such a server as ``nobody`` for real.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from traynotify.core.bar import bar_state, to_wire
from traynotify.core.state import Status, TrayState
from traynotify.desktop import local
from traynotify.desktop.instance import INFO_NAME, Instance, request, send
from traynotify.desktop.seen import SeenStore
from traynotify.devserver import ContractServer

from .conftest import KEY
from .test_cli import cli_env

NOBODY = 65534
SETPRIV = ("setpriv", "--reuid=4242", "--regid=4242", "--clear-groups")
"""Run as a made-up user, whose writes a folder's mode stops (root's it does not)."""
pytestmark = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0,
    reason="needs root, to make files and processes of another account",
)

IMPOSTOR = r"""
import fcntl, json, os, socket, sys
folder, answer = sys.argv[1], sys.argv[2]
lock = open(os.path.join(folder, "instance.lock"), "a+b")
fcntl.flock(lock, fcntl.LOCK_EX)
path = os.path.join(folder, "instance.sock")
server = socket.socket(socket.AF_UNIX)
server.bind(path)
os.chmod(path, 0o777)
info = os.path.join(folder, "instance.json")
with open(info, "w") as f:
    json.dump({"socket": path, "pid": os.getpid()}, f)
for name in ("instance.lock", "instance.sock", "instance.json"):
    os.chown(os.path.join(folder, name), 65534, 65534)
os.setgid(65534)
os.setuid(65534)
server.listen(16)  # the credentials a caller sees are these, nobody's
print("ready", flush=True)
while True:
    conn, _ = server.accept()
    with conn:
        data = conn.recv(4096)
        if data:  # a caller that checks who serves hangs up before it asks
            print("got", data.decode(errors="replace").strip(), flush=True)
        conn.sendall(answer.encode() + b"\n")
"""


class Impostor:
    """Another account's process holding the lock in ``folder`` and serving its socket."""

    def __init__(self, folder: Path, answer: dict[str, object]) -> None:
        self.folder = folder
        self.proc = subprocess.Popen(
            [sys.executable, "-c", IMPOSTOR, str(folder), json.dumps(answer)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        if self.proc.stdout.readline() != "ready\n":
            self.proc.kill()
            self.proc.communicate(timeout=10)
            raise AssertionError("the other account's process did not start")
        self.heard: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.heard.append(line.strip())

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)
        self._reader.join(timeout=5)
        assert self.proc.stdout is not None
        self.proc.stdout.close()


def nobodys(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    os.chown(folder, NOBODY, NOBODY)
    folder.chmod(0o755)
    return folder


@pytest.fixture
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """XDG_RUNTIME_DIR, where the app's private folder goes (a fresh 0700 one)."""
    folder = tmp_path / "run"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    return folder


@pytest.fixture
def state(own_home: Path) -> Path:
    """The state folder the app asks for (``$XDG_STATE_HOME/traynotify``)."""
    return own_home / "state" / "traynotify"


def tray_answer(count: int, api_url: str) -> dict[str, object]:
    wire = to_wire(bar_state(TrayState(status=Status.OK, count=count), 60.0))
    return {"ok": True, "state": wire, "api_url": api_url, "accepted": True, "count": count}


@pytest.fixture
def planted(state: Path, server: ContractServer) -> Iterator[Impostor]:
    """The state folder made by ``nobody``, who holds its lock and answers on its socket."""
    impostor = Impostor(nobodys(state), tray_answer(42, server.url))
    yield impostor
    impostor.close()


def traynotify(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "traynotify", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def no_desktop(**extra: str) -> dict[str, str]:
    env = cli_env(**extra)
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS"):
        env.pop(name, None)
    return env


# -- 1. a state folder owned by someone else ------------------------------------------


def test_another_accounts_folder_is_not_asked_and_not_used(
    planted: Impostor, state: Path, runtime: Path
) -> None:
    assert request(state, "state") is None
    assert not send(state, "activate")
    ours = Instance(state)
    assert ours.acquire()  # nobody holds the lock there: not ours to respect
    try:
        assert ours.place is not None
        assert ours.place.path == runtime / "traynotify"
        assert f"uid {NOBODY}" in (ours.place.problem or "")
        assert stat.S_IMODE((runtime / "traynotify").stat().st_mode) == 0o700
        got: list[str] = []
        ours.serve(lambda command: got.append(command))
        assert send(state, "activate")  # later starts find this one, not nobody's
        assert got == ["activate"]
    finally:
        ours.close()
    assert planted.heard == []


def test_count_and_read_all_ask_the_server_not_another_accounts_tray(
    planted: Impostor, runtime: Path, server: ContractServer
) -> None:
    env = cli_env(BYTESPIKE_API_URL=server.url, BYTESPIKE_API_KEY=KEY)
    for fmt in ("text", "json"):
        done = traynotify("count", "--format", fmt, env=env)
        assert done.returncode == 0, done.stderr
        assert "42" not in done.stdout
    assert traynotify("count", env=env).stdout == "3\n"
    done = traynotify("read", "--all", env=env)
    assert done.returncode == 0, done.stderr
    assert server.store.unread_count("alice") == 0  # marked at the server itself
    assert planted.heard == []


def test_a_start_beside_another_accounts_folder_is_not_a_hand_over(
    planted: Impostor, runtime: Path, server: ContractServer
) -> None:
    """Before, it said "already running" and exited 0: the tray never started."""
    done = traynotify("run", env=no_desktop(BYTESPIKE_API_URL=server.url))
    assert "already running" not in done.stdout + done.stderr
    assert planted.heard == []
    lines = done.stderr.splitlines()
    said = [line for line in lines if "not this user's alone" in line]
    assert len(said) == 1, done.stderr  # says so once
    assert str(runtime / "traynotify") in said[0]
    assert f"uid {NOBODY}" in said[0]
    assert "No graphical session" in done.stderr  # it went on to start a tray of its own
    assert "Traceback" not in done.stderr


def test_a_folder_of_ours_inside_another_accounts_folder_is_not_used(
    tmp_path: Path, runtime: Path
) -> None:
    """Whoever owns the folder above can rename ours and put its own in its place."""
    shared = nobodys(tmp_path / "shared")
    wanted = shared / "traynotify"
    wanted.mkdir(mode=0o700)
    assert local.untrusted(wanted) == f"{shared} is owned by another account (uid {NOBODY})"
    assert local.settle(wanted).path == runtime / "traynotify"


def test_when_the_private_folder_is_taken_too_the_start_fails_in_one_line(
    planted: Impostor, runtime: Path, tmp_path: Path, server: ContractServer
) -> None:
    nobodys(runtime / "traynotify")
    nobodys(tmp_path / "tmp" / f"traynotify-{os.geteuid()}")
    env = no_desktop(BYTESPIKE_API_URL=server.url)
    done = traynotify("run", env=env)
    assert done.returncode == 1
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert "no folder of this user's" in done.stderr
    count = traynotify("count", env={**env, "BYTESPIKE_API_KEY": KEY})
    assert (count.returncode, count.stdout) == (0, "3\n")  # from the server
    assert planted.heard == []


@pytest.mark.parametrize(
    ("mode", "owner", "why"),
    [
        (0o700, 0, None),
        (0o755, 0, None),  # others may look, not write
        (0o775, 0, "writable by other accounts"),
        (0o757, 0, "writable by other accounts"),
        (0o700, NOBODY, f"owned by another account (uid {NOBODY})"),
    ],
)
def test_which_folders_are_the_users(
    tmp_path: Path, mode: int, owner: int, why: str | None
) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    folder.chmod(mode)
    os.chown(folder, owner, owner)
    assert local.untrusted(folder) == why


def test_folders_above_may_be_shared_only_when_sticky(tmp_path: Path) -> None:
    for mode, why in ((0o1777, None), (0o777, "writable by other accounts")):
        above = tmp_path / f"above-{mode:o}"
        above.mkdir()
        above.chmod(mode)
        (above / "traynotify").mkdir(mode=0o700)
        got = local.untrusted(above / "traynotify")
        assert got == (None if why is None else f"{above} is {why}")


def test_a_link_to_another_accounts_folder_is_judged_by_where_it_leads(tmp_path: Path) -> None:
    theirs = nobodys(tmp_path / "theirs")
    link = tmp_path / "link"
    link.symlink_to(theirs)
    assert local.untrusted(link) == f"owned by another account (uid {NOBODY})"
    (tmp_path / "file").write_text("")
    assert local.untrusted(tmp_path / "file") == "not a folder"


def test_a_folder_of_ours_open_to_others_is_closed_and_used(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    folder.mkdir()
    folder.chmod(0o777)
    assert local.settle(folder) == local.Folder(folder, folder, None)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


# -- links and planted files in our own folder ---------------------------------------


def test_a_linked_lock_is_not_followed(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    folder.mkdir(mode=0o700)
    target = tmp_path / "made-through-the-link"
    (folder / "instance.lock").symlink_to(target)
    with pytest.raises(OSError, match="not a plain file"):
        Instance(folder).acquire()
    assert not target.exists()
    existing = tmp_path / "precious"
    existing.write_text("keep me")
    (folder / "instance.lock").unlink()
    (folder / "instance.lock").symlink_to(existing)
    with pytest.raises(OSError, match="not a plain file"):
        Instance(folder).acquire()
    assert existing.read_text() == "keep me"


def test_a_start_with_a_linked_lock_says_so_in_one_line(
    state: Path, tmp_path: Path, server: ContractServer
) -> None:
    state.mkdir(parents=True, mode=0o700)
    target = tmp_path / "made-through-the-link"
    (state / "instance.lock").symlink_to(target)
    done = traynotify("run", env=no_desktop(BYTESPIKE_API_URL=server.url))
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1, done.stderr
    assert "instance.lock" in done.stderr
    assert not target.exists()


def test_a_lock_file_of_another_account_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    folder.mkdir(mode=0o700)
    (folder / "instance.lock").write_text("")
    os.chown(folder / "instance.lock", NOBODY, NOBODY)
    with pytest.raises(OSError, match="not a plain file of this user's"):
        Instance(folder).acquire()


def test_an_info_file_that_is_a_link_or_anothers_is_not_believed(tmp_path: Path) -> None:
    real = tmp_path / "real"
    running = Instance(real)
    assert running.acquire()
    running.serve(lambda command: {"count": 1})
    try:
        assert request(real, "activate") == {"count": 1, "ok": True}
        folder = tmp_path / "state"
        folder.mkdir(mode=0o700)
        (folder / INFO_NAME).symlink_to(real / INFO_NAME)
        assert request(folder, "activate") is None
        (folder / INFO_NAME).unlink()
        (folder / INFO_NAME).write_bytes((real / INFO_NAME).read_bytes())
        assert request(folder, "activate") == {"count": 1, "ok": True}
        os.chown(folder / INFO_NAME, NOBODY, NOBODY)
        assert request(folder, "activate") is None
    finally:
        running.close()


def test_a_socket_served_by_another_account_gets_no_question(
    tmp_path: Path, server: ContractServer
) -> None:
    """Our own instance.json, pointing at a socket another account serves."""
    impostor = Impostor(nobodys(tmp_path / "theirs"), tray_answer(42, server.url))
    try:
        folder = tmp_path / "state"
        folder.mkdir(mode=0o700)
        theirs = json.loads((tmp_path / "theirs" / INFO_NAME).read_text())
        (folder / INFO_NAME).write_text(json.dumps(theirs))
        assert request(folder, "state") is None
        assert not send(folder, "activate")
    finally:
        impostor.close()
    assert impostor.heard == []


def test_another_account_on_our_socket_is_turned_away_by_the_app_too() -> None:
    """Even with the folder open (as if its mode were lost), the app checks the caller."""
    import shutil
    import tempfile

    top = Path(tempfile.mkdtemp(prefix="traynotify-test-", dir="/tmp"))
    top.chmod(0o755)  # not under pytest's 0700 folder, so nobody can reach the socket
    folder = top / "state"
    got: list[str] = []
    instance = Instance(folder, "unix")
    assert instance.acquire()
    instance.serve(lambda command: got.append(command))
    try:
        path = json.loads((folder / INFO_NAME).read_text())["socket"]
        folder.chmod(0o755)
        Path(path).chmod(0o777)
        probe = (
            "import os, socket, sys\n"
            "os.setgid(65534); os.setuid(65534)\n"
            "s = socket.socket(socket.AF_UNIX)\n"
            "s.settimeout(10)\n"
            "s.connect(sys.argv[1])\n"
            "try:\n"
            '    s.sendall(b\'{"command": "activate"}\\n\')\n'
            "except BrokenPipeError:\n"
            "    pass  # turned away before it could ask: the answer is waiting\n"
            "print(s.recv(4096).decode().strip())\n"
        )
        other = subprocess.run(
            [sys.executable, "-c", probe, path], capture_output=True, text=True, timeout=30
        )
        assert other.stdout.startswith("{"), other.stderr
        assert json.loads(other.stdout) == {"ok": False, "error": "denied"}
        assert got == []
        assert send(folder, "activate")
        assert got == ["activate"]
    finally:
        instance.close()
        shutil.rmtree(top)


def test_a_planted_seen_file_link_is_neither_read_nor_written_through(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    folder.mkdir(mode=0o700)
    target = tmp_path / "elsewhere.json"
    planted = {"version": 1, "accounts": {"https://api": [5001, 5003]}}
    target.write_text(json.dumps(planted))
    (folder / "seen.json").symlink_to(target)
    store = SeenStore(folder / "seen.json", "https://api")
    assert 5001 not in store  # not read: pop-ups are not silenced
    assert store.first_run
    store.add([7])
    assert json.loads(target.read_text()) == planted  # not written through
    assert not (folder / "seen.json").is_symlink()
    assert SeenStore(folder / "seen.json", "https://api")._ids() == [7]


def test_a_seen_file_of_another_account_is_not_read(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    folder.mkdir(mode=0o700)
    (folder / "seen.json").write_text(json.dumps({"version": 1, "accounts": {"u": [5001]}}))
    os.chown(folder / "seen.json", NOBODY, NOBODY)
    assert 5001 not in SeenStore(folder / "seen.json", "u")


def test_a_seen_file_planted_in_another_accounts_folder_silences_nothing(
    planted: Impostor, state: Path, runtime: Path
) -> None:
    """The app's seen store follows the lock into its private folder."""
    (state / "seen.json").write_text(json.dumps({"version": 1, "accounts": {"u": [5001]}}))
    os.chown(state / "seen.json", NOBODY, NOBODY)
    place = local.settle(state)
    assert place.file("seen.json") == runtime / "traynotify" / "seen.json"
    assert 5001 not in SeenStore(place.file("seen.json"), "u")


def test_a_link_in_place_of_the_private_folder_is_not_followed(
    planted: Impostor, state: Path, runtime: Path, tmp_path: Path
) -> None:
    """Whoever made the link chose where it leads, even into a folder of ours."""
    ours = tmp_path / "ours"
    ours.mkdir(mode=0o700)
    (runtime / "traynotify").symlink_to(ours)
    place = local.settle(state)
    assert place.path == tmp_path / "tmp" / f"traynotify-{os.geteuid()}"
    assert list(ours.iterdir()) == []


def test_a_snooze_planted_in_another_accounts_folder_pauses_nothing(
    state: Path, runtime: Path, server: ContractServer
) -> None:
    nobodys(state)
    (state / "snooze.json").write_text(json.dumps({"version": 1, "until": None}))
    os.chown(state / "snooze.json", NOBODY, NOBODY)
    env = cli_env(BYTESPIKE_API_URL=server.url, BYTESPIKE_API_KEY=KEY)
    done = traynotify("count", "--format", "json", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["paused"] is False
    done = traynotify("snooze", "1h", env=env)  # kept in the app's own folder instead
    assert done.returncode == 0, done.stderr
    assert (runtime / "traynotify" / "snooze.json").exists()
    assert json.loads((state / "snooze.json").read_text())["until"] is None


def test_a_linked_snooze_file_is_not_read(state: Path, tmp_path: Path) -> None:
    from traynotify.desktop.snooze_store import SnoozeStore

    state.mkdir(parents=True, mode=0o700)
    target = tmp_path / "elsewhere.json"
    target.write_text(json.dumps({"version": 1, "until": None}))
    (state / "snooze.json").symlink_to(target)
    assert SnoozeStore(state / "snooze.json").read() is None


def test_a_start_under_another_accounts_closed_folder_keeps_its_files_elsewhere(
    server: ContractServer,
) -> None:
    """HOME=/tmp with ~/.local made first by another account, closed to us: before, the
    state folder could not be made and the tray never started. Run as a made-up user
    (root's writes would not be stopped by the folder's mode)."""
    import shutil
    import tempfile

    top = Path(tempfile.mkdtemp(prefix="traynotify-test-", dir="/tmp"))
    try:
        top.chmod(0o755)
        shared = nobodys(top / "shared")  # 0755: nobody's, closed to the user
        (top / "open").mkdir(mode=0o1777)
        (top / "open").chmod(0o1777)
        env = no_desktop(
            BYTESPIKE_API_URL=server.url,
            XDG_STATE_HOME=str(shared / "state"),
            XDG_CONFIG_HOME=str(top / "open" / "config"),
            XDG_RUNTIME_DIR="",
            TMPDIR=str(top / "open"),
            HOME=str(top / "open"),
        )
        done = subprocess.run(
            [*SETPRIV, sys.executable, "-m", "traynotify", "run"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert "Cannot use the state folder" not in done.stderr
        assert "not this user's alone" in done.stderr, done.stderr
        assert "No graphical session" in done.stderr
    finally:
        shutil.rmtree(top)
