"""The ``traynotify`` command's entry, and the one error boundary around every command.

Whatever happens, the user gets one line on stderr and a documented exit code (see
:mod:`.exits`), never a traceback (``--debug`` shows them), and no line ever repeats an
argument that could be an API key.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, TextIO

from ..core.text import one_line
from ..desktop.command import command
from ..errors import AuthenticationError, TraynotifyError
from ..i18n import _
from . import account, autostart, doctor, notifications, settings, snooze, statusbar, tray_app
from .context import Context, server_said
from .exits import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_NETWORK,
    EXIT_OK,
    EXIT_PIPE,
    EXIT_USAGE,
    exit_code_for,
)
from .parsing import HelpShown, UsageError, known_words, redact
from .parsing import build_parser as _build

if TYPE_CHECKING:
    import argparse

    from ..desktop.settings_file import FileSettings

#: Commands that run until stopped; the rest are one-shot.
LONG_RUNNING = frozenset({None, "run", "demo", "watch"})

GROUPS = (
    tray_app.register,
    notifications.register,
    statusbar.register,
    snooze.register,
    account.register,
    settings.register,
    autostart.register,
    doctor.register,
)


def build_parser() -> argparse.ArgumentParser:
    """Every command, each registered by its group with its handler."""
    return _build(GROUPS)


def main(
    argv: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Run one command; returns its exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    out = out or _tolerant(sys.stdout)
    err = err or _tolerant(sys.stderr)
    stdin = stdin or sys.stdin
    file = _choose_language()
    parser = build_parser()
    from ..core.config import SETTING_NAMES

    known = known_words(parser) | set(SETTING_NAMES)

    def say(line: str) -> None:
        """One line on stderr, never carrying an argument that could be a key."""
        with contextlib.suppress(OSError, ValueError):
            print(redact(f"traynotify: {line}", argv, known), file=err)

    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(argv)
    except HelpShown:
        return _flushed(out, EXIT_OK)
    except UsageError as exc:
        say(one_line(str(exc)))
        return EXIT_USAGE
    except BrokenPipeError:
        return _pipe_closed(out)
    debug = bool(getattr(args, "debug", False))
    _setup_logging(debug, one_shot=getattr(args, "command", None) not in LONG_RUNNING)
    ctx = Context(args=args, env=os.environ if env is None else env, out=out, err=err, stdin=stdin)
    if file is not None:
        ctx.file = file
    handler: Callable[[Context], int] = getattr(args, "handler", tray_app.cmd_run)
    try:
        code = handler(ctx)
        return _flushed(out, code)
    except TraynotifyError as exc:
        if debug:
            _traceback(err)
        say(one_line(str(exc)) + server_said(exc) + _auth_hint(exc, ctx))
        return exit_code_for(exc)
    except BrokenPipeError:
        return _pipe_closed(out)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except UnicodeDecodeError:  # piped input that is not text (never shown: it may be a key)
        if debug:
            _traceback(err)
        encoding = getattr(stdin, "encoding", None) or "?"
        say(
            _("the input is not text in this system's encoding ({encoding}).").format(
                encoding=encoding
            )
        )
        return EXIT_USAGE
    except UnicodeEncodeError as exc:
        if debug:
            _traceback(err)
        encoding = getattr(out, "encoding", None) or "?"
        say(
            _(
                "cannot write some characters in this terminal's encoding ({encoding}); "
                "set PYTHONIOENCODING=utf-8 ({problem})."
            ).format(encoding=encoding, problem=one_line(str(exc), 120))
        )
        return EXIT_ERROR
    except OSError as exc:  # a file or folder the system would not let us use
        if debug:
            _traceback(err)
        where = exc.filename if exc.filename is not None else ""
        reason = exc.strerror or type(exc).__name__
        say(f"{where}: {reason}." if where else f"{reason}.")
        return EXIT_ERROR
    except Exception as exc:  # a bug: still one line, the traceback behind --debug
        if debug:
            _traceback(err)
        say(
            _("unexpected error ({kind}: {problem}); run with --debug for details.").format(
                kind=type(exc).__name__, problem=one_line(str(exc), 200)
            )
        )
        # Most likely an answer the code did not expect: trouble to retry, as a network one.
        return EXIT_NETWORK


def _auth_hint(exc: TraynotifyError, ctx: Context) -> str:
    if not isinstance(exc, AuthenticationError) or ctx.args.command == "login":
        return ""
    if ctx.env_key_set():
        return " " + _("Check BYTESPIKE_API_KEY (it wins over a stored key).")
    return " " + _("Run '{command}' with a valid key.").format(command=command("login"))


def _tolerant(stream: TextIO) -> TextIO:
    """The stream, writing "?" for what its encoding (ascii, cp1252) cannot show."""
    if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
        with contextlib.suppress(ValueError, io.UnsupportedOperation):
            stream.reconfigure(errors="replace")
    return stream


def _flushed(out: TextIO, code: int) -> int:
    """Flush now, so a closed pipe is noticed here and not at interpreter exit."""
    try:
        out.flush()
    except BrokenPipeError:
        return _pipe_closed(out)
    return code


def _pipe_closed(out: TextIO) -> int:
    """The reader went away (``| head``): end quietly, as Unix tools do."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        # Python would complain when it flushes stdout on the way out; give it nowhere to.
        if out is sys.stdout or out is sys.__stdout__:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, out.fileno())
            os.close(devnull)
    return EXIT_PIPE


def _traceback(err: TextIO) -> None:
    import traceback

    traceback.print_exc(file=err)


def _choose_language() -> FileSettings | None:
    """Speak the language of the settings file, else of the OS; the file, as read."""
    from ..i18n import use_language

    try:
        from ..desktop.settings_file import read_settings, settings_path

        file = read_settings(settings_path())
    except Exception:  # the command will report it; the language is not worth failing over
        use_language(None)
        return None
    use_language(file.values.get("language"))
    return file


def _setup_logging(debug: bool, *, one_shot: bool = False) -> None:
    """Warnings (everything under ``--debug``) on stderr.

    A one-shot command prints the server's words itself, labelled, on its one error
    line: the log of what the server said stays quiet there (a long-running app keeps
    it, as pop-ups and the menu never show it)."""
    import logging

    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="traynotify: %(levelname)s: %(message)s",
    )
    if not debug:
        logging.getLogger("httpx").setLevel(logging.WARNING)
    quiet = one_shot and not debug
    logging.getLogger("traynotify.api.server").setLevel(logging.ERROR if quiet else logging.NOTSET)
