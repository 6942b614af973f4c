"""Settings changed while the tray runs: what it takes at once, what waits for a restart,
the file watched for edits by hand, the menu's snooze and mute rows, and what
``config set`` says of the running tray."""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from traynotify import i18n
from traynotify.app import APP_COMMANDS, App
from traynotify.cli import main
from traynotify.core.config import Settings
from traynotify.core.live import live_changes
from traynotify.core.menu import Action, build_menu
from traynotify.core.poller import PollerConfig
from traynotify.core.snooze import Snooze
from traynotify.core.state import TrayState
from traynotify.core.toasts import Toast
from traynotify.desktop import choose
from traynotify.desktop.instance import Instance
from traynotify.desktop.paths import state_dir
from traynotify.desktop.settings_file import read_settings, settings_path
from traynotify.desktop.settings_watch import SettingsWatch
from traynotify.desktop.snooze_store import SnoozeStore, snooze_path

from .test_snooze import STAY_OFF, cli

BASE = Settings()


@pytest.mark.parametrize(
    ("change", "applied", "restart"),
    [
        ({}, (), ()),
        ({"interval": 30.0}, ("interval",), ()),
        ({"menu_length": 5}, ("menu_length",), ()),
        ({"muted_types": ("org.api_key.revoke",)}, ("muted_types",), ()),
        ({"popups": False}, ("popups",), ()),
        ({"language": "zh_CN"}, ("language",), ()),
        ({"console_url": "https://console.example"}, ("console_url",), ()),
        ({"snooze_morning": "07:30"}, ("snooze_morning",), ()),
        ({"api_url": "https://api.example"}, (), ("api_url",)),
        (
            {"api_url": "https://api.example", "interval": 5.0, "language": "en"},
            ("interval", "language"),
            ("api_url",),
        ),
    ],
)
def test_which_changes_apply_at_once_and_which_at_the_next_start(
    change: dict[str, Any], applied: tuple[str, ...], restart: tuple[str, ...]
) -> None:
    assert live_changes(BASE, replace(BASE, **change)) == (applied, restart)


# -- a tray app with its desktop faked (the poller's turns taken by hand) ---------------------
class FakeTray:
    backend = "fake"
    has_menu = True

    def __init__(self, menu_length: int) -> None:
        self.options = (menu_length, "09:00")
        self.drawn: list[TrayState] = []

    def set_menu_options(self, menu_length: int, morning: str) -> None:
        self.options = (menu_length, morning)

    def update(self, state: TrayState) -> None:
        self.drawn.append(state)

    def pause_rows(self) -> list[str]:
        """The "Pause pop-ups" submenu as the last drawn menu shows it."""
        menu = build_menu(self.drawn[-1], datetime.now(timezone.utc), *self.options)
        (pause,) = [e for e in menu if e.label == "Pause pop-ups"]
        return [c.label for c in pause.children if c.label]

    def run(self, on_ready: Any) -> None:
        on_ready()

    def stop(self) -> None:
        pass


class FakeNotifier:
    def __init__(self) -> None:
        self.shown: list[Toast] = []

    def show(self, toast: Toast) -> bool:
        self.shown.append(toast)
        return True


@pytest.fixture
def make_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    def fake_desktop(on_action: Any, menu_length: int, env: Any = None) -> choose.Desktop:
        return choose.Desktop(FakeTray(menu_length), FakeNotifier(), None)  # type: ignore[arg-type]

    monkeypatch.setattr(choose, "open_desktop", fake_desktop)
    made: list[App] = []

    def make(flags: dict[str, Any] | None = None, env: dict[str, str] | None = None) -> App:
        file = read_settings(settings_path())
        from traynotify.core.config import resolve

        settings = resolve(flags or {}, env or {}, file.values)
        app = App(
            settings,
            lambda: None,
            tmp_path / "seen.json",
            snooze_path=snooze_path(),
            settings_file=settings_path(),
            flags=flags,
            env=env,
        )
        made.append(app)
        return app

    yield make
    i18n.use_language("en")


def turn(app: App) -> TrayState:
    """The poller takes the commands sent to it (its thread does this in the app)."""
    app.poller._drain()
    return app.poller.state


def config(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["config", *argv], env={}, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_settings_changed_applies_the_file_at_once(make_app: Any) -> None:
    app = make_app()
    assert config("set", "muted_types", "org.api_key.revoke")[0] == 0
    config("set", "interval", "30")
    config("set", "menu_length", "3")
    config("set", "console_url", "https://console.example")
    answer = app.on_command("settings-changed")
    assert answer == {
        "applied": ["console_url", "interval", "muted_types", "menu_length"],
        "overridden": [],
        "restart": [],
        "overridden_by": {},
    }
    state = turn(app)
    assert state.muted_types == ("org.api_key.revoke",)
    assert app.poller.config == PollerConfig(
        interval=30.0, menu_length=3, muted_types=("org.api_key.revoke",), popups=True
    )
    assert app.tray.options[0] == 3  # type: ignore[attr-defined]
    assert app.settings.console_url == "https://console.example"


def test_popups_off_in_the_file_pauses_them_and_on_brings_them_back(make_app: Any) -> None:
    app = make_app()
    config("set", "popups", "false")
    app.on_command("settings-changed")
    state = turn(app)
    assert (state.popups_off, state.popups_setting_off, state.popups_paused) == (True, True, False)
    menu = [e.label for e in build_menu(state, datetime.now(timezone.utc))]
    assert "Pop-ups are off in the settings (popups = false)" in menu  # not "paused"
    assert not any(label.startswith("Pop-ups paused") for label in menu)
    config("unset", "popups")
    app.on_command("settings-changed")
    assert turn(app).popups_off is False


def test_the_morning_setting_names_until_tomorrow_at_start_and_when_changed(
    make_app: Any,
) -> None:
    config("set", "snooze_morning", "7:30")
    app = make_app()
    app._publish(turn(app))
    assert app.tray.pause_rows()[1] == "Until tomorrow 07:30"
    config("set", "snooze_morning", "10:15")
    drawn = len(app.tray.drawn)
    assert app.on_command("settings-changed")["applied"] == ["snooze_morning"]
    assert len(app.tray.drawn) > drawn  # drawn again, without waiting for a poll
    assert app.tray.pause_rows()[1] == "Until tomorrow 10:15"
    app.on_action(Action("snooze", value="tomorrow"))
    until = turn(app).paused_until
    assert until is not None
    assert until.astimezone().strftime("%H:%M") == "10:15"


def test_the_language_changes_and_the_menu_is_drawn_again(make_app: Any) -> None:
    app = make_app()
    drawn = len(app.tray.drawn)  # type: ignore[attr-defined]
    config("set", "language", "zh_CN")
    assert app.on_command("settings-changed")["applied"] == ["language"]  # type: ignore[index]
    assert i18n._("Refresh now") != "Refresh now"
    assert len(app.tray.drawn) > drawn  # type: ignore[attr-defined]


def test_the_tray_command_line_still_wins_and_the_server_waits_for_a_restart(
    make_app: Any,
) -> None:
    app = make_app(flags={"interval": 10.0}, env={"BYTESPIKE_CONSOLE_URL": "https://c.example"})
    config("set", "interval", "30")
    config("set", "console_url", "https://other.example")
    config("set", "api_url", "https://api.example")
    answer = app.on_command("settings-changed")
    assert answer == {
        "applied": [],
        "overridden": ["console_url", "interval"],
        "restart": ["api_url"],
        "overridden_by": {
            "console_url": "BYTESPIKE_CONSOLE_URL",
            "interval": "--interval",
        },
    }
    turn(app)
    assert app.poller.config.interval == 10.0
    assert app.settings.console_url == "https://c.example"
    assert app.settings.api_url == Settings().api_url  # the seen ids are this server's


def edited_by_hand(make_app: Any, text: str) -> tuple[Any, str]:
    """A tray running with interval 30 whose settings file then reads ``text``: the app
    and the notice its menu shows once it took the change in."""
    config("set", "interval", "30")
    app = make_app()
    settings_path().write_text(text, encoding="utf-8")
    app.on_command("settings-changed")
    state = turn(app)
    assert state.notice is not None
    return app, state.notice


def test_a_bad_value_in_the_file_is_named_in_the_menu_and_the_default_used(
    make_app: Any,
) -> None:
    app, notice = edited_by_hand(make_app, 'interval = "often"\nmenu_length = 4\n')
    assert f"{settings_path()}, line 1" in notice
    assert "\n" not in notice
    assert app.poller.config.interval == 60.0
    assert app.poller.config.menu_length == 4


def test_a_file_that_is_not_toml_keeps_the_settings_in_use(make_app: Any) -> None:
    app, notice = edited_by_hand(make_app, "interval = [\n")
    assert "not valid TOML" in notice
    assert app.settings.interval == 30.0


def test_the_watcher_notices_an_edit_by_hand(make_app: Any) -> None:
    app = make_app()
    assert app.watch is not None
    assert app.watch.check() is False  # nothing changed yet
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text('muted_types = ["admin.org.member.add"]\n', encoding="utf-8")
    assert app.watch.check() is True
    assert turn(app).muted_types == ("admin.org.member.add",)
    assert app.watch.check() is False  # once per change


def test_the_watcher_sees_a_file_replaced_with_the_same_size_and_time(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("menu_length = 4\n", encoding="utf-8")
    seen: list[int] = []
    watch = SettingsWatch(path, lambda: seen.append(1))
    stat = path.stat()
    other = tmp_path / "new.toml"
    other.write_text("menu_length = 5\n", encoding="utf-8")
    os.utime(other, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    other.replace(path)  # as an editor that saves by renaming does
    assert watch.check() is True
    path.unlink()
    assert watch.check() is True
    assert seen == [1, 1]


# -- the menu's rows --------------------------------------------------------------------------
def test_muting_from_the_menu_applies_at_once_and_is_saved(make_app: Any) -> None:
    app = make_app()
    app.on_action(Action("mute_type", value="org.api_key.revoke"))
    assert turn(app).muted_types == ("org.api_key.revoke",)
    _code, out, _err = config("show")
    assert "muted_types    = org.api_key.revoke  (settings file)" in out
    app.on_action(Action("mute_type", value="org.api_key.revoke"))
    assert turn(app).muted_types == ()
    assert "muted_types" not in read_settings(settings_path()).values


class BusTray(FakeTray):
    """Draws as the StatusNotifierItem does: under the bus's answer lock (``in_order``),
    which the bus thread holds while it answers a click."""

    def __init__(self, menu_length: int) -> None:
        super().__init__(menu_length)
        self.in_order = threading.RLock()
        self.drawing = threading.Event()

    def update(self, state: TrayState) -> None:
        self.drawing.set()
        with self.in_order:
            super().update(state)


def test_a_mute_click_while_a_settings_change_is_drawn_does_not_freeze_the_tray(
    make_app: Any,
) -> None:
    """The panel's click on "Pop-ups for…" is answered on the bus thread, which holds the
    answer lock; a settings change arriving then draws the menu, which waits for that
    lock. Neither may wait for the other, or the menu and the poller stop for good."""
    app = make_app()
    tray = app.tray = BusTray(10)
    config("set", "snooze_morning", "08:00")
    change = threading.Thread(target=app.on_command, args=("settings-changed",), daemon=True)
    clicked = threading.Event()

    def bus_thread() -> None:
        with tray.in_order:  # answering the panel's Event "clicked"
            change.start()
            tray.drawing.wait(30)  # the change is drawing the menu: it waits for us
            app.on_action(Action("mute_type", value="org.api_key.revoke"))
            clicked.set()

    threading.Thread(target=bus_thread, daemon=True).start()
    assert clicked.wait(30), "the click waited for the settings change, which waited for it"
    change.join(30)
    assert not change.is_alive()
    assert turn(app).muted_types == ("org.api_key.revoke",)
    assert read_settings(settings_path()).values["muted_types"] == ("org.api_key.revoke",)
    assert tray.options == (10, "08:00")  # the change was drawn too
    assert tray.pause_rows()[1] == "Until tomorrow 08:00"


def test_a_mute_that_cannot_be_saved_holds_for_this_run_and_says_so(make_app: Any) -> None:
    app = make_app()
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text("interval = [\n", encoding="utf-8")  # broken by hand
    app.on_action(Action("mute_type", value="admin.org.member.add"))
    state = turn(app)
    assert state.muted_types == ("admin.org.member.add",)
    assert state.notice is not None
    assert state.notice.startswith("Not saved, so only until traynotify quits: Not changing")
    assert settings_path().read_text(encoding="utf-8") == "interval = [\n"


def test_snoozing_from_the_menu_is_kept_on_file_and_names_its_end(make_app: Any) -> None:
    app = make_app()
    app.on_action(Action("snooze", value="1h"))
    state = turn(app)
    assert state.popups_paused is True
    assert state.paused_until is not None
    left = state.paused_until - datetime.now(timezone.utc)
    assert timedelta(minutes=59) < left <= timedelta(hours=1)
    assert (
        SnoozeStore(app.snooze.store.path).read()
        == app.snooze.current
        == Snooze(state.paused_until)
    )
    out = io.StringIO()
    main(["snooze"], env={}, out=out, err=io.StringIO())
    assert out.getvalue().startswith("Pop-ups paused until ")  # the command line sees it
    app.on_action(Action("resume"))
    state = turn(app)
    assert (state.popups_paused, state.paused_until) == (False, None)
    assert SnoozeStore(app.snooze.store.path).read() is None


def test_a_pause_until_resumed_is_kept_on_file_until_resume_now(make_app: Any) -> None:
    app = make_app()
    app.on_action(Action("snooze", value="forever"))
    assert (turn(app).popups_paused, app.snooze.current) == (True, Snooze(None))
    assert SnoozeStore(app.snooze.store.path).read() == Snooze(None)  # a restart honours it
    app.on_action(Action("resume"))
    assert (turn(app).popups_paused, app.snooze.current) == (False, None)
    assert SnoozeStore(app.snooze.store.path).read() is None


def test_until_tomorrow_follows_the_snooze_morning_setting(make_app: Any) -> None:
    app = make_app()
    config("set", "snooze_morning", "06:15")
    app.on_command("settings-changed")
    app.on_action(Action("snooze", value="tomorrow"))
    until = turn(app).paused_until
    assert until is not None
    assert until.astimezone().strftime("%H:%M") == "06:15"


# -- what config set says ---------------------------------------------------------------------
@pytest.fixture
def serving(make_app: Any) -> Iterator[Any]:
    instances: list[Instance] = []

    def serve(**kwargs: Any) -> App:
        app: App = make_app(**kwargs)
        instance = Instance(state_dir())
        assert instance.acquire()
        instance.serve(app.on_command, APP_COMMANDS)  # as the tray serves it
        instances.append(instance)
        return app

    yield serve
    for instance in instances:
        instance.close()


def test_config_set_says_the_running_tray_uses_it_now(serving: Any) -> None:
    app = serving()
    code, out, err = config("set", "muted_types", "org.api_key.revoke")
    assert (code, err) == (0, "")
    assert out.splitlines()[1:] == ["The running tray uses it now."]
    assert turn(app).muted_types == ("org.api_key.revoke",)
    code, out, _err = config("unset", "muted_types")
    assert out.splitlines()[1:] == ["The running tray uses it now."]
    assert turn(app).muted_types == ()


def test_config_set_says_which_flag_of_the_running_tray_wins(serving: Any) -> None:
    serving(flags={"interval": 10.0})
    _code, out, _err = config("set", "interval", "30")
    assert out.splitlines()[1:] == [
        "The running tray was started with --interval, which wins over the settings file "
        "until it restarts."
    ]


def test_config_set_says_a_new_server_waits_for_the_next_start(serving: Any) -> None:
    serving()
    _code, out, _err = config("set", "api_url", "https://api.example")
    assert out.splitlines()[1:] == ["The running tray uses it from its next start."]


def snooze(*argv: str) -> list[str]:
    return cli(["snooze", *argv])[1].splitlines()


def test_snooze_asks_the_running_tray_a_pause_from_a_setting_that_is_off(serving: Any) -> None:
    """The running tray says whether its user paused pop-ups and whether its popups
    setting holds them back; the settings file alone may not yet say what it uses."""
    app = serving()
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text("popups = false\n")  # not yet taken by the tray
    app._publish(turn(app))
    assert snooze() == ["Pop-ups are on"]
    app.on_command("settings-changed")
    app._publish(turn(app))
    assert snooze()[0] == "Pop-ups are off in the settings (popups = false)"
    app.on_action(Action("snooze", value="forever"))  # the menu's "Until I resume"
    app._publish(turn(app))
    assert snooze()[0] == "Pop-ups paused until you resume them"
    assert snooze("off") == ["The pause is over.", STAY_OFF]  # the tray took it
    app._publish(turn(app))
    assert snooze()[0] == "Pop-ups are off in the settings (popups = false)"
    config("unset", "popups")
    app._publish(turn(app))
    assert snooze() == ["Pop-ups are on"]


def test_config_set_without_a_tray_says_the_next_start() -> None:
    code, out, _err = config("set", "interval", "30")
    assert (code, out.splitlines()[1:]) == (0, ["The tray app uses it from its next start."])
