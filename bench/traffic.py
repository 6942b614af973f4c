"""Change detection, old way and new way: requests and bytes in one simulated hour.

    .venv/bin/python bench/traffic.py          (bench/run.py prints the same table)

Both ways run in this process against the contract server, through the real HTTP
client and a relay that counts every byte on the wire, on a fake clock at the default
60 s interval, so an hour takes seconds and every periodic full walk is counted.

- old way: ``unread-count`` each interval; the first 50 unread when the count changed
  (what traynotify did before).
- new way: the real :class:`~traynotify.core.poller.Poller`: one
  ``?unread=true&page_size=1`` probe each interval; more only when the count or the
  newest changed; a full walk every 10 minutes per page of unread.

The first poll (start-up, the first-run walk) is not counted: steady state only. The
"missed" column counts notifications the way never showed by the end of the hour.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import tempfile
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from traynotify.api.client import Client  # noqa: E402
from traynotify.core.poller import Poller, PollerConfig  # noqa: E402
from traynotify.core.toasts import Toast  # noqa: E402
from traynotify.desktop.seen import SeenStore  # noqa: E402
from traynotify.devserver import ContractServer, Store  # noqa: E402

INTERVAL = 60.0
POLLS = 60  # one hour
KEY = "bench-key"
T0 = datetime(2026, 5, 22, 8, 0, tzinfo=timezone.utc)


class CountingProxy:
    """A loopback TCP relay in front of the server that counts bytes both ways."""

    def __init__(self, target_port: int) -> None:
        self.target = ("127.0.0.1", target_port)
        self.bytes = 0
        self._lock = threading.Lock()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            for end in (client, upstream):  # relay each write as it comes, no Nagle delay
                end.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                with self._lock:
                    self.bytes += len(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def take(self) -> int:
        """Bytes relayed since the last call."""
        with self._lock:
            sent, self.bytes = self.bytes, 0
        return sent

    def close(self) -> None:
        self.sock.close()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> float:
        return self.now + 1.7e9


class Account:
    """A contract server with ``unread`` unread notifications and a feed of events."""

    def __init__(self, unread: int) -> None:
        self.minute = 0
        store = Store(clock=self.clock)
        store.add_key(KEY, "u")
        for i in range(unread):
            store.add("u", "admin.org.member.add", f"old {i}", "b", None)
        self.server = ContractServer(store).start()
        self.proxy = CountingProxy(int(self.server.url.rsplit(":", 1)[1]))

    def clock(self) -> datetime:
        return T0 + timedelta(minutes=self.minute)

    def new(self) -> int:
        return self.server.store.add("u", "admin.org.member.add", f"new at {self.minute}").id

    def read_oldest(self) -> None:
        oldest = self.server.store.query("u", unread=True)[-1]
        self.server.store.mark_read("u", oldest.id)

    def close(self) -> None:
        self.proxy.close()
        self.server.stop()


Scenario = Callable[[Account], list[int]]
"""One minute of server events; returns the ids of new notifications."""

SCENARIOS: dict[str, Scenario] = {
    "steady": lambda a: [],
    "one new a minute": lambda a: [a.new()],
    "one read elsewhere + one new a minute": lambda a: (a.read_oldest(), [a.new()])[1],
}


def old_way(account: Account, scenario: Scenario) -> tuple[int, int, int]:
    """The count-then-list poller as it was; returns (requests, bytes, missed)."""
    shown: set[int] = set()
    new_ids: list[int] = []
    with Client(account.proxy.url, KEY) as client:
        previous = client.unread_count()
        shown |= {n.id for n in client.list(unread=True, page_size=50).items}
        account.server.clear_requests()
        account.proxy.take()
        for _ in range(POLLS):
            account.minute += 1
            new_ids += scenario(account)
            count = client.unread_count()
            if count != previous:
                shown |= {n.id for n in client.list(unread=True, page_size=50).items}
                previous = count
    return len(account.server.requests()), account.proxy.take(), len(set(new_ids) - shown)


def new_way(account: Account, scenario: Scenario) -> tuple[int, int, int]:
    """The real poller on a fake clock; returns (requests, bytes, missed)."""
    clock = FakeClock()
    toasts: list[Toast] = []
    new_ids: list[int] = []
    with tempfile.TemporaryDirectory() as tmp:
        poller = Poller(
            config=PollerConfig(interval=INTERVAL, popups=True),
            key_source=lambda: KEY,
            client_factory=lambda key: Client(account.proxy.url, key),
            seen=SeenStore(Path(tmp) / "seen.json", account.proxy.url),
            publish=lambda state: None,
            toast=toasts.append,
            clock=clock,
        )
        try:
            clock.now += poller.step()
            poller.step()  # the first poll: the first-run walk
            account.server.clear_requests()
            account.proxy.take()
            for _ in range(POLLS):
                account.minute += 1
                new_ids += scenario(account)
                clock.now += INTERVAL
                poller.step()
            toasted = {t.notification_id for t in toasts}
            missed = len(set(new_ids) - toasted)
        finally:
            poller.stop()
    return len(account.server.requests()), account.proxy.take(), missed


Result = tuple[int, int, int]


def measure() -> list[tuple[int, str, Result, Result]]:
    rows = []
    for unread in (3, 60, 500, 5000):
        for name, scenario in SCENARIOS.items():
            results = []
            for way in (old_way, new_way):
                account = Account(unread)
                try:
                    results.append(way(account, scenario))
                finally:
                    account.close()
            rows.append((unread, name, results[0], results[1]))
    return rows


def table() -> str:
    lines = [
        "Change detection in one simulated hour at a 60 s interval (steady state, real HTTP "
        "through a byte-counting relay, fake clock):",
        "",
        "| unread | server events | old way: requests, KB, missed | new way: requests, KB, missed |",
        "|---|---|---|---|",
    ]
    for unread, name, old, new in measure():
        lines.append(
            f"| {unread:,} | {name} | {old[0]}, {old[1] / 1024:.0f} KB, {old[2]} "
            f"| {new[0]}, {new[1] / 1024:.0f} KB, {new[2]} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
