"""The ``traynotify`` command. Headless commands never import the tray toolkit.

One module per command group (:mod:`.notifications`, :mod:`.account`, :mod:`.settings`,
:mod:`.autostart`, :mod:`.doctor`, :mod:`.tray_app`), each registering its commands with
their handlers; :mod:`.main` holds the one error boundary around them all.
"""

from __future__ import annotations

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
from .main import build_parser, main

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
