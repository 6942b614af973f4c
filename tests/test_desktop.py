"""The real traynotify process on a real virtual desktop, driven as a user would.

Xvfb + trayer (tray host) + session D-Bus + dunst (notification daemon); the
contract server on loopback; xdotool for clicks and keys; a $BROWSER stub.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from traynotify.core.menu import build_menu
from traynotify.core.state import Status, TrayState
from traynotify.devserver import ContractServer

from .conftest import KEY, Launch
from .desktop import ICON_NAME, AppProcess, Desktop, wait_for

pytestmark = pytest.mark.desktop

RED = (220, 38, 38)


def started(launch: Launch, desktop: Desktop) -> AppProcess:
    """Launch the app and wait for its first count and its first-start summary toast."""
    baseline = len(desktop.toasts())
    app = launch()
    wait_for("the first count", lambda: app.title() == "traynotify: 3 unread")
    wait_for("the first-start summary", lambda: len(desktop.toasts()) > baseline)
    return app


def red_pixels(image) -> int:  # type: ignore[no-untyped-def]
    data = image.convert("RGB").tobytes()
    return sum(
        1
        for i in range(0, len(data), 3)
        if abs(data[i] - RED[0]) < 40 and data[i + 1] < 90 and data[i + 2] < 90
    )


def menu_downs_to(label: str, state: TrayState) -> int:
    """How many Down presses reach ``label`` in a freshly opened menu (enabled rows and
    submenu rows only)."""
    from datetime import datetime, timezone

    rows = [
        e
        for e in build_menu(state, datetime.now(timezone.utc))
        if not e.separator and e.enabled and (e.action is not None or e.children)
    ]
    labels = [e.label for e in rows]
    return next(i for i, lab in enumerate(labels) if lab.startswith(label)) + 1


def test_icon_docks_and_badge_shows_the_count(
    launch: Launch, server: ContractServer, desktop: Desktop
) -> None:
    baseline = len(desktop.toasts())
    app = launch()
    wait_for("the title to show the count", lambda: app.title() == "traynotify: 3 unread")
    wait_for("a red badge on the icon", lambda: red_pixels(app.icon_image()) > 20)
    # the badge sits in the top-right corner of the icon
    image = app.icon_image()
    w, h = image.size
    assert red_pixels(image.crop((w // 2, 0, w, h // 2))) > red_pixels(
        image.crop((0, h // 2, w // 2, h))
    )
    # first start with a backlog: one summary toast, not three
    wait_for("the first-start summary", lambda: desktop.toasts()[baseline:])
    time.sleep(2)  # two more polls: nothing else may pop up
    assert [t[0] for t in desktop.toasts()[baseline:]] == ["You have 3 unread notifications"]


def test_new_notification_changes_badge_and_toasts(
    launch: Launch, server: ContractServer, desktop: Desktop
) -> None:
    app = started(launch, desktop)
    before = len(desktop.toasts())
    server.store.add(
        "alice",
        "system.payment.received",
        "Payment received - $75.00",
        "Your top-up has cleared. Balance is now $80.00.",
        "/billing",
    )
    wait_for("the badge to count it", lambda: app.title() == "traynotify: 4 unread")
    toasts = wait_for("a toast", lambda: desktop.toasts()[before:])
    assert toasts == [
        ("Payment received - $75.00", "Your top-up has cleared. Balance is now $80.00.", 10000)
    ]


@pytest.mark.parametrize("backend", ["gtk", "appindicator"])
def test_clicking_an_entry_opens_its_console_link_and_marks_it_read(
    launch: Launch, server: ContractServer, desktop: Desktop, backend: str
) -> None:
    app = launch(backend=backend)
    wait_for("the first count", lambda: app.title() == "traynotify: 3 unread")
    app.open_menu()
    desktop.key("Down", "Return")  # the header is not selectable: first Down = newest
    assert wait_for("the browser stub", app.opened_urls) == ["https://console.bytespike.ai/billing"]
    wait_for("mark-read on the server", lambda: server.store.unread_count("alice") == 2)
    note = server.store.get(5001)
    assert note is not None
    assert note.read_at is not None
    assert [r.path for r in server.requests("/mark-read")] == [
        "/api/v1/me/notifications/5001/mark-read"
    ]
    wait_for("the badge to drop", lambda: app.title() == "traynotify: 2 unread")


def test_mark_all_as_read_zeroes_server_and_icon(
    launch: Launch, server: ContractServer, desktop: Desktop
) -> None:
    app = launch()
    wait_for("the first count", lambda: app.title() == "traynotify: 3 unread")
    wait_for("the menu items", lambda: red_pixels(app.icon_image()) > 20)
    state = TrayState(
        status=Status.OK, count=3, items=tuple(n for n in server.store.query("alice", unread=True))
    )
    app.open_menu()
    desktop.key(*["Down"] * menu_downs_to("Mark all as read", state), "Return")
    wait_for("the server count to reach 0", lambda: server.store.unread_count("alice") == 0)
    wait_for("the icon to show 0", lambda: app.title() == "traynotify: 0 unread")
    wait_for("the red badge to go", lambda: red_pixels(app.icon_image()) == 0)
    assert len(server.requests("/mark-all-read")) == 1


def test_quit_ends_the_process(launch: Launch, desktop: Desktop) -> None:
    app = launch()
    wait_for("the first count", lambda: app.title() == "traynotify: 3 unread")
    app.open_menu()
    desktop.key("Up", "Return")  # Quit is the last entry
    # A hang check, not a benchmark: the bench measures how quick it is.
    assert app.proc.wait(timeout=5) == 0
    assert "Traceback" not in app.stderr()


def test_no_key_shows_signed_out(launch: Launch, server: ContractServer) -> None:
    app = launch(key=None)
    wait_for("the signed-out title", lambda: app.title() == "traynotify: signed out (no API key)")
    assert server.requests() == []


def test_revoked_key_stops_polling(launch: Launch, server: ContractServer) -> None:
    app = launch()
    wait_for("the first count", lambda: app.title() == "traynotify: 3 unread")
    server.store.revoke_key(KEY)
    wait_for("the signed-out title", lambda: "signed out" in app.title())
    seen = len(server.requests())
    time.sleep(3)  # three intervals: no request may go out with the rejected key
    assert len(server.requests()) == seen


def test_toasts_are_not_repeated_after_a_restart(
    launch: Launch, server: ContractServer, desktop: Desktop, tmp_path: Path
) -> None:
    baseline = len(desktop.toasts())  # the monitor log spans the whole module
    first = launch()
    wait_for("the first count", lambda: first.title() == "traynotify: 3 unread")
    wait_for("the summary toast", lambda: len(desktop.toasts()) > baseline)
    first.proc.terminate()
    first.proc.wait(timeout=10)
    wait_for("the icon to leave", lambda: desktop.find_window(ICON_NAME) is None)
    shown = len(desktop.toasts())
    server.store.add("alice", "admin.org.member.add", "Ana joined", "Ana was added.", None)
    second = launch()
    wait_for("the new count", lambda: second.title() == "traynotify: 4 unread")
    wait_for("one toast for the one new", lambda: len(desktop.toasts()) > shown)
    time.sleep(2)
    assert [t[0] for t in desktop.toasts()[shown:]] == ["Ana joined"]


def test_xorg_backend_says_it_has_no_menu(launch: Launch) -> None:
    app = launch(backend="xorg")
    wait_for("the title", lambda: "no menu" in app.title())
    assert "install the 'linux' extra" in app.title()
    wait_for("the start-up warning", lambda: "no menu" in app.stderr())


def test_demo_runs_on_the_desktop_as_the_readme_says(desktop: Desktop, tmp_path: Path) -> None:
    """`traynotify demo > demo.log`: its own server, sample data, a new notification now and
    then; ended by a signal, its words are in the file and nothing is left in the temp folder."""
    baseline = len(desktop.toasts())
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = desktop.env
    env.update(PYSTRAY_BACKEND="gtk", XDG_STATE_HOME=str(tmp_path / "state"), TMPDIR=str(tmp))
    env.pop("BYTESPIKE_API_KEY", None)
    env.pop("PYTHONUNBUFFERED", None)
    log, errors = tmp_path / "demo.log", tmp_path / "demo.err"
    with open(log, "w") as out, open(errors, "w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "traynotify", "demo", "--every", "2", "--interval", "1"],
            env=env,
            stdout=out,
            stderr=err,
        )
    try:
        icon = wait_for("the demo icon", lambda: desktop.find_window(ICON_NAME))
        wait_for("the sample count", lambda: desktop.window_name(icon) == "traynotify: 3 unread")
        wait_for(
            "a new sample to arrive", lambda: desktop.window_name(icon) == "traynotify: 4 unread"
        )
        titles = [
            t[0]
            for t in wait_for(
                "two toasts",
                lambda: desktop.toasts()[baseline:][1:] and desktop.toasts()[baseline:],
            )
        ]
        assert titles[0] == "You have 3 unread notifications"
        assert titles[1].startswith("Payment received · $")
    finally:
        proc.terminate()
        code = proc.wait(timeout=15)
    written = log.read_text(encoding="utf-8")
    assert "talking to a local BytesSpike server at http://127.0.0.1:" in written
    assert "A new notification arrives every 2 s." in written
    assert "Traceback" not in errors.read_text(encoding="utf-8")
    assert code == 0
    assert list(tmp.iterdir()) == []
    wait_for("the icon to leave", lambda: desktop.find_window(ICON_NAME) is None)


def test_an_unsafe_link_is_never_opened(
    launch: Launch, server: ContractServer, desktop: Desktop
) -> None:
    server.store.add(
        "alice", "org.api_key.revoke", "Key revoked", "b", "javascript:alert(document.cookie)"
    )
    app = launch()
    wait_for("the count", lambda: app.title() == "traynotify: 4 unread")
    app.open_menu()
    desktop.key("Down", "Return")  # the newest: the one with the bad link
    wait_for("the warning", lambda: "Not opening the link of notification" in app.stderr())
    assert "'javascript:alert(document.cookie)' is not a console link" in app.stderr()
    wait_for("it to be marked read as clicked", lambda: server.store.unread_count("alice") == 3)
    time.sleep(1)
    assert app.opened_urls() == []


def test_hostile_text_reaches_the_desktop_clean(
    launch: Launch, server: ContractServer, desktop: Desktop
) -> None:
    app = started(launch, desktop)
    before = len(desktop.toasts())
    server.store.add(
        "alice",
        "admin.org.member.add",
        "Eve\njoined\x1b[31m \u202eniamod " + "x" * 10_000,
        "<b>bold</b> & \x07bell\nnext line",
        None,
    )
    toast = wait_for("the toast", lambda: desktop.toasts()[before:])[0]
    title, body, _ = toast
    assert title.startswith("Eve joined[31m niamod xxx")
    assert len(title) <= 100
    assert "\x1b" not in title
    assert "\u202e" not in title
    assert body == "&lt;b&gt;bold&lt;/b&gt; &amp; bell next line"
    wait_for("the count", lambda: app.title() == "traynotify: 4 unread")
