"""Opening a console page in the user's browser, and learning whether that worked.

``webbrowser.open`` says True as soon as ``xdg-open`` has started, even when it then
fails (no browser installed, none configured), and a click would mark a notification
read that the user never saw. So the opener is run here: each command of ``$BROWSER``
(as ``webbrowser`` reads it: a list separated by ``os.pathsep``, ``%s`` standing for
the link), then the desktop's own opener (``xdg-open`` on Linux and the BSDs, ``open``
on macOS). A command that exits non-zero failed, and the next is tried; one still
running after OPEN_WAIT seconds is a browser that stays in the foreground: opened.
Windows has no opener command with an exit status: ``os.startfile`` (through
``webbrowser``) is taken at its word there.

Every child gets the scrubbed environment (:mod:`traynotify.desktop.children`).
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping

from ..core.text import one_line
from ..i18n import _
from .children import child_env

log = logging.getLogger(__name__)

OPEN_WAIT = 10.0
"""Seconds to wait for an opener's exit status (``xdg-open`` returns within a second
or two when a browser is running; a browser it starts may keep it waiting)."""


def commands_for(url: str, env: Mapping[str, str], platform: str = sys.platform) -> list[list[str]]:
    """The commands to try in turn for ``url``: $BROWSER's, then the desktop's opener."""
    commands = []
    for entry in env.get("BROWSER", "").split(os.pathsep):
        try:
            words = shlex.split(entry)
        except ValueError:
            log.warning("Ignoring a $BROWSER entry that does not parse: %r", one_line(entry, 80))
            continue
        if not words:
            continue
        if "%s" in entry:
            words = [w.replace("%s", url) for w in words]
        else:
            words.append(url)
        commands.append(words)
    if platform == "darwin":
        commands.append(["open", url])
    elif platform != "win32":
        commands.append(["xdg-open", url])
    return commands


def run_opener(command: list[str], env: Mapping[str, str], wait: float = OPEN_WAIT) -> str | None:
    """Run one opener; None when it opened the link, else what went wrong (one line)."""
    program = shutil.which(command[0], path=env.get("PATH"))
    if program is None:
        return _("{command} is not installed").format(command=command[0])
    with tempfile.TemporaryFile() as errors:  # not a pipe: a browser may write lots, for long
        try:
            proc = subprocess.Popen(
                [program, *command[1:]],
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=errors,
                close_fds=True,
                start_new_session=True,  # a Ctrl+C for the tray is not one for the browser
            )
        except OSError as exc:
            return _("{command} could not start ({reason})").format(
                command=command[0], reason=exc.strerror or exc
            )
        try:
            status = proc.wait(wait)
        except subprocess.TimeoutExpired:
            # Still running: a browser in the foreground. Reap it when it ends.
            threading.Thread(target=proc.wait, name="traynotify-browser", daemon=True).start()
            return None
        if status == 0:
            return None
        errors.seek(0)
        said = errors.read(4096).decode("utf-8", "replace").strip().splitlines()
    detail = one_line(said[-1], 120) if said else ""
    reason = _("{command} failed (exit status {status})").format(command=command[0], status=status)
    return f"{reason}: {detail}" if detail else reason


def open_url(url: str, env: Mapping[str, str] | None = None) -> str | None:
    """Open ``url``; None when a browser took it, else why not (one line, also logged)."""
    if url.startswith("-") or not url.startswith(("https://", "http://")):
        log.warning("Refusing to open %r.", url)
        return _("not a web link")
    env = child_env(env)
    if sys.platform == "win32":
        return _open_with_webbrowser(url)
    problems = []
    for command in commands_for(url, env):
        problem = run_opener(command, env)
        if problem is None:
            return None
        log.warning("Could not open %s with %s: %s", url, command[0], problem)
        problems.append(problem)
    return problems[-1] if problems else _("no browser is set up")


def _open_with_webbrowser(url: str) -> str | None:
    import webbrowser  # on the first click, not at start: an idle tray need not hold it

    try:
        opened = webbrowser.open(url, new=2)
    except Exception as exc:
        log.warning("Could not open a browser (%s): %s", type(exc).__name__, exc)
        return one_line(str(exc), 120) or type(exc).__name__
    if not opened:
        log.warning("No browser could be started for %s.", url)
        return _("no browser could be started")
    return None
