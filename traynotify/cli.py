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
from .i18n import _, ngettext
from .text import ago, one_line

if TYPE_CHECKING:
    from .api import Client
    from .config import Settings
    from .models import Notification
    from .settings_file import FileSettings

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
        prefix = "unrecognized arguments: "
        if message.startswith(prefix):  # a pasted key must not be echoed into a terminal log
            words = message[len(prefix) :].split()
            message = prefix + " ".join(w if w.startswith("-") else "…" for w in words)
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

    login = sub.add_parser(
        "login",
        parents=[common],
        help="store your API key in the OS keyring (asked for, or read from stdin)",
    )
    login.add_argument(
        "--no-check", action="store_true", help="store the key without asking the server first"
    )
    sub.add_parser("logout", parents=[common], help="remove the stored API key")

    config = sub.add_parser("config", parents=[common], help="show or change settings")
    config_sub = config.add_subparsers(
        dest="config_command", metavar="ACTION", parser_class=_Parser, required=True
    )
    config_sub.add_parser(
        "show", parents=[common], help="every setting, its value and where it comes from"
    )
    config_set = config_sub.add_parser("set", help="check and store a setting")
    config_set.add_argument("name", metavar="NAME")
    config_set.add_argument("value", metavar="VALUE")
    config_unset = config_sub.add_parser("unset", help="go back to a setting's default")
    config_unset.add_argument("name", metavar="NAME")
    config_sub.add_parser("path", help="print where the settings file is")

    autostart = sub.add_parser("autostart", parents=[common], help="start traynotify at login")
    autostart.add_argument("action", choices=("enable", "disable", "status"))
    return parser


# -- wiring -------------------------------------------------------------------


def _flags(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "api_url": getattr(args, "api_url", None),
        "console_url": getattr(args, "console_url", None),
        "interval": getattr(args, "interval", None),
    }


def _file(args: argparse.Namespace) -> FileSettings:
    from .settings_file import read_settings, settings_path

    file: FileSettings | None = getattr(args, "settings_file", None)
    if file is None:
        file = read_settings(settings_path())
        args.settings_file = file
    return file


def load_settings(args: argparse.Namespace, env: Mapping[str, str]) -> Settings:
    from .config import resolve

    return resolve(_flags(args), env, _file(args).values)


def _env_key_set(env: Mapping[str, str]) -> bool:
    """Whether BYTESPIKE_API_KEY is given (it wins over a stored key)."""
    from .config import ENV_KEY

    return bool(env.get(ENV_KEY, "").strip())


def require_key(env: Mapping[str, str], settings: Settings) -> str:
    from .credentials import KeyStore, find_key

    return find_key(env, KeyStore(), settings.api_url)


def open_client(args: argparse.Namespace, env: Mapping[str, str]) -> Client:
    from .api import Client

    settings = load_settings(args, env)
    return Client(settings.api_url, require_key(env, settings))


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
        print(_waybar(text, _("traynotify: {n} unread").format(n=count), state), file=out)
    else:
        print(json.dumps({"count": count}) if args.format == "json" else count, file=out)
    return EXIT_OK


def format_table(notes: Sequence[Notification], now: datetime, width: int = 100) -> str:
    """A plain table of notifications, one per line, server text made safe."""
    rows = [(_("ID"), "", _("WHEN"), _("TYPE"), _("TITLE"))]
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
            footer = ngettext("{n} notification", "{n} notifications", len(notes)).format(
                n=len(notes)
            )
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
            footer = _("page {page} of {last} · {total} in all").format(
                page=page.page, last=page.last_page, total=page.total
            )
    if notes:
        width = 0 if not out.isatty() else os.get_terminal_size(out.fileno()).columns
        print(format_table(notes, now, width), file=out)
    else:
        print(_("No notifications."), file=out)
    print(footer, file=out)
    return EXIT_OK


def _marked(n: int) -> str:
    return ngettext("Marked {n} notification read.", "Marked {n} notifications read.", n).format(
        n=n
    )


def cmd_read(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    if args.all == bool(args.ids):
        raise ConfigError("Give notification ids, or --all (not both).")
    with open_client(args, env) as client:
        if args.all:
            marked = client.mark_all_read()
            print(_marked(marked), file=out)
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
        print(_marked(marked), file=out)
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

    print(
        _("BytesSpike contract server on {url} with sample notifications.").format(url=demo.url),
        file=out,
    )
    print(_("In another shell:"), file=out)
    print(f"  export BYTESPIKE_API_URL={demo.url}", file=out)
    print(f"  export BYTESPIKE_API_KEY={DEMO_KEY}", file=out)
    print("  traynotify count", file=out)
    if args.every > 0:
        print(
            _("A new notification arrives every {s:g} s. Ctrl+C stops.").format(s=args.every),
            file=out,
        )
    out.flush()
    demo.feed_every(args.every)
    if sys.stdin is not None and not sys.stdin.closed:
        print(_("Type 'help' for commands that make the server misbehave."), file=out, flush=True)
        threading.Thread(target=console, name="demo-console", daemon=True).start()
    try:
        demo.server.serve_forever()
    except KeyboardInterrupt:
        print(_("Stopped."), file=out)
    finally:
        demo.close()
    return EXIT_OK


# -- signing in, settings, start at login ------------------------------------------


def _read_key(stdin: TextIO, err: TextIO) -> str:
    """The key, typed with no echo at a terminal, or the first line of piped input."""
    if stdin.isatty():
        import getpass

        try:
            return getpass.getpass(_("BytesSpike API key (input hidden): "), stream=err)
        except EOFError:
            return ""
    return stdin.readline()


def _tell_running_app(command: str) -> bool:
    from .instance import send
    from .paths import state_dir

    return send(state_dir(), command)


def cmd_login(
    args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO, stdin: TextIO
) -> int:
    from .api import Client
    from .config import ENV_KEY, check_key
    from .credentials import KeyStore

    settings = load_settings(args, env)
    key = check_key(_read_key(stdin, err), _("your input"))
    store = KeyStore()
    store.get(settings.api_url)  # no keyring, or a locked one: say so before anything else
    if not args.no_check:
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
        file=out,
    )
    if _env_key_set(env):
        print(
            _("Note: {env} is set, and wins over the stored key while it is.").format(env=ENV_KEY),
            file=out,
        )
    if _tell_running_app("key-changed"):
        print(_("The running tray app uses the new key now."), file=out)
    return EXIT_OK


def cmd_logout(args: argparse.Namespace, env: Mapping[str, str], out: TextIO) -> int:
    from .config import ENV_KEY
    from .credentials import KeyStore
    from .errors import KeyringUnavailable

    settings = load_settings(args, env)
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
    if _env_key_set(env):
        print(_("Note: {env} is still set, and is used while it is.").format(env=ENV_KEY), file=out)
    if _tell_running_app("key-changed"):
        print(_("The running tray app has noticed."), file=out)
    return EXIT_OK


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


def cmd_config(args: argparse.Namespace, env: Mapping[str, str], out: TextIO) -> int:
    from .config import SETTING_NAMES, explain
    from .settings_file import change_setting, settings_path

    path = settings_path()
    action = args.config_command
    if action == "path":
        print(path, file=out)
        return EXIT_OK
    if action in ("set", "unset"):
        value = args.value if action == "set" else None
        file = change_setting(path, args.name, value)
        args.settings_file = file  # show the value as now stored
        shown = _shown(getattr(load_settings(args, env), args.name))
        if action == "set":
            print(
                _("{name} = {value}, saved in {path}.").format(
                    name=args.name, value=shown, path=path
                ),
                file=out,
            )
        else:
            print(
                _("{name} is back to its default ({value}).").format(name=args.name, value=shown),
                file=out,
            )
        print(_("The tray app uses it from its next start."), file=out)
        return EXIT_OK
    file = _file(args)
    settings = load_settings(args, env)
    sources = explain(_flags(args), env, file.values)
    labels = {
        "default": _("default"),
        "file": _("settings file"),
        "environment": _("environment"),
        "command line": _("command line"),
    }
    print(_("Settings file: {path}").format(path=path), file=out)
    width = max(len(n) for n in SETTING_NAMES)
    for name in SETTING_NAMES:
        value = getattr(settings, name)
        print(f"  {name.ljust(width)} = {_shown(value)}  ({labels[sources[name]]})", file=out)
    for problem in file.problems:
        print(_("Problem: {problem}").format(problem=problem), file=out)
    return EXIT_OK


def cmd_autostart(args: argparse.Namespace, out: TextIO) -> int:
    from .autostart import describe, for_platform, launch_command, os_error, status

    mechanism = for_platform()
    try:
        if args.action == "enable":
            mechanism.enable(launch_command())
            print(
                _("traynotify will start at login ({where}).").format(where=mechanism.location),
                file=out,
            )
        elif args.action == "disable":
            if mechanism.disable():
                print(_("traynotify will no longer start at login."), file=out)
            else:
                print(_("traynotify was not set to start at login."), file=out)
        else:
            print(describe(status(mechanism, launch_command())), file=out)
    except OSError as exc:
        raise os_error(mechanism.location, exc) from None
    return EXIT_OK


# -- entry ----------------------------------------------------------------------


def dispatch(
    args: argparse.Namespace,
    env: Mapping[str, str],
    out: TextIO,
    err: TextIO,
    stdin: TextIO | None = None,
) -> int:
    command = args.command or "run"
    if command not in ("config", "demo"):
        for problem in _file(args).problems:  # the file's values fall back to defaults
            print(
                "traynotify: " + _("warning: {problem}").format(problem=one_line(problem)), file=err
            )
    if command == "login":
        return cmd_login(args, env, out, err, stdin or sys.stdin)
    if command == "logout":
        return cmd_logout(args, env, out)
    if command == "config":
        return cmd_config(args, env, out)
    if command == "autostart":
        return cmd_autostart(args, out)
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
    return run_tray(load_settings(args, env), env, _file(args).problems)


def main(
    argv: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    env = os.environ if env is None else env
    out = out or sys.stdout
    err = err or sys.stderr
    file = _choose_language()
    args = build_parser().parse_args(argv)
    args.settings_file = file
    debug = getattr(args, "debug", False)
    _setup_logging(debug)
    try:
        return dispatch(args, env, out, err, stdin)
    except TraynotifyError as exc:
        if debug:
            import traceback

            traceback.print_exc(file=err)
        hint = ""
        if isinstance(exc, AuthenticationError) and args.command != "login":
            if _env_key_set(env):
                hint = " " + _("Check BYTESPIKE_API_KEY (it wins over a stored key).")
            else:
                hint = " " + _("Run 'traynotify login' with a valid key.")
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


def _choose_language() -> FileSettings | None:
    """Speak the language of the settings file, else of the OS."""
    from .i18n import use_language

    try:
        from .settings_file import read_settings, settings_path

        file = read_settings(settings_path())
    except Exception:  # the command will report it; the language is not worth failing over
        use_language(None)
        return None
    use_language(file.values.get("language"))
    return file


def _setup_logging(debug: bool) -> None:
    import logging

    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="traynotify: %(levelname)s: %(message)s",
    )
    if not debug:
        logging.getLogger("httpx").setLevel(logging.WARNING)
