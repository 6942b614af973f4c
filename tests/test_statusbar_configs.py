"""The README's status-bar configs, as written: tmux and i3blocks run for real; the waybar
and polybar commands run, and waybar's lines are checked against its custom-module format.

Against the contract server with no tray app (the commands poll by themselves); the
desktop tests show the same commands following a running tray.
"""

from __future__ import annotations

import configparser
import json
import os
import pty
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from traynotify.cli import build_parser
from traynotify.devserver import ContractServer

from .conftest import KEY, REPO
from .test_statusbar import WAYBAR_SCHEMA

README = (REPO / "README.md").read_text(encoding="utf-8")


def block(first_line: str) -> str:
    """The README's code block that starts with ``first_line``."""
    for body in re.findall(r"^```[a-z]*\n(.*?)^```", README, flags=re.S | re.M):
        if body.startswith(first_line):
            return str(body)
    raise AssertionError(f"no code block starting with {first_line!r} in the README")


@pytest.fixture
def bar_env(server: ContractServer, tmp_path: Path) -> dict[str, str]:
    """A user's environment: traynotify on PATH, signed in to the contract server."""
    env = dict(os.environ)
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        BYTESPIKE_API_URL=server.url,
        BYTESPIKE_API_KEY=KEY,
        HOME=str(tmp_path),
        TERM="xterm",
    )
    return env


def lines_of(command: str, env: dict[str, str], count: int) -> list[str]:
    """The first ``count`` lines a shell command prints; then it is ended."""
    proc = subprocess.Popen(  # noqa: S602 - a bar runs its exec line with a shell, too
        command, shell=True, env=env, stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    assert proc.stdout is not None
    try:
        return [proc.stdout.readline().rstrip("\n") for _ in range(count)]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
        proc.stdout.close()


def is_command(line: str) -> bool:
    """A traynotify command line the parser takes."""
    words = shlex.split(line)
    if words[0] != "traynotify":
        return False
    build_parser().parse_args(words[1:])
    return True


def test_waybar_module_as_written(bar_env: dict[str, str]) -> None:
    config = json.loads(
        "\n".join(
            line
            for line in block("// ~/.config/waybar/config").splitlines()
            if not line.lstrip().startswith("//")
        )
    )
    module = config["custom/traynotify"]
    assert module["return-type"] == "json"
    assert "interval" not in module  # a stream: waybar reads each line as it comes
    assert is_command(module["on-click"])
    assert is_command(module["on-click-right"])
    first, second = (json.loads(x) for x in lines_of(module["exec"], bar_env, 2))
    for line in (first, second):
        jsonschema.validate(line, WAYBAR_SCHEMA)
        assert line["alt"] in module["format-icons"]
    assert (first["text"], second["text"], second["class"]) == ("…", "3", ["unread", "fresh"])
    assert "#custom-traynotify.unread" in block("/* ~/.config/waybar/style.css */")


def test_polybar_module_as_written(bar_env: dict[str, str]) -> None:
    ini = configparser.ConfigParser(comment_prefixes=(";", "#"), interpolation=None)
    ini.read_string(block("; ~/.config/polybar/config.ini"))
    module = ini["module/traynotify"]
    assert (module["type"], module["tail"]) == ("custom/script", "true")
    assert is_command(module["click-left"])
    assert is_command(module["click-right"])
    assert lines_of(module["exec"], bar_env, 2) == ["…", "3"]


@pytest.fixture
def tool(request: pytest.FixtureRequest) -> str:
    name = str(request.param)
    if shutil.which(name) is None:
        pytest.skip(f"{name} is not installed (see .ci/apt-packages.txt)")
    return name


@pytest.mark.parametrize("tool", ["i3blocks"], indirect=True)
def test_i3blocks_block_as_written(tool: str, bar_env: dict[str, str], tmp_path: Path) -> None:
    config = tmp_path / "i3blocks.conf"
    config.write_text(block("# ~/.config/i3blocks/config"), encoding="utf-8")
    proc = subprocess.Popen(
        [tool, "-c", str(config)],
        env=bar_env,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None
    shown = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "3" not in shown:
            line = proc.stdout.readline().strip().lstrip(",")
            if line.startswith("[{"):  # one status line of the i3bar protocol
                blocks = json.loads(line)
                shown += [b["full_text"] for b in blocks if b.get("name") == "traynotify"]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # i3blocks and the blocks it runs
        proc.wait(timeout=10)
        proc.stdout.close()
    assert shown[:2] == ["…", "3"]


def read_terminal(fd: int, until: bytes, timeout: float) -> bytes:
    screen = b""
    deadline = time.monotonic() + timeout
    while until not in screen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                screen += os.read(fd, 65536)
            except OSError:
                break
    return screen


@pytest.fixture
def tmux_server(bar_env: dict[str, str], tmp_path: Path) -> Iterator[list[str]]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (see .ci/apt-packages.txt)")
    config = tmp_path / "tmux.conf"
    config.write_text(block("# ~/.tmux.conf"), encoding="utf-8")
    base = ["tmux", "-S", str(tmp_path / "tmux.sock"), "-f", str(config)]
    subprocess.run([*base, "new-session", "-d", "-x", "120", "-y", "20"], env=bar_env, check=True)
    yield base
    subprocess.run([*base, "kill-server"], env=bar_env, check=False)


def test_tmux_status_as_written(tmux_server: list[str], bar_env: dict[str, str]) -> None:
    pid, fd = pty.fork()
    if pid == 0:  # a terminal attached to the session draws its status line
        os.execvpe(tmux_server[0], [*tmux_server, "attach"], bar_env)  # noqa: S606
    try:
        screen = read_terminal(fd, b"3 unread", timeout=30)
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
    assert b"3 unread" in screen
