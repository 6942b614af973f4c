"""The tray icon: a StatusNotifierItem over D-Bus, or pystray."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ...core.state import TrayState


class TrayAdapter(Protocol):
    backend: str
    has_menu: bool

    def update(self, state: TrayState) -> None: ...
    def set_menu_options(self, menu_length: int, morning: str) -> None:
        """How many notification rows the menu lists, and the local time ("09:00") its
        "Until tomorrow" pauses until; drawn at the next update."""
        ...

    def run(self, on_ready: Callable[[], None]) -> None: ...
    def stop(self) -> None: ...
