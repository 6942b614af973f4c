"""The command line's grammar: one parser, each command group registering its own commands.

A usage error never repeats what the user typed as a value: a pasted API key must not
end up in a terminal's scroll-back or a CI log (see :func:`redact` for the safety net).
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NoReturn

from .. import __version__
from ..desktop.command import command
from ..i18n import _

REDACTED = "…"
KEY_LIKE_MIN = 8
"""Arguments at least this long may be a key: errors never show them."""


class UsageError(Exception):
    """The command line makes no sense; the message is one line, without the arguments."""


class HelpShown(Exception):
    """``--help`` or ``--version`` was printed; the command ends with exit 0."""


class Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, and never echoes a value in its errors."""

    def error(self, message: str) -> NoReturn:
        # "invalid choice: 'sk-live-…' (choose from …)": the choices are enough
        message = re.sub(r"invalid choice: '.*?' \(", "invalid choice (", message, flags=re.S)
        prefix = "unrecognized arguments: "
        if message.startswith(prefix):
            words = message[len(prefix) :].split()
            message = prefix + " ".join(w if w.startswith("-") else REDACTED for w in words)
        raise UsageError(
            _("{message} (see '{prog} --help')").format(message=message, prog=self.prog)
        )

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if status:  # argparse's own error paths all go through error(); this is a fallback
            raise UsageError(message or "usage error")
        raise HelpShown()


# -- argument types: none of them repeats the text it was given -----------------------


def whole_number(low: int, high: int, what: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        text = text.strip()
        # isdigit() alone takes "²" and other digits int() refuses or reads differently
        if not (text.isascii() and text.isdigit()) or len(text) > 12:
            raise argparse.ArgumentTypeError(
                _("must be a whole number from {low} to {high}").format(low=low, high=high)
            )
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                _("must be from {low} to {high}, not {value}").format(
                    low=low, high=high, value=value
                )
            )
        return value

    parse.__name__ = what  # argparse names the type in some messages
    return parse


def seconds(low: float, what: str, zero_ok: bool = False) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text.strip()) if text.strip().isascii() else math.nan
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or not (value >= low or (zero_ok and value == 0)):
            raise argparse.ArgumentTypeError(
                (
                    _("must be 0 or a number of seconds from {low:g}")
                    if zero_ok
                    else _("must be a number of seconds from {low:g}")
                ).format(low=low)
            )
        return value

    parse.__name__ = what
    return parse


def notification_id(text: str) -> int:
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise argparse.ArgumentTypeError(_("a notification id is a whole number"))
    return int(text)


notification_id.__name__ = "ID"


# -- the parser -------------------------------------------------------------------------

Register = Callable[[Any, argparse.ArgumentParser], None]
"""A command group: adds its commands to the sub-parsers, with ``common`` as parent."""


def build_parser(groups: Iterable[Register]) -> argparse.ArgumentParser:
    # Shared options are accepted before or after the command.
    common = Parser(add_help=False)
    common.add_argument(
        "--api-url",
        default=argparse.SUPPRESS,
        metavar="URL",
        help="API base URL (env BYTESPIKE_API_URL)",
    )
    common.add_argument(
        "--console-url",
        default=argparse.SUPPRESS,
        metavar="URL",
        help="console base URL for links (env BYTESPIKE_CONSOLE_URL)",
    )
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show tracebacks and debug logs",
    )
    parser = Parser(
        prog="traynotify",
        description="BytesSpike notifications in the system tray. "
        f"The API key comes from BYTESPIKE_API_KEY or '{command('login')}' "
        "(never from the command line).",
        parents=[common],
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"traynotify {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for register in groups:
        register(sub, common)
    return parser


def known_words(parser: argparse.ArgumentParser) -> set[str]:
    """Every option, command name and choice the parser knows (safe to show)."""
    words: set[str] = set()
    for action in parser._actions:
        words.update(action.option_strings)
        if action.choices is not None:
            words.update(str(c) for c in action.choices)
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                words |= known_words(child)
    return words


_NAME = re.compile(r"[a-z]+(?:[._][a-z]+)+")
"""Lower-case words joined by dots or underscores: a setting or event type, not a key."""


def could_be_key(arg: str, known: set[str]) -> bool:
    """At least KEY_LIKE_MIN long, and not an id, a URL, a name or a word we know."""
    return (
        len(arg) >= KEY_LIKE_MIN
        and not (arg.isdigit() and len(arg) <= 18)
        and "://" not in arg
        and not _NAME.fullmatch(arg)
        and arg not in known
    )


def redact(text: str, argv: Sequence[str], known: set[str]) -> str:
    """``text`` with every argument that could be an API key replaced by "…"."""
    for arg in sorted(_values(argv), key=len, reverse=True):
        if arg in text and could_be_key(arg, known):
            text = text.replace(arg, REDACTED)
    return text


def _values(argv: Sequence[str]) -> Iterable[str]:
    for arg in argv:
        yield arg
        if arg.startswith("-") and "=" in arg:  # --option=value
            yield arg.split("=", 1)[1]
