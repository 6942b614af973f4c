"""autostart: start traynotify at login, or not."""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import ConfigError
from ..i18n import _
from .context import Context
from .exits import EXIT_OK


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    autostart = sub.add_parser("autostart", parents=[common], help="start traynotify at login")
    autostart.add_argument("action", choices=("enable", "disable", "status"))
    autostart.set_defaults(handler=cmd_autostart)


def cmd_autostart(ctx: Context) -> int:
    from ..desktop.autostart import describe, for_platform, launch_command, os_error, status

    mechanism = for_platform()
    action = ctx.args.action
    try:
        if action == "enable":
            mechanism.enable(launch_command())
            print(
                _("traynotify will start at login ({where}).").format(where=mechanism.location),
                file=ctx.out,
            )
        elif action == "disable":
            if mechanism.disable():
                print(_("traynotify will no longer start at login."), file=ctx.out)
            else:
                print(_("traynotify was not set to start at login."), file=ctx.out)
        else:
            print(describe(status(mechanism, launch_command())), file=ctx.out)
    except OSError as exc:
        if action != "status":
            raise os_error(mechanism.location, exc) from None
        raise ConfigError(
            _("Cannot read the login entry at {where}: {reason}.").format(
                where=mechanism.location, reason=exc.strerror or exc
            )
        ) from None
    return EXIT_OK
