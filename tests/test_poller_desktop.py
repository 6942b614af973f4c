"""The poller on a real StatusNotifierItem host (xfce4-panel under Xvfb) against a
server whose answers drip: the icon says "not up to date" once a request's deadline
has passed, and comes back with the next good answer."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from traynotify.api.client import DEADLINE_FACTOR, DEFAULT_TIMEOUT
from traynotify.core.requests import BACKSTOP
from traynotify.devserver import ContractServer
from traynotify.devserver.faults import Drip

from .desktop import wait_for
from .test_desktop import red_pixels
from .xfce import (  # noqa: F401 - the fixtures
    SniApp,
    XfceDesktop,
    blue_pixels,
    icon,
    plain_python_fixture,
    shown,
    start_fixture,
    xfce_fixture,
)

pytestmark = pytest.mark.desktop

DEADLINE = DEADLINE_FACTOR * (DEFAULT_TIMEOUT.read or 10.0)
"""The app's request deadline (it runs with the default timeouts)."""


def grey_pixels(image) -> int:  # type: ignore[no-untyped-def]
    """The bell drawn grey: the look for "not up to date" (icons.GREY)."""
    data = image.convert("RGB").tobytes()
    return sum(
        1
        for i in range(0, len(data), 3)
        if all(abs(data[i + k] - (148, 155, 166)[k]) < 30 for k in range(3))
    )


def not_up_to_date(xfce: XfceDesktop) -> bool:
    image = icon(xfce)
    return red_pixels(image) == 0 and blue_pixels(image) == 0 and grey_pixels(image) > 20


def test_a_dripping_server_makes_the_icon_say_not_up_to_date_and_a_good_answer_mends_it(
    start: Callable[[], SniApp], xfce: XfceDesktop, server: ContractServer
) -> None:
    app = start()
    wait_for("the count", lambda: app.title() == "traynotify: 3 unread")
    shown(xfce)
    # every answer from now on: a byte every half second, minutes in all
    drip = server.faults.arm(Drip(chunk=1, every=0.5, pad_to=5000), times=None)
    drip.wait_met(30)
    wait_for(
        "the grey bell of a tray that is not up to date",
        lambda: not_up_to_date(xfce),
        timeout=DEADLINE + BACKSTOP + 20,  # the deadline, and room for a loaded machine
        seen=app.title,
    )
    assert app.title().startswith("traynotify: 3 unread · ")  # the last count, and why
    assert "took longer than" in app.title()
    drip.clear()
    wait_for(
        "the good answer to bring the count back",
        lambda: app.title() == "traynotify: 3 unread",
        timeout=60,
    )
    shown(xfce)
    assert app.proc.poll() is None
    assert "Traceback" not in app.stderr()
