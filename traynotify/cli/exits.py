"""The exit codes of the ``traynotify`` command, and which error gives which."""

from __future__ import annotations

from ..errors import (
    ApiError,
    AuthenticationError,
    ConfigError,
    CredentialError,
    InvalidRequestError,
    NotFoundError,
    RequestRejected,
    TraynotifyError,
)

EXIT_OK = 0
EXIT_ERROR = 1
"""A file or folder the system would not let us use, or a bug."""
EXIT_USAGE = 2
"""A usage error, or a bad setting (flag, environment, settings file, API URL)."""
EXIT_AUTH = 3
"""No key, or a key the server rejected."""
EXIT_NETWORK = 4
"""Network or server trouble."""
EXIT_REJECTED = 5
"""A request the server refused (an id that isn't yours, say)."""
EXIT_INTERRUPTED = 130
"""Ctrl+C."""
EXIT_PIPE = 141
"""The reader of our output went away (``| head``): ended quietly, as Unix tools do."""


def exit_code_for(error: TraynotifyError) -> int:
    if isinstance(error, (ConfigError, RequestRejected)):
        return EXIT_USAGE
    if isinstance(error, (CredentialError, AuthenticationError)):
        return EXIT_AUTH
    if isinstance(error, (NotFoundError, InvalidRequestError)):
        return EXIT_REJECTED
    if isinstance(error, ApiError):
        return EXIT_NETWORK
    return EXIT_ERROR
