"""Timed snooze: what ``traynotify snooze WHEN`` means, and how its end reads.

Pure functions over an aware ``now`` and a time zone (None: the system's own rules,
daylight saving included). The grammar::

    DURATION        30m, 1h, 2h30m, 1d (from 1 minute to 7 days)
    until HH:MM     the next such local time (today or tomorrow)
    tomorrow        the next snooze_morning (09:00 unless set) local time
    off             no snooze

A duration is elapsed time: "2h" across a daylight-saving change still lasts two hours.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo

from ..errors import ConfigError
from ..i18n import _

MIN_SNOOZE = timedelta(minutes=1)
MAX_SNOOZE = timedelta(days=7)
MORNING = (9, 0)
"""``tomorrow`` without a snooze_morning setting: 09:00."""

_CLOCK = re.compile(r"([0-9]{1,2}):([0-9]{2})", re.ASCII)
_DURATION = re.compile(r"(?:([0-9]{1,6})d)?(?:([0-9]{1,6})h)?(?:([0-9]{1,6})m)?", re.ASCII)


class SnoozeError(ConfigError):
    """A snooze the grammar refuses; the message is one line."""


@dataclass(frozen=True)
class Snooze:
    """A pause of pop-ups, as kept in the state folder."""

    until: datetime | None
    """When it ends (aware); None: until the user resumes."""

    def active(self, now: datetime) -> bool:
        return self.until is None or utc(now) < utc(self.until)


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC: aware datetimes of one zone compare and subtract by wall time."""
    return moment.astimezone(timezone.utc)


def parse_clock(text: str) -> tuple[int, int] | None:
    """``HH:MM`` (ASCII digits, 00:00 to 23:59) as (hour, minute); None otherwise."""
    match = _CLOCK.fullmatch(text.strip())
    if match is None:
        return None
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        return None
    return hour, minute


def parse_duration(text: str) -> timedelta | None:
    """``2h30m`` and the like as a timedelta (may be zero); None when it is not one."""
    match = _DURATION.fullmatch(text.strip().lower())
    if match is None or not any(match.groups()):
        return None
    days, hours, minutes = (int(g) if g else 0 for g in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


def at_local(day: date, hour: int, minute: int, zone: tzinfo | None) -> datetime:
    """``day`` at ``hour:minute`` local time, as an aware instant.

    A time skipped by a daylight-saving change (02:30 on the spring-forward night) is
    the instant that clock reading would have been, an hour later on the new clock; a
    time that happens twice is its first occurrence."""
    naive = datetime.combine(day, time(hour, minute))
    if zone is None:
        return naive.astimezone()  # the system's rules for that date
    return naive.replace(tzinfo=zone).astimezone(timezone.utc).astimezone(zone)


def next_local(now: datetime, hour: int, minute: int, zone: tzinfo | None) -> datetime:
    """The first ``hour:minute`` local time after ``now``."""
    today = now.astimezone(zone).date()
    for days in range(3):
        candidate = at_local(today + timedelta(days=days), hour, minute, zone)
        if utc(candidate) > utc(now):
            return candidate
    raise AssertionError("a clock time recurs within two days")  # pragma: no cover


def parse_snooze(
    words: Sequence[str],
    now: datetime,
    *,
    morning: tuple[int, int] = MORNING,
    zone: tzinfo | None = None,
) -> Snooze | None:
    """What ``traynotify snooze WORDS`` asks for: a snooze, or None for ``off``.

    Raises SnoozeError (one line) for anything else."""
    text = " ".join(w.strip() for w in words).strip()
    lowered = text.lower()
    if lowered == "off":
        return None
    if lowered == "tomorrow":
        return Snooze(next_local(now, *morning, zone))
    head, _sep, rest = lowered.partition(" ")
    if head == "until":
        if not rest.strip():
            raise SnoozeError(_("'until' needs a time of day, such as 'until 17:30'."))
        clock = parse_clock(rest)
        if clock is None:
            raise SnoozeError(
                _("{text!r} is not a time of day from 00:00 to 23:59.").format(text=rest.strip())
            )
        return Snooze(next_local(now, *clock, zone))
    if lowered.startswith(("-", "−")) and parse_duration(lowered[1:]) is not None:
        raise SnoozeError(_("A snooze lasts at least 1 minute."))
    length = parse_duration(lowered)
    if length is None:
        raise SnoozeError(
            _(
                "Give a duration (30m, 1h, 2h30m), 'until HH:MM', 'tomorrow' or 'off', "
                "not {text!r}."
            ).format(text=text)
        )
    if length < MIN_SNOOZE:
        raise SnoozeError(_("A snooze lasts at least 1 minute."))
    if length > MAX_SNOOZE:
        raise SnoozeError(_("A snooze lasts at most 7 days."))
    return Snooze((utc(now) + length).astimezone(zone))


def remaining(until: datetime, now: datetime) -> str:
    """Time left, rounded up to the minute: "58 min", "2 h 30 min", "3 d 4 h"."""
    minutes = max(0, math.ceil((utc(until) - utc(now)).total_seconds() / 60))
    if minutes < 60:
        return _("{m} min").format(m=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        if minutes == 0:
            return _("{h} h").format(h=hours)
        return _("{h} h {m} min").format(h=hours, m=minutes)
    days, hours = divmod(hours, 24)
    if hours == 0:
        return _("{d} d").format(d=days)
    return _("{d} d {h} h").format(d=days, h=hours)


def clock_text(until: datetime, now: datetime, zone: tzinfo | None = None) -> str:
    """The end as a local clock time: "10:30", "tomorrow 09:00", "2026-12-12 09:00"."""
    local = until.astimezone(zone)
    today = now.astimezone(zone).date()
    hhmm = local.strftime("%H:%M")
    if local.date() == today:
        return hhmm
    if local.date() == today + timedelta(days=1):
        return _("tomorrow {time}").format(time=hhmm)
    return f"{local.date().isoformat()} {hhmm}"


def describe(
    paused: bool, until: datetime | None, now: datetime, zone: tzinfo | None = None
) -> str:
    """The state in words: "Pop-ups paused until 10:30 (58 min)"."""
    if not paused:
        return _("Pop-ups are on")
    if until is None:
        return _("Pop-ups paused until you resume them")
    return _("Pop-ups paused until {time} ({left})").format(
        time=clock_text(until, now, zone), left=remaining(until, now)
    )
