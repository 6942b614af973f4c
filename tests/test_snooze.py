"""Timed snooze: the grammar, the file it is kept in, the command, and its end in the tray."""

from __future__ import annotations

import io
import json
import stat
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from traynotify.app import SnoozeKeeper
from traynotify.cli import main
from traynotify.core.bar import BarState, from_wire, render, to_wire
from traynotify.core.snooze import Snooze, SnoozeError, describe, parse_snooze, utc
from traynotify.desktop.snooze_store import SnoozeStore, snooze_path

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")


def at(zone: ZoneInfo, text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


# -- the grammar: (now, words) -> the end as local wall time, in a fixed zone ------------
GRAMMAR = [
    # durations are elapsed time
    (BERLIN, "2026-06-01 10:00", "30m", "2026-06-01 10:30"),
    (BERLIN, "2026-06-01 10:00", "1h", "2026-06-01 11:00"),
    (BERLIN, "2026-06-01 10:00", "2h30m", "2026-06-01 12:30"),
    (BERLIN, "2026-06-01 10:00", "90M", "2026-06-01 11:30"),
    (BERLIN, "2026-06-01 10:00", "1m", "2026-06-01 10:01"),
    (BERLIN, "2026-06-01 10:00", "7d", "2026-06-08 10:00"),
    (BERLIN, "2026-06-01 10:00", "6d23h59m", "2026-06-08 09:59"),
    # until: the next such local time
    (BERLIN, "2026-06-01 10:00", "until 17:30", "2026-06-01 17:30"),
    (BERLIN, "2026-06-01 10:00", "until 9:15", "2026-06-02 09:15"),
    (BERLIN, "2026-06-01 10:00", "until 10:00", "2026-06-02 10:00"),
    (BERLIN, "2026-06-01 23:50", "UNTIL 00:10", "2026-06-02 00:10"),
    (KOLKATA, "2026-06-01 10:00", "until 10:01", "2026-06-01 10:01"),
    # tomorrow: the next 09:00
    (BERLIN, "2026-06-01 10:00", "tomorrow", "2026-06-02 09:00"),
    (BERLIN, "2026-06-01 01:00", "tomorrow", "2026-06-01 09:00"),
    # daylight saving: Berlin springs forward 2026-03-29 02:00 -> 03:00
    (BERLIN, "2026-03-29 01:30", "1h", "2026-03-29 03:30"),
    (BERLIN, "2026-03-28 22:00", "until 08:00", "2026-03-29 08:00"),
    (BERLIN, "2026-03-28 22:00", "tomorrow", "2026-03-29 09:00"),
    (BERLIN, "2026-03-29 01:00", "until 02:30", "2026-03-29 03:30"),  # 02:30 never happens
    # New York falls back 2026-11-01 02:00 -> 01:00
    (NEW_YORK, "2026-10-31 20:00", "tomorrow", "2026-11-01 09:00"),
    (NEW_YORK, "2026-11-01 00:30", "1h", "2026-11-01 01:30"),
]


@pytest.mark.parametrize(("zone", "now", "words", "end"), GRAMMAR)
def test_the_grammar_names_the_end(zone: ZoneInfo, now: str, words: str, end: str) -> None:
    snooze = parse_snooze(words.split(), at(zone, now), zone=zone)
    assert snooze is not None
    assert snooze.until is not None
    assert snooze.until.astimezone(zone).strftime("%Y-%m-%d %H:%M") == end


def test_durations_are_elapsed_time_across_a_daylight_saving_change() -> None:
    now = at(BERLIN, "2026-03-29 01:30")
    snooze = parse_snooze(["1h"], now, zone=BERLIN)
    assert snooze is not None
    assert snooze.until is not None
    assert utc(snooze.until) - utc(now) == timedelta(hours=1)
    later = at(NEW_YORK, "2026-10-31 20:00")
    tomorrow = parse_snooze(["tomorrow"], later, zone=NEW_YORK)
    assert tomorrow is not None
    assert tomorrow.until is not None
    assert utc(tomorrow.until) - utc(later) == timedelta(hours=14)  # the night is an hour longer


def test_tomorrow_follows_the_morning_setting_and_off_is_none() -> None:
    now = at(BERLIN, "2026-06-01 10:00")
    snooze = parse_snooze(["tomorrow"], now, morning=(7, 45), zone=BERLIN)
    assert snooze == Snooze(at(BERLIN, "2026-06-02 07:45"))
    assert parse_snooze(["off"], now, zone=BERLIN) is None
    assert parse_snooze(["OFF"], now, zone=BERLIN) is None


@pytest.mark.parametrize(
    ("words", "message"),
    [
        ("0m", "A snooze lasts at least 1 minute."),
        ("0h0m", "A snooze lasts at least 1 minute."),
        ("-1h", "A snooze lasts at least 1 minute."),
        ("−30m", "A snooze lasts at least 1 minute."),
        ("7d1m", "A snooze lasts at most 7 days."),
        ("8d", "A snooze lasts at most 7 days."),
        ("200h", "A snooze lasts at most 7 days."),
        ("until", "'until' needs a time of day"),
        ("until 24:00", "'24:00' is not a time of day from 00:00 to 23:59."),
        ("until 12:60", "'12:60' is not a time of day"),
        ("until 7", "'7' is not a time of day"),
        ("until 12:30 tomorrow", "'12:30 tomorrow' is not a time of day"),
        ("until １２:３０", "is not a time of day"),
        ("３０m", "Give a duration (30m, 1h, 2h30m), 'until HH:MM', 'tomorrow' or 'off'"),
        ("٣٠m", "Give a duration"),
        ("30", "Give a duration"),
        ("1.5h", "Give a duration"),
        ("30m1h", "Give a duration"),
        ("soon", "Give a duration"),
        ("", "Give a duration"),
        ("1h 30m", "Give a duration"),
    ],
)
def test_the_grammar_refuses_in_one_line(words: str, message: str) -> None:
    with pytest.raises(SnoozeError) as caught:
        parse_snooze(words.split(), at(BERLIN, "2026-06-01 10:00"), zone=BERLIN)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_the_state_reads_as_a_local_clock_time() -> None:
    now = at(BERLIN, "2026-06-01 09:32")
    end = at(BERLIN, "2026-06-01 10:30")
    assert describe(True, end, now, BERLIN) == "Pop-ups paused until 10:30 (58 min)"
    assert describe(True, at(BERLIN, "2026-06-02 09:00"), now, BERLIN) == (
        "Pop-ups paused until tomorrow 09:00 (23 h 28 min)"
    )
    assert describe(True, at(BERLIN, "2026-06-05 09:32"), now, BERLIN) == (
        "Pop-ups paused until 2026-06-05 09:32 (4 d)"
    )
    assert describe(True, None, now, BERLIN) == "Pop-ups paused until you resume them"
    assert describe(False, None, now, BERLIN) == "Pop-ups are on"


# -- the file ------------------------------------------------------------------------------
def test_the_store_keeps_the_snooze_user_only_and_sets_a_broken_file_aside(
    tmp_path: Path,
) -> None:
    store = SnoozeStore(tmp_path / "state" / "snooze.json")
    assert store.read() is None
    end = at(BERLIN, "2026-06-01 10:30")
    store.write(Snooze(end))
    assert store.read() == Snooze(end)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert [p.name for p in store.path.parent.iterdir()] == ["snooze.json"]  # no temp files
    store.write(Snooze(None))
    assert store.read() == Snooze(None)
    store.write(None)
    assert not store.path.exists()
    store.path.write_text('{"until": "soon"}')
    assert store.read() is None
    assert [p.name.split(".broken-")[0] for p in store.path.parent.iterdir()] == ["snooze.json"]
    store.path.write_text('{"until": "2026-06-01T10:30:00"}')  # no offset: not a time we trust
    assert store.read() is None


# -- the command ---------------------------------------------------------------------------
NOW = at(BERLIN, "2026-06-01 09:32")


@pytest.fixture
def berlin(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The command runs in Berlin at NOW."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    monkeypatch.setattr("traynotify.cli.snooze.now", lambda: NOW)
    yield
    monkeypatch.delenv("TZ")
    time.tzset()


def cli(argv: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, env=env or {}, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_snooze_writes_reports_and_ends(berlin: None) -> None:
    assert cli(["snooze"]) == (0, "Pop-ups are on\n", "")
    code, out, err = cli(["snooze", "58m"])
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "Pop-ups paused until 10:30 (58 min)",
        "The tray app follows it when it starts.",
    ]
    assert SnoozeStore(snooze_path()).read() == Snooze(at(BERLIN, "2026-06-01 10:30"))
    assert cli(["snooze"])[1] == "Pop-ups paused until 10:30 (58 min)\n"
    assert cli(["snooze", "until", "18:00"])[1].startswith("Pop-ups paused until 18:00 (8 h 28")
    assert cli(["snooze", "tomorrow"])[1].startswith("Pop-ups paused until tomorrow 09:00")
    assert cli(["snooze", "off"])[1].startswith("Pop-ups are on again.")
    assert not snooze_path().exists()


STAY_OFF = (
    "Pop-ups stay off while the popups setting is false "
    "('traynotify config unset popups' turns them on)."
)


def test_snooze_tells_the_popups_setting_from_a_pause(berlin: None) -> None:
    """popups = false is not a pause: "snooze off" does not end it, so nothing says it
    did."""
    cli(["config", "set", "popups", "false"])
    assert cli(["snooze"])[1].splitlines() == [
        "Pop-ups are off in the settings (popups = false)",
        STAY_OFF,
    ]
    assert cli(["snooze", "1h"])[1].splitlines() == [
        "Pop-ups paused until 10:32 (1 h)",
        STAY_OFF,
        "The tray app follows it when it starts.",
    ]
    assert cli(["snooze"])[1].splitlines() == ["Pop-ups paused until 10:32 (1 h)", STAY_OFF]
    assert cli(["snooze", "off"])[1].splitlines() == [
        "The pause is over.",
        STAY_OFF,
        "The tray app follows it when it starts.",
    ]
    cli(["config", "unset", "popups"])
    assert cli(["snooze", "off"])[1].splitlines()[0] == "Pop-ups are on again."
    assert cli(["snooze"])[1] == "Pop-ups are on\n"


def test_tomorrow_follows_the_snooze_morning_setting(berlin: None) -> None:
    code, out, _err = cli(["config", "set", "snooze_morning", "7:30"])
    assert (code, out.splitlines()[1]) == (0, "'traynotify snooze tomorrow' uses it from now on.")
    assert cli(["snooze", "tomorrow"])[1].startswith("Pop-ups paused until tomorrow 07:30")
    code, _, err = cli(["config", "set", "snooze_morning", "25:00"])
    assert code == 2
    assert err == (
        "traynotify: snooze_morning must be a time of day from 00:00 to 23:59, not '25:00'.\n"
    )


@pytest.mark.parametrize(
    "words",
    [["0m"], ["-5m"], ["8d"], ["until"], ["until", "23:60"], ["until", "24:00"], ["３０m"], ["x"]],
)
def test_a_refused_snooze_leaves_the_one_in_force(berlin: None, words: list[str]) -> None:
    cli(["snooze", "1h"])
    before = snooze_path().read_bytes()
    code, out, err = cli(["snooze", *words])
    assert (code, out) == (2, "")
    assert err.startswith("traynotify: ")
    assert err.count("\n") == 1
    assert snooze_path().read_bytes() == before
    assert cli(["snooze"])[1] == "Pop-ups paused until 10:32 (1 h)\n"


def test_count_json_says_whether_pop_ups_are_paused(
    berlin: None, server_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("traynotify.cli.snooze.now", lambda: datetime.now(timezone.utc))
    data = json.loads(cli(["count", "--format", "json"], server_env)[1])
    assert (data["paused"], data["paused_until"]) == (False, None)
    cli(["snooze", "2h"])
    data = json.loads(cli(["count", "--format", "json"], server_env)[1])
    assert data["paused"] is True
    end = datetime.fromisoformat(data["paused_until"])
    assert end.utcoffset() is not None
    assert timedelta(hours=1, minutes=58) < end - datetime.now(timezone.utc) <= timedelta(hours=2)
    cli(["snooze", "off"])
    cli(["config", "set", "popups", "false"])
    data = json.loads(cli(["count", "--format", "json"], server_env)[1])
    assert (data["paused"], data["paused_until"]) == (True, None)


def test_the_tray_state_carries_the_pause_and_an_old_tray_reads_as_not_paused() -> None:
    bar = BarState("fresh", unread=2, paused=True, paused_until="2026-06-01T10:30:00+02:00")
    assert from_wire(json.loads(json.dumps(to_wire(bar)))) == bar
    data = json.loads(render(bar, "json", "tray"))
    assert (data["paused"], data["paused_until"]) == (True, "2026-06-01T10:30:00+02:00")
    old = {k: v for k, v in to_wire(bar).items() if not k.startswith("paused")}
    assert from_wire(old) == BarState("fresh", unread=2)
    for bad in ("10:30", "2026-06-01T10:30:00", 5):
        assert from_wire({**to_wire(bar), "paused_until": bad}) is None
    assert from_wire({**to_wire(bar), "paused": "yes"}) is None


# -- the running tray: kept in force, ended on time by the wall clock ------------------------
class WallClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def keeper(tmp_path: Path, clock: WallClock) -> tuple[SnoozeKeeper, list]:
    """A keeper, and what it told the poller: whether paused."""
    told: list[bool] = []
    store = SnoozeStore(tmp_path / "snooze.json")
    return SnoozeKeeper(store, lambda paused, _until: told.append(paused), clock), told


def test_a_restart_honours_the_snooze_on_file_and_forgets_an_ended_one(tmp_path: Path) -> None:
    clock = WallClock(NOW)
    SnoozeStore(tmp_path / "snooze.json").write(Snooze(NOW + timedelta(hours=1)))
    first, _told = keeper(tmp_path, clock)
    assert first.current == Snooze(NOW + timedelta(hours=1))
    assert first.until() == "2026-06-01T10:32:00+02:00"
    clock.now += timedelta(hours=2)  # started again after the end
    second, _told = keeper(tmp_path, clock)
    assert second.current is None
    assert not (tmp_path / "snooze.json").exists()


def test_the_snooze_ends_on_time_after_a_sleep_by_the_wall_clock(tmp_path: Path) -> None:
    clock = WallClock(NOW)
    store = SnoozeStore(tmp_path / "snooze.json")
    store.write(Snooze(NOW + timedelta(hours=1)))
    kept, told = keeper(tmp_path, clock)
    assert kept.tick() == 15.0  # looks at the wall clock again soon, not in an hour
    clock.now += timedelta(hours=3)  # the machine slept; no monotonic time passed
    assert kept.tick() is None
    assert told == [False]
    assert kept.current is None
    assert store.read() is None


def test_the_tray_follows_the_file_and_a_resume_ends_it(tmp_path: Path) -> None:
    clock = WallClock(NOW)
    store = SnoozeStore(tmp_path / "snooze.json")
    kept, told = keeper(tmp_path, clock)
    assert kept.current is None
    store.write(Snooze(NOW + timedelta(minutes=30)))
    kept.reload()
    assert (told, kept.until()) == ([True], "2026-06-01T10:02:00+02:00")
    store.write(None)  # snooze off
    kept.reload()
    assert told == [True, False]
    store.write(Snooze(None))
    kept.reload()
    kept.resume()  # the menu's "Pause pop-ups" unticked
    assert kept.current is None
    assert not store.path.exists()


def test_a_later_snooze_written_at_the_end_is_kept(tmp_path: Path) -> None:
    clock = WallClock(NOW)
    store = SnoozeStore(tmp_path / "snooze.json")
    store.write(Snooze(NOW + timedelta(minutes=1)))
    kept, told = keeper(tmp_path, clock)
    store.write(Snooze(NOW + timedelta(hours=1)))  # before the tray was told
    clock.now += timedelta(minutes=2)
    assert kept.tick() == 0.0
    assert told == [True]
    assert kept.current == Snooze(NOW + timedelta(hours=1))


def test_the_poller_is_told_the_end_so_the_menu_and_tooltip_name_it(tmp_path: Path) -> None:
    clock = WallClock(NOW)
    told: list[tuple[bool, datetime | None]] = []
    store = SnoozeStore(tmp_path / "snooze.json")
    store.write(Snooze(NOW + timedelta(minutes=30)))
    kept = SnoozeKeeper(store, lambda paused, until: told.append((paused, until)), clock)
    kept.reload()
    kept.pause(Snooze(NOW + timedelta(hours=2)))  # the menu's "for 2 hours"
    assert store.read() == Snooze(NOW + timedelta(hours=2))  # `traynotify snooze` sees it
    kept.resume()
    assert told == [
        (True, NOW + timedelta(minutes=30)),
        (True, NOW + timedelta(hours=2)),
        (False, None),
    ]
    assert store.read() is None


def test_the_keeper_thread_ends_a_snooze_when_the_wall_clock_passes_its_end(
    tmp_path: Path,
) -> None:
    clock = WallClock(NOW)
    SnoozeStore(tmp_path / "snooze.json").write(Snooze(NOW + timedelta(hours=1)))
    ended = threading.Event()
    kept = SnoozeKeeper(
        SnoozeStore(tmp_path / "snooze.json"),
        lambda paused, until: ended.set(),
        clock,
        check_every=0.05,
    )
    kept.start()
    try:
        assert not ended.wait(0.3)
        clock.now += timedelta(hours=8)  # woke from a night's sleep
        assert ended.wait(30)
    finally:
        kept.stop()
    assert kept.current is None
