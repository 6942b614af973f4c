"""Start at login: each mechanism's entry, on every OS (temporary folders, a fake registry)."""

from __future__ import annotations

import io
import plistlib
import subprocess
import sys
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from traynotify.cli import main
from traynotify.desktop.autostart import (
    UNREADABLE,
    describe,
    for_platform,
    launch_command,
    status,
)
from traynotify.desktop.autostart.launchd import LaunchAgent
from traynotify.desktop.autostart.registry import RUN_KEY, RegistryAutostart, split_command_line
from traynotify.desktop.autostart.xdg import XdgAutostart, quote_exec, unquote_exec

COMMAND = ("/opt/trayno tify/bin/traynotify", "run")


# -- which command is written ---------------------------------------------------------


def test_a_frozen_app_starts_itself() -> None:
    assert launch_command(frozen=True, executable="/opt/traynotify/traynotify", argv0="x") == (
        "/opt/traynotify/traynotify",
        "run",
    )


def test_an_installed_script_is_used_as_it_is(tmp_path: Path) -> None:
    script = tmp_path / "bin" / "traynotify"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\n")
    assert launch_command(frozen=False, executable="/usr/bin/python3", argv0=str(script)) == (
        str(script),
        "run",
    )


def test_otherwise_the_same_python_runs_the_module() -> None:
    assert launch_command(
        frozen=False, executable="/venv/bin/python3", argv0="/src/traynotify/__main__.py"
    ) == ("/venv/bin/python3", "-m", "traynotify", "run")


def test_on_windows_the_windowless_python_is_preferred(tmp_path: Path) -> None:
    for name in ("python.exe", "pythonw.exe"):
        (tmp_path / name).write_text("")
    command = launch_command(
        frozen=False, executable=str(tmp_path / "python.exe"), argv0="", platform="win32"
    )
    assert command == (str(tmp_path / "pythonw.exe"), "-m", "traynotify", "run")


def test_each_os_gets_its_mechanism(tmp_path: Path) -> None:
    linux = for_platform("linux", {"XDG_CONFIG_HOME": str(tmp_path / "cfg")}, tmp_path)
    assert linux.location == str(tmp_path / "cfg" / "autostart" / "traynotify.desktop")
    assert for_platform("linux", {}, tmp_path).location == str(
        tmp_path / ".config" / "autostart" / "traynotify.desktop"
    )
    mac = for_platform("darwin", {}, tmp_path)
    assert mac.location == str(
        tmp_path / "Library" / "LaunchAgents" / "ai.bytespike.traynotify.plist"
    )
    assert isinstance(for_platform("win32", {}, tmp_path), RegistryAutostart)


# -- XDG ------------------------------------------------------------------------------


def test_xdg_entry_contents_and_enable_disable_status(tmp_path: Path) -> None:
    mech = XdgAutostart(tmp_path / "autostart")
    assert status(mech, COMMAND).enabled is False
    mech.enable(COMMAND)
    text = (tmp_path / "autostart" / "traynotify.desktop").read_text()
    assert text.splitlines() == [
        "[Desktop Entry]",
        "Type=Application",
        "Name=traynotify",
        "Comment=BytesSpike notifications in the system tray",
        'Exec="/opt/trayno tify/bin/traynotify" run',
        "Icon=traynotify",
        "Terminal=false",
        "X-GNOME-Autostart-enabled=true",
    ]
    state = status(mech, COMMAND)
    assert (state.enabled, state.elsewhere) == (True, False)
    assert describe(state) == f"Start at login: on ({mech.location})."
    assert mech.disable() is True
    assert mech.disable() is False
    assert describe(status(mech, COMMAND)) == "Start at login: off."


def test_status_says_when_the_entry_points_at_another_path(tmp_path: Path) -> None:
    mech = XdgAutostart(tmp_path)
    mech.enable(("/old/place/traynotify", "run"))
    state = status(mech, COMMAND)
    assert state.elsewhere
    assert "starts /old/place/traynotify run, not this traynotify" in describe(state)


def test_an_unreadable_entry_is_reported(tmp_path: Path) -> None:
    (tmp_path / "traynotify.desktop").write_text('[Desktop Entry]\nExec="unterminated\n')
    state = status(XdgAutostart(tmp_path), COMMAND)
    assert state.entry == UNREADABLE
    assert "cannot be read" in describe(state)


_ARG = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(list(' \t"$`\\%')),
    max_size=20,
)


@given(st.lists(_ARG, min_size=1, max_size=5))
def test_exec_quoting_round_trips(args: list[str]) -> None:
    assert unquote_exec(quote_exec(args)) == tuple(args)


def test_exec_quoting_follows_the_spec() -> None:
    assert quote_exec(["/a b/python", "-m", "x", "100%"]) == '"/a b/python" -m x 100%%'
    assert quote_exec(['say "$HOME"']) == '"say \\\\"\\\\$HOME\\\\""'


# -- launchd ----------------------------------------------------------------------------


def test_launch_agent_plist(tmp_path: Path) -> None:
    mech = LaunchAgent(tmp_path / "LaunchAgents")
    mech.enable(COMMAND)
    data = plistlib.loads(
        (tmp_path / "LaunchAgents" / "ai.bytespike.traynotify.plist").read_bytes()
    )
    assert data == {
        "Label": "ai.bytespike.traynotify",
        "ProgramArguments": list(COMMAND),
        "RunAtLoad": True,
        "ProcessType": "Interactive",
        "LimitLoadToSessionType": "Aqua",
    }
    assert status(mech, COMMAND).enabled
    assert mech.disable() is True
    assert status(mech, COMMAND).enabled is False
    Path(mech.location).write_text("not a plist")
    assert status(mech, COMMAND).entry == UNREADABLE


# -- the Windows registry -----------------------------------------------------------------


class FakeWinreg:
    """The parts of ``winreg`` the registry mechanism uses, over a dict."""

    HKEY_CURRENT_USER = "HKCU"
    KEY_SET_VALUE = 2
    KEY_QUERY_VALUE = 1
    REG_SZ = 1
    REG_EXPAND_SZ = 2
    REG_DWORD = 4

    def __init__(self) -> None:
        self.keys: dict[tuple[str, str], dict[str, tuple[Any, int]]] = {}

    class _Key:
        def __init__(self, values: dict[str, tuple[Any, int]]) -> None:
            self.values = values

        def __enter__(self) -> FakeWinreg._Key:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

    def CreateKeyEx(self, root: str, path: str, reserved: int, access: int) -> _Key:
        return self._Key(self.keys.setdefault((root, path), {}))

    def OpenKey(self, root: str, path: str, reserved: int, access: int) -> _Key:
        if (root, path) not in self.keys:
            raise FileNotFoundError(2, "The system cannot find the file specified")
        return self._Key(self.keys[(root, path)])

    def SetValueEx(self, key: _Key, name: str, reserved: int, kind: int, value: Any) -> None:
        key.values[name] = (value, kind)

    def QueryValueEx(self, key: _Key, name: str) -> tuple[Any, int]:
        if name not in key.values:
            raise FileNotFoundError(2, "The system cannot find the file specified")
        return key.values[name]

    def DeleteValue(self, key: _Key, name: str) -> None:
        if name not in key.values:
            raise FileNotFoundError(2, "The system cannot find the file specified")
        del key.values[name]


def test_registry_run_value() -> None:
    reg = FakeWinreg()
    mech = RegistryAutostart(reg)
    assert status(mech, COMMAND).enabled is False
    assert mech.disable() is False
    command = ("C:\\Program Files\\traynotify\\traynotify.exe", "run")
    mech.enable(command)
    assert reg.keys[("HKCU", RUN_KEY)]["traynotify"] == (
        '"C:\\Program Files\\traynotify\\traynotify.exe" run',
        reg.REG_SZ,
    )
    assert status(mech, command).entry == command
    assert status(mech, COMMAND).elsewhere
    assert mech.disable() is True
    assert status(mech, command).enabled is False
    reg.keys[("HKCU", RUN_KEY)]["traynotify"] = (1, reg.REG_DWORD)
    assert status(mech, command).entry == UNREADABLE


@given(
    st.lists(
        st.text(alphabet=st.characters(blacklist_characters="\x00"), max_size=12),
        min_size=1,
        max_size=4,
    )
)
def test_windows_command_lines_round_trip(args: list[str]) -> None:
    assert split_command_line(subprocess.list2cmdline(args)) == tuple(args)


def test_the_registry_module_is_imported_only_on_windows() -> None:
    probe = (
        "import sys\n"
        "from traynotify.desktop.autostart import for_platform\n"
        "for_platform('win32')\n"
        "assert 'winreg' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, timeout=60)


# -- the command ----------------------------------------------------------------------------


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), env={}, out=out, err=err), out.getvalue(), err.getvalue()


def test_autostart_command_enable_status_disable(own_home: Path) -> None:
    entry = own_home / "config" / "autostart" / "traynotify.desktop"
    assert cli("autostart", "status") == (0, "Start at login: off.\n", "")
    assert cli("autostart", "enable") == (0, f"traynotify will start at login ({entry}).\n", "")
    assert entry.exists()
    exec_line = next(line for line in entry.read_text().splitlines() if line.startswith("Exec="))
    assert unquote_exec(exec_line[5:]) == launch_command()
    assert cli("autostart", "status") == (0, f"Start at login: on ({entry}).\n", "")
    assert cli("autostart", "disable") == (0, "traynotify will no longer start at login.\n", "")
    assert cli("autostart", "disable")[1] == "traynotify was not set to start at login.\n"


def test_a_folder_that_cannot_be_written_is_one_line(own_home: Path) -> None:
    blocker = own_home / "config" / "autostart"  # a file where the folder should be
    blocker.parent.mkdir(parents=True)
    blocker.write_text("")
    code, out, err = cli("autostart", "enable")
    assert (code, out) == (2, "")
    assert err == (
        f"traynotify: Could not change the login entry at {blocker}/traynotify.desktop: "
        "File exists.\n"
    )
