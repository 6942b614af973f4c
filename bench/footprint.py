"""Where traynotify's memory and start-up time go: resident memory after each import a
tray app makes, in order, and a cProfile of one `traynotify count`.

    .venv/bin/python bench/footprint.py            (needs DISPLAY for the GTK steps)
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import subprocess
import sys
from pathlib import Path

STEPS = [
    ("python itself", "pass"),
    ("httpx", "import httpx"),
    ("Pillow", "import PIL.Image"),
    ("traynotify core (poller, app, api)", "import traynotify.app, traynotify.core.poller"),
    ("an httpx.Client (TLS context, CA bundle)", "c = httpx.Client()"),
    ("jeepney: the SNI tray, its menu, D-Bus pop-ups",
     "import traynotify.desktop.tray.sni, traynotify.desktop.notify.freedesktop"),
    ("pystray, xorg backend (python-xlib)", "import pystray._xorg"),
    ("PyGObject + GTK 3 (gtk/appindicator backends)",
     "import gi; gi.require_version('Gtk', '3.0'); from gi.repository import Gtk"),
]  # fmt: skip


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def memory() -> None:
    before = rss_mb()
    print("| step | RSS after | added |\n|---|---|---|")
    for name, code in STEPS:
        exec(code, globals())
        now = rss_mb()
        print(f"| {name} | {now:.1f} MB | +{now - before:.1f} MB |")
        before = now


def startup() -> None:
    env = dict(os.environ, BYTESPIKE_API_URL="http://127.0.0.1:9", BYTESPIKE_API_KEY="k")
    code = (
        "import cProfile, pstats, io, sys\n"
        "p = cProfile.Profile(); p.enable()\n"
        "from traynotify.cli import main\n"
        "main(['count'], err=io.StringIO())\n"
        "p.disable(); s = io.StringIO()\n"
        "pstats.Stats(p, stream=s).sort_stats('cumulative').print_stats(r'traynotify|httpx/_client|default.py:\\d+\\(__init__|ssl', 14)\n"
        "print(s.getvalue())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    repo = str(Path(__file__).resolve().parent.parent) + os.sep
    lines = [line.replace(repo, "") for line in done.stdout.splitlines() if line.strip()]
    print("\n`traynotify count`, cProfile, cumulative seconds:\n```")
    print("\n".join(lines[-16:]))
    print("```")


if __name__ == "__main__":
    if sys.argv[1:] == ["--child"]:
        memory()
    else:
        child_env = dict(os.environ, PYSTRAY_BACKEND="xorg")  # pystray loads one backend only
        child = [sys.executable, __file__, "--child"]
        print(subprocess.run(child, capture_output=True, text=True, env=child_env).stdout)
        startup()
    del cProfile, io, pstats
