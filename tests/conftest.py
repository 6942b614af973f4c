"""Shared fixtures. Under CI=true a skipped test counts as a failure."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from traynotify.api.client import Client
from traynotify.devserver import ContractServer, Store

from .desktop import ICON_NAME, AppProcess, Desktop, browser_stub, start_desktop, wait_for

KEY = "test-key-alice"
OTHER_KEY = "test-key-bob"
T0 = datetime(2026, 5, 22, 8, 0, tzinfo=timezone.utc)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if in_ci() and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped under CI=true, which counts as a failure: {reason}"


REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def own_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Each test gets its own settings, state and keyring, and speaks English."""
    import keyring

    from traynotify import i18n

    home = tmp_path / "home"
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state")):
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.keyrings.FileKeyring")
    monkeypatch.setenv("TRAYNOTIFY_TEST_KEYRING", str(tmp_path / "keyring.json"))
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    monkeypatch.setenv("LANGUAGE", "en")
    monkeypatch.delenv("BYTESPIKE_API_KEY", raising=False)
    from .keyrings import FileKeyring

    keyring.set_keyring(FileKeyring())
    yield home
    i18n.use_language("en")


class ServerClock:
    """The contract server's wall clock: it stands still unless a test moves it on
    (``advance``), or moves ``tick`` on by itself at every reading."""

    def __init__(self, now: datetime = T0 + timedelta(days=1), tick: timedelta | None = None):
        self.now = now
        self.tick = tick

    def __call__(self) -> datetime:
        if self.tick is not None:
            self.now += self.tick
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def seeded_store(clock: ServerClock | None = None) -> Store:
    """Alice: 3 unread + 2 read, ids not in time order. Bob: 1 unread."""
    store = Store(clock=clock or ServerClock())
    store.add_key(KEY, "alice")
    store.add_key("test-key-alice-2", "alice")
    store.add_key(OTHER_KEY, "bob")
    rows = [
        (5001, "system.payment.received", "Payment received · $25.00", "/billing", 8, None),
        (
            5006,
            "system.payment.received",
            "Payment received · $50.00",
            "/billing",
            5,
            T0 + timedelta(hours=6),
        ),
        (5003, "system.balance.notify.dispatched", "Balance low", "/billing", 7, None),
        (5004, "admin.org.member.add", "Mei joined", None, 3, None),
        (5002, "org.api_key.revoke", "Key revoked", "/org/keys", 1, T0 + timedelta(hours=2)),
    ]
    for id_, type_, title, link, hour, read_at in rows:
        store.add(
            "alice",
            type_,
            title,
            f"body of {id_}",
            link,
            id=id_,
            created_at=T0 + timedelta(hours=hour),
            read_at=read_at,
        )
    store.add(
        "bob", "admin.api_key.revoke", "Bob's key revoked", "", "/keys", id=7001, created_at=T0
    )
    return store


@pytest.fixture
def server_clock() -> ServerClock:
    return ServerClock()


@pytest.fixture
def server(server_clock: ServerClock) -> Iterator[ContractServer]:
    with ContractServer(seeded_store(server_clock)) as srv:
        yield srv


@pytest.fixture
def client(server: ContractServer) -> Iterator[Client]:
    with Client(server.url, KEY) as c:
        yield c


# -- the virtual desktop (see tests/desktop.py) --------------------------------------


@pytest.fixture(scope="module")
def desktop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desktop]:
    yield from start_desktop(tmp_path_factory.mktemp("desktop"))


Launch = Callable[..., AppProcess]


@pytest.fixture
def launch(desktop: Desktop, server: ContractServer, tmp_path: Path) -> Iterator[Launch]:
    started: list[AppProcess] = []
    browser, browser_log = browser_stub(tmp_path)
    app_tmp = tmp_path / "app-tmp"
    app_tmp.mkdir()
    desktop.close_toasts()

    def start(
        *args: str,
        backend: str | None = "gtk",
        key: str | None = KEY,
        state_home: Path | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> AppProcess:
        env = desktop.env
        env.update(
            BYTESPIKE_API_URL=server.url,
            BROWSER=browser,
            XDG_STATE_HOME=str(state_home or tmp_path / "state"),
            XDG_CONFIG_HOME=str(tmp_path / "config"),
            TMPDIR=str(app_tmp),  # what pystray writes stays with the test
        )
        if backend is None:  # the app's own choice, as users run it
            env.pop("PYSTRAY_BACKEND", None)
        else:
            env["PYSTRAY_BACKEND"] = backend
        env.pop("BYTESPIKE_API_KEY", None)
        if key is not None:
            env["BYTESPIKE_API_KEY"] = key
        env.update(extra_env or {})
        stderr_path = tmp_path / f"app-{len(started)}.stderr"
        with open(stderr_path, "w") as err:
            proc = subprocess.Popen(
                [sys.executable, "-m", "traynotify", "run", "--interval", "1", *args],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=err,
                text=True,
            )
        app = AppProcess(proc, desktop, browser_log, stderr_path, env)
        started.append(app)
        return app

    yield start
    for app in started:
        if app.proc.poll() is None:
            app.proc.terminate()
            try:
                app.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                app.proc.kill()
                app.proc.wait(timeout=10)
        # wait for the icon to leave the tray before the next test
    desktop.close_toasts()
    wait_for(
        "icons of this test to leave the tray",
        lambda: desktop.find_window(ICON_NAME) is None,
        timeout=10,
    )


@pytest.fixture
def server_env(server: ContractServer) -> dict[str, str]:
    """The environment of a signed-in user of the contract server."""
    return {"BYTESPIKE_API_URL": server.url, "BYTESPIKE_API_KEY": KEY}
