"""A new user's first hour: each dead end says what to do next, and that works."""

from __future__ import annotations

import io
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from traynotify.cli import main
from traynotify.devserver import ContractServer

from .conftest import KEY
from .keyrings import FileKeyring


def cli(argv: list[str], env: dict[str, str], stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, env=env, out=out, err=err, stdin=io.StringIO(stdin))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def no_keyring() -> object:
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(FileKeyring())


@pytest.mark.usefixtures("no_keyring")
@pytest.mark.parametrize("check", [[], ["--no-check"]], ids=["checked", "no-check"])
def test_login_without_a_keyring_points_at_the_variable_before_asking_the_server(
    server: ContractServer, check: list[str]
) -> None:
    code, out, err = cli(["login", *check], {"BYTESPIKE_API_URL": server.url}, stdin=KEY + "\n")
    assert code == 3
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("traynotify: No keyring is available on this system")
    assert "Set BYTESPIKE_API_KEY to your key instead" in err
    assert "--no-check" not in err  # no going round in circles
    assert "unlock" not in err  # there is nothing to unlock
    assert server.requests() == []  # said before the key went anywhere

    # The way out it names works: the key in the environment, and the commands run.
    assert cli(["count"], {"BYTESPIKE_API_URL": server.url, "BYTESPIKE_API_KEY": KEY}) == (
        0,
        "3\n",
        "",
    )


@pytest.mark.usefixtures("no_keyring")
def test_login_without_a_keyring_and_no_server_still_names_the_keyring() -> None:
    code, _out, err = cli(["login"], {"BYTESPIKE_API_URL": "http://127.0.0.1:1"}, stdin=KEY)
    assert code == 3
    assert "No keyring is available" in err
    assert "--no-check" not in err


@pytest.mark.usefixtures("no_keyring")
def test_logout_without_a_keyring_says_there_is_nothing_to_remove(
    server: ContractServer,
) -> None:
    code, out, err = cli(["logout"], {"BYTESPIKE_API_URL": server.url})
    assert (code, err) == (0, "")
    assert out == "No keyring is available on this system, so no key was stored here to remove.\n"
    code, out, _ = cli(["logout"], {"BYTESPIKE_API_URL": server.url, "BYTESPIKE_API_KEY": KEY})
    assert code == 0
    assert "BYTESPIKE_API_KEY is still set" in out


def _headless_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("PYSTRAY_BACKEND", None)
    return env


def test_headless_demo_says_so_first_and_its_suggestion_works(tmp_path: Path) -> None:
    env = {**_headless_env(), "TMPDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "traynotify", "demo", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == ""  # no "the tray icon is talking to…" before the failure
    assert done.stderr.count("\n") == 1, done.stderr
    assert "No graphical session" in done.stderr
    suggested = re.search(r"'(traynotify demo --server-only)'", done.stderr)
    assert suggested is not None
    assert list(tmp_path.iterdir()) == []  # no demo folder left behind

    # Run what it suggests: a local server whose export lines make `count` work.
    argv = [sys.executable, "-m", *shlex.split(suggested.group(1)), "--port", "0"]
    with subprocess.Popen(
        argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True
    ) as proc:
        try:
            assert proc.stdout is not None
            exports: dict[str, str] = {}
            for line in proc.stdout:
                match = re.match(r"\s*export (\w+)=(\S+)", line)
                if match:
                    exports[match.group(1)] = match.group(2)
                if len(exports) == 2:
                    break
            count = subprocess.run(
                [sys.executable, "-m", "traynotify", "count"],
                env={**env, **exports},
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert (count.returncode, count.stdout.strip().isdigit()) == (0, True), count.stderr
        finally:
            proc.terminate()
