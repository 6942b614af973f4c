"""A real Linux desktop (GNOME Shell, KDE Plasma) in a Debian 12 chroot, on Xvfb.

The chroot is built once by ``.ci/desktops/build-chroot`` and kept outside the
clone (see that script); here it is mounted, a session is started in it as the
user ``desk``, and torn down again: every process of that session is stopped and
every mount undone. The app runs inside the chroot too, from this clone's
virtualenv (bind-mounted at the same path), against the contract server on the
host's loopback. Without root or debootstrap the tests skip, which conftest
turns into a failure under CI=true.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from .desktop import wait_for

REPO = Path(__file__).resolve().parent.parent
BUILD = REPO / ".ci" / "desktops" / "build-chroot"
GUARD = REPO / "tests" / "no_gtk_run.py"
USER = "desk"
UID = 4242
HOME = "/home/desk"
OUT = "/desk"
"""The session's files inside the chroot (logs, pid files, screenshots)."""


def build(name: str) -> Path:
    """The chroot of desktop ``name`` (built now if the cache has none)."""
    if os.geteuid() != 0:
        pytest.skip("the desktop chroots need root (debootstrap, chroot, mount)")
    if shutil.which("debootstrap") is None:
        pytest.skip("debootstrap is missing (apt package debootstrap)")
    if not sys.executable.startswith(str(REPO)):
        pytest.skip(f"run the tests from this clone's virtualenv, not {sys.executable}")
    done = subprocess.run(
        [str(BUILD), name], capture_output=True, text=True, timeout=1800, check=False
    )
    if done.returncode != 0:
        pytest.fail(f"building the {name} chroot failed:\n{done.stderr[-3000:]}")
    return Path(done.stdout.strip().splitlines()[-1])


def free_display() -> int:
    """An X display number no server here (in a chroot or not) listens on."""
    used = Path("/proc/net/unix").read_text(errors="replace")
    while True:
        n = random.randrange(300, 900)
        if f"/tmp/.X11-unix/X{n}\n" not in used and f"/tmp/.X{n}-lock" not in used:
            return n


class Chroot:
    """One mounted chroot with a desktop session in it, as the user ``desk``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.display = free_display()
        self.env: dict[str, str] = {
            "HOME": HOME,
            "USER": USER,
            "LOGNAME": USER,
            "PATH": "/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "XDG_RUNTIME_DIR": f"{OUT}/xdg",
            "DISPLAY": f":{self.display}",
            "NO_AT_BRIDGE": "1",
            "XDG_SESSION_TYPE": "x11",
        }
        self._mounts: list[Path] = []
        self._children: list[subprocess.Popen[bytes]] = []
        self._system_bus: int | None = None
        self.out = root / OUT.lstrip("/")

    # -- set-up and tear-down ----------------------------------------------------------
    def open(self) -> None:
        binds = [
            ("proc", ["-t", "proc", "proc"]),
            ("sys", ["-t", "sysfs", "sys"]),
            ("dev", ["--bind", "/dev"]),
            ("dev/pts", ["--bind", "/dev/pts"]),
            (str(REPO).lstrip("/"), ["--bind", str(REPO)]),
        ]
        # the virtualenv's own Python, where it is not the system's (pyenv, a build)
        base = Path(sys.base_prefix)
        if base != Path("/usr"):
            binds.append((str(base).lstrip("/"), ["--bind", str(base)]))
        for sub, how in binds:
            target = self.root / sub
            target.mkdir(parents=True, exist_ok=True)
            for parent in target.relative_to(self.root).parents:  # the user walks to it
                folder = self.root / parent
                folder.chmod(folder.stat().st_mode | 0o111)
            subprocess.run(["mount", *how, str(target)], check=True, timeout=30)
            self._mounts.append(target)
        shutil.rmtree(self.out, ignore_errors=True)
        (self.out / "xdg").mkdir(parents=True)
        (self.root / "tmp" / ".X11-unix").mkdir(parents=True, exist_ok=True)
        (self.root / "tmp" / ".X11-unix").chmod(0o1777)
        (self.root / "tmp").chmod(0o1777)
        for path in (self.out, self.out / "xdg"):
            os.chown(path, UID, UID)
        (self.out / "xdg").chmod(0o700)
        home = self.root / HOME.lstrip("/")
        shutil.rmtree(home, ignore_errors=True)  # a fresh user: no settings of a past run
        home.mkdir(parents=True)
        os.chown(home, UID, UID)
        run_dbus = self.root / "run" / "dbus"
        run_dbus.mkdir(parents=True, exist_ok=True)
        for stale in ("system_bus_socket", "pid"):
            with contextlib.suppress(FileNotFoundError):
                (run_dbus / stale).unlink()
        started = subprocess.run(
            ["chroot", str(self.root), "dbus-daemon", "--system", "--fork", "--print-pid"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        self._system_bus = int(started.stdout.split()[0])

    def close(self) -> None:
        self.stop_session()
        if self._system_bus is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._system_bus, signal.SIGTERM)
            self._system_bus = None
        time.sleep(0.5)
        for target in reversed(self._mounts):
            if subprocess.run(["umount", str(target)], check=False, timeout=30).returncode:
                subprocess.run(["umount", "-l", str(target)], check=False, timeout=30)
        self._mounts.clear()
        for child in self._children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(10)

    def session_pids(self) -> list[int]:
        """Every process of the session user running in this chroot."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if entry.stat().st_uid != UID:
                    continue
                if os.readlink(entry / "root") != str(self.root):
                    continue
            except OSError:
                continue
            pids.append(int(entry.name))
        return pids

    def stop_session(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            pids = self.session_pids()
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
            deadline = time.monotonic() + 5
            while self.session_pids() and time.monotonic() < deadline:
                time.sleep(0.1)
            if not self.session_pids():
                return

    # -- running things in the session ---------------------------------------------------
    def command(self, args: Sequence[str], env: dict[str, str] | None = None) -> list[str]:
        values = {**self.env, **(env or {})}
        return [
            "chroot",
            str(self.root),
            "runuser",
            "-u",
            USER,
            "--",
            "env",
            "-i",
            *(f"{k}={v}" for k, v in values.items()),
            *args,
        ]

    def run(
        self, *args: str, env: dict[str, str] | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(args, env), capture_output=True, text=True, timeout=timeout, check=False
        )

    def spawn(self, name: str, *args: str, env: dict[str, str] | None = None) -> int:
        """Start ``args`` in the background, output to ``name``.log; its pid."""
        pid_file = self.out / f"{name}.pid"
        with contextlib.suppress(FileNotFoundError):
            pid_file.unlink()
        line = f"echo $$ > {OUT}/{name}.pid; exec {shlex.join(args)} > {OUT}/{name}.log 2>&1"
        child = subprocess.Popen(  # runuser waits for it; the session's stop ends both
            self.command(["sh", "-c", line], env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._children.append(child)
        text = wait_for(f"{name} to start", lambda: _read(pid_file))
        return int(text)

    def log(self, name: str) -> str:
        return _read(self.out / f"{name}.log") or ""

    def start_x(self) -> None:
        self.spawn(
            "xvfb",
            "Xvfb",
            self.env["DISPLAY"],
            "-screen",
            "0",
            "1280x800x24",
            "+extension",
            "GLX",
            "-nolisten",
            "tcp",
        )
        wait_for("the X display", lambda: self.run("xdpyinfo", timeout=20).returncode == 0)

    def start_session_bus(self) -> None:
        done = self.run("dbus-daemon", "--session", "--fork", "--print-address=1")
        assert done.returncode == 0, done.stderr
        self.env["DBUS_SESSION_BUS_ADDRESS"] = done.stdout.split()[0]

    def bus_names(self) -> list[str]:
        done = self.run("busctl", "--user", "list", "--no-pager", "--no-legend")
        return [line.split()[0] for line in done.stdout.splitlines() if line.strip()]

    def screenshot(self, path: Path) -> Path:
        """The whole screen, as the user sees it, to ``path`` on the host."""
        name = f"shot-{time.monotonic_ns()}.png"
        done = self.run("import", "-window", "root", f"{OUT}/{name}")
        assert done.returncode == 0, done.stderr
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(self.out / name, path)
        return path

    def xdotool(self, *args: str) -> None:
        done = self.run("xdotool", *args)
        assert done.returncode == 0, done.stderr

    def browser(self) -> tuple[str, Path]:
        """A BROWSER for the app that logs what it was asked to open."""
        script = self.out / "browser.sh"
        log = self.out / "browser.log"
        script.write_text(f'#!/bin/sh\necho "$1" >> {OUT}/browser.log\n', encoding="utf-8")
        script.chmod(0o755)
        log.touch()
        os.chown(log, UID, UID)
        return f"{OUT}/browser.sh", log


class ChrootApp:
    """traynotify running in the chroot's session."""

    def __init__(self, desk: Chroot, name: str, pid: int, browser_log: Path) -> None:
        self.desk = desk
        self.name = name
        self.pid = pid
        self.browser_log = browser_log

    @property
    def service(self) -> str:
        return f"org.kde.StatusNotifierItem-{self.pid}-1"

    def stderr(self) -> str:
        return self.desk.log(self.name)

    def running(self) -> bool:
        return Path(f"/proc/{self.pid}").exists()

    def opened(self) -> list[str]:
        return self.browser_log.read_text().split() if self.browser_log.exists() else []

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        wait_for("the app to quit", lambda: not self.running(), timeout=20)


def start_app(desk: Chroot, name: str, api_url: str, key: str) -> ChrootApp:
    browser, log = desk.browser()
    state = f"{OUT}/{name}"
    pid = desk.spawn(
        name,
        sys.executable,
        str(GUARD),
        "--debug",
        "run",
        "--interval",
        "1",
        env={
            "BYTESPIKE_API_URL": api_url,
            "BYTESPIKE_API_KEY": key,
            "BROWSER": browser,
            "XDG_STATE_HOME": f"{state}/state",
            "XDG_CONFIG_HOME": f"{state}/config",
            "XDG_CACHE_HOME": f"{state}/cache",
            "TRAYNOTIFY_IMPORT_LOG": f"{state}/imports.log",
        },
    )
    return ChrootApp(desk, name, pid, log)


def _read(path: Path) -> str | None:
    try:
        text = path.read_text(errors="replace").strip()
    except FileNotFoundError:
        return None
    return text or None


def parse_gvariant_string(out: str) -> str:
    """The string of gdbus's "(true, 'text')" answer."""
    out = out.strip()
    assert out.startswith("(true, "), out
    inner = out[len("(true, ") : -1]
    if inner.startswith("'"):
        body = inner[1:-1]
        return body.replace("\\'", "'").replace("\\\\", "\\")
    return json.loads(inner)  # type: ignore[no-any-return]
