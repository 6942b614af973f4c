"""The ``traynotify`` command. Headless commands never import the tray toolkit.

One module per command group (:mod:`.notifications`, :mod:`.account`, :mod:`.settings`,
:mod:`.autostart`, :mod:`.doctor`, :mod:`.tray_app`), each registering its commands with
their handlers; :mod:`.main` holds the one error boundary around them all.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, TextIO

from .exits import (
    EXIT_AUTH,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_NETWORK,
    EXIT_OK,
    EXIT_PIPE,
    EXIT_REJECTED,
    EXIT_USAGE,
    exit_code_for,
)

if TYPE_CHECKING:
    import argparse


def main(
    argv: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Run one command; returns its exit code.

    A status bar's plain ``count`` beside a running tray app is answered by
    :mod:`.quick` before the rest of the command line is loaded."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["count"]:
        import os

        from .quick import count_from_tray

        try:
            code = count_from_tray(args, os.environ if env is None else env, out or sys.stdout)
        except Exception:  # a closed pipe, say: the full command meets it again and decides
            code = None
        if code is not None:
            return code
    from .main import main as run

    return run(args, env, out, err, stdin)


def build_parser() -> argparse.ArgumentParser:
    """Every command, each registered by its group with its handler."""
    from .main import build_parser as build

    return build()


__all__ = [
    "EXIT_AUTH",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_NETWORK",
    "EXIT_OK",
    "EXIT_PIPE",
    "EXIT_REJECTED",
    "EXIT_USAGE",
    "build_parser",
    "exit_code_for",
    "main",
]
