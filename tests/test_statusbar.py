"""Status bars and scripts: the bar's lines, count and watch without a tray, the tray's
answer over a real instance channel, and watch's own poller on a fake clock."""

from __future__ import annotations

import io
import json
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from traynotify.api.models import Notification
from traynotify.cli import main
from traynotify.cli.statusbar import TRAY_GRACE, OwnPoller, Watch
from traynotify.core.bar import BarState, bar_state, from_wire, render, to_wire
from traynotify.core.config import Settings
from traynotify.core.outcome import Done, MarkAllOutcome, before_sending
from traynotify.core.state import Status, TrayState
from traynotify.desktop.instance import Instance
from traynotify.desktop.paths import state_dir
from traynotify.devserver import ContractServer, Fault

from .conftest import KEY
from .test_first_hour import no_keyring  # noqa: F401 - the fixture
from .test_poller import FakeClock

# waybar-custom(5): the JSON a custom module's exec (return-type json) prints per line.
WAYBAR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "text": {"type": "string"},
        "alt": {"type": "string"},
        "tooltip": {"type": "string"},
        "class": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "percentage": {"type": "number"},
    },
    "additionalProperties": False,
}


def run(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, env=env, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def note(id_: int, title: str) -> Notification:
    return Notification(
        id=id_,
        type="admin.org.member.add",
        title=title,
        body="",
        link=None,
        read_at=None,
        created_at=datetime(2026, 5, 22, tzinfo=timezone.utc),
    )


# -- the bar's lines --------------------------------------------------------------------

STATES = [
    TrayState(status=Status.OK, count=3, items=(note(1, "a"), note(2, "b <i>&</i>"))),
    TrayState(status=Status.OK, count=0),
    TrayState(status=Status.OK, count=250),
    TrayState(status=Status.OFFLINE, count=3, stale=True, problem="connection refused"),
    TrayState(status=Status.ERROR, count=3, stale=True, problem="server error 503"),
    TrayState(status=Status.SIGNED_OUT, problem="the key was rejected"),
    TrayState(),
]


@pytest.mark.parametrize("state", STATES)
def test_waybar_lines_match_waybars_custom_module_format(state: TrayState) -> None:
    line = render(bar_state(state, 60.0), "waybar", "tray")
    assert "\n" not in line
    jsonschema.validate(json.loads(line), WAYBAR_SCHEMA)


def test_each_state_says_so_in_class_alt_and_tooltip() -> None:
    lines = [json.loads(render(bar_state(s, 60.0), "waybar", "tray")) for s in STATES]
    assert [(x["text"], x["alt"], x["class"]) for x in lines] == [
        ("3", "unread", ["unread", "fresh"]),
        ("0", "none", ["none", "fresh"]),
        ("99+", "unread", ["unread", "fresh"]),
        ("3", "offline", ["unread", "offline"]),
        ("3", "stale", ["unread", "stale"]),
        ("!", "signed-out", ["none", "signed-out"]),
        ("…", "starting", ["none", "starting"]),
    ]
    assert lines[0]["tooltip"] == "traynotify: 3 unread\n• a\n• b &lt;i&gt;&amp;&lt;/i&gt;"
    assert lines[3]["tooltip"] == (
        "traynotify: 3 unread · offline, last known count (connection refused)"
    )
    assert lines[4]["tooltip"] == "traynotify: 3 unread · not up to date (server error 503)"
    assert lines[5]["tooltip"] == "traynotify: signed out (the key was rejected)"


def test_text_and_json_lines() -> None:
    fresh, offline, signed_out = (bar_state(STATES[i], 60.0) for i in (0, 3, 5))
    assert render(fresh, "text", "tray") == "3"
    assert render(offline, "text", "tray") == "3 (offline)"
    assert render(signed_out, "text", "tray") == "signed out"
    assert json.loads(render(fresh, "json", "tray")) == {
        "count": 3,
        "state": "fresh",
        "titles": ["a", "b <i>&</i>"],
        "problem": None,
        "source": "tray",
        "paused": False,
        "paused_until": None,
    }


@pytest.mark.parametrize(
    ("paused", "setting_off", "until", "said"),
    [
        (False, False, "2026-01-01T10:00:00+00:00", (False, None)),
        (True, False, "2026-01-01T10:00:00+00:00", (True, "2026-01-01T10:00:00+00:00")),
        (False, True, None, (True, None)),  # the popups setting off: paused, with no end
        (True, True, "2026-01-01T10:00:00+00:00", (True, "2026-01-01T10:00:00+00:00")),
    ],
)
def test_a_bar_says_paused_whatever_holds_pop_ups_back(
    paused: bool, setting_off: bool, until: str | None, said: tuple[bool, str | None]
) -> None:
    state = replace(STATES[0], popups_paused=paused, popups_setting_off=setting_off)
    bar = bar_state(state, 60.0, until)
    assert (bar.paused, bar.paused_until) == said


@pytest.mark.parametrize("state", STATES)
def test_the_wire_form_reads_back_as_it_was(state: TrayState) -> None:
    bar = bar_state(state, 30.0)
    assert from_wire(json.loads(json.dumps(to_wire(bar)))) == bar


@pytest.mark.parametrize(
    "answer",
    [
        None,
        [],
        "fresh",
        {"freshness": "great", "count": 1, "titles": [], "problem": None, "interval": 60},
        {"freshness": "fresh", "count": -1, "titles": [], "problem": None, "interval": 60},
        {"freshness": "fresh", "count": True, "titles": [], "problem": None, "interval": 60},
        {"freshness": "fresh", "count": 1, "titles": [3], "problem": None, "interval": 60},
        {"freshness": "fresh", "count": 1, "titles": [], "problem": 7, "interval": 60},
        {"freshness": "fresh", "count": 1, "titles": [], "problem": None, "interval": 0},
        {"freshness": "fresh", "count": 1, "titles": [], "problem": None},
    ],
)
def test_an_answer_that_is_not_a_state_is_refused(answer: object) -> None:
    assert from_wire(answer) is None


def test_titles_from_another_process_are_made_one_line() -> None:
    bar = from_wire(
        {
            "freshness": "fresh",
            "count": 9,
            "titles": ["evil\x1b[31m\nsecond\u202e", *[f"t{i}" for i in range(20)]],
            "problem": None,
            "interval": 60,
        }
    )
    assert bar is not None
    assert bar.titles[0] == "evil[31m second"
    assert len(bar.titles) == 5


# -- count and open with no tray ------------------------------------------------------------


@pytest.fixture
def env(server: ContractServer) -> dict[str, str]:
    return {"BYTESPIKE_API_URL": server.url, "BYTESPIKE_API_KEY": KEY}


def test_count_without_a_tray_is_one_request(env: dict[str, str], server: ContractServer) -> None:
    for fmt, expected in (("text", "3"), ("json", None), ("waybar", None)):
        server.clear_requests()
        code, out, err = run(["count", "--format", fmt], env)
        assert (code, err) == (0, "")
        assert len(server.requests()) == 1
        if expected:
            assert out == expected + "\n"
        assert server.requests()[0].path.endswith("/unread-count")  # the badge endpoint
    assert json.loads(run(["count", "--format", "json"], env)[1]) == {
        "count": 3,
        "state": "fresh",
        "titles": [],
        "problem": None,
        "source": "server",
        "paused": False,
        "paused_until": None,
    }


def test_count_errors_in_the_bar_and_on_stderr(env: dict[str, str]) -> None:
    code, out, err = run(["count", "--format", "waybar"], {**env, "BYTESPIKE_API_KEY": "nope-key"})
    assert code == 3
    line = json.loads(out)
    jsonschema.validate(line, WAYBAR_SCHEMA)
    assert (line["text"], line["class"]) == ("!", ["none", "signed-out"])
    assert err.startswith("traynotify: ")


# -- a tray app's channel, in this process ----------------------------------------------


class FakeTray:
    """A real instance channel answering like the tray app, with a state we set."""

    def __init__(self, api_url: str, state: TrayState) -> None:
        self.api_url = api_url
        self.state = state
        self.commands: list[str] = []
        self.outcome: MarkAllOutcome | None = None
        """What its poller reported for a mark-all (None: it has not answered)."""
        self.instance = Instance(state_dir())
        assert self.instance.acquire()
        self.instance.serve(self.handle)

    def handle(self, command: str) -> dict[str, object] | None:
        self.commands.append(command)
        if command == "state":
            return {"state": to_wire(bar_state(self.state, 1.0)), "api_url": self.api_url}
        if command == "read-all":  # as the tray app answers (app.py)
            outcome = self.outcome or before_sending(self.state)
            return (outcome or MarkAllOutcome(Done.SENT, self.state.count)).to_wire()
        return None

    def close(self) -> None:
        self.instance.close()


@pytest.fixture
def tray(server: ContractServer) -> Iterator[FakeTray]:
    fake = FakeTray(server.url, TrayState(status=Status.OK, count=7, items=(note(1, "hello"),)))
    yield fake
    fake.close()


def test_count_takes_the_trays_answer_without_http(
    env: dict[str, str], server: ContractServer, tray: FakeTray
) -> None:
    server.clear_requests()
    assert run(["count"], env) == (0, "7\n", "")
    assert json.loads(run(["count", "--format", "json"], env)[1])["source"] == "tray"
    assert json.loads(run(["count", "--format", "waybar"], env)[1])["tooltip"] == (
        "traynotify: 7 unread\n• hello"
    )
    assert server.requests() == []
    assert run(["count", "--direct"], env) == (0, "3\n", "")
    assert len(server.requests()) == 1


def test_count_of_a_tray_that_is_not_fresh(env: dict[str, str], tray: FakeTray) -> None:
    tray.state = TrayState(status=Status.OFFLINE, count=7, stale=True, problem="no route")
    code, out, err = run(["count"], env)
    assert (code, out) == (0, "7\n")
    assert err == (
        "traynotify: warning: traynotify: 7 unread · offline, last known count (no route)\n"
    )
    tray.state = TrayState(status=Status.SIGNED_OUT, problem="the key was rejected")
    code, out, err = run(["count"], env)
    assert (code, out) == (3, "")
    assert "The running tray app is signed out (the key was rejected)." in err


def test_a_tray_for_another_api_url_is_not_asked(
    env: dict[str, str], server: ContractServer, tray: FakeTray
) -> None:
    tray.api_url = "https://llm.bytespike.ai/api/v1"
    assert run(["count"], env) == (0, "3\n", "")


def test_a_starting_tray_leaves_count_to_the_server(env: dict[str, str], tray: FakeTray) -> None:
    tray.state = TrayState()
    assert run(["count"], env) == (0, "3\n", "")


def test_count_path_to_the_tray_loads_no_http_library_and_no_key(
    env: dict[str, str], tray: FakeTray, tmp_path: Path
) -> None:
    probe = (
        "import sys\n"
        "from traynotify.cli import main\n"
        "code = main(['count', '--format', 'waybar'])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('httpx', 'keyring', 'h11', 'httpcore') or m == 'traynotify.credentials'))\n"
        "sys.exit(code)\n"
    )
    import os

    result = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, **env, "BYTESPIKE_API_KEY": "never-read-key"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert json.loads(lines[0])["text"] == "7"
    assert lines[1] == "[]"


def test_read_all_goes_through_the_tray(
    env: dict[str, str], server: ContractServer, tray: FakeTray
) -> None:
    server.clear_requests()
    assert run(["read", "--all"], env) == (
        0,
        "The running tray app is marking 7 notifications read (it shows any new one first, "
        "and says so if the server refuses).\n",
        "",
    )
    assert tray.commands[-1] == "read-all"
    assert server.requests() == []
    assert run(["read", "--all", "--direct"], env)[1] == "Marked 3 notifications read.\n"


@pytest.mark.parametrize(
    ("state", "outcome", "code", "out", "err"),
    [
        (
            TrayState(status=Status.OK, count=0),
            None,
            0,
            "Nothing to mark: the running tray app has no unread notifications.\n",
            "",
        ),
        (
            TrayState(status=Status.OFFLINE, count=7, problem="Cannot reach the server."),
            None,
            4,
            "",
            "traynotify: The running tray app cannot reach the server (Cannot reach the "
            "server); nothing was marked. '--direct' asks the server from here.\n",
        ),
        (
            TrayState(status=Status.ERROR, count=7, problem="HTTP 503"),
            None,
            4,
            "",
            "traynotify: The running tray app cannot reach the server (HTTP 503); nothing was "
            "marked. '--direct' asks the server from here.\n",
        ),
        (None, MarkAllOutcome(Done.MARKED, 2), 0, "Marked 2 notifications read.\n", ""),
        (
            None,
            MarkAllOutcome(Done.FAILED, problem="The server rejected the request."),
            4,
            "",
            "traynotify: The running tray app could not mark all as read: The server rejected "
            "the request.\n",
        ),
    ],
    ids=["nothing-unread", "offline", "server-error", "marked", "failed"],
)
def test_read_all_reports_what_the_tray_did(
    env: dict[str, str],
    server: ContractServer,
    tray: FakeTray,
    state: TrayState | None,
    outcome: MarkAllOutcome | None,
    code: int,
    out: str,
    err: str,
) -> None:
    if state is not None:
        tray.state = state
    tray.outcome = outcome
    server.clear_requests()
    assert run(["read", "--all"], env) == (code, out, err)
    assert server.requests() == []  # the tray's answer is the whole story
    assert server.store.unread_count("alice") == 3


@pytest.mark.parametrize(
    "state",
    [TrayState(), TrayState(status=Status.SIGNED_OUT, problem="the key was rejected")],
    ids=["starting", "signed-out"],
)
def test_read_all_asks_the_server_when_the_tray_cannot(
    env: dict[str, str], server: ContractServer, tray: FakeTray, state: TrayState
) -> None:
    tray.state = state
    assert run(["read", "--all"], env) == (0, "Marked 3 notifications read.\n", "")
    assert server.store.unread_count("alice") == 0


def test_open_goes_through_the_tray(env: dict[str, str], tray: FakeTray) -> None:
    assert run(["open"], {**env, "BROWSER": "false"}) == (0, "", "")
    assert tray.commands[-1] == "open"


# -- watch, its loop with stand-ins for the tray and its poller -----------------------------


class Stand:
    """Stand-ins for the tray's answer and for watch's own poller; a clock we move."""

    def __init__(self) -> None:
        self.tray: BarState | None = None
        self.own_state: BarState | None = None
        self.own_running = False
        self.starts = 0
        self.now = 0.0

    def ask(self) -> BarState | None:
        return self.tray

    def start(self) -> None:
        if not self.own_running:
            self.starts += 1
        self.own_running = True

    def stop(self) -> None:
        self.own_running = False

    def latest(self) -> BarState | None:
        return self.own_state if self.own_running else None


def fresh(count: int, interval: float = 60.0) -> BarState:
    return BarState("fresh", unread=count, interval=interval)


@pytest.fixture
def stand() -> Stand:
    return Stand()


def make_watch(stand: Stand, fmt: str = "text") -> tuple[Watch, io.StringIO]:
    out = io.StringIO()
    return Watch(fmt, out, stand.ask, stand, monotonic=lambda: stand.now), out  # type: ignore[arg-type]


def test_watch_prints_once_at_start_and_once_per_change(stand: Stand) -> None:
    watch, out = make_watch(stand)
    stand.tray = fresh(3)
    for _ in range(5):
        watch.turn()
    stand.tray = fresh(4)
    watch.turn()
    watch.turn()
    stand.tray = BarState("offline", unread=4, problem="down", interval=60)
    watch.turn()
    assert out.getvalue() == "3\n4\n4 (offline)\n"
    assert stand.starts == 0  # a tray answered every time: no poller of its own


def test_watch_follows_the_tray_at_half_its_interval(stand: Stand) -> None:
    watch, _out = make_watch(stand)
    stand.tray = fresh(3, interval=1.0)
    assert watch.turn() == 0.5
    stand.tray = fresh(3, interval=60.0)
    assert watch.turn() == 1.0


def test_watch_polls_itself_only_when_the_tray_stays_away(stand: Stand) -> None:
    watch, out = make_watch(stand, "json")
    stand.tray = fresh(3)
    watch.turn()
    stand.tray = None  # the tray was killed
    stand.now += TRAY_GRACE / 2
    watch.turn()
    assert stand.starts == 0  # it may be restarting
    stand.now += TRAY_GRACE
    watch.turn()
    assert stand.own_running
    watch.turn()  # the own poller has no answer yet: keep the last line
    stand.own_state = fresh(5)
    watch.turn()
    stand.tray = fresh(5)  # the tray is back, with the same count: no line, no own poller
    watch.turn()
    assert not stand.own_running
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(x["count"], x["source"]) for x in lines] == [(3, "tray"), (5, "watch")]


def test_watch_with_no_tray_says_it_is_starting_then_the_count(stand: Stand) -> None:
    watch, out = make_watch(stand, "waybar")
    watch.turn()
    stand.own_state = fresh(2)
    watch.turn()
    assert [json.loads(x)["text"] for x in out.getvalue().splitlines()] == ["…", "2"]


def test_watch_stop_ends_the_loop_and_its_poller(stand: Stand) -> None:
    watch, _out = make_watch(stand)
    thread = threading.Thread(target=watch.run)
    thread.start()
    while not stand.own_running:
        time.sleep(0.01)
    watch.stop()
    thread.join(5)
    assert not thread.is_alive()
    assert not stand.own_running


# -- watch's own poller: the tray's core, on a fake clock -----------------------------------


class OwnHarness:
    def __init__(self, server: ContractServer, interval: float = 60.0) -> None:
        self.server = server
        self.clock = FakeClock()
        self.key: str | None = KEY
        settings = Settings(api_url=server.url, interval=interval)
        self.own = OwnPoller(settings, lambda: self.key, threading.Event(), clock=self.clock)
        self.poller = self.own.make()
        self.poller._rng = random.Random(4)

    def turn(self) -> float:
        """Let time pass until the poller is due, then run one turn; the next delay."""
        self.clock.advance(self.poller.step())
        return self.poller.step()

    def sent(self) -> int:
        return len(self.server.requests())

    def close(self) -> None:
        self.poller.stop()
        self.own.stop()


@pytest.fixture
def own(server: ContractServer) -> Iterator[OwnHarness]:
    harness = OwnHarness(server)
    yield harness
    harness.close()


def test_own_poller_publishes_what_the_bar_shows_and_shows_no_popups(
    own: OwnHarness, tmp_path: Path
) -> None:
    first = own.poller.step()
    assert 0 <= first <= 3.0  # the start is spread, as the tray's
    assert own.sent() == 0
    own.clock.advance(first)
    own.poller.step()
    assert own.own.latest() == BarState(
        "fresh",
        unread=3,
        titles=("Payment received · $25.00", "Balance low", "Mei joined"),
        interval=60.0,
    )
    # the tray's record of shown notifications is not touched: it still toasts them
    assert not (state_dir() / "seen.json").exists()


def test_own_poller_keeps_the_trays_schedule(own: OwnHarness, server: ContractServer) -> None:
    own.turn()
    sent = own.sent()
    for _ in range(5):  # steady: one interval apart, one request each
        assert own.turn() == pytest.approx(60.0)
    per_poll = (own.sent() - sent) / 5
    assert per_poll == 1

    server.inject(Fault("status", status=500), times=3)  # back-off, never below the interval
    delays = [own.turn() for _ in range(3)]
    assert all(d >= 60.0 for d in delays)
    assert delays[2] > delays[0]
    assert own.own.latest() is not None
    assert own.own.latest().freshness == "stale"  # type: ignore[union-attr]
    assert own.turn() == pytest.approx(60.0)  # recovered

    server.inject(Fault("status", status=429, retry_after="120"), times=1)
    assert own.turn() == pytest.approx(120.0)  # Retry-After is obeyed
    assert own.turn() == pytest.approx(60.0)


def test_own_poller_stops_on_401(own: OwnHarness, server: ContractServer) -> None:
    own.turn()
    own.key = "revoked-key-123"
    own.turn()
    assert own.own.latest() is not None
    assert own.own.latest().freshness == "signed-out"  # type: ignore[union-attr]
    sent = own.sent()
    for _ in range(5):
        own.turn()
    assert own.sent() == sent  # no request with a rejected key


# -- watch as a process, with no tray ------------------------------------------------------


def start_watch(env: dict[str, str], fmt: str = "text") -> subprocess.Popen[str]:
    import os

    return subprocess.Popen(
        [sys.executable, "-m", "traynotify", "watch", "--format", fmt, "--interval", "1"],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_watch_ends_cleanly_on_sigterm(env: dict[str, str]) -> None:
    proc = start_watch(env)
    assert proc.stdout is not None
    lines = [proc.stdout.readline(), proc.stdout.readline()]
    assert lines == ["…\n", "3\n"]
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=15)
    assert (proc.returncode, out, err) == (0, "", "")


def test_watch_ends_quietly_when_the_bar_goes_away(env: dict[str, str]) -> None:
    proc = start_watch(env)
    assert proc.stdout is not None
    assert proc.stdout.readline() == "…\n"
    proc.stdout.close()  # the reader is gone; watch notices without waiting for news
    assert proc.wait(timeout=15) == 141
    assert proc.stderr is not None
    with proc.stderr:
        assert proc.stderr.read() == ""


# -- the quick path: a plain count beside a tray, before the rest is loaded ----------------


@pytest.mark.parametrize(
    "argv", [["count"], ["count", "--format", "json"], ["count", "--format=waybar"]]
)
def test_the_quick_path_says_what_the_full_command_says(
    argv: list[str], env: dict[str, str], tray: FakeTray
) -> None:
    from traynotify.cli.main import main as full
    from traynotify.cli.quick import count_from_tray

    quick_out = io.StringIO()
    assert count_from_tray(argv, env, quick_out) == 0
    full_out = io.StringIO()
    assert full(argv, env=env, out=full_out, err=io.StringIO()) == 0
    assert quick_out.getvalue() == full_out.getvalue()


@pytest.mark.parametrize(
    ("argv", "state", "file"),
    [
        (["count", "--direct"], None, ""),
        (["count", "--api-url", "http://127.0.0.1:1"], None, ""),
        (["count", "--format", "xml"], None, ""),
        (["count", "--debug"], None, ""),
        (["count"], TrayState(status=Status.OFFLINE, count=7, stale=True), ""),  # warns
        (["count", "--format", "json"], TrayState(status=Status.SIGNED_OUT), ""),
        (["count"], TrayState(), ""),
        (["count"], None, 'api_url = "http://127.0.0.1:1"\n'),
        (["count"], None, "interval = [\n"),
        (["count"], None, "language = 7\n"),
    ],
)
def test_the_quick_path_leaves_everything_else_to_the_full_command(
    argv: list[str],
    state: TrayState | None,
    file: str,
    server: ContractServer,
    tray: FakeTray,
    own_home: Path,
) -> None:
    from traynotify.cli.quick import count_from_tray

    if state is not None:
        tray.state = state
    if file:
        (own_home / "config" / "traynotify").mkdir(parents=True)
        (own_home / "config" / "traynotify" / "config.toml").write_text(file)
    env = {"BYTESPIKE_API_KEY": KEY} if "api_url" in file else {"BYTESPIKE_API_URL": server.url}
    out = io.StringIO()
    assert count_from_tray(argv, env, out) is None
    assert out.getvalue() == ""


def test_the_quick_path_reads_the_url_and_language_of_the_settings_file(
    server: ContractServer, tray: FakeTray, own_home: Path
) -> None:
    from traynotify.cli.quick import count_from_tray

    (own_home / "config" / "traynotify").mkdir(parents=True)
    (own_home / "config" / "traynotify" / "config.toml").write_text(
        f'api_url = "{server.url}"\nlanguage = "zh_CN"\ninterval = 30\n'
    )
    out = io.StringIO()
    assert count_from_tray(["count", "--format", "waybar"], {}, out) == 0
    assert json.loads(out.getvalue())["tooltip"].startswith("traynotify：7 条未读")


def test_a_plain_count_beside_a_tray_loads_neither_parser_nor_settings(
    env: dict[str, str], tray: FakeTray
) -> None:
    import os

    probe = (
        "import sys\n"
        "from traynotify.cli import main\n"
        "code = main(['count'])\n"
        "print(sorted(m for m in ('argparse', 'platformdirs', 'traynotify.cli.main', "
        "'traynotify.core.config', 'dataclasses') if m in sys.modules))\n"
        "sys.exit(code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (result.returncode, result.stdout) == (0, "7\n[]\n"), result.stderr


def test_watch_without_a_tray_loads_no_gui(env: dict[str, str]) -> None:
    import os

    proc = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-m", "traynotify", "watch", "--interval", "1"],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert [proc.stdout.readline(), proc.stdout.readline()] == ["…\n", "3\n"]
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=15)
    imported = {line.split("|")[-1].strip() for line in err.splitlines()}
    assert "traynotify.core.poller" in imported
    gui = ("pystray", "PIL", "jeepney", "gi", "Xlib", "plyer")
    tray = tuple(f"traynotify.desktop.{m}" for m in ("tray", "notify", "dbus", "icons", "choose"))
    assert not {m for m in imported if m.split(".")[0] in gui or m.startswith(tray)}


@pytest.mark.usefixtures("no_keyring")
def test_logout_with_no_keyring_tells_the_tray_nothing(env: dict[str, str], tray: FakeTray) -> None:
    code, out, _err = run(["logout"], env)
    assert code == 0
    assert "The running tray app has noticed." not in out
    assert "key-changed" not in tray.commands  # nothing was removed: nothing to notice
