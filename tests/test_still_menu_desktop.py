"""What the user does on a real StatusNotifierItem host (xfce4-panel under Xvfb) is
what happens: the open menu holds still under the mouse, and a click that opened
nothing leaves the notification unread and says why. Children never see the key.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from traynotify.core.state import Status, TrayState
from traynotify.devserver import ContractServer

from .conftest import KEY
from .desktop import wait_for
from .test_desktop import menu_downs_to
from .xfce import (  # noqa: F401 - the fixtures
    SniApp,
    XfceDesktop,
    plain_python_fixture,
    shown,
    start_fixture,
    xfce_fixture,
)

pytestmark = pytest.mark.desktop
COLUMN = 100
"""The x where rows are looked at and clicked (inside the menu, left of any text end)."""


def highlighted(xfce: XfceDesktop) -> tuple[int, int] | None:
    """The top and bottom y of the menu's highlighted row (the theme's blue), if any."""
    column = xfce.screenshot((COLUMN, 0, COLUMN + 1, 700)).convert("RGB")
    blue = [
        y
        for y in range(column.height)
        if (lambda r, g, b: b > 150 and b > r + 60)(*column.getpixel((0, y)))  # type: ignore[misc]
    ]
    return (blue[0], blue[-1]) if blue else None


def steady(xfce: XfceDesktop) -> bool:
    first = xfce.menu_height()
    time.sleep(0.5)
    return first > 0 and xfce.menu_height() == first


def click(xfce: XfceDesktop, x: int, y: int) -> None:
    xfce.run("xdotool", "mousemove", str(x), str(y), "click", "1")


def recorder(folder: Path, name: str, status: int, said: str = "") -> Path:
    """A program that records its arguments and environment, says ``said``, exits."""
    folder.mkdir(exist_ok=True)
    log = folder / f"{name}.log"
    path = folder / name
    path.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        f"with open({str(log)!r}, 'a') as f:\n"
        "    f.write(json.dumps({'argv': sys.argv[1:], 'env': dict(os.environ)}) + '\\n')\n"
        f"sys.stderr.write({said!r})\n"
        f"sys.exit({status})\n",
        encoding="utf-8",
    )
    path.chmod(0o755)
    return log


def test_a_click_where_mark_all_was_marks_all_though_one_arrived_meanwhile(
    start: Callable[..., SniApp], xfce: XfceDesktop, server: ContractServer, tmp_path: Path
) -> None:
    app = start()
    wait_for("the count", lambda: app.title() == "traynotify: 3 unread")
    shown(xfce)
    state = TrayState(
        status=Status.OK, count=3, items=tuple(server.store.query("alice", unread=True))
    )
    xfce.open_menu()
    xfce.key(*["Down"] * menu_downs_to("Mark all as read", state))  # to find it on screen
    band = wait_for("the highlighted row", lambda: highlighted(xfce))
    xfce.screenshot((0, 0, 400, 400)).save(tmp_path / "menu-before.png")
    aim = (band[0] + band[1]) // 2
    xfce.run("xdotool", "mousemove", str(COLUMN), str(aim))  # the user is about to click

    server.store.add("alice", "admin.org.member.add", "Ana joined", "Ana was added.", None)
    wait_for("the new count", lambda: app.title() == "traynotify: 4 unread")
    wait_for("the menu to settle", lambda: steady(xfce))
    time.sleep(1)  # the time a host takes to re-read a changed menu, had it been told to
    xfce.screenshot((0, 0, 400, 400)).save(tmp_path / "menu-after.png")

    click(xfce, COLUMN, aim)
    wait_for("mark all at the server", lambda: server.store.unread_count("alice") == 0)
    assert len(server.requests("/mark-all-read")) == 1
    assert server.requests("/mark-read") == []  # no single one was marked...
    time.sleep(1)
    assert app.opened() == []  # ...or opened
    # the menu closed with the click: the next one shows what arrived meanwhile
    labels = app.client.labels()
    assert labels[0] == "No unread notifications"
    assert "Traceback" not in app.stderr()


def test_a_click_that_opens_nothing_leaves_it_unread_and_says_why(
    start: Callable[..., SniApp], xfce: XfceDesktop, server: ContractServer, tmp_path: Path
) -> None:
    tools = tmp_path / "tools"
    browser_log = recorder(tools, "broken-browser", 1, "cannot open display\n")
    xdg_log = recorder(tools, "xdg-open", 3, "xdg-open: no method available for opening\n")
    app = start(
        {
            "BROWSER": str(tools / "broken-browser"),
            "PATH": f"{tools}:/usr/bin:/bin",
        }
    )
    wait_for("the count", lambda: app.title() == "traynotify: 3 unread")
    shown(xfce)
    toasts_before = len(xfce.toasts())
    payment = app.client.row_id("Payment received · $25.00")
    app.client.menu("EventGroup", "a(isvu)", ([(payment, "clicked", ("i", 0), 0)],))
    wait_for("the notice in the menu", lambda: app.client.labels()[1].startswith("⚠ "))
    notice = app.client.labels()[1]
    assert notice.startswith("⚠ Could not open a browser: xdg-open failed (exit status 3)")
    assert server.store.unread_count("alice") == 3  # still unread: the user saw nothing
    assert server.requests("/mark-read") == []
    assert app.title() == "traynotify: 3 unread"
    toast = wait_for("a pop-up saying so", lambda: xfce.toasts()[toasts_before:])
    title, body, _expiry = toast[0]
    assert title.startswith("Could not open “Payment received")
    assert "https://console.bytespike.ai/billing" in body
    # both the browser and xdg-open were tried, neither with the key
    for log in (browser_log, xdg_log):
        (call,) = [json.loads(line) for line in log.read_text().splitlines()]
        assert call["argv"][-1] == "https://console.bytespike.ai/billing"
        assert "BYTESPIKE_API_KEY" not in call["env"]
        assert KEY not in json.dumps(call["env"])
