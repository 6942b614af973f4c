"""The contract server with the sample feed, as both forms of ``traynotify demo`` run it."""

from __future__ import annotations

import threading

from ..api.models import Notification
from ..errors import ConfigError
from .samples import add_next, seed, ticker
from .server import ContractServer
from .store import Store


class DemoServer:
    """Sample notifications on a loopback port, and a new one every so often."""

    def __init__(self, port: int = 0) -> None:
        store = Store()
        seed(store)
        try:
            self.server = ContractServer(store, port=port)
        except OSError as exc:
            raise ConfigError(f"Cannot listen on port {port}: {exc.strerror}.") from None
        self.events = ticker()
        self._stop = threading.Event()

    @property
    def url(self) -> str:
        return self.server.url

    def add(self) -> Notification:
        return add_next(self.server.store, self.events)

    def feed_every(self, seconds: float) -> None:
        """Add a sample notification every ``seconds`` (0: never) until :meth:`close`."""

        def feed() -> None:
            while not self._stop.wait(seconds):
                self.add()

        if seconds > 0:
            threading.Thread(target=feed, name="demo-feed", daemon=True).start()

    def close(self) -> None:
        self._stop.set()
        self.server.stop()
