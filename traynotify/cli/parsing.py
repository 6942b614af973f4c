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
from ..i18n import _, ngettext

REDACTED = "…"
KEY_LIKE_MIN = 8
"""Arguments at least this long may be a key: errors never show them."""


class UsageError(Exception):
    """The command line makes no sense; the message is one line, without the arguments."""


class HelpShown(Exception):
    """``--help`` or ``--version`` was printed; the command ends with exit 0."""


def _redacted_words(text: str) -> str:
    """Arguments as argparse lists them, with every value (not an option) as "…"."""
    return " ".join(w if w.startswith("-") else REDACTED for w in text.split())


def _option_only(text: str) -> str:
    """``--page=…`` as typed: the option, never its value."""
    return text.split("=", 1)[0]


_PROBLEMS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(r"invalid choice: .*? \(choose from (.*)\)", re.S),
        lambda m: _("invalid choice (choose from {choices})").format(choices=m[1]),
    ),
    (
        re.compile(r"the following arguments are required: (.*)", re.S),
        lambda m: _("the following arguments are required: {names}").format(names=m[1]),
    ),
    (
        re.compile(r"unrecognized arguments: (.*)", re.S),
        lambda m: _("unrecognized arguments: {words}").format(words=_redacted_words(m[1])),
    ),
    (
        re.compile(r"one of the arguments (.*) is required", re.S),
        lambda m: _("one of the arguments {names} is required").format(names=m[1]),
    ),
    (
        re.compile(r"ambiguous option: (\S+) could match (.*)", re.S),
        lambda m: _("ambiguous option: {option} could match {matches}").format(
            option=_option_only(m[1]), matches=m[2]
        ),
    ),
    (
        re.compile(r"unexpected option string: (.*)", re.S),
        lambda m: _("unexpected option string: {option}").format(option=_option_only(m[1])),
    ),
    (re.compile(r"expected one argument"), lambda m: _("expected one argument")),
    (re.compile(r"expected at most one argument"), lambda m: _("expected at most one argument")),
    (re.compile(r"expected at least one argument"), lambda m: _("expected at least one argument")),
    (
        re.compile(r"expected (\d+) arguments?"),
        lambda m: ngettext("expected {n} argument", "expected {n} arguments", int(m[1])).format(
            n=int(m[1])
        ),
    ),
    (re.compile(r"ignored explicit argument .*", re.S), lambda m: _("ignored explicit argument")),
    (
        re.compile(r"not allowed with argument (.*)", re.S),
        lambda m: _("not allowed with argument {option}").format(option=m[1]),
    ),
    (re.compile(r"invalid .+? value: .*", re.S), lambda m: _("invalid value")),
)
_ARGUMENT = re.compile(r"argument (.+?): (.*)", re.S)


def usage_problem(message: str) -> str:
    """argparse's English error in the user's language, naming no value the user typed.

    Option names, metavars and choices stay as argparse gives them; messages of our own
    argument types are translated already and pass as they are."""
    match = _ARGUMENT.fullmatch(message)
    if match:
        return _("argument {name}: {problem}").format(
            name=match[1], problem=usage_problem(match[2])
        )
    for pattern, words in _PROBLEMS:
        found = pattern.fullmatch(message)
        if found:
            return words(found)
    return message


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help with its own words ("usage:") in the user's language."""

    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, _("usage: ") if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, speaks the user's language, and never
    echoes a value in its errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)
        self._positionals.title = _("positional arguments")
        self._optionals.title = _("options")
        for action in self._actions:
            if isinstance(action, argparse._HelpAction):
                action.help = _("show this help and exit")

    def error(self, message: str) -> NoReturn:
        raise UsageError(
            _("{message} (see '{prog} --help')").format(
                message=usage_problem(message), prog=self.prog
            )
        )

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if status:  # argparse's own error paths all go through error(); this is a fallback
            raise UsageError(usage_problem(message.strip()) if message else _("usage error"))
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


def seconds(
    low: float, what: str, zero_ok: bool = False, high: float = math.inf
) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text.strip()) if text.strip().isascii() else math.nan
        except ValueError:
            value = math.nan
        in_range = value >= low and value <= high
        if not math.isfinite(value) or not (in_range or (zero_ok and value == 0)):
            if math.isfinite(high):
                message = _("must be a number of seconds from {low:g} to {high:g}")
            elif zero_ok:
                message = _("must be 0 or a number of seconds from {low:g}")
            else:
                message = _("must be a number of seconds from {low:g}")
            raise argparse.ArgumentTypeError(message.format(low=low, high=high))
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
    parser.add_argument(
        "--version",
        action="version",
        version=f"traynotify {__version__}",
        help=_("show the version and exit"),
    )
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
