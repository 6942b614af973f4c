"""Living on the desktop: sign-in reaching the running app, one instance, start at
login from the menu, the Chinese UI. The real process on the virtual desktop."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from traynotify.core.state import Status, TrayState
from traynotify.desktop.autostart import launch_command
from traynotify.desktop.autostart.xdg import unquote_exec
from traynotify.devserver import ContractServer

from .conftest import KEY, OTHER_KEY, Launch
from .desktop import ICON_NAME, Desktop, wait_for
from .test_desktop import menu_downs_to, started

pytestmark = pytest.mark.desktop


def traynotify(
    *args: str, env: dict[str, str], stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "traynotify", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_login_and_logout_reach_the_running_app_without_a_restart(
    launch: Launch, server: ContractServer
) -> None:
    app = launch(key=None)
    wait_for("the signed-out title", lambda: app.title() == "traynotify: signed out (no API key)")
    assert "BYTESPIKE_API_KEY" not in app.env

    done = traynotify("login", env=app.env, stdin=KEY + "\n")
    assert done.returncode == 0, done.stderr
    assert "The running tray app uses the new key now." in done.stdout
    wait_for("the count with the new key", lambda: app.title() == "traynotify: 3 unread")

    # another account's key replaces the one in use at once (bob has 1 unread)
    assert traynotify("login", env=app.env, stdin=OTHER_KEY).returncode == 0
    wait_for("bob's count", lambda: app.title() == "traynotify: 1 unread")

    done = traynotify("logout", env=app.env)
    assert "The running tray app has noticed." in done.stdout
    wait_for("the signed-out title", lambda: app.title() == "traynotify: signed out (no API key)")
    seen = len(server.requests())
    time.sleep(3)  # three intervals: nothing may go out while signed out
    assert app.proc.poll() is None
    assert all(r.key in (None, KEY, OTHER_KEY) for r in server.requests())
    assert len(server.requests()) == seen  # signed out: nothing is sent
    assert KEY not in app.stderr()


def test_a_second_start_hands_over_to_the_running_app(
    launch: Launch, desktop: Desktop, server: ContractServer
) -> None:
    app = started(launch, desktop)

    def lists() -> int:
        return len(server.requests("/api/v1/me/notifications"))

    before = lists()
    second = traynotify("run", "--interval", "1", env=app.env)
    assert (second.returncode, second.stdout, second.stderr) == (
        0,
        "traynotify is already running; it will refresh now.\n",
        "",
    )
    wait_for(
        "the running app's toast",
        lambda: (
            ("traynotify is already running", "Its icon is in the system tray.")
            in [(t[0], t[1]) for t in desktop.toasts()]
        ),
    )
    wait_for("the refresh (a list request; steady polling only counts)", lambda: lists() > before)
    icons = desktop.run("xdotool", "search", "--name", ICON_NAME, check=False).split()
    assert len(icons) == 1
    assert app.proc.poll() is None


@pytest.mark.parametrize(
    ("backend", "sig"),
    [
        ("gtk", signal.SIGTERM),
        ("gtk", signal.SIGINT),
        ("gtk", signal.SIGHUP),
        ("appindicator", signal.SIGTERM),
    ],
    ids=["gtk-TERM", "gtk-INT", "gtk-HUP", "appindicator-TERM"],
)
def test_a_signal_ends_the_app_cleanly(
    launch: Launch, desktop: Desktop, tmp_path: Path, backend: str, sig: signal.Signals
) -> None:
    """Logging out, Ctrl+C or a kill: state kept, nothing left in the temp folder, and
    the next start is a fresh app, not a hand-over."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    app = launch(backend=backend, extra_env={"TMPDIR": str(tmp)})
    wait_for(
        "the count",
        lambda: app.title().startswith("traynotify: 3 unread"),
        seen=lambda: f"title {app.title()!r}, stderr {app.stderr()[-500:]!r}",
    )
    seen = Path(app.env["XDG_STATE_HOME"]) / "traynotify" / "seen.json"
    wait_for("the shown ids to be saved", seen.exists)
    app.proc.send_signal(sig)
    assert app.proc.wait(timeout=15) == 0
    assert "Traceback" not in app.stderr()
    assert list(tmp.iterdir()) == []
    assert "5001" in seen.read_text(encoding="utf-8")
    wait_for("the icon to go", lambda: desktop.find_window(ICON_NAME) is None)

    again = launch(backend=backend, extra_env={"TMPDIR": str(tmp)})
    wait_for("the new app's count", lambda: again.title().startswith("traynotify: 3 unread"))
    assert "already running" not in again.stderr()


def test_a_crashed_app_does_not_block_the_next_start(
    launch: Launch, desktop: Desktop, tmp_path: Path
) -> None:
    first = launch()
    wait_for("the first count", lambda: first.title() == "traynotify: 3 unread")
    first.proc.kill()  # no chance to clean up: the lock and instance.json stay behind
    first.proc.wait(timeout=10)
    info = Path(first.env["XDG_STATE_HOME"]) / "traynotify" / "instance.json"
    assert info.exists()
    wait_for("the old icon to go", lambda: desktop.find_window(ICON_NAME) is None)
    second = launch()
    wait_for("the new app's count", lambda: second.title() == "traynotify: 3 unread")
    assert "already running" not in second.stderr()


def test_start_at_login_from_the_menu(
    launch: Launch, desktop: Desktop, server: ContractServer
) -> None:
    app = started(launch, desktop)
    entry = Path(app.env["XDG_CONFIG_HOME"]) / "autostart" / "traynotify.desktop"
    assert not entry.exists()
    items = tuple(server.store.query("alice", unread=True))
    state = TrayState(Status.OK, count=3, items=items, autostart=False)
    downs = menu_downs_to("Start at login", state)

    app.open_menu()
    desktop.key(*["Down"] * downs, "Return")
    wait_for("the autostart entry", entry.exists)
    exec_line = next(line for line in entry.read_text().splitlines() if line.startswith("Exec="))
    command = unquote_exec(exec_line.removeprefix("Exec="))
    assert command == (sys.executable, "-m", "traynotify", "run")
    assert command == launch_command(argv0="-m")  # what `autostart status` compares with
    status = traynotify("autostart", "status", env=app.env)
    assert status.stdout == f"Start at login: on ({entry}).\n"

    app.open_menu()
    desktop.key(*["Down"] * downs, "Return")
    wait_for("the entry to go", lambda: not entry.exists())
    assert app.proc.poll() is None


def test_chinese_desktop_gets_chinese_title_and_toasts(
    launch: Launch, desktop: Desktop, server: ContractServer
) -> None:
    baseline = len(desktop.toasts())
    app = launch(extra_env={"LANGUAGE": "zh_CN"})
    wait_for("the Chinese title", lambda: app.title() == "traynotify：3 条未读")
    wait_for("the first-start summary", lambda: len(desktop.toasts()) > baseline)
    summary = desktop.toasts()[baseline]
    assert (summary[0], summary[1]) == ("你有 3 条未读通知", "Payment received · $25.00")
    server.store.revoke_key(KEY)
    wait_for("the signed-out title", lambda: app.title().startswith("traynotify：未登录（"))
    assert "API 密钥缺失或已被吊销" in app.title()
