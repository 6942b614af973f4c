"""What a status bar shows: the tray's state as one small value, and its lines.

The running tray app answers ``state`` on its instance channel with :func:`to_wire`
of its last published state; ``traynotify count`` and ``traynotify watch`` read it
back with :func:`from_wire` (another process's answer: checked, never trusted) and
print it with :func:`render`. Pure functions: no clock, network or threads.

It loads little (no dataclasses, no tray state at import): a status bar runs
``traynotify count`` every few seconds, and its start-up is most of its cost.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from ..i18n import _
from .text import one_line, to_json_text

if TYPE_CHECKING:
    from .state import TrayState

Freshness = Literal["fresh", "stale", "offline", "signed-out", "starting"]
FRESHNESS: tuple[Freshness, ...] = ("fresh", "stale", "offline", "signed-out", "starting")
Format = Literal["text", "json", "waybar"]
FORMATS: tuple[Format, ...] = ("text", "json", "waybar")
TITLES = 5
"""Newest unread titles a bar's tooltip lists."""
TITLE_LENGTH = 80
MAX_COUNT = 10**9


class BarState(NamedTuple):
    """The part of the tray's state a status bar shows."""

    freshness: Freshness
    """fresh: the server's answer of the last poll; stale: the server failed since (the
    count is from before); offline: the server could not be reached since; signed-out:
    no key, or it was rejected; starting: no answer yet."""
    unread: int = 0
    """Unread count (the last one known when stale or offline; 0 when signed out)."""
    titles: tuple[str, ...] = ()
    """Newest unread titles, newest first, one line each."""
    problem: str | None = None
    """What is wrong, in one line (not fresh only)."""
    interval: float = 60.0
    """Seconds between the answering poller's polls."""
    paused: bool = False
    """Pop-ups are paused (snoozed, paused from the menu, or off in the settings)."""
    paused_until: str | None = None
    """When a timed snooze ends (ISO 8601 with offset); None when not timed."""


def bar_state(state: TrayState, interval: float, paused_until: str | None = None) -> BarState:
    """The bar's view of a tray state; ``paused_until``: the end of a timed snooze."""
    from .state import Status

    freshness: Freshness
    paused = state.popups_off
    until = paused_until if paused else None
    if state.status is Status.SIGNED_OUT:
        return BarState(
            "signed-out",
            problem=one_line(state.problem or _("no API key"), 120),
            interval=interval,
            paused=paused,
            paused_until=until,
        )
    if state.status is Status.STARTING:
        return BarState("starting", interval=interval, paused=paused, paused_until=until)
    if state.status is Status.OFFLINE:
        freshness = "offline"
    elif state.status is Status.ERROR or state.stale:
        freshness = "stale"
    else:
        freshness = "fresh"
    return BarState(
        freshness,
        unread=state.count,
        titles=tuple(one_line(n.title, TITLE_LENGTH) for n in state.items[:TITLES]),
        problem=None if freshness == "fresh" else one_line(state.problem or "", 120) or None,
        interval=interval,
        paused=paused,
        paused_until=until,
    )


def to_wire(bar: BarState) -> dict[str, Any]:
    """The ``state`` answer of the instance channel (plain JSON, nothing secret)."""
    return {
        "freshness": bar.freshness,
        "count": bar.unread,
        "titles": list(bar.titles),
        "problem": bar.problem,
        "interval": bar.interval,
        "paused": bar.paused,
        "paused_until": bar.paused_until,
    }


def _instant(value: object) -> str | None:
    """An ISO 8601 time with a UTC offset, as given; None when it is not one."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    from datetime import datetime

    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return value if parsed.tzinfo is not None else None


def from_wire(data: object) -> BarState | None:
    """A ``state`` answer read back; None when it is not one."""
    if not isinstance(data, Mapping):
        return None
    freshness, count = data.get("freshness"), data.get("count")
    titles, problem, interval = data.get("titles"), data.get("problem"), data.get("interval")
    if freshness not in FRESHNESS:
        return None
    if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= MAX_COUNT:
        return None
    if not isinstance(titles, list) or not all(isinstance(t, str) for t in titles):
        return None
    if problem is not None and not isinstance(problem, str):
        return None
    if not isinstance(interval, (int, float)) or isinstance(interval, bool):
        return None
    if not 0 < interval < float("inf"):
        return None
    # Absent from the answer of a tray from before snoozes: not paused, as far as known.
    paused, until = data.get("paused", False), data.get("paused_until")
    if not isinstance(paused, bool):
        return None
    if until is not None and (not paused or _instant(until) is None):
        return None
    return BarState(
        freshness,
        unread=count,
        titles=tuple(one_line(t, TITLE_LENGTH) for t in titles[:TITLES]),
        problem=one_line(problem, 120) if problem else None,
        interval=float(interval),
        paused=paused,
        paused_until=until,
    )


def _badge(count: int) -> str:
    """The icon's badge text (:func:`traynotify.core.badge.badge_text`), "0" for none."""
    return str(count) if count <= 99 else "99+"


def _markup(text: str) -> str:
    """waybar reads tooltips as Pango markup: server text must not be taken as such."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def headline(bar: BarState) -> str:
    """One line in words: "traynotify: 3 unread", and what is wrong when not fresh."""
    if bar.freshness == "signed-out":
        return _("traynotify: signed out ({problem})").format(
            problem=bar.problem or _("no API key")
        )
    if bar.freshness == "starting":
        return _("traynotify: connecting…")
    text = _("traynotify: {n} unread").format(n=bar.unread)
    why = f" ({bar.problem})" if bar.problem else ""
    if bar.freshness == "offline":
        text += " · " + _("offline, last known count") + why
    elif bar.freshness == "stale":
        text += " · " + _("not up to date") + why
    return text


def render(bar: BarState, fmt: Format, source: str) -> str:
    """The line a status bar or script reads, in ``fmt``."""
    if fmt == "json":
        return to_json_text(
            {
                "count": bar.unread,
                "state": bar.freshness,
                "titles": list(bar.titles),
                "problem": bar.problem,
                "source": source,
                "paused": bar.paused,
                "paused_until": bar.paused_until,
            }
        )
    if fmt == "waybar":
        if bar.freshness == "signed-out":
            text = "!"
        elif bar.freshness == "starting":
            text = "…"
        else:
            text = _badge(bar.unread)
        unread = "unread" if bar.unread else "none"
        alt = unread if bar.freshness == "fresh" else bar.freshness
        tooltip = "\n".join([headline(bar), *("• " + t for t in bar.titles)])
        classes = [unread, bar.freshness]
        return to_json_text(
            {"text": text, "alt": alt, "tooltip": _markup(tooltip), "class": classes}
        )
    if bar.freshness == "fresh":
        return str(bar.unread)
    if bar.freshness == "signed-out":
        return _("signed out")
    if bar.freshness == "starting":
        return "…"
    return f"{bar.unread} ({bar.freshness})"
