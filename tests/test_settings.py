"""The settings file, `config show/set/unset`, and which source wins."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from traynotify.cli import main
from traynotify.core.config import Settings, explain, resolve
from traynotify.desktop.settings_file import change_setting, read_settings, settings_path
from traynotify.errors import ConfigError


def cli(argv: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, env=env or {}, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_settings_live_in_the_config_folder_apart_from_state(own_home: Path) -> None:
    assert settings_path() == own_home / "config" / "traynotify" / "config.toml"
    assert cli(["config", "path"])[1] == f"{settings_path()}\n"


def test_set_then_show_round_trips_every_setting(own_home: Path) -> None:
    changes = [
        ("api_url", "https://api.example.com/", "https://api.example.com"),
        ("console_url", "https://console.example.com", "https://console.example.com"),
        ("interval", "90", "90"),
        ("popups", "off", "false"),
        (
            "muted_types",
            "system.balance.notify.dispatched,admin.org.member.add",
            "system.balance.notify.dispatched,admin.org.member.add",
        ),
        ("menu_length", "5", "5"),
        ("language", "zh_CN", "zh_CN"),
    ]
    for name, value, shown in changes:
        code, out, err = cli(["config", "set", name, value])
        assert (code, err) == (0, "")
        assert out.splitlines()[0] == f"{name} = {shown}, saved in {settings_path()}."
    file = read_settings(settings_path())
    assert file.problems == []
    settings = resolve({}, {}, file.values)
    assert settings == Settings(
        api_url="https://api.example.com",
        console_url="https://console.example.com",
        interval=90.0,
        popups=False,
        muted_types=("system.balance.notify.dispatched", "admin.org.member.add"),
        menu_length=5,
        language="zh_CN",
    )
    # language is now Chinese for the CLI itself; show the values all the same
    shown = cli(["config", "show"])[1]
    assert "interval       = 90" in shown
    assert "popups         = false" in shown
    assert "BYTESPIKE" not in settings_path().read_text()


def test_unset_goes_back_to_the_default() -> None:
    cli(["config", "set", "interval", "300"])
    code, out, _ = cli(["config", "unset", "interval"])
    assert code == 0
    assert out.startswith("interval is back to its default (60).")
    assert "interval" not in read_settings(settings_path()).values


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("interval", "0.2", "interval must be at least 1 second, not '0.2'."),
        ("interval", "soon", "interval must be a number of seconds, not 'soon'."),
        ("interval", "1e9", "interval must be at most 86400 seconds (one day), not '1e9'."),
        ("interval", "86401", "interval must be at most 86400 seconds (one day)"),
        ("interval", "inf", "interval must be at most 86400 seconds"),
        ("interval", "nan", "interval must be at least 1 second, not 'nan'."),
        ("language", "fr", "language must be auto, en or zh_CN, not 'fr'."),
        ("language", "zh_TW", "language must be auto, en or zh_CN, not 'zh_TW'."),
        ("language", "english", "language must be auto, en or zh_CN"),
        ("language", "en_US.UTF-8", "language must be auto, en or zh_CN"),
        ("snooze_morning", "9", "snooze_morning must be a time of day from 00:00 to 23:59"),
        ("snooze_morning", "09:60", "snooze_morning must be a time of day"),
        ("popups", "maybe", "popups must be true or false, not 'maybe'."),
        ("muted_types", "system.nope", "muted_types: unknown type 'system.nope'"),
        ("menu_length", "0", "menu_length must be from 1 to 50, not 0."),
        ("api_url", "http://api.example.com", "api_url must use https"),
        ("colour", "red", "Unknown setting 'colour'; settings: api_url, console_url"),
    ],
)
def test_set_refuses_bad_values_in_one_line_and_writes_nothing(
    name: str, value: str, message: str
) -> None:
    code, out, err = cli(["config", "set", name, value])
    assert code == 2
    assert out == ""
    assert err.startswith(f"traynotify: {message}")
    assert err.count("\n") == 1
    assert not settings_path().exists()


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("en", "en"),
        ("EN", "en"),
        ("zh_CN", "zh_CN"),
        ("zh-CN", "zh_CN"),
        ("zh", "zh_CN"),
        ("ZH_cn", "zh_CN"),
        (" zh-cn ", "zh_CN"),
        ("86400", None),
    ],
)
def test_set_accepts_what_the_app_can_show(value: str, stored: str | None) -> None:
    name = "interval" if stored is None else "language"
    code, _out, err = cli(["config", "set", name, value])
    assert (code, err) == (0, "")
    expected = 86400.0 if stored is None else stored
    assert read_settings(settings_path()).values == {name: expected}


def test_language_auto_goes_back_to_the_os_language() -> None:
    cli(["config", "set", "language", "zh"])
    assert cli(["config", "set", "language", "auto"])[0] == 0
    assert "language" not in read_settings(settings_path()).values


def write(text: str) -> Path:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_a_broken_file_is_reported_with_path_and_line_and_defaults_apply() -> None:
    path = write('interval = 30\npopups = "yes\n')
    file = read_settings(path)
    assert file.values == {}
    assert not file.readable
    assert file.problems == [
        f"{path}: not valid TOML: Illegal character '\\n' (at line 2, column 14)."
    ]
    code, out, err = cli(["config", "show"])
    assert (code, err) == (0, "")
    assert "interval       = 60  (default)" in out
    assert "line 2" in out


def test_a_bad_value_names_its_line_and_only_that_value_falls_back() -> None:
    path = write("# mine\ninterval = 30\n\nmenu_length = 500\nshape = 'round'\n")
    file = read_settings(path)
    assert file.values == {"interval": 30.0}
    assert file.problems == [
        f"{path}, line 4: menu_length must be from 1 to 50, not 500. Using the default.",
        f"{path}, line 5: unknown setting 'shape' ignored; settings: api_url, console_url, "
        "interval, popups, muted_types, menu_length, language, snooze_morning.",
    ]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('language = "fr"', "language must be auto, en or zh_CN, not 'fr'."),
        ("language = 5", "language must be auto, en or zh_CN, not '5'."),
        ("interval = 1e9", "interval must be at most 86400 seconds (one day), not 1000000000.0."),
        ("interval = 0", "interval must be at least 1 second, not 0."),
        ('snooze_morning = "7am"', "snooze_morning must be a time of day"),
    ],
)
def test_a_bad_value_in_the_file_is_reported_with_its_line_and_the_default_used(
    line: str, problem: str
) -> None:
    path = write(f"# mine\nmenu_length = 5\n{line}\n")
    file = read_settings(path)
    assert file.values == {"menu_length": 5}
    assert len(file.problems) == 1
    assert file.problems[0].startswith(f"{path}, line 3: {problem}")
    assert file.problems[0].endswith("Using the default.")
    assert resolve({}, {}, file.values) == Settings(menu_length=5)


def test_headless_commands_warn_about_the_file_and_carry_on(
    server_env: dict[str, str],
) -> None:
    write("menu_length = 'many'\n")
    code, out, err = cli(["count"], server_env)
    assert (code, out) == (0, "3\n")
    assert err == (
        f"traynotify: warning: {settings_path()}, line 1: menu_length must be a whole "
        "number, not 'many'. Using the default.\n"
    )


def test_set_keeps_what_it_does_not_understand_and_refuses_a_broken_file() -> None:
    write("menu_length = 500\nshape = 'round'\n")
    change_setting(settings_path(), "interval", "45")
    text = settings_path().read_text()
    assert "menu_length = 500" in text
    assert 'shape = "round"' in text
    assert "interval = 45.0" in text
    write("interval = [\n")
    with pytest.raises(ConfigError, match="Fix or remove the file first"):
        change_setting(settings_path(), "interval", "45")
    assert settings_path().read_text() == "interval = [\n"


def test_precedence_flag_over_environment_over_file_over_default(
    server_env: dict[str, str],
) -> None:
    file_values = {"api_url": "https://file.example.com", "console_url": "https://c.example.com"}
    env = {"BYTESPIKE_API_URL": "https://env.example.com"}
    flags = {"api_url": "https://flag.example.com", "interval": None}
    assert resolve({}, {}, file_values).api_url == "https://file.example.com"
    assert resolve({}, env, file_values).api_url == "https://env.example.com"
    assert resolve(flags, env, file_values).api_url == "https://flag.example.com"
    assert resolve({}, {}, {}).api_url == "https://llm.bytespike.ai"
    assert explain(flags, env, file_values) == {
        "api_url": "command line",
        "console_url": "file",
        "interval": "default",
        "popups": "default",
        "muted_types": "default",
        "menu_length": "default",
        "language": "default",
        "snooze_morning": "default",
    }
    # and end to end: the file points at nowhere, the environment at the server
    write('api_url = "http://127.0.0.1:1"\ninterval = 120\n')
    assert cli(["count"], server_env)[1] == "3\n"
    shown = cli(["config", "show", "--api-url", "https://flag.example.com"], server_env)[1]
    assert "api_url        = https://flag.example.com  (command line)" in shown
    assert "interval       = 120  (settings file)" in shown
    shown = cli(["config", "show"], server_env)[1]
    assert f"api_url        = {server_env['BYTESPIKE_API_URL']}  (environment)" in shown
