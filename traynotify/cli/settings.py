"""config: show, set, unset and locate the settings file."""

from __future__ import annotations

import argparse
from typing import Any

from ..i18n import _
from .context import Context
from .exits import EXIT_OK


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    config = sub.add_parser("config", parents=[common], help="show or change settings")
    actions = config.add_subparsers(
        dest="config_command", metavar="ACTION", parser_class=type(config), required=True
    )
    show = actions.add_parser(
        "show", parents=[common], help="every setting, its value and where it comes from"
    )
    show.set_defaults(handler=cmd_show)
    change = actions.add_parser("set", help="check and store a setting")
    change.add_argument("name", metavar="NAME")
    change.add_argument("value", metavar="VALUE")
    change.set_defaults(handler=cmd_set)
    unset = actions.add_parser("unset", help="go back to a setting's default")
    unset.add_argument("name", metavar="NAME")
    unset.set_defaults(handler=cmd_set)
    actions.add_parser("path", help="print where the settings file is").set_defaults(
        handler=cmd_path
    )


def _shown(value: Any) -> str:
    if value is None:
        return _("auto")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(value) if value else _("(none)")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def cmd_path(ctx: Context) -> int:
    from ..desktop.settings_file import settings_path

    print(settings_path(), file=ctx.out)
    return EXIT_OK


def cmd_set(ctx: Context) -> int:
    """config set NAME VALUE, and config unset NAME."""
    from ..desktop.settings_file import change_setting, settings_path

    args = ctx.args
    path = settings_path()
    setting = args.config_command == "set"
    ctx.file_warnings = False
    ctx.file = change_setting(path, args.name, args.value if setting else None)
    shown = _shown(getattr(ctx.settings, args.name))  # the value as now stored
    if setting:
        print(
            _("{name} = {value}, saved in {path}.").format(name=args.name, value=shown, path=path),
            file=ctx.out,
        )
    else:
        print(
            _("{name} is back to its default ({value}).").format(name=args.name, value=shown),
            file=ctx.out,
        )
    from ..desktop.instance import SETTINGS_CHANGED

    print(taken(args.name, ctx.ask_running_app(SETTINGS_CHANGED)), file=ctx.out)
    return EXIT_OK


def taken(name: str, answer: dict[str, Any] | None) -> str:
    """What ``config set`` says of the running tray, from its answer to settings-changed
    (None: no tray runs, or one too old to take settings while running)."""
    if answer is None:
        if name == "snooze_morning":
            return _("'traynotify snooze tomorrow' uses it from now on.")
        return _("The tray app uses it from its next start.")
    by = answer.get("overridden_by")
    if isinstance(by, dict) and isinstance(by.get(name), str):
        return _(
            "The running tray was started with {flag}, which wins over the settings file "
            "until it restarts."
        ).format(flag=by[name])
    restart = answer.get("restart")
    if isinstance(restart, list) and name in restart:
        return _("The running tray uses it from its next start.")
    return _("The running tray uses it now.")


def cmd_show(ctx: Context) -> int:
    from ..core.config import SETTING_NAMES, explain
    from ..desktop.settings_file import settings_path

    out = ctx.out
    ctx.file_warnings = False  # listed below instead
    settings = ctx.settings
    sources = explain(ctx.flags(), ctx.env, ctx.file.values)
    labels = {
        "default": _("default"),
        "file": _("settings file"),
        "environment": _("environment"),
        "command line": _("command line"),
    }
    print(_("Settings file: {path}").format(path=settings_path()), file=out)
    width = max(len(n) for n in SETTING_NAMES)
    for name in SETTING_NAMES:
        value = getattr(settings, name)
        print(f"  {name.ljust(width)} = {_shown(value)}  ({labels[sources[name]]})", file=out)
    for problem in ctx.file.problems:
        print(_("Problem: {problem}").format(problem=problem), file=out)
    return EXIT_OK
