"""What the tray did with a "mark all as read" from the command line: plain values.

The tray answers ``read-all`` over the instance channel with one of these, so
``traynotify read --all`` reports what happened, not what was hoped for.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .state import Status, TrayState


class Done(enum.Enum):
    MARKED = "marked"
    """The server marked ``count`` read."""
    NOTHING = "nothing"
    """Nothing was unread: nothing sent."""
    SENT = "sent"
    """Handed to the poller, which shows anything new first; no answer from it yet."""
    OFFLINE = "offline"
    """The tray cannot reach the server now: nothing sent."""
    FAILED = "failed"
    """The server refused it, or the request failed."""
    SIGNED_OUT = "signed-out"
    """The tray has no key the server takes: nothing sent."""
    STARTING = "starting"
    """The tray has not heard from the server yet: nothing sent."""


@dataclass(frozen=True)
class MarkAllOutcome:
    done: Done
    count: int = 0
    """How many: marked (MARKED), or unread when it was handed on (SENT)."""
    problem: str = ""
    """One line on what went wrong (OFFLINE, FAILED, SIGNED_OUT)."""

    def to_wire(self) -> dict[str, Any]:
        return {"done": self.done.value, "count": self.count, "problem": self.problem}

    @classmethod
    def from_wire(cls, answer: Mapping[str, Any]) -> MarkAllOutcome | None:
        """The outcome in a tray's answer; None when it does not say one (an older tray)."""
        try:
            done = Done(answer.get("done"))
        except ValueError:
            return None
        count = answer.get("count")
        problem = answer.get("problem")
        return cls(
            done,
            count if isinstance(count, int) and not isinstance(count, bool) and count >= 0 else 0,
            problem if isinstance(problem, str) else "",
        )


def before_sending(state: TrayState) -> MarkAllOutcome | None:
    """The outcome the published state already decides (None: send it to the poller)."""
    if state.status is Status.SIGNED_OUT:
        return MarkAllOutcome(Done.SIGNED_OUT, problem=state.problem or "")
    if state.status is Status.STARTING:
        return MarkAllOutcome(Done.STARTING)
    if state.status in (Status.OFFLINE, Status.ERROR):
        return MarkAllOutcome(Done.OFFLINE, problem=state.problem or "")
    if state.count == 0:
        return MarkAllOutcome(Done.NOTHING)
    return None
