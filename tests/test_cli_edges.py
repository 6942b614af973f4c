"""Every command-line edge a careless or hostile user finds: one line, the documented exit.

In-process through ``main`` where that is faithful, as real processes where the edge is
the process's own (a closed pipe, the terminal's encoding).
"""

from __future__ import annotations

import io
import json
import os
import string
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from traynotify.cli import main
from traynotify.devserver import ContractServer

from .conftest import KEY

UNREACHABLE = "http://127.0.0.1:9"
DOCUMENTED_EXITS = {0, 1, 2, 3, 4, 5, 130, 141}


def run(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, env=env, out=out, err=err, stdin=io.StringIO(""))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def env(server: ContractServer) -> dict[str, str]:
    return {"BYTESPIKE_API_URL": server.url, "BYTESPIKE_API_KEY": KEY}


def one_line_error(err: str) -> str:
    assert err.startswith("traynotify: "), err
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    return err


def process(
    args: list[str],
    env: dict[str, str],
    extra_env: dict[str, str] | None = None,
    stdout: int = subprocess.PIPE,
    encoding: str = "utf-8",
) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("BYTESPIKE_")}
    full.update(env)
    for name in ("PYTHONUNBUFFERED", "PYTHONIOENCODING"):
        full.pop(name, None)
    full.update(extra_env or {})
    return subprocess.run(
        [sys.executable, "-m", "traynotify", *args],
        env=full,
        stdout=stdout,
        stderr=subprocess.PIPE,
        encoding=encoding,
        timeout=60,
    )


# -- a closed pipe, a narrow terminal encoding ---------------------------------------------


def test_a_reader_that_goes_away_ends_the_listing_quietly(
    env: dict[str, str], server: ContractServer
) -> None:
    """`traynotify list --all | head -2`: the reader is gone before we write."""
    for n in range(300):
        server.store.add("alice", "admin.org.member.add", f"member {n}")
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = process(["list", "--all"], env, stdout=write_end)
    finally:
        os.close(write_end)
    assert result.stderr == ""
    assert result.returncode == 141


def test_head_of_a_long_listing_in_a_shell_pipeline(
    env: dict[str, str], server: ContractServer
) -> None:
    for n in range(300):
        server.store.add("alice", "admin.org.member.add", f"member {n}")
    script = f"{sys.executable} -m traynotify list --all | head -2"
    full = {**os.environ, **env}
    full.pop("PYTHONUNBUFFERED", None)
    result = subprocess.run(
        ["sh", "-c", script], env=full, capture_output=True, text=True, timeout=60
    )
    assert len(result.stdout.splitlines()) == 2
    assert result.stderr == ""


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
def test_a_terminal_that_cannot_show_every_character_gets_replacements(
    env: dict[str, str], server: ContractServer, encoding: str
) -> None:
    server.store.add("alice", "admin.org.member.add", "付款已到账 ● ok")
    result = process(
        ["list", "--unread"], env, extra_env={"PYTHONIOENCODING": encoding}, encoding=encoding
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "????? ? ok" in result.stdout  # Chinese and ● are in neither
    middle_dot = "?" if encoding == "ascii" else "·"  # cp1252 has the middle dot
    assert f"Payment received {middle_dot} $25.00" in result.stdout


# -- settings and folders that can't be used ---------------------------------------------


def test_a_state_folder_that_is_a_file_stops_run_with_one_line(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))
    code, _out, err = run(["run"], {**env, "XDG_STATE_HOME": str(blocker)})
    assert code == 2
    assert one_line_error(err) == (
        f"traynotify: Cannot use the state folder {blocker}/traynotify (Not a directory);"
        " check XDG_STATE_HOME.\n"
    )


def test_autostart_status_with_a_config_home_that_is_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(blocker))
    code, out, err = run(["autostart", "status"], {"XDG_CONFIG_HOME": str(blocker)})
    assert code == 2
    assert out == ""
    assert one_line_error(err) == (
        f"traynotify: Cannot read the login entry at {blocker}/autostart/traynotify.desktop:"
        " Not a directory.\n"
    )


@pytest.mark.parametrize("url", ["http://127.0.0.1:8765/a b", "http://127.0.0.1:8765/a\tb"])
def test_an_api_url_with_a_space_or_tab_is_refused(url: str, env: dict[str, str]) -> None:
    for argv, run_env in (
        (["count"], {**env, "BYTESPIKE_API_URL": url}),
        (["count", "--api-url", url], env),
    ):
        code, _, err = run(argv, run_env)
        assert code == 2
        assert "must not contain spaces, tabs or control characters" in one_line_error(err)


# -- arguments out of range ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "text"),
    [
        (["demo", "--port", "99999"], "--port: must be from 0 to 65535, not 99999"),
        (["demo", "--port", "-1"], "--port: must be a whole number from 0 to 65535"),
        (
            ["demo", "--server-only", "--every", "inf"],
            "--every: must be 0 or a number of seconds from 1",
        ),
        (
            ["demo", "--server-only", "--every", "nan"],
            "--every: must be 0 or a number of seconds from 1",
        ),
        (
            ["demo", "--server-only", "--every", "0.001"],
            "--every: must be 0 or a number of seconds from 1",
        ),
        (["demo", "--interval", "-5"], "--interval: must be a number of seconds from 1"),
        (["demo", "--interval", "inf"], "--interval: must be a number of seconds from 1"),
        (["run", "--interval", "inf"], "interval (command line) must be at most 86400 seconds"),
        (["run", "--interval", "1e9"], "interval (command line) must be at most 86400 seconds"),
        (
            ["demo", "--interval", "86401"],
            "--interval: must be a number of seconds from 1 to 86400",
        ),
        (["run", "--interval", "-5"], "interval (command line) must be at least 1 second"),
        (["read", "²"], "a notification id is a whole number"),
        (["read", "١٢"], "a notification id is a whole number"),  # Arabic-Indic digits
        (["read", "9" * 5000], "a notification id is a whole number"),
        (["list", "--page", "²"], "--page: must be a whole number"),
        (["list", "--page-size", "２０"], "--page-size: must be a whole number"),  # full width
        (["list", "--all", "--page", "2"], "--all lists every page; leave out --page"),
    ],
)
def test_out_of_range_arguments_are_usage_errors(
    argv: list[str], text: str, env: dict[str, str]
) -> None:
    code, out, err = run(argv, env)
    assert code == 2
    assert out == ""
    assert text in one_line_error(err)


# -- what reaches the terminal -------------------------------------------------------------


def test_list_json_escapes_controls_and_bidi_overrides(
    env: dict[str, str], server: ContractServer
) -> None:
    title = "invoice\u202efdp.exe \x1b[2J\x9b31m \u2066x\u2069 付款"
    server.store.add("alice", "admin.org.member.add", title, "body\x85\u2028line")
    for argv in (["list", "--json"], ["list", "--all", "--json"]):
        code, out, _ = run(argv, env)
        assert code == 0
        for raw in ("\u202e", "\x1b", "\x9b", "\u2066", "\u2069", "\x85", "\u2028"):
            assert raw not in out
        assert "付款" in out  # readable text stays readable
        item = json.loads(out)["items"][0]
        assert (item["title"], item["body"]) == (title, "body\x85\u2028line")


def test_list_all_honours_the_page_size(env: dict[str, str], server: ContractServer) -> None:
    server.clear_requests()
    code, out, _ = run(["list", "--all", "--json", "--page-size", "2"], env)
    assert code == 0
    assert json.loads(out)["total"] == 5
    sizes = [r.query["page_size"] for r in server.requests("/api/v1/me/notifications")]
    assert sizes == [["2"], ["2"], ["2"]]


def test_help_and_version_go_to_the_given_stream_with_exit_0() -> None:
    code, out, err = run(["--version"], {})
    assert (code, err) == (0, "")
    assert out.startswith("traynotify ")
    code, out, err = run(["list", "--help"], {})
    assert (code, err) == (0, "")
    assert "--page-size" in out


# -- no argument that could be a key is ever repeated ------------------------------------


def stand_ins(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tray, the demo and the key prompt are the edges here: stand-ins say "ran"."""
    for module, name in (
        ("tray_app", "cmd_run"),
        ("tray_app", "cmd_demo"),
        ("account", "cmd_login"),
    ):
        monkeypatch.setattr(f"traynotify.cli.{module}.{name}", lambda ctx: 0)


KEYISH = st.one_of(
    st.from_regex(r"\A(sk|pk|bs|key)[-_](live|test|prod)[-_][A-Za-z0-9]{10,40}\Z"),
    st.text(string.ascii_letters + string.digits + "-_.", min_size=20, max_size=60).filter(
        lambda s: any(c.isdigit() or c.isupper() for c in s) and not s.startswith("-")
    ),
)

POSITIONS = [
    ["{K}"],
    ["{K}", "count"],
    ["count", "{K}"],
    ["count", "--format", "{K}"],
    ["count", "--format={K}"],
    ["--api-url", "{K}", "count"],
    ["count", "--api-url={K}"],
    ["--console-url", "{K}", "list"],
    ["list", "--type", "{K}"],
    ["list", "--page", "{K}"],
    ["list", "--page-size", "{K}"],
    ["list", "{K}"],
    ["read", "{K}"],
    ["read", "5001", "{K}"],
    ["read", "--all", "{K}"],
    ["autostart", "{K}"],
    ["autostart", "status", "{K}"],
    ["config", "{K}"],
    ["config", "set", "{K}", "x"],
    ["config", "set", "api_url", "{K}"],
    ["config", "set", "console_url", "{K}"],
    ["config", "set", "interval", "{K}"],
    ["config", "set", "popups", "{K}"],
    ["config", "set", "muted_types", "{K}"],
    ["config", "set", "menu_length", "{K}"],
    ["config", "set", "language", "{K}"],
    ["config", "unset", "{K}"],
    ["login", "{K}"],
    ["login", "--no-check", "{K}"],
    ["logout", "{K}"],
    ["run", "{K}"],
    ["run", "--interval", "{K}"],
    ["demo", "{K}"],
    ["demo", "--port", "{K}"],
    ["demo", "--every", "{K}"],
    ["demo", "--interval", "{K}"],
    ["--{K}"],
    ["count", "-{K}"],
]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(key=KEYISH)
def test_property_no_output_repeats_a_key_typed_in_any_position(
    key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BYTESPIKE_API_URL", UNREACHABLE)
    stand_ins(monkeypatch)  # "demo --every 000…0" is a valid command line
    for position in POSITIONS:
        argv = [part.replace("{K}", key) for part in position]
        code, out, err = run(argv, {"BYTESPIKE_API_URL": UNREACHABLE})
        assert key not in out + err, argv
        if code != 0:
            one_line_error(err)


WORDS = st.sampled_from(
    [
        "count",
        "list",
        "read",
        "logout",
        "config",
        "autostart",
        "show",
        "set",
        "unset",
        "path",
        "status",
        "--format",
        "json",
        "waybar",
        "--all",
        "--json",
        "--page",
        "--page-size",
        "--type",
        "--unread",
        "--read",
        "--api-url",
        "--console-url",
        "5001",
        "0",
        "-1",
        "²",
        "inf",
        "nan",
        "interval",
        "api_url",
        "--",
        "-",
        "=",
        "--format=json",
    ]
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(argv=st.lists(WORDS | st.text(max_size=12), min_size=1, max_size=6))
def test_property_any_command_line_gives_one_line_and_a_documented_exit(
    argv: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stand_ins(monkeypatch)
    code, out, err = run(argv, {"BYTESPIKE_API_URL": UNREACHABLE})
    assert code in DOCUMENTED_EXITS
    assert "Traceback" not in out + err
    if code != 0:
        assert err.startswith("traynotify: "), (argv, err)
        assert len(err.splitlines()) <= 2, (argv, err)  # a warning, then the error


@pytest.mark.parametrize(
    ("io_encoding", "code", "message"),
    [
        ("utf-8:strict", 2, "the input is not text in this system's encoding (utf-8)."),
        (
            "",
            3,
            "The API key from your input contains spaces or characters an API key cannot have.",
        ),
    ],
)
def test_piped_input_that_is_not_text_is_one_line_and_never_shown(
    env: dict[str, str], io_encoding: str, code: int, message: str
) -> None:
    full = {k: v for k, v in os.environ.items() if not k.startswith("BYTESPIKE_")}
    full.update(BYTESPIKE_API_URL=env["BYTESPIKE_API_URL"], PYTHONIOENCODING=io_encoding)
    result = subprocess.run(
        [sys.executable, "-m", "traynotify", "login"],
        env=full,
        input=b"sk-\xff\xfe-MadeUp-Secret\n",
        capture_output=True,
        timeout=60,
    )
    assert (result.returncode, result.stderr.decode()) == (code, f"traynotify: {message}\n")


@pytest.mark.parametrize(
    ("status", "retry_after", "said"),
    [
        (
            503,
            "7",
            "The BytesSpike server had a problem (HTTP 503). (the server said: “Injected fault.”)",
        ),
        (429, "7", "The server is rate limiting requests (it asks to wait 7 s)."),
    ],
)
def test_a_one_shot_command_promises_no_retry(
    env: dict[str, str], server: ContractServer, status: int, retry_after: str, said: str
) -> None:
    from traynotify.devserver import Fault

    server.inject(Fault("status", status=status, retry_after=retry_after))
    code, out, err = run(["count", "--direct"], env)
    assert (code, out) == (4, "")
    assert err == f"traynotify: {said}\n"  # it exits now: no "retrying", no "will be retried"
