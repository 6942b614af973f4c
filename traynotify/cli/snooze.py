"""snooze: pause pop-ups for a while, or say whether they are paused."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from typing import Any

from ..i18n import _
from .context import Context
from .exits import EXIT_OK


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    snooze = sub.add_parser(
        "snooze",
        parents=[common],
        help="pause pop-ups: 30m, 1h, 2h30m, until HH:MM, tomorrow, or off",
    )
    snooze.add_argument("when", nargs="*", metavar="WHEN")
    snooze.set_defaults(handler=cmd_snooze)


def now() -> datetime:
    return datetime.now(timezone.utc)


def cmd_snooze(ctx: Context) -> int:
    from ..core.snooze import describe, parse_clock, parse_snooze
    from ..desktop.snooze_store import SNOOZE_CHANGED, SnoozeStore, snooze_path

    store = SnoozeStore(snooze_path())
    moment = now()
    if not ctx.args.when:
        paused, until, setting_off = paused_state(ctx, store, moment)
        if setting_off and not paused:
            print(_("Pop-ups are off in the settings (popups = false)"), file=ctx.out)
        else:
            print(describe(paused, until, moment), file=ctx.out)
        if setting_off:
            print(stay_off(), file=ctx.out)
        return EXIT_OK
    morning = parse_clock(ctx.settings.snooze_morning) or (9, 0)
    snooze = parse_snooze(ctx.args.when, moment, morning=morning)  # refusals leave the file
    store.write(snooze)
    told = ctx.tell_running_app(SNOOZE_CHANGED)
    setting_off = popups_setting_off(
        ctx, ctx.ask_running_app("state", timeout=1.0) if told else None
    )
    if snooze is None:
        # "on again" only if they are: the setting still holds them back otherwise
        print(_("The pause is over.") if setting_off else _("Pop-ups are on again."), file=ctx.out)
    else:
        print(describe(True, snooze.until, moment), file=ctx.out)
    if setting_off:
        print(stay_off(), file=ctx.out)
    if not told:
        print(_("The tray app follows it when it starts."), file=ctx.out)
    return EXIT_OK


def stay_off() -> str:
    """Said while the popups setting holds pop-ups back, whatever the snooze."""
    return _(
        "Pop-ups stay off while the popups setting is false "
        "('traynotify config unset popups' turns them on)."
    )


def paused_state(ctx: Context, store: Any, moment: datetime) -> tuple[bool, datetime | None, bool]:
    """Whether the user paused pop-ups, until when (None: until resumed, or not paused),
    and whether the popups setting holds them back (a pause or not).

    The running tray says (it also knows a pause from its menu); without one, the snooze
    on file and the popups setting."""
    answer = ctx.ask_running_app("state", timeout=1.0)
    if answer is not None:
        from ..core.bar import from_wire

        bar = from_wire(answer.get("state"))
        if bar is not None:
            setting_off = popups_setting_off(ctx, answer)
            if bar.paused_until is not None:
                return True, datetime.fromisoformat(bar.paused_until), setting_off
            paused = answer.get("popups_paused")
            # a tray from before the answer said so: its "paused" is either
            return (paused if isinstance(paused, bool) else bar.paused), None, setting_off
    paused, until = file_snooze(store, moment)
    return paused, until, not ctx.settings.popups


def popups_setting_off(ctx: Context, answer: dict[str, Any] | None) -> bool:
    """Whether the popups setting holds pop-ups back: as the running tray has it (its own
    command line and environment may differ), else as this command reads it."""
    off = answer.get("popups_setting_off") if answer is not None else None
    return off if isinstance(off, bool) else not ctx.settings.popups


def file_snooze(store: Any, moment: datetime) -> tuple[bool, datetime | None]:
    """Without a tray: the snooze on file, if it is in force, and its end."""
    snooze = store.read()
    if snooze is not None and snooze.active(moment):
        return True, snooze.until
    return False, None


def pause_fields(ctx: Context) -> dict[str, Any]:
    """``paused`` and ``paused_until`` for a count made without the tray."""
    from ..desktop.snooze_store import SnoozeStore, snooze_path

    try:
        store = SnoozeStore(snooze_path())
    except OSError:  # no folder of this user's, so no snooze on file
        return {"paused": not ctx.settings.popups, "paused_until": None}
    paused, until = file_snooze(store, now())
    return {
        "paused": paused or not ctx.settings.popups,
        "paused_until": until.isoformat(timespec="seconds") if until is not None else None,
    }
