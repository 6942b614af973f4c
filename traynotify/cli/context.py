"""What every command gets: the environment, the streams, and settings read when needed."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from ..core.text import one_line
from ..i18n import _

if TYPE_CHECKING:
    from ..api.client import Client
    from ..core.config import Settings
    from ..desktop.settings_file import FileSettings


#: Characters of the server's own error message a command line shows, at most.
SERVER_SAID_LIMIT = 120


def server_said(error: BaseException) -> str:
    """The server's own words about an error, cut short and labelled as its, to follow
    the app's message on a command line; "" when it said nothing, or when the app's
    words say all there is (a rejected key, rate limiting)."""
    from ..errors import AuthenticationError, RateLimitedError

    if isinstance(error, (AuthenticationError, RateLimitedError)):
        return ""
    message = getattr(error, "server_message", None)
    if not isinstance(message, str) or not one_line(message):
        return ""
    return " " + _("(the server said: “{message}”)").format(
        message=one_line(message, SERVER_SAID_LIMIT)
    )


@dataclass
class Context:
    """One run of the command: what it was given, and what it has looked up so far."""

    args: argparse.Namespace
    """The parsed command line: options only, nothing stashed on it."""
    env: Mapping[str, str]
    out: TextIO
    err: TextIO
    stdin: TextIO
    file_warnings: bool = True
    """Whether the settings file's problems are warned about when settings are first read."""
    _file: FileSettings | None = field(default=None, repr=False)
    _settings: Settings | None = field(default=None, repr=False)

    # -- settings, read on first use -------------------------------------------------
    def flags(self) -> dict[str, Any]:
        """The settings given on the command line (None: not given)."""
        return {
            "api_url": getattr(self.args, "api_url", None),
            "console_url": getattr(self.args, "console_url", None),
            "interval": getattr(self.args, "interval", None),
        }

    @property
    def file(self) -> FileSettings:
        """The settings file, read once."""
        if self._file is None:
            from ..desktop.settings_file import read_settings, settings_path

            self._file = read_settings(settings_path())
        return self._file

    @file.setter
    def file(self, value: FileSettings) -> None:
        self._file = value
        self._settings = None

    @property
    def settings(self) -> Settings:
        """Defaults < settings file < environment < command line, checked.

        The first time, each problem of the settings file is a warning on stderr (its
        value falls back to the default)."""
        if self._settings is None:
            from ..core.config import resolve

            if self.file_warnings:
                self.file_warnings = False
                for problem in self.file.problems:
                    self.warn(problem)
            self._settings = resolve(self.flags(), self.env, self.file.values)
        return self._settings

    # -- helpers ---------------------------------------------------------------------------
    def warn(self, message: str) -> None:
        print(
            "traynotify: " + _("warning: {problem}").format(problem=one_line(message)),
            file=self.err,
        )

    def env_key_set(self) -> bool:
        """Whether BYTESPIKE_API_KEY is given (it wins over a stored key)."""
        from ..core.config import ENV_KEY

        return bool(self.env.get(ENV_KEY, "").strip())

    def api_key(self) -> str:
        from ..desktop.credentials import KeyStore, find_key

        return find_key(self.env, KeyStore(), self.settings.api_url)

    def open_client(self) -> Client:
        from ..api.client import Client

        settings = self.settings
        return Client(settings.api_url, self.api_key())

    def ask_running_app(self, command: str, timeout: float = 2.0) -> dict[str, Any] | None:
        """The running tray app's answer to ``command``; None when none runs or it refused."""
        from ..desktop.instance import request
        from ..desktop.paths import state_dir

        answer = request(state_dir(), command, timeout)
        return answer if answer is not None and answer.get("ok") is True else None

    def tell_running_app(self, command: str) -> bool:
        """Pass ``command`` to the running tray app; False when none runs."""
        from ..desktop.instance import send
        from ..desktop.paths import state_dir

        return send(state_dir(), command)
