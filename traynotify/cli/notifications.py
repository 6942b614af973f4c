"""list, read: the notifications, from a terminal or a script."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ..api.models import MAX_PAGE_SIZE
from ..core.text import ago, one_line, to_json_text
from ..errors import ConfigError, InvalidRequestError, NotFoundError, TraynotifyError
from ..i18n import _, ngettext
from .context import Context, server_said
from .exits import EXIT_OK, exit_code_for
from .parsing import notification_id, whole_number

if TYPE_CHECKING:
    from ..api.client import Client
    from ..api.models import Notification

DEFAULT_LIST_SIZE = 20
READ_ALL_TIMEOUT = 25.0
"""Seconds ``read --all`` waits for the tray's answer: it comes once the server has
answered, or after the channel's LATER (20 s) as "handed over"."""


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    lst = sub.add_parser("list", parents=[common], help="list notifications")
    which = lst.add_mutually_exclusive_group()
    which.add_argument("--unread", action="store_true", help="only unread")
    which.add_argument("--read", action="store_true", help="only read")
    lst.add_argument("--type", metavar="TYPE", help="only this event type")
    lst.add_argument(
        "--page",
        type=whole_number(1, 10**9, "page"),
        default=None,
        metavar="N",
        help="which page (default 1)",
    )
    lst.add_argument(
        "--page-size",
        type=whole_number(1, MAX_PAGE_SIZE, "page size"),
        default=None,
        metavar="N",
        help=f"rows per page (1-{MAX_PAGE_SIZE}; default {DEFAULT_LIST_SIZE}, "
        f"or {MAX_PAGE_SIZE} per request with --all)",
    )
    lst.add_argument("--all", action="store_true", help="every page")
    lst.add_argument("--json", action="store_true", help="print JSON")
    lst.set_defaults(handler=cmd_list)

    read = sub.add_parser("read", parents=[common], help="mark notifications read")
    read.add_argument("ids", nargs="*", type=notification_id, metavar="ID")
    read.add_argument(
        "--all",
        action="store_true",
        help="mark every unread one read (through the tray app when it runs)",
    )
    read.add_argument(
        "--direct", action="store_true", help="with --all: ask the server even when the tray runs"
    )
    read.set_defaults(handler=cmd_read)


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


def _terminal_width(ctx: Context) -> int:
    import os

    try:
        return os.get_terminal_size(ctx.out.fileno()).columns if ctx.out.isatty() else 0
    except (OSError, ValueError, AttributeError):
        return 0


def cmd_list(ctx: Context) -> int:
    from ..api.client import list_params
    from ..api.models import to_json

    args = ctx.args
    if args.all and args.page is not None:
        raise ConfigError(_("--all lists every page; leave out --page."))
    page_size = args.page_size or (MAX_PAGE_SIZE if args.all else DEFAULT_LIST_SIZE)
    # Refuse what the spec forbids before any key or network is needed.
    list_params(unread=args.unread, read=args.read, type=args.type, page=1, page_size=page_size)
    now = datetime.now(timezone.utc)
    with ctx.open_client() as client:
        if args.all:
            notes = _every_page(ctx, client, page_size)
            if args.json:
                data = {"items": [to_json(n) for n in notes], "total": len(notes)}
                print(to_json_text(data, indent=2), file=ctx.out)
                return EXIT_OK
            footer = ngettext("{n} notification", "{n} notifications", len(notes)).format(
                n=len(notes)
            )
        else:
            page = client.list(
                unread=args.unread,
                read=args.read,
                type=args.type,
                page=args.page or 1,
                page_size=page_size,
            )
            if args.json:
                data = {
                    "items": [to_json(n) for n in page.items],
                    "total": page.total,
                    "page": page.page,
                    "page_size": page.page_size,
                }
                print(to_json_text(data, indent=2), file=ctx.out)
                return EXIT_OK
            notes = list(page.items)
            footer = _("page {page} of {last} · {total} in all").format(
                page=page.page, last=page.last_page, total=page.total
            )
    if notes:
        print(format_table(notes, now, _terminal_width(ctx)), file=ctx.out)
    else:
        print(_("No notifications."), file=ctx.out)
    print(footer, file=ctx.out)
    return EXIT_OK


def _every_page(ctx: Context, client: Client, page_size: int) -> list[Notification]:
    """Every page up to the tray's own bound, each id once (the later copy, as the tray)."""
    from ..core.reconcile import MAX_PAGES, unique

    args = ctx.args
    rows: list[Notification] = []
    read_pages, total = 0, 0
    for page in client.pages(
        max_pages=MAX_PAGES, unread=args.unread, read=args.read, type=args.type, page_size=page_size
    ):
        read_pages, total = read_pages + 1, page.total
        rows.extend(page.items)
    found = unique(rows)
    if read_pages >= MAX_PAGES and total > MAX_PAGES * page_size:
        ctx.warn(
            _(
                "listed the first {pages} pages ({shown} notifications) of {total}; "
                "traynotify lists no further, as the tray does."
            ).format(pages=MAX_PAGES, shown=len(found), total=total)
        )
    return list(found)


def _marked(n: int) -> str:
    return ngettext("Marked {n} notification read.", "Marked {n} notifications read.", n).format(
        n=n
    )


def tray_read_all(ctx: Context) -> int | None:
    """Mark all through the running tray app; its real outcome's exit code, or None when
    no tray can do it (none runs, or it is signed out or starting): then ask the server."""
    from ..core.outcome import Done, MarkAllOutcome
    from ..errors import ApiError, NetworkError

    # The tray answers once the server has answered it (or after LATER s: "handed over").
    answer = ctx.ask_running_app("read-all", timeout=READ_ALL_TIMEOUT)
    outcome = MarkAllOutcome.from_wire(answer) if answer is not None else None
    if outcome is None or outcome.done in (Done.SIGNED_OUT, Done.STARTING):
        return None
    if outcome.done is Done.MARKED:
        print(_marked(outcome.count), file=ctx.out)
    elif outcome.done is Done.NOTHING:
        print(_("Nothing to mark: the running tray app has no unread notifications."), file=ctx.out)
    elif outcome.done is Done.SENT:
        # The tray's poller shows anything new first, then marks; it pops up if that fails.
        print(
            ngettext(
                "The running tray app is marking {n} notification read "
                "(it shows any new one first, and says so if the server refuses).",
                "The running tray app is marking {n} notifications read "
                "(it shows any new one first, and says so if the server refuses).",
                outcome.count,
            ).format(n=outcome.count),
            file=ctx.out,
        )
    elif outcome.done is Done.OFFLINE:
        raise NetworkError(
            _(
                "The running tray app cannot reach the server ({problem}); nothing was marked. "
                "'--direct' asks the server from here."
            ).format(problem=outcome.problem.rstrip(".") or _("offline"))
        )
    else:
        raise ApiError(
            _("The running tray app could not mark all as read: {problem}").format(
                problem=outcome.problem or _("no reason given")
            )
        )
    return EXIT_OK


def cmd_read(ctx: Context) -> int:
    args = ctx.args
    if args.all == bool(args.ids):
        raise ConfigError(_("Give notification ids, or --all (not both)."))
    if args.all and not args.direct:
        code = tray_read_all(ctx)
        if code is not None:
            return code
    with ctx.open_client() as client:
        if args.all:
            print(_marked(client.mark_all_read()), file=ctx.out)
            return EXIT_OK
        failures: list[TraynotifyError] = []
        marked = 0
        for note_id in dict.fromkeys(args.ids):
            try:
                client.mark_read(note_id)
                marked += 1
            except (NotFoundError, InvalidRequestError) as exc:
                failures.append(exc)
                print(
                    f"traynotify: {note_id}: {one_line(str(exc))}{server_said(exc)}", file=ctx.err
                )
        print(_marked(marked), file=ctx.out)
    return exit_code_for(failures[0]) if failures else EXIT_OK
