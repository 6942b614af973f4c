"""Start at login: one small class per mechanism, picked by :func:`for_platform`.

Each mechanism writes, reads back and removes one entry that runs
:func:`launch_command`. Base folders (and the registry module) are passed in, so
every mechanism is tested on every OS.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ...errors import ConfigError
from ...i18n import _
from ..command import command

UNREADABLE: tuple[str, ...] = ()
"""What :meth:`Mechanism.read` returns for an entry that exists but makes no sense."""


class Mechanism(Protocol):
    location: str
    """Where the entry lives (a file path or a registry path), for messages."""

    def enable(self, command: Sequence[str]) -> None: ...
    def disable(self) -> bool: ...
    def read(self) -> tuple[str, ...] | None: ...


class FileEntry:
    """A mechanism whose entry is one file (XDG, launchd)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.location = str(path)

    def render(self, command: Sequence[str]) -> str:
        raise NotImplementedError

    def enable(self, command: Sequence[str]) -> None:
        from ..files import write_atomic

        write_atomic(self.path, self.render(command))

    def disable(self) -> bool:
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True


@dataclass(frozen=True)
class Status:
    """What ``autostart status`` reports."""

    location: str
    entry: tuple[str, ...] | None
    """The command the entry runs; None: no entry; empty: unreadable."""
    current: tuple[str, ...]
    """The command this traynotify would write."""

    @property
    def enabled(self) -> bool:
        return self.entry is not None

    @property
    def elsewhere(self) -> bool:
        """An entry exists but starts some other program or path."""
        return self.entry is not None and tuple(self.entry) != tuple(self.current)


def launch_command(
    frozen: bool | None = None,
    executable: str | None = None,
    argv0: str | None = None,
    platform: str = sys.platform,
) -> tuple[str, ...]:
    """The command that starts this traynotify's tray app, frozen or not."""
    frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    executable = executable if executable is not None else sys.executable
    argv0 = argv0 if argv0 is not None else (sys.argv[0] if sys.argv else "")
    if frozen:
        return (os.path.abspath(executable), "run")
    name = os.path.basename(argv0).lower()
    if name in ("traynotify", "traynotify.exe") and os.path.isfile(argv0):
        return (os.path.abspath(argv0), "run")  # the installed script (pipx, pip)
    if platform == "win32":  # pythonw: no console window at login
        windowless = os.path.join(os.path.dirname(executable), "pythonw.exe")
        if os.path.basename(executable).lower() == "python.exe" and os.path.isfile(windowless):
            executable = windowless
    return (os.path.abspath(executable), "-m", "traynotify", "run")


def for_platform(
    platform: str = sys.platform,
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> Mechanism:
    env = os.environ if env is None else env
    home = home or Path.home()
    if platform == "win32":
        from .registry import RegistryAutostart

        return RegistryAutostart()
    if platform == "darwin":
        from .launchd import LaunchAgent

        return LaunchAgent(home / "Library" / "LaunchAgents")
    from .xdg import XdgAutostart

    config_home = env.get("XDG_CONFIG_HOME", "").strip()
    base = Path(config_home) if config_home and os.path.isabs(config_home) else home / ".config"
    return XdgAutostart(base / "autostart")


def status(mechanism: Mechanism, current: Sequence[str]) -> Status:
    return Status(mechanism.location, mechanism.read(), tuple(current))


def describe(state: Status) -> str:
    """``autostart status`` in words."""
    if not state.enabled:
        return _("Start at login: off.")
    if state.entry == UNREADABLE:
        return _(
            "Start at login: an entry exists at {where} but cannot be read; "
            "'{command}' rewrites it."
        ).format(where=state.location, command=command("autostart", "enable"))
    text = _("Start at login: on ({where}).").format(where=state.location)
    if state.elsewhere:
        text += " " + _(
            "The entry starts {entry}, not this traynotify ({current}); '{command}' points it here."
        ).format(
            entry=" ".join(state.entry or ()),
            current=" ".join(state.current),
            command=command("autostart", "enable"),
        )
    return text


def os_error(location: str, exc: OSError) -> ConfigError:
    return ConfigError(
        _("Could not change the login entry at {where}: {reason}.").format(
            where=location, reason=exc.strerror or exc
        )
    )
