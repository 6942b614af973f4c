"""What to pop up for new notifications: a pure plan, no toolkit."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from ..api.models import Notification
from ..i18n import _, ngettext
from .text import one_line, paragraph

MAX_SINGLE = 3
TITLE_LIMIT = 100


@dataclass(frozen=True)
class Toast:
    """One OS notification to show."""

    title: str
    body: str
    notification_id: int | None = None
    """The notification it stands for; None for a summary."""
    covers: tuple[int, ...] = ()
    """Every notification it tells the user of: its own, or each one a summary counts."""
    subject: Notification | None = field(default=None, compare=False)
    """The notification it stands for, so a click opens it wherever it is in the list."""


def plan_toasts(
    new: Sequence[Notification],
    *,
    first_run: bool,
    unread_total: int,
    muted: Collection[str] = (),
    enabled: bool = True,
) -> list[Toast]:
    """Toasts for notifications not shown before; ``new`` is newest first.

    First start with a backlog: one summary. More than MAX_SINGLE new at once:
    one summary. Otherwise one toast each, oldest first, so the newest lands on top.
    """
    if not enabled:
        return []
    if first_run:
        if unread_total <= 0:
            return []
        title = ngettext(
            "You have {n} unread notification", "You have {n} unread notifications", unread_total
        )
        newest = [n for n in new if n.type not in muted]
        body = one_line(newest[0].title, TITLE_LIMIT) if newest else ""
        return [Toast(title.format(n=unread_total), body, covers=tuple(n.id for n in new))]
    shown = [n for n in new if n.type not in muted]
    if not shown:
        return []
    if len(shown) <= MAX_SINGLE:
        return [
            Toast(
                one_line(n.title, TITLE_LIMIT) or _("New notification"),
                paragraph(n.body),
                n.id,
                (n.id,),
                n,
            )
            for n in reversed(shown)
        ]
    total = len(shown)
    title = ngettext("{n} new notification", "{n} new notifications", total).format(n=total)
    body = " · ".join(one_line(n.title, 60) for n in shown[:MAX_SINGLE])
    if total > MAX_SINGLE:
        body += " …"
    return [Toast(title, body, covers=tuple(n.id for n in shown))]


def also_marked_toast(marked: Sequence[Notification], more: int = 0) -> Toast:
    """Mark all flipped notifications that were never shown: name them.

    ``more``: how many else it flipped that could not be fetched to name.
    """
    names = " · ".join(one_line(n.title, 60) or _("(no title)") for n in marked[:MAX_SINGLE])
    rest = len(marked[MAX_SINGLE:]) + max(0, more)
    if rest and names:
        tail = ngettext("{n} more", "{n} more", rest).format(n=rest)
        names = _("{names} and {more}").format(names=names, more=tail)
    elif rest:
        names = ngettext(
            "{n} notification you were not shown", "{n} notifications you were not shown", rest
        ).format(n=rest)
    return Toast(
        _("Also marked read: {titles}").format(titles=names), "", covers=tuple(n.id for n in marked)
    )


def while_paused_toast(held: Sequence[Notification], more: int = 0) -> Toast | None:
    """The one pop-up when a pause of pop-ups ends: what arrived meanwhile and is still
    unread (``held``, newest first), and ``more`` older ones only counted. None: nothing.

    One alone is named and opens itself; more are counted, with the newest titles,
    and a click opens the console's list.
    """
    total = len(held) + max(0, more)
    if total <= 0:
        return None
    covers = tuple(n.id for n in held)
    if total == 1 and held:
        note = held[0]
        title = _("While pop-ups were paused: {title}").format(
            title=one_line(note.title, TITLE_LIMIT) or _("(no title)")
        )
        return Toast(title, paragraph(note.body), note.id, covers, note)
    title = ngettext(
        "{n} notification arrived while pop-ups were paused",
        "{n} notifications arrived while pop-ups were paused",
        total,
    ).format(n=total)
    body = " · ".join(one_line(n.title, 60) or _("(no title)") for n in held[:MAX_SINGLE])
    if total > MAX_SINGLE and body:
        body += " …"
    return Toast(title, body, covers=covers)
