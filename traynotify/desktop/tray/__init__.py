"""The tray icon: a StatusNotifierItem over D-Bus, or pystray."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ...core.state import TrayState


class TrayAdapter(Protocol):
    backend: str
    has_menu: bool

    def update(self, state: TrayState) -> None: ...
    def run(self, on_ready: Callable[[], None]) -> None: ...
    def stop(self) -> None: ...
