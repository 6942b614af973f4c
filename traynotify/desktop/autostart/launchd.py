"""macOS: a LaunchAgent property list in ``~/Library/LaunchAgents``."""

from __future__ import annotations

import plistlib
from collections.abc import Sequence
from pathlib import Path

from . import UNREADABLE, FileEntry

LABEL = "ai.bytespike.traynotify"


def agent_plist(command: Sequence[str]) -> bytes:
    return plistlib.dumps(
        {
            "Label": LABEL,
            "ProgramArguments": list(command),
            "RunAtLoad": True,
            "ProcessType": "Interactive",
            "LimitLoadToSessionType": "Aqua",
        }
    )


class LaunchAgent(FileEntry):
    def __init__(self, folder: Path) -> None:
        super().__init__(folder / f"{LABEL}.plist")

    def render(self, command: Sequence[str]) -> str:
        return agent_plist(command).decode("utf-8")

    def read(self) -> tuple[str, ...] | None:
        try:
            data = plistlib.loads(self.path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError, plistlib.InvalidFileException):
            return UNREADABLE
        args = data.get("ProgramArguments") if isinstance(data, dict) else None
        if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
            return UNREADABLE
        return tuple(args)
