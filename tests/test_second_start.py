"""A second start says what the running tray app does: refresh, or not again so soon."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from traynotify.app import ChannelWords, hand_over
from traynotify.core.throttle import WALK_GAP
from traynotify.desktop.instance import Instance


class Clock:
    now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def tray(tmp_path: Path) -> Iterator[tuple[Instance, list[int], Clock]]:
    refreshes: list[int] = []
    clock = Clock()
    words = ChannelWords(
        lambda: None,
        lambda: None,
        refresh=lambda: refreshes.append(1),
        new_key=lambda: None,
        toast=lambda toast: None,
        clock=clock,
    )
    instance = Instance(tmp_path / "state")
    assert instance.acquire()
    # as App.on_command answers it
    instance.serve(lambda c: {"refreshing": words.activate()} if c == "activate" else None)
    yield instance, refreshes, clock
    words.stop()
    instance.close()


def test_a_second_start_says_whether_the_tray_refreshes(
    tray: tuple[Instance, list[int], Clock], capsys: pytest.CaptureFixture[str]
) -> None:
    instance, refreshes, clock = tray
    assert hand_over(instance.folder, attempts=1) == 0
    assert capsys.readouterr().out == "traynotify is already running; it will refresh now.\n"
    assert hand_over(instance.folder, attempts=1) == 0  # at once again: no second walk
    assert capsys.readouterr().out == (
        "traynotify is already running; it refreshed less than a minute ago.\n"
    )
    assert refreshes == [1]
    clock.now += WALK_GAP
    assert hand_over(instance.folder, attempts=1) == 0
    assert capsys.readouterr().out == "traynotify is already running; it will refresh now.\n"
    assert refreshes == [1, 1]
