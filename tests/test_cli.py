"""The headless CLI, in-process against the contract server and as real processes."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest

from traynotify.cli import main
from traynotify.devserver import ContractServer

from .conftest import KEY


def run(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, env=env, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def env(server: ContractServer) -> dict[str, str]:
    return {"BYTESPIKE_API_URL": server.url, "BYTESPIKE_API_KEY": KEY}


def test_count_formats(env: dict[str, str]) -> None:
    assert run(["count"], env) == (0, "3\n", "")
    assert json.loads(run(["count", "--format", "json"], env)[1])["count"] == 3
    waybar = json.loads(run(["count", "--format", "waybar"], env)[1])
    assert waybar == {
        "text": "3",
        "tooltip": "traynotify: 3 unread",
        "class": ["unread", "fresh"],
        "alt": "unread",
    }


def test_api_url_flag_beats_environment(env: dict[str, str], server: ContractServer) -> None:
    bad_env = {**env, "BYTESPIKE_API_URL": "http://127.0.0.1:1"}
    assert run(["--api-url", server.url, "count"], bad_env)[0] == 0
    assert run(["count", "--api-url", server.url], bad_env)[0] == 0


def test_list_table_and_json(env: dict[str, str]) -> None:
    code, out, _ = run(["list", "--unread"], env)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "WHEN", "TYPE", "TITLE"]
    assert [line.split()[0] for line in lines[1:4]] == ["5001", "5003", "5004"]
    assert "Payment received · $25.00" in lines[1]
    assert lines[-1] == "page 1 of 1 · 3 in all"
    data = json.loads(run(["list", "--read", "--json"], env)[1])
    assert [i["id"] for i in data["items"]] == [5006, 5002]
    assert data["total"] == 2


def test_list_pages_and_all(env: dict[str, str], server: ContractServer) -> None:
    out = run(["list", "--page", "2", "--page-size", "2"], env)[1]
    assert [line.split()[0] for line in out.splitlines()[1:3]] == ["5006", "5004"]
    assert out.splitlines()[-1] == "page 2 of 3 · 5 in all"
    for n in range(250):
        server.store.add("alice", "admin.org.member.add", f"m{n}")
    data = json.loads(run(["list", "--all", "--json"], env)[1])
    assert len(data["items"]) == data["total"] == 255


def test_list_type_filter_and_unknown_type(env: dict[str, str], server: ContractServer) -> None:
    code, out, _ = run(["list", "--type", "org.api_key.revoke", "--json"], env)
    assert [i["id"] for i in json.loads(out)["items"]] == [5002]
    server.clear_requests()
    code, out, err = run(["list", "--type", "bogus"], env)
    assert code == 2
    assert err.startswith("traynotify: Unknown notification type 'bogus'")
    assert server.requests() == []


def test_hostile_titles_are_one_line_in_the_table(
    env: dict[str, str], server: ContractServer
) -> None:
    server.store.add("alice", "admin.org.member.add", "evil\x1b[31m red\nsecond\u202eline")
    out = run(["list", "--unread"], env)[1]
    row = next(line for line in out.splitlines() if "evil" in line)
    assert "\x1b" not in out
    assert "\u202e" not in out
    assert row.endswith("evil[31m red secondline")


def test_read_ids_and_all(env: dict[str, str], server: ContractServer) -> None:
    assert run(["read", "5001", "5003"], env) == (0, "Marked 2 notifications read.\n", "")
    assert server.store.unread_count("alice") == 1
    assert run(["read", "--all"], env)[1] == "Marked 1 notification read.\n"
    assert run(["read", "--all"], env)[1] == "Marked 0 notifications read.\n"


def test_read_marks_the_good_ids_and_reports_the_bad_one(
    env: dict[str, str], server: ContractServer
) -> None:
    code, out, err = run(["read", "7001", "5001"], env)
    assert code == 5
    assert out == "Marked 1 notification read.\n"
    assert err.startswith("traynotify: 7001: That notification does not exist")
    assert len(err.splitlines()) == 1
    assert server.store.unread_count("alice") == 2


@pytest.mark.parametrize(
    ("argv", "text"),
    [
        (["read"], "Give notification ids, or --all"),
        (["read", "--all", "5001"], "Give notification ids, or --all"),
        (["read", "abc"], "a notification id is a whole number"),
        (["list", "--page-size", "0"], "--page-size: must be from 1 to 200, not 0"),
        (["list", "--page-size", "500"], "1 to 200"),
        (["list", "--read", "--unread"], "not allowed with"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_usage_errors_are_one_line_exit_2(env: dict[str, str], argv: list[str], text: str) -> None:
    code, _, err = run(argv, env)
    assert code == 2
    assert text in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_wrong_key_says_missing_or_revoked(env: dict[str, str]) -> None:
    code, out, err = run(["count"], {**env, "BYTESPIKE_API_KEY": "wrong-key"})
    assert code == 3
    assert out == ""
    assert err == (
        "traynotify: The API key is missing or has been revoked."
        " Check BYTESPIKE_API_KEY (it wins over a stored key).\n"
    )


def test_waybar_shows_signed_out_state_on_a_bad_key(env: dict[str, str]) -> None:
    code, out, err = run(["count", "--format", "waybar"], {**env, "BYTESPIKE_API_KEY": "nope"})
    assert code == 3
    assert json.loads(out)["class"] == ["none", "signed-out"]
    assert "revoked" in err


def test_missing_key_and_malformed_key(env: dict[str, str]) -> None:
    code, _, err = run(["count"], {"BYTESPIKE_API_URL": env["BYTESPIKE_API_URL"]})
    assert (code, err) == (
        3,
        "traynotify: Not signed in: run 'traynotify login', or set BYTESPIKE_API_KEY"
        " to your API key.\n",
    )
    code, _, err = run(["count"], {**env, "BYTESPIKE_API_KEY": "abc def"})
    assert code == 3
    assert "abc" not in err
    assert "contains spaces" in err


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("http://api.example.com", "must use https"),
        ("ftp://127.0.0.1", "must be an http(s) URL"),
        ("https://user:pw@api.example.com", "user name or password"),
        ("https://[::1", "not a valid URL"),
    ],
)
def test_bad_api_url_is_refused_before_any_request(
    env: dict[str, str], url: str, text: str
) -> None:
    code, _, err = run(["count"], {**env, "BYTESPIKE_API_URL": url})
    assert code == 2
    assert text in err


def test_network_failure_is_exit_4(env: dict[str, str]) -> None:
    code, _, err = run(["count"], {**env, "BYTESPIKE_API_URL": "http://127.0.0.1:1"})
    assert code == 4
    assert err == "traynotify: Cannot reach the BytesSpike server at http://127.0.0.1:1.\n"


def test_key_is_not_accepted_on_the_command_line(env: dict[str, str]) -> None:
    code, out, err = run(["count", "--api-key", "sk-live-MadeUp1234"], env)
    assert code == 2
    assert "sk-live-MadeUp1234" not in out + err


# -- as real processes -------------------------------------------------------------


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BYTESPIKE_")}
    env.update(extra)
    return env


def traynotify(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "traynotify", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def demo_server() -> Iterator[tuple[str, str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "traynotify", "demo", "--server-only", "--every", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env=cli_env(),
    )
    try:
        assert proc.stdout is not None
        head = "".join(proc.stdout.readline() for _ in range(4))
        url = re.search(r"BYTESPIKE_API_URL=(\S+)", head)
        key = re.search(r"BYTESPIKE_API_KEY=(\S+)", head)
        assert url, head
        assert key, head
        yield url.group(1), key.group(1)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def test_demo_server_in_one_process_cli_in_another(demo_server: tuple[str, str]) -> None:
    url, key = demo_server
    env = cli_env(BYTESPIKE_API_URL=url, BYTESPIKE_API_KEY=key)
    assert traynotify("count", env=env).stdout == "3\n"
    listed = traynotify("list", "--unread", env=env)
    assert listed.returncode == 0
    assert "Payment received · $25.00" in listed.stdout
    assert traynotify("read", "5001", env=env).stdout == "Marked 1 notification read.\n"
    assert traynotify("count", env=env).stdout == "2\n"
    wrong = traynotify("count", env={**env, "BYTESPIKE_API_KEY": "wrong"})
    assert wrong.returncode == 3
    assert wrong.stderr.strip().endswith(
        "revoked. Check BYTESPIKE_API_KEY (it wins over a stored key)."
    )
    assert len(wrong.stderr.splitlines()) == 1


def test_headless_commands_work_without_a_display_and_never_load_the_tray(
    server: ContractServer,
) -> None:
    env = cli_env(BYTESPIKE_API_URL=server.url, BYTESPIKE_API_KEY=KEY)
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    probe = (
        "import sys\n"
        "from traynotify.cli import main\n"
        "for argv in (['count'], ['list'], ['read', '5001'], ['--version']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in\n"
        "               ('pystray', 'gi', 'plyer', 'PIL', 'Xlib', 'keyring'))\n"
        "print('loaded:', heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "loaded: []"


def test_version() -> None:
    result = traynotify("--version", env=cli_env())
    assert re.fullmatch(r"traynotify \d+\.\d+\.\d+\n", result.stdout)


def test_run_refuses_a_too_short_interval_in_one_line(env: dict[str, str]) -> None:
    code, _, err = run(["run", "--interval", "0.5"], env)
    assert code == 2
    assert err == "traynotify: interval (command line) must be at least 1 second, not 0.5.\n"


def test_bare_traynotify_without_a_display_says_why(server: ContractServer) -> None:
    env = cli_env(BYTESPIKE_API_URL=server.url, BYTESPIKE_API_KEY=KEY)
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "PYSTRAY_BACKEND"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "traynotify"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.startswith("traynotify: No graphical session (DISPLAY is not set)")
    assert len(result.stderr.splitlines()) == 1
    assert server.requests() == []


def test_an_unexpected_bug_is_still_one_line(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> int:
        raise RuntimeError("something broke")

    monkeypatch.setattr("traynotify.cli.statusbar.cmd_count", broken)
    code, _, err = run(["count"], env)
    assert code == 4  # most likely an answer the code did not expect: trouble to retry
    assert err == (
        "traynotify: unexpected error (RuntimeError: something broke);"
        " run with --debug for details.\n"
    )
    code, _, err = run(["count", "--debug"], env)
    assert code == 4
    assert err.startswith("Traceback (most recent call last)")
    assert "RuntimeError: something broke" in err
