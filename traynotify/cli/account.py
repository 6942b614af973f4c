"""login, logout: the API key in the OS keyring."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from ..errors import ApiError, AuthenticationError
from ..i18n import _
from .context import Context
from .exits import EXIT_OK


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    login = sub.add_parser(
        "login",
        parents=[common],
        help="store your API key in the OS keyring (asked for, or read from stdin)",
    )
    login.add_argument(
        "--no-check", action="store_true", help="store the key without asking the server first"
    )
    login.set_defaults(handler=cmd_login)
    logout = sub.add_parser("logout", parents=[common], help="remove the stored API key")
    logout.set_defaults(handler=cmd_logout)


def _read_key(stdin: TextIO, err: TextIO) -> str:
    """The key, typed with no echo at a terminal, or the first line of piped input."""
    if stdin.isatty():
        import getpass

        try:
            return getpass.getpass(_("BytesSpike API key (input hidden): "), stream=err)
        except EOFError:
            return ""
    return stdin.readline()


def cmd_login(ctx: Context) -> int:
    from ..api.client import Client
    from ..core.config import ENV_KEY, check_key
    from ..desktop.credentials import KeyStore

    settings = ctx.settings
    key = check_key(_read_key(ctx.stdin, ctx.err), _("your input"))
    store = KeyStore()
    store.get(settings.api_url)  # no keyring, or a locked one: say so before anything else
    if not ctx.args.no_check:
        try:
            with Client(settings.api_url, key) as client:
                client.unread_count()
        except AuthenticationError as exc:
            exc.message = _(
                "The server did not accept this key ({reason}); nothing was stored."
            ).format(reason=str(exc).rstrip("."))
            raise
        except ApiError as exc:
            exc.message = _(
                "{problem} The key was not stored; use --no-check to store it anyway."
            ).format(problem=str(exc))
            raise
    store.set(settings.api_url, key)
    print(
        _("Signed in to {url}; the key is kept in: {keyring}.").format(
            url=settings.api_url, keyring=store.name
        ),
        file=ctx.out,
    )
    if ctx.env_key_set():
        print(
            _("Note: {env} is set, and wins over the stored key while it is.").format(env=ENV_KEY),
            file=ctx.out,
        )
    if ctx.tell_running_app("key-changed"):
        print(_("The running tray app uses the new key now."), file=ctx.out)
    return EXIT_OK


def cmd_logout(ctx: Context) -> int:
    from ..core.config import ENV_KEY
    from ..desktop.credentials import KeyStore
    from ..errors import KeyringUnavailable

    settings = ctx.settings
    out = ctx.out
    try:
        removed = KeyStore().delete(settings.api_url)
    except KeyringUnavailable:
        print(
            _("No keyring is available on this system, so no key was stored here to remove."),
            file=out,
        )
        removed = None
    if removed:
        print(
            _("Signed out of {url}: the key was removed from the keyring.").format(
                url=settings.api_url
            ),
            file=out,
        )
    elif removed is False:
        print(_("No key was stored for {url}.").format(url=settings.api_url), file=out)
    if ctx.env_key_set():
        print(_("Note: {env} is still set, and is used while it is.").format(env=ENV_KEY), file=out)
    if removed and ctx.tell_running_app("key-changed"):  # nothing changed, nothing to tell
        print(_("The running tray app has noticed."), file=out)
    return EXIT_OK
