"""Linux and other XDG desktops: a desktop entry in ``$XDG_CONFIG_HOME/autostart``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from . import UNREADABLE, FileEntry

FILE_NAME = "traynotify.desktop"
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")
_ESCAPE_IN_QUOTES = set('"`$\\')
_STRING_ESCAPES = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}


def quote_exec(args: Sequence[str]) -> str:
    """An ``Exec=`` value for ``args`` (the Desktop Entry spec's quoting, then its
    string escaping, with ``%`` doubled so it is not a field code)."""
    parts = []
    for arg in args:
        arg = arg.replace("%", "%%")
        if not arg or any(ch in _RESERVED for ch in arg):
            arg = '"' + "".join("\\" + ch if ch in _ESCAPE_IN_QUOTES else ch for ch in arg) + '"'
        parts.append(arg)
    line = " ".join(parts)
    return line.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def unquote_exec(value: str) -> tuple[str, ...]:
    """The arguments of an ``Exec=`` value (the reverse of :func:`quote_exec`)."""
    text, i = [], 0
    while i < len(value):  # string escapes first
        ch = value[i]
        if ch == "\\" and i + 1 < len(value) and value[i + 1] in _STRING_ESCAPES:
            text.append(_STRING_ESCAPES[value[i + 1]])
            i += 2
        else:
            text.append(ch)
            i += 1
    line = "".join(text)
    args: list[str] = []
    current: list[str] | None = None
    quoted = False
    i = 0
    while i < len(line):
        ch = line[i]
        if quoted:
            if ch == "\\" and i + 1 < len(line) and line[i + 1] in _ESCAPE_IN_QUOTES:
                current_append = line[i + 1]
                i += 1
            elif ch == '"':
                quoted = False
                current_append = ""
            else:
                current_append = ch
            assert current is not None
            current.append(current_append)
        elif ch == '"':
            quoted = True
            current = current if current is not None else []
        elif ch in " \t\n":
            if current is not None:
                args.append("".join(current))
                current = None
        else:
            current = (current or []) + [ch]
        i += 1
    if quoted:
        raise ValueError("unterminated quote")
    if current is not None:
        args.append("".join(current))
    return tuple(a.replace("%%", "%") for a in args)


def desktop_entry(command: Sequence[str]) -> str:
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=traynotify\n"
        "Comment=BytesSpike notifications in the system tray\n"
        f"Exec={quote_exec(command)}\n"
        "Icon=traynotify\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


class XdgAutostart(FileEntry):
    def __init__(self, folder: Path) -> None:
        super().__init__(folder / FILE_NAME)

    def render(self, command: Sequence[str]) -> str:
        return desktop_entry(command)

    def read(self) -> tuple[str, ...] | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except NotADirectoryError:  # no entry can be here: a broken XDG_CONFIG_HOME
            raise
        except (OSError, UnicodeDecodeError):
            return UNREADABLE
        in_entry = False
        for line in text.splitlines():
            line = line.strip()
            if line.startswith("["):
                in_entry = line == "[Desktop Entry]"
            elif in_entry and line.startswith("Exec="):
                try:
                    return unquote_exec(line[len("Exec=") :])
                except ValueError:
                    return UNREADABLE
        return UNREADABLE
