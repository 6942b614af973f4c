"""The command a message tells the user to run: one they can type as it is.

After ``pip install -e .`` into a virtual environment that is not activated, a bare
``traynotify`` is not on PATH, so a hint naming ``traynotify login`` leads nowhere.
Every hint names the program through :func:`command`: ``traynotify`` when that
name on PATH is the program running now, otherwise the program as it was
started (the script's full path, or ``python -m traynotify`` with this Python).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable

NAME = "traynotify"
_SCRIPT_NAMES = (NAME, NAME + ".exe")
_PACKAGE_MAIN = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "__main__.py"
)


def _same(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def program(
    *,
    argv0: str | None = None,
    executable: str | None = None,
    frozen: bool | None = None,
    which: Callable[[str], str | None] = shutil.which,
) -> tuple[str, ...]:
    """The words that start this traynotify from the user's shell."""
    argv0 = argv0 if argv0 is not None else (sys.argv[0] if sys.argv else "")
    executable = executable if executable is not None else (sys.executable or "")
    frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    running: str | None  # the file PATH's "traynotify" must be to stand for this program
    started: tuple[str, ...]
    if frozen and executable:
        running, started = executable, (os.path.abspath(executable),)
    elif os.path.basename(argv0).lower() in _SCRIPT_NAMES and os.path.isfile(argv0):
        running, started = argv0, (os.path.abspath(argv0),)  # the installed script
    elif executable and _same(argv0, _PACKAGE_MAIN):  # python -m traynotify
        running, started = None, (executable, "-m", NAME)
    else:  # inside another program (a test run, an embedding): the name is all we know
        return (NAME,)
    found = which(NAME)
    if found and (
        _same(found, running)
        if running is not None
        # the script installed next to this Python runs this same installation
        else _same(os.path.dirname(found), os.path.dirname(executable))
    ):
        return (NAME,)
    return started


def quoted(words: tuple[str, ...] | list[str]) -> str:
    """``words`` as one command line for this system's shell."""
    if sys.platform == "win32":
        import subprocess

        return subprocess.list2cmdline(list(words))
    import shlex

    return shlex.join(words)


def command(*args: str) -> str:
    """The command line that runs ``traynotify ARGS...`` here, e.g. ``traynotify login``."""
    return quoted([*program(), *args])
