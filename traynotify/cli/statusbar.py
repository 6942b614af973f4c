"""count, watch, open: for status bars, prompts and scripts.

When the tray app runs, these ask it over its instance channel (a local socket) and
send no request of their own: the bar shows the tray's count, whatever the refresh
rate, at no cost to the server. Without a tray, ``count`` makes one request and
``watch`` runs its own poller (the same core as the tray, with no GUI).
"""

from __future__ import annotations

import argparse
import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from ..core.bar import FORMATS, TITLES, BarState, Format, bar_state, from_wire, headline, render
from ..core.text import one_line, to_json_text
from ..errors import AuthenticationError, TraynotifyError
from ..i18n import _
from .context import Context
from .exits import EXIT_AUTH, EXIT_OK, exit_code_for
from .tray_app import _number

if TYPE_CHECKING:
    from ..core.config import Settings
    from ..core.state import TrayState

FOLLOW_EVERY = 1.0
"""Seconds between two asks of the tray's state (half its interval when that is shorter)."""
TRAY_GRACE = 5.0
"""Seconds a tray that stopped answering may take to come back before watch polls itself."""
ASK_TIMEOUT = 1.0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    count = sub.add_parser(
        "count", parents=[common], help="print the unread count (from the tray app when it runs)"
    )
    _format_option(count)
    count.add_argument(
        "--direct", action="store_true", help="ask the server even when the tray app runs"
    )
    count.set_defaults(handler=cmd_count)

    watch = sub.add_parser(
        "watch",
        parents=[common],
        help="print the count now and again on every change (for status bars)",
    )
    _format_option(watch)
    watch.add_argument(
        "--interval",
        type=_number,
        default=None,
        metavar="SECONDS",
        help="with no tray app running: seconds between its own polls (default 60, at least 1)",
    )
    watch.set_defaults(handler=cmd_watch)

    opener = sub.add_parser("open", parents=[common], help="open the console's notifications page")
    opener.add_argument(
        "--direct", action="store_true", help="open it from here even when the tray app runs"
    )
    opener.set_defaults(handler=cmd_open)


def _format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text: the count; json: count, state and newest titles; "
        "waybar: JSON for waybar's custom module",
    )


# -- the tray's state over the channel --------------------------------------------------


def ask_tray(ctx: Context, timeout: float = ASK_TIMEOUT) -> BarState | None:
    """The running tray app's state, when it runs for the same API URL; else None.

    No key lookup and no HTTP library: a local socket and a few bytes of JSON."""
    answer = ctx.ask_running_app("state", timeout)
    if answer is None or answer.get("api_url") != ctx.settings.api_url:
        return None
    return from_wire(answer.get("state"))


# -- count ------------------------------------------------------------------------------


def cmd_count(ctx: Context) -> int:
    fmt: Format = ctx.args.format
    bar = None if ctx.args.direct else ask_tray(ctx)
    if bar is not None and bar.freshness != "starting":
        return _print_tray_count(ctx, bar, fmt)
    try:
        bar = _count_from_server(ctx)
    except TraynotifyError as err:
        if fmt == "waybar":  # the bar shows the problem; stderr still says it
            state = "signed-out" if exit_code_for(err) == EXIT_AUTH else "offline"
            line = {
                "text": "!",
                "alt": state,
                "tooltip": f"traynotify: {one_line(str(err))}".replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;"),
                "class": ["none", state],
            }
            print(to_json_text(line), file=ctx.out)
        raise
    print(_count_line(bar, fmt, "server"), file=ctx.out)
    return EXIT_OK


def _count_line(bar: BarState, fmt: Format, source: str) -> str:
    return str(bar.unread) if fmt == "text" else render(bar, fmt, source)


def _print_tray_count(ctx: Context, bar: BarState, fmt: Format) -> int:
    if fmt == "text" and bar.freshness == "signed-out":
        raise AuthenticationError(
            _("The running tray app is signed out ({problem}).").format(
                problem=bar.problem or _("no API key")
            )
        )
    print(_count_line(bar, fmt, "tray"), file=ctx.out)
    if fmt == "text" and bar.freshness != "fresh":
        ctx.warn(headline(bar))
    return EXIT_AUTH if bar.freshness == "signed-out" else EXIT_OK


def _count_from_server(ctx: Context) -> BarState:
    """One request, to the endpoint the API names for badges: the unread count alone."""
    with ctx.open_client() as client:
        count = client.unread_count()
    from .snooze import pause_fields

    return BarState("fresh", unread=count, interval=ctx.settings.interval, **pause_fields(ctx))


# -- open -------------------------------------------------------------------------------


def cmd_open(ctx: Context) -> int:
    if not ctx.args.direct and ctx.ask_running_app("open") is not None:
        return EXIT_OK
    from ..core.links import safe_link
    from ..desktop.browser import open_url
    from ..errors import ConfigError

    url = safe_link(ctx.settings.console_url, "/")
    if url is None:
        raise ConfigError(
            _("The console URL {url} is not one traynotify opens (https only).").format(
                url=ctx.settings.console_url
            )
        )
    if not open_url(url):
        raise ConfigError(_("Could not start a browser for {url}.").format(url=url))
    return EXIT_OK


# -- watch ------------------------------------------------------------------------------


class Source(Protocol):
    """Where watch gets a state when no tray app answers: its own poller."""

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def latest(self) -> BarState | None: ...


class OwnPoller:
    """The tray's poller, without a tray: same schedule, back-off, Retry-After, 401 stop.

    It records shown ids in a throwaway folder, never in the tray's file, and shows no
    pop-ups: a later tray app still announces everything it has not shown."""

    def __init__(
        self,
        settings: Settings,
        key_source: Callable[[], str | None],
        wake: threading.Event,
        clock: Any = None,
    ) -> None:
        self.settings = settings
        self.key_source = key_source
        self.wake = wake
        self.clock = clock
        self.poller: Any = None
        self._folder: Any = None
        self._state: TrayState | None = None

    def make(self) -> Any:
        """A new poller (not started), publishing to this source."""
        import tempfile

        from ..api.client import Client
        from ..core.poller import Poller, PollerConfig
        from ..desktop.seen import SeenStore

        settings = self.settings
        self._folder = tempfile.TemporaryDirectory(prefix="traynotify-watch-")
        return Poller(
            config=PollerConfig(
                interval=settings.interval,
                menu_length=TITLES,
                muted_types=settings.muted_types,
                popups=False,
            ),
            key_source=self.key_source,
            client_factory=lambda key: Client(settings.api_url, key),
            seen=SeenStore(Path(self._folder.name) / "seen.json", settings.api_url),
            publish=self._publish,
            toast=lambda toast: None,
            clock=self.clock,
        )

    def _publish(self, state: TrayState) -> None:
        self._state = state
        self.wake.set()

    def start(self) -> None:
        if self.poller is None:
            self._state = None
            self.poller = self.make()
            self.poller.start()

    def stop(self) -> None:
        if self.poller is not None:
            self.poller.stop(timeout=1.0)
            self.poller = None
        if self._folder is not None:
            with contextlib.suppress(OSError):
                self._folder.cleanup()
            self._folder = None

    def latest(self) -> BarState | None:
        state = self._state
        if state is None:
            return None
        # This poller's pop-ups are off by design: that is not the user's pause.
        return bar_state(state, self.settings.interval)._replace(paused=False)


class Watch:
    """Prints a line at start and one on every change of what the bar shows."""

    def __init__(
        self,
        fmt: Format,
        out: TextIO,
        ask: Callable[[], BarState | None],
        own: Source,
        wake: threading.Event | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.fmt = fmt
        self.out = out
        self.ask = ask
        self.own = own
        self.wake = wake or threading.Event()
        self.monotonic = monotonic
        self.stopped = False
        self.printed: str | None = None
        self._tray_seen_at: float | None = None

    def stop(self) -> None:
        """From a signal handler or another thread: end after the current turn."""
        self.stopped = True
        self.wake.set()

    def turn(self) -> float:
        """Ask, print when it changed; returns the seconds until the next turn."""
        bar = self.ask()
        now = self.monotonic()
        if bar is not None:
            self._tray_seen_at = now
            self.own.stop()
            self._show(bar, "tray")
            return min(FOLLOW_EVERY, bar.interval / 2)
        recently = self._tray_seen_at is not None and now - self._tray_seen_at < TRAY_GRACE
        if not recently:  # no tray (or it has not come back): poll ourselves
            self.own.start()
            own = self.own.latest()
            if own is not None:
                self._show(own, "watch")
            elif self.printed is None:
                self._show(BarState("starting"), "watch")
        return FOLLOW_EVERY

    def _show(self, bar: BarState, source: str) -> None:
        if bar.freshness == "starting" and self.printed is not None:
            return  # keep showing what was known until there is news
        seen = render(bar, self.fmt, "")  # which of the two pollers answered is not news
        if seen != self.printed:
            print(render(bar, self.fmt, source), file=self.out, flush=True)
            self.printed = seen
        elif _reader_gone(self.out):
            raise BrokenPipeError

    def run(self) -> None:
        try:
            while not self.stopped:
                delay = self.turn()
                if self.stopped:
                    break
                self.wake.wait(delay)
                self.wake.clear()
        finally:
            self.own.stop()


def _reader_gone(out: TextIO) -> bool:
    """Whether the reading end of our output pipe was closed (the bar went away)."""
    import select

    if not hasattr(select, "poll"):
        return False
    try:
        fd = out.fileno()
    except (OSError, ValueError, AttributeError):
        return False
    poller = select.poll()
    poller.register(fd, 0)  # POLLERR and POLLHUP are always reported
    return any(event & (select.POLLERR | select.POLLHUP) for _fd, event in poller.poll(0))


@contextlib.contextmanager
def _ending_on_signals(stop: Callable[[], None]) -> Iterator[None]:
    """SIGTERM and SIGHUP end watch cleanly (its poller stopped, its files removed)."""
    import signal  # watch only: count should not load it

    names = ("SIGTERM", "SIGHUP")
    signals = [getattr(signal, n) for n in names if hasattr(signal, n)]
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, lambda signum, frame: stop()) for sig in signals}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def cmd_watch(ctx: Context) -> int:
    from ..desktop.credentials import KeySource, KeyStore

    settings = ctx.settings
    wake = threading.Event()
    own = OwnPoller(settings, KeySource(ctx.env, KeyStore(), settings.api_url), wake)
    watch = Watch(ctx.args.format, ctx.out, lambda: ask_tray(ctx), own, wake)
    with _ending_on_signals(watch.stop):
        watch.run()
    return EXIT_OK
