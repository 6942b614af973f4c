"""Pop-ups: freedesktop notifications over D-Bus on Linux, plyer elsewhere."""

from __future__ import annotations

from typing import Protocol

from ...core.toasts import Toast


class Notifier(Protocol):
    mechanism: str

    def show(self, toast: Toast) -> bool:
        """Show ``toast``; never raises (a failure is a logged warning and False)."""
        ...
