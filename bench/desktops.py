"""What every benchmark script stands on: a virtual desktop on its own Xvfb display,
waiting for something to hold, and the resident memory of a Python that has only
imported a baseline set of modules.

The desktops themselves are the tests' (``tests/desktop.py``: trayer, session D-Bus and
dunst; ``tests/xfce.py``: xfce4-panel as StatusNotifierItem host); this only gives them
a display of their own and ends it afterwards.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TypeVar

import psutil

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

PY = sys.executable
MB = 1024 * 1024
D = TypeVar("D")


@contextmanager
def xvfb() -> Iterator[str]:
    """A fresh Xvfb display (24-bit colour), set as ``DISPLAY`` while it runs."""
    read_end, write_end = os.pipe()
    try:
        server = subprocess.Popen(
            [
                "Xvfb",
                "-displayfd",
                str(write_end),
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ],
            stderr=subprocess.DEVNULL,
            pass_fds=(write_end,),
        )
    except FileNotFoundError:
        os.close(read_end)
        raise SystemExit("bench: Xvfb is missing (apt install xvfb)") from None
    finally:
        os.close(write_end)
    try:
        with os.fdopen(read_end, "r") as numbers:  # Xvfb writes its display number when ready
            number = numbers.readline().strip()
        if not number:
            raise SystemExit("bench: Xvfb did not start")
        display = f":{number}"
        before = os.environ.get("DISPLAY")
        os.environ["DISPLAY"] = display
        try:
            yield display
        finally:
            if before is None:
                os.environ.pop("DISPLAY", None)
            else:
                os.environ["DISPLAY"] = before
    finally:
        server.terminate()
        server.wait(10)


@contextmanager
def on_xvfb(start: Callable[[Path], Iterator[D]], tmp: Path) -> Iterator[D]:
    """One of the tests' desktops (``start_desktop``, ``start_xfce``) on its own display."""
    with xvfb():
        desktop = start(tmp)
        try:
            yield next(desktop)
        finally:
            desktop.close()


def wait(what: str, check: Callable[[], object], timeout: float = 30, every: float = 0.01) -> float:
    """Poll ``check``; returns the monotonic time it first held."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return time.monotonic()
        if time.monotonic() > deadline:
            raise SystemExit(f"bench: timed out waiting for {what}")
        time.sleep(every)


def settled_rss(imports: str, env: Mapping[str, str], settle: float = 0.5) -> float:
    """Resident MB of a Python that has run ``imports`` and nothing else, ``settle`` s later."""
    code = f"{imports}; import sys; print('ready', flush=True); sys.stdin.read()"
    proc = subprocess.Popen(
        [PY, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=dict(env)
    )
    assert proc.stdout is not None and proc.stdin is not None
    proc.stdout.readline()
    time.sleep(settle)
    rss = psutil.Process(proc.pid).memory_info().rss / MB
    proc.stdin.close()
    proc.wait(10)
    proc.stdout.close()
    return rss


def machine() -> str:
    """When and where: the date, the OS, the cores and the Python, for a table's caption."""
    try:
        system = platform.freedesktop_os_release()["PRETTY_NAME"]
    except (OSError, KeyError):
        system = platform.system()
    cpu = platform.processor() or platform.machine()
    return (
        f"{date.today().isoformat()}: {system} ({platform.platform()}), "
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"
    )
