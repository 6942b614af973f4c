"""Windows: a value under the per-user ``Run`` registry key."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from typing import Any

from . import UNREADABLE

RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
VALUE_NAME = "traynotify"


def split_command_line(line: str) -> tuple[str, ...]:
    """Arguments of a Windows command line (the rules ``list2cmdline`` writes for)."""
    args: list[str] = []
    current: list[str] = []
    in_arg = quoted = False
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\":
            j = i
            while j < len(line) and line[j] == "\\":
                j += 1
            slashes = j - i
            if j < len(line) and line[j] == '"':
                current.append("\\" * (slashes // 2))
                if slashes % 2:
                    current.append('"')
                    j += 1
            else:
                current.append("\\" * slashes)
            in_arg = True
            i = j
            continue
        if ch == '"':
            quoted = not quoted
            in_arg = True
        elif ch in " \t" and not quoted:
            if in_arg:
                args.append("".join(current))
                current, in_arg = [], False
        else:
            current.append(ch)
            in_arg = True
        i += 1
    if in_arg:
        args.append("".join(current))
    return tuple(args)


class RegistryAutostart:
    location = "HKEY_CURRENT_USER\\" + RUN_KEY + "\\" + VALUE_NAME

    def __init__(self, winreg: Any = None) -> None:
        self._winreg = winreg

    def _reg(self) -> Any:
        if self._winreg is None:
            import winreg  # Windows only; everything else passes a stand-in

            self._winreg = winreg
        return self._winreg

    def enable(self, command: Sequence[str]) -> None:
        reg = self._reg()
        with reg.CreateKeyEx(reg.HKEY_CURRENT_USER, RUN_KEY, 0, reg.KEY_SET_VALUE) as key:
            reg.SetValueEx(key, VALUE_NAME, 0, reg.REG_SZ, subprocess.list2cmdline(command))

    def disable(self) -> bool:
        reg = self._reg()
        try:
            with reg.OpenKey(reg.HKEY_CURRENT_USER, RUN_KEY, 0, reg.KEY_SET_VALUE) as key:
                reg.DeleteValue(key, VALUE_NAME)
        except FileNotFoundError:
            return False
        return True

    def read(self) -> tuple[str, ...] | None:
        reg = self._reg()
        try:
            with reg.OpenKey(reg.HKEY_CURRENT_USER, RUN_KEY, 0, reg.KEY_QUERY_VALUE) as key:
                value, kind = reg.QueryValueEx(key, VALUE_NAME)
        except FileNotFoundError:
            return None
        if kind not in (reg.REG_SZ, reg.REG_EXPAND_SZ) or not isinstance(value, str):
            return UNREADABLE
        return split_command_line(value) or UNREADABLE
