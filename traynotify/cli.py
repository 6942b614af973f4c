"""The ``traynotify`` command. Headless commands never import the tray toolkit."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, TextIO

from . import __version__
from .errors import (
    ApiError,
    AuthenticationError,
    ConfigError,
    CredentialError,
    InvalidRequestError,
    NotFoundError,
    RequestRejected,
    TraynotifyError,
)
from .text import ago, one_line

if TYPE_CHECKING:
    from .api import Client
    from .config import Settings
    from .models import Notification

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_NETWORK = 4
EXIT_REJECTED = 5


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


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line plus a hint, with exit code 2."""

    def error(self, message: str) -> Any:
        self.exit(EXIT_USAGE, f"traynotify: {message} (see '{self.prog} --help')\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number from 1 up, got {value}")
    return value


def _notification_id(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"a notification id is a whole number, not {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    # Shared options are accepted before or after the command.
    common = _Parser(add_help=False)
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

    parser = _Parser(
        prog="traynotify",
        description="BytesSpike notifications in the system tray. "
        "The API key comes from BYTESPIKE_API_KEY (never from the command line).",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"traynotify {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    run = sub.add_parser("run", parents=[common], help="run the tray app (the default)")
    run.add_argument(
        "--interval",
        type=float,
        default=None,
        metavar="SECONDS",
        help="seconds between polls (default 60, at least 1)",
    )

    demo = sub.add_parser(
        "demo", parents=[common], help="try traynotify against a local server with sample data"
    )
    demo.add_argument(
        "--server-only", action="store_true", help="run only the local server, in the foreground"
    )
    demo.add_argument("--port", type=int, default=0, help="server port (default: any free)")
    demo.add_argument(
        "--every",
        type=float,
        default=20.0,
        metavar="SECONDS",
        help="add a new sample notification this often (0: never)",
    )
    demo.add_argument(
        "--interval",
        type=float,
        default=None,
        metavar="SECONDS",
        help="tray poll interval (default 5 in the demo)",
    )

    count = sub.add_parser("count", parents=[common], help="print the unread count")
    count.add_argument(
        "--format",
        choices=("text", "json", "waybar"),
        default="text",
        help="waybar: JSON for waybar/polybar-style status bars",
    )

    lst = sub.add_parser("list", parents=[common], help="list notifications")
    which = lst.add_mutually_exclusive_group()
    which.add_argument("--unread", action="store_true", help="only unread")
    which.add_argument("--read", action="store_true", help="only read")
    lst.add_argument("--type", metavar="TYPE", help="only this event type")
    lst.add_argument("--page", type=_positive_int, default=1)
    lst.add_argument(
        "--page-size",
        type=_positive_int,
        default=20,
        metavar="N",
        help="rows per page (1-200, default 20)",
    )
    lst.add_argument("--all", action="store_true", help="every page")
    lst.add_argument("--json", action="store_true", help="print JSON")

    read = sub.add_parser("read", parents=[common], help="mark notifications read")
    read.add_argument("ids", nargs="*", type=_notification_id, metavar="ID")
    read.add_argument("--all", action="store_true", help="mark every unread one read")
    return parser


# -- wiring -------------------------------------------------------------------


def load_settings(args: argparse.Namespace, env: Mapping[str, str]) -> Settings:
    from .config import resolve

    flags = {
        "api_url": getattr(args, "api_url", None),
        "console_url": getattr(args, "console_url", None),
        "interval": getattr(args, "interval", None),
    }
    return resolve(flags, env)


def require_key(env: Mapping[str, str]) -> str:
    from .config import key_from_env

    key = key_from_env(env)
    if key is None:
        raise CredentialError("No API key: set BYTESPIKE_API_KEY to your BytesSpike API key.")
    return key


def open_client(args: argparse.Namespace, env: Mapping[str, str]) -> Client:
    from .api import Client

    settings = load_settings(args, env)
    return Client(settings.api_url, require_key(env))


# -- headless commands ----------------------------------------------------------


def _waybar(text: str, tooltip: str, state: str) -> str:
    return json.dumps({"text": text, "tooltip": tooltip, "class": state, "alt": state})


def cmd_count(args: argparse.Namespace, env: Mapping[str, str], out: TextIO) -> int:
    from .badge import badge_text

    try:
        with open_client(args, env) as client:
            count = client.unread_count()
    except TraynotifyError as err:
        if args.format == "waybar":  # the bar shows the problem; stderr still says it
            state = "signed-out" if exit_code_for(err) == EXIT_AUTH else "offline"
            print(_waybar("!", f"traynotify: {one_line(str(err))}", state), file=out)
        raise
    if args.format == "waybar":
        text = badge_text(count) or "0"
        state = "unread" if count else "none"
        print(_waybar(text, f"traynotify: {count} unread", state), file=out)
    else:
        print(json.dumps({"count": count}) if args.format == "json" else count, file=out)
    return EXIT_OK


def format_table(notes: Sequence[Notification], now: datetime, width: int = 100) -> str:
    """A plain table of notifications, one per line, server text made safe."""
    rows = [("ID", "", "WHEN", "TYPE", "TITLE")]
    for n in notes:
        rows.append(
            (
                str(n.id),
                "●" if n.unread else " ",
                ago(n.created_at, now),
                one_line(n.type, 32),
                one_line(n.title),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for r in rows:
        head = "  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True))
        lines.append(one_line(f"{head}  {r[4]}", width) if width else f"{head}  {r[4]}")
    return "\n".join(lines)


def cmd_list(args: argparse.Namespace, env: Mapping[str, str], out: TextIO) -> int:
    from .api import list_params
    from .models import to_json

    # Refuse what the spec forbids before any key or network is needed.
    list_params(
        unread=args.unread,
        read=args.read,
        type=args.type,
        page=args.page,
        page_size=min(args.page_size, 200) if args.all else args.page_size,
    )
    now = datetime.now(timezone.utc)
    with open_client(args, env) as client:
        if args.all:
            notes = list(
                client.iter_all(unread=args.unread, read=args.read, type=args.type, page_size=200)
            )
            if args.json:
                print(
                    json.dumps(
                        {"items": [to_json(n) for n in notes], "total": len(notes)},
                        ensure_ascii=False,
                        indent=2,
                    ),
                    file=out,
                )
                return EXIT_OK
            footer = f"{len(notes)} notification(s)"
        else:
            page = client.list(
                unread=args.unread,
                read=args.read,
                type=args.type,
                page=args.page,
                page_size=args.page_size,
            )
            if args.json:
                print(
                    json.dumps(
                        {
                            "items": [to_json(n) for n in page.items],
                            "total": page.total,
                            "page": page.page,
                            "page_size": page.page_size,
                        },
                        ensure_ascii=False,
                        indent=2,
                    ),
                    file=out,
                )
                return EXIT_OK
            notes = list(page.items)
            footer = f"page {page.page} of {page.last_page} · {page.total} in all"
    if notes:
        width = 0 if not out.isatty() else os.get_terminal_size(out.fileno()).columns
        print(format_table(notes, now, width), file=out)
    else:
        print("No notifications.", file=out)
    print(footer, file=out)
    return EXIT_OK


def cmd_read(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    if args.all == bool(args.ids):
        raise ConfigError("Give notification ids, or --all (not both).")
    with open_client(args, env) as client:
        if args.all:
            marked = client.mark_all_read()
            print(f"Marked {marked} notification(s) read.", file=out)
            return EXIT_OK
        failures: list[TraynotifyError] = []
        marked = 0
        for note_id in dict.fromkeys(args.ids):
            try:
                client.mark_read(note_id)
                marked += 1
            except (NotFoundError, InvalidRequestError) as exc:
                failures.append(exc)
                print(f"traynotify: {note_id}: {one_line(str(exc))}", file=err)
        print(f"Marked {marked} notification(s) read.", file=out)
    return exit_code_for(failures[0]) if failures else EXIT_OK


def cmd_demo_server(args: argparse.Namespace, out: TextIO) -> int:
    import threading

    from .devserver.console import apply_command
    from .devserver.demo import DemoServer
    from .devserver.samples import DEMO_KEY

    demo = DemoServer(args.port)

    def console() -> None:
        for line in sys.stdin:
            reply = apply_command(demo.server, line, demo.events)
            if reply:
                print(reply, file=out, flush=True)

    print(f"BytesSpike contract server on {demo.url} with sample notifications.", file=out)
    print("In another shell:", file=out)
    print(f"  export BYTESPIKE_API_URL={demo.url}", file=out)
    print(f"  export BYTESPIKE_API_KEY={DEMO_KEY}", file=out)
    print("  traynotify count", file=out)
    if args.every > 0:
        print(f"A new notification arrives every {args.every:g} s. Ctrl+C stops.", file=out)
    out.flush()
    demo.feed_every(args.every)
    if sys.stdin is not None and not sys.stdin.closed:
        print("Type 'help' for commands that make the server misbehave.", file=out, flush=True)
        threading.Thread(target=console, name="demo-console", daemon=True).start()
    try:
        demo.server.serve_forever()
    except KeyboardInterrupt:
        print("Stopped.", file=out)
    finally:
        demo.close()
    return EXIT_OK


# -- entry ----------------------------------------------------------------------


def dispatch(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    command = args.command or "run"
    if command == "count":
        return cmd_count(args, env, out)
    if command == "list":
        return cmd_list(args, env, out)
    if command == "read":
        return cmd_read(args, env, out, err)
    if command == "demo" and args.server_only:
        return cmd_demo_server(args, out)
    from .app import run_demo, run_tray  # the only path that loads the tray toolkit

    if command == "demo":
        return run_demo(args, env)
    return run_tray(load_settings(args, env), env)


def main(
    argv: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    env = os.environ if env is None else env
    out = out or sys.stdout
    err = err or sys.stderr
    args = build_parser().parse_args(argv)
    debug = getattr(args, "debug", False)
    _setup_logging(debug)
    try:
        return dispatch(args, env, out, err)
    except TraynotifyError as exc:
        if debug:
            import traceback

            traceback.print_exc(file=err)
        hint = ""
        if isinstance(exc, AuthenticationError):
            hint = " Set BYTESPIKE_API_KEY to a valid key."
        print(f"traynotify: {one_line(str(exc))}{hint}", file=err)
        return exit_code_for(exc)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: still one line, details behind --debug
        if debug:
            raise
        print(
            f"traynotify: unexpected error ({type(exc).__name__}: {one_line(str(exc), 200)});"
            " run with --debug for details.",
            file=err,
        )
        return EXIT_ERROR


def _setup_logging(debug: bool) -> None:
    import logging

    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="traynotify: %(levelname)s: %(message)s",
    )
    if not debug:
        logging.getLogger("httpx").setLevel(logging.WARNING)
