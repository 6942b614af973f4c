"""run and demo: the tray app, and the demo with its local server."""

from __future__ import annotations

import argparse
import math
from typing import Any

from ..core.config import MAX_INTERVAL, MIN_INTERVAL
from ..desktop.command import command
from ..errors import ConfigError
from ..i18n import _
from .context import Context
from .exits import EXIT_OK
from .parsing import seconds, whole_number


def _number(text: str) -> float:
    """A number of seconds; the settings check says whether it is a sensible one."""
    try:
        value = float(text) if text.strip().isascii() else math.nan
    except ValueError:
        value = math.nan
    if math.isnan(value):
        raise argparse.ArgumentTypeError(_("expected a number of seconds"))
    return value


_number.__name__ = "SECONDS"


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    run = sub.add_parser("run", parents=[common], help="run the tray app (the default)")
    run.add_argument(
        "--interval",
        type=_number,
        default=None,
        metavar="SECONDS",
        help="seconds between polls (default 60, at least 1)",
    )
    run.set_defaults(handler=cmd_run)

    demo = sub.add_parser(
        "demo", parents=[common], help="try traynotify against a local server with sample data"
    )
    demo.add_argument(
        "--server-only", action="store_true", help="run only the local server, in the foreground"
    )
    demo.add_argument(
        "--port",
        type=whole_number(0, 65535, "port"),
        default=0,
        help="server port (default: any free)",
    )
    demo.add_argument(
        "--every",
        type=seconds(1.0, "every", zero_ok=True),
        default=20.0,
        metavar="SECONDS",
        help="add a new sample notification this often (0: never)",
    )
    demo.add_argument(
        "--interval",
        type=seconds(MIN_INTERVAL, "interval", high=MAX_INTERVAL),
        default=None,
        metavar="SECONDS",
        help="tray poll interval (default 5 in the demo)",
    )
    demo.set_defaults(handler=cmd_demo)


def _check_state_folder(ctx: Context) -> None:
    """The folder for the lock and the shown ids must be usable before the tray starts."""
    from ..desktop.paths import state_dir

    folder = state_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from ..desktop.local import made_by_another

        if made_by_another(folder):
            return  # another account's folder is in the way: the app keeps its own instead
        hint = "; " + _("check XDG_STATE_HOME") if ctx.env.get("XDG_STATE_HOME") else ""
        raise ConfigError(
            _("Cannot use the state folder {path} ({reason}){hint}.").format(
                path=folder, reason=exc.strerror or exc, hint=hint
            )
        ) from None


def cmd_run(ctx: Context) -> int:
    settings = ctx.settings
    _check_state_folder(ctx)
    from ..app import run_tray  # the only paths that load the tray toolkit

    return run_tray(settings, ctx.env, ctx.file.problems, ctx.flags())


def cmd_demo(ctx: Context) -> int:
    if ctx.args.server_only:
        return demo_server(ctx)
    from ..app import run_demo

    return run_demo(ctx.args, ctx.env)


def demo_server(ctx: Context) -> int:
    import threading

    from ..devserver.console import apply_command
    from ..devserver.demo import DemoServer
    from ..devserver.samples import DEMO_KEY

    args, out, stdin = ctx.args, ctx.out, ctx.stdin
    demo = DemoServer(args.port)

    def console() -> None:
        for line in stdin:
            reply = apply_command(demo.server, line, demo.events)
            if reply:
                print(reply, file=out, flush=True)

    print(
        _("BytesSpike contract server on {url} with sample notifications.").format(url=demo.url),
        file=out,
    )
    print(_("In another shell:"), file=out)
    print(f"  export BYTESPIKE_API_URL={demo.url}", file=out)
    print(f"  export BYTESPIKE_API_KEY={DEMO_KEY}", file=out)
    print("  " + command("count"), file=out)
    if args.every > 0:
        print(
            _("A new notification arrives every {s:g} s. Ctrl+C stops.").format(s=args.every),
            file=out,
        )
    out.flush()
    demo.feed_every(args.every)
    if stdin is not None and not stdin.closed:
        print(_("Type 'help' for commands that make the server misbehave."), file=out, flush=True)
        threading.Thread(target=console, name="demo-console", daemon=True).start()
    try:
        demo.server.serve_forever()
    except KeyboardInterrupt:
        print(_("Stopped."), file=out)
    finally:
        demo.close()
    return EXIT_OK
