"""doctor: what this desktop offers, and what traynotify will use."""

from __future__ import annotations

import argparse
from typing import Any

from .context import Context


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    doctor = sub.add_parser(
        "doctor", parents=[common], help="what this desktop offers and what traynotify will use"
    )
    doctor.set_defaults(handler=cmd_doctor)


def cmd_doctor(ctx: Context) -> int:
    from ..desktop.doctor import run_doctor

    return run_doctor(ctx.env, ctx.out)
