"""Soak: the real app, 1 s interval, against a server that alternates faults and new events.

Bounded: TRAYNOTIFY_SOAK_SECONDS (default 120) of load, then recovery checks.
"""

from __future__ import annotations

import itertools
import os
import random
import re
import time
from pathlib import Path

import pytest

from traynotify.devserver import ContractServer, Fault

from .conftest import Launch
from .desktop import Desktop, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.desktop]

SOAK_SECONDS = float(os.environ.get("TRAYNOTIFY_SOAK_SECONDS", "120"))
FAULTS = [
    Fault("status", status=503, retry_after="1"),
    Fault("status", status=500),
    Fault("status", status=429, retry_after="2"),
    Fault("drop"),
    Fault("not_json"),
    Fault("wrong_shape"),
    Fault("slow", delay=0.5),
]


def rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, flags=re.MULTILINE)
    assert match, status
    return int(match.group(1))


def test_soak_faults_and_events(launch: Launch, server: ContractServer, desktop: Desktop) -> None:
    rng = random.Random(11)
    baseline = len(desktop.toasts())
    app = launch()
    wait_for("the first count", lambda: app.title() == "traynotify: 3 unread")
    wait_for("the first-start summary", lambda: len(desktop.toasts()) > baseline)
    after_start = len(desktop.toasts())

    added: list[str] = []
    start = time.monotonic()
    rss_early: int | None = None
    step = 0
    while time.monotonic() - start < SOAK_SECONDS:
        phase = step % 3
        if phase == 0:
            for _ in range(rng.choice([1, 1, 2, 5])):
                title = f"Soak event {len(added) + 1}"
                server.store.add("alice", "system.payment.received", title, "soak body")
                added.append(title)
        elif phase == 1:
            server.inject(rng.choice(FAULTS))
        else:
            server.clear_faults()
        step += 1
        time.sleep(2)
        if rss_early is None and time.monotonic() - start > 20:
            rss_early = rss_kib(app.proc.pid)
    server.clear_faults()

    # it recovers by itself, with the right count
    expected = 3 + len(added)
    wait_for(
        "recovery to the right count",
        lambda: app.title() == f"traynotify: {expected} unread",
        timeout=60,
    )
    time.sleep(3)  # let the last toasts land

    # every notification added was toasted once or counted in a summary
    toasts = [t[0] for t in desktop.toasts()[after_start:]]
    singles = [t for t in toasts if t.startswith("Soak event ")]
    summaries = [
        int(m.group(1)) for t in toasts if (m := re.fullmatch(r"(\d+) new notifications", t))
    ]
    assert len(singles) == len(set(singles)), "a toast was shown twice"
    assert set(singles) <= set(added)
    assert len(singles) + sum(summaries) == len(added), (toasts, added)
    assert len(toasts) == len(singles) + len(summaries)

    # no retry storm: polls (each starts with one probe: the newest unread and the
    # count) keep to the 1 s cadence. Polls are scheduled start to start, and a request
    # can leave a little after its poll starts (the first one builds the HTTP client),
    # so an arrival gap may be a little under the interval.
    polls = [
        r.at
        for r in server.requests("/api/v1/me/notifications")
        if r.query.get("page_size") == ["1"]
    ]
    gaps = [b - a for a, b in itertools.pairwise(polls)]
    assert min(gaps) > 0.75
    assert len(polls) < SOAK_SECONDS + 40

    # the poller thread is alive: a new event still arrives
    server.store.add("alice", "admin.org.member.add", "After the soak", "still here")
    wait_for("one more", lambda: app.title() == f"traynotify: {expected + 1} unread")
    wait_for("its toast", lambda: "After the soak" in [t[0] for t in desktop.toasts()])

    # memory did not grow beyond noise
    assert rss_early is not None
    growth = rss_kib(app.proc.pid) - rss_early
    assert growth < 4 * 1024, f"RSS grew by {growth} KiB"
    assert "Traceback" not in app.stderr()
    assert "Unexpected error" not in app.stderr()
