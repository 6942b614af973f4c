"""Soak: the real poller, HTTP client and tray icon, polling as fast as it can.

Run by bench/run.py on the virtual desktop: a clock that moves one interval per turn
makes every turn a poll, so 1,000 polls take seconds instead of 17 minutes. Prints
JSON with the process's RSS after 10 polls and after the last.
"""

import json
import sys
import threading
from pathlib import Path

import psutil

from traynotify.api.client import Client
from traynotify.core.poller import Poller, PollerConfig
from traynotify.desktop.seen import SeenStore
from traynotify.desktop.tray.pystray_tray import Tray


class StepClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> float:
        return self.now + 1.7e9


def main() -> None:
    url, key, polls, state = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    tray = Tray(lambda action: None)
    clock = StepClock()
    poller = Poller(
        config=PollerConfig(interval=1.0),
        key_source=lambda: key,
        client_factory=lambda k: Client(url, k),
        seen=SeenStore(state, url),
        publish=tray.update,
        toast=lambda toast: None,
        clock=clock,
    )
    result: dict[str, int] = {}

    def work() -> None:
        me = psutil.Process()
        try:
            while poller.polls < polls:
                clock.now += 1.0
                poller.step()
                if poller.polls == 10 and "rss_10" not in result:
                    result["rss_10"] = me.memory_info().rss
            result["rss_end"] = me.memory_info().rss
            result["polls"] = poller.polls
        finally:
            tray.stop()

    tray.run(on_ready=lambda: threading.Thread(target=work, daemon=True).start())
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
