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

import traynotify
from traynotify.cli import main
from traynotify.desktop.command import program, quoted
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


VENV_BIN = Path(sys.executable).parent
SCRIPT = VENV_BIN / "traynotify"


def _path_without_traynotify() -> str:
    """PATH as after ``pip install -e .`` into a venv that was never activated."""
    dirs = os.environ.get("PATH", "").split(os.pathsep)
    return os.pathsep.join(d for d in dirs if d and not (Path(d) / "traynotify").exists())


# How the user started traynotify, with which PATH, and the program a hint must name.
STARTS = {
    "venv-script-not-on-path": ([str(SCRIPT)], False, [str(SCRIPT)]),
    "python-m-not-on-path": ([sys.executable, "-m", "traynotify"], False, None),
    "script-on-path": (["traynotify"], True, ["traynotify"]),
    "python-m-script-on-path": ([sys.executable, "-m", "traynotify"], True, ["traynotify"]),
}


def _start(name: str, tmp_path: Path) -> tuple[list[str], dict[str, str], list[str]]:
    argv, on_path, expected = STARTS[name]
    assert SCRIPT.is_file(), "the tests run from an installed traynotify (pip install -e .)"
    path = _path_without_traynotify()
    if on_path:
        path = os.pathsep.join([str(VENV_BIN), path])
    env = {**_headless_env(), "TMPDIR": str(tmp_path), "PATH": path}
    return argv, env, expected if expected is not None else argv


def _named(text: str, ending: str) -> list[str]:
    """The command a message names in quotes, ending in ``ending``, as argv."""
    match = re.search(rf"'([^']*{re.escape(ending)})'", text)
    assert match is not None, text
    return shlex.split(match.group(1))


@pytest.mark.parametrize("start", STARTS)
def test_headless_demo_says_so_first_and_its_suggestion_works(tmp_path: Path, start: str) -> None:
    argv, env, program = _start(start, tmp_path)
    done = subprocess.run(
        [*argv, "demo", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == ""  # no "the tray icon is talking to…" before the failure
    assert done.stderr.count("\n") == 1, done.stderr
    assert "No graphical session" in done.stderr
    suggested = _named(done.stderr, "demo --server-only")
    assert suggested == [*program, "demo", "--server-only"]
    assert list(tmp_path.iterdir()) == []  # no demo folder left behind

    # Run what it suggests, as it is written, in the same shell: a local server
    # whose export lines and the command after them make `count` work.
    with subprocess.Popen(
        [*suggested, "--port", "0"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            exports: dict[str, str] = {}
            for line in proc.stdout:
                match = re.match(r"\s*export (\w+)=(\S+)", line)
                if match:
                    exports[match.group(1)] = match.group(2)
                elif len(exports) == 2:
                    break
            count_command = shlex.split(line)
            assert count_command == [*program, "count"]
            count = subprocess.run(
                count_command,
                env={**env, **exports},
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert (count.returncode, count.stdout.strip().isdigit()) == (0, True), count.stderr
        finally:
            proc.terminate()


@pytest.mark.parametrize("start", STARTS)
def test_not_signed_in_names_a_login_command_that_runs(tmp_path: Path, start: str) -> None:
    argv, env, program = _start(start, tmp_path)
    env["BYTESPIKE_API_URL"] = "http://127.0.0.1:1"
    env.pop("BYTESPIKE_API_KEY", None)
    done = subprocess.run([*argv, "count"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "Not signed in" in done.stderr, done.stderr
    login = _named(done.stderr, "login")
    assert login == [*program, "login"]
    shown = subprocess.run([*login, "--help"], env=env, capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert "usage: traynotify login" in shown.stdout


def _file(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    return str(path)


def test_the_program_a_hint_names_is_the_one_that_runs(tmp_path: Path) -> None:
    script = _file(tmp_path / "venv" / "bin" / "traynotify")
    other = _file(tmp_path / "usr" / "bin" / "traynotify")
    python = _file(tmp_path / "venv" / "bin" / "python")
    link = tmp_path / "path" / "traynotify"
    link.parent.mkdir()
    link.symlink_to(script)

    def named(argv0: str, found: str | None, frozen: bool = False) -> tuple[str, ...]:
        return program(argv0=argv0, executable=python, frozen=frozen, which=lambda _n: found)

    # the installed script: by its name only when PATH leads to this same file
    assert named(script, None) == (script,)
    assert named(script, other) == (script,)
    assert named(script, str(link)) == ("traynotify",)
    # python -m traynotify: the script next to this Python runs the same installation
    main_py = str(Path(traynotify.__file__).parent / "__main__.py")
    assert named(main_py, None) == (python, "-m", "traynotify")
    assert named(main_py, other) == (python, "-m", "traynotify")
    assert named(main_py, script) == ("traynotify",)
    # a frozen build is its own executable
    assert named("whatever", None, frozen=True) == (python,)
    assert named("whatever", python, frozen=True) == ("traynotify",)
    # inside some other program (this test run): the name is all there is
    assert named(sys.argv[0], None) == ("traynotify",)


def test_a_program_path_with_spaces_is_quoted_for_the_shell(tmp_path: Path) -> None:
    script = _file(tmp_path / "my venv" / "bin" / "traynotify")
    words = program(argv0=script, which=lambda _n: None)
    assert shlex.split(quoted([*words, "login"])) == [script, "login"]
