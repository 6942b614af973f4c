"""The environment of every process the app starts: the user's, without its secrets.

A browser, ``xdg-open`` or ``notify-send`` has no use for the API key, and a browser
hands its environment on to whatever it starts (helpers, plug-ins, crash reporters).
Each child the app starts itself gets :func:`child_env`; children started by a library
(``webbrowser`` on Windows, a keyring backend) see ``os.environ``, which the tray app
scrubs once at start (:func:`scrub_environ`), after taking its own copy for the key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from ..core.defaults import ENV_KEY

SECRET_VARIABLES = (ENV_KEY,)
"""The variables the app reads a secret from."""


def child_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: this process's) without the secret variables."""
    source = os.environ if env is None else env
    return {name: value for name, value in source.items() if name not in SECRET_VARIABLES}


def scrub_environ() -> None:
    """Drop the secret variables from this process's environment.

    Call once at start, before any thread runs (changing the environment races
    with threads reading it) and after the key source has its own copy."""
    for name in SECRET_VARIABLES:
        os.environ.pop(name, None)
