"""Idle memory of the Linux tray kinds, with a working menu, in one run:
the StatusNotifierItem over jeepney, pystray's GTK icon, and the floor beside them.

    .venv/bin/python bench/sni.py [--runs 3] [--settle 10]

Starts its own Xvfb, a session D-Bus, xfce4-panel (which hosts both SNI items and
XEmbed icons) and dunst, and the contract server on loopback. Each tray is started,
its menu opened once by a right click (so the menu's code has run), then left
alone for ``--settle`` seconds before its resident memory is read.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.xfce import XfceDesktop, start_xfce  # noqa: E402
from traynotify.devserver.demo import DemoServer  # noqa: E402
from traynotify.devserver.samples import DEMO_KEY  # noqa: E402

PY = sys.executable
MB = 1024 * 1024


@contextmanager
def desktop(tmp: Path) -> Iterator[XfceDesktop]:
    number = 90 + os.getpid() % 100
    xvfb = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stderr=subprocess.DEVNULL,
    )
    os.environ["DISPLAY"] = f":{number}"
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            if time.monotonic() > deadline:
                raise SystemExit("bench: Xvfb did not start (apt install xvfb)")
            time.sleep(0.05)
        gen = start_xfce(tmp)
        try:
            yield next(gen)
        finally:
            gen.close()
    finally:
        xvfb.terminate()
        xvfb.wait(10)


def wait(what: str, check, timeout: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"bench: timed out waiting for {what}")
        time.sleep(0.1)


def settled_rss(d: XfceDesktop, imports: str, settle: float) -> float:
    code = f"{imports}; import sys; print('ready', flush=True); sys.stdin.read()"
    proc = subprocess.Popen(
        [PY, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=d.env
    )
    assert proc.stdout is not None and proc.stdin is not None
    proc.stdout.readline()
    time.sleep(min(settle, 2))
    rss = psutil.Process(proc.pid).memory_info().rss / MB
    proc.stdin.close()
    proc.wait(10)
    return rss


def tray_rss(d: XfceDesktop, tmp: Path, kind: str, settle: float) -> float:
    demo = DemoServer()
    demo.server.start()
    env = d.env
    state = tempfile.mkdtemp(dir=tmp)
    env.update(
        BYTESPIKE_API_URL=demo.url,
        BYTESPIKE_API_KEY=DEMO_KEY,
        XDG_STATE_HOME=state,
        XDG_CONFIG_HOME=state,
        LANGUAGE="en",
    )
    env.pop("PYSTRAY_BACKEND", None)
    if kind == "gtk":
        env.update(TRAYNOTIFY_TRAY="pystray", PYSTRAY_BACKEND="gtk")
    proc = subprocess.Popen(
        [PY, "-m", "traynotify", "run", "--interval", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait("the icon in the panel", lambda: _lit(d), 30)
        time.sleep(2)  # first count, first list
        d.right_click(12, 12)
        wait("the menu", lambda: d.menu_height() > 0, 10)
        d.key("Escape")
        wait("the menu to close", lambda: d.menu_height() == 0, 10)
        time.sleep(settle)
        return psutil.Process(proc.pid).memory_info().rss / MB
    finally:
        proc.terminate()
        proc.wait(10)
        demo.close()
        wait("the icon to leave", lambda: not _lit(d), 20)
        d.close_toasts()


def _lit(d: XfceDesktop) -> bool:
    """Something (the bell) drawn in the panel's first icon slot."""
    image = d.screenshot((0, 0, 24, 24)).convert("RGB")
    return any(b > 180 and r < 120 for r, _g, b in image.get_flattened_data())  # type: ignore[misc]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--settle", type=float, default=10.0)
    args = parser.parse_args()
    results: dict[str, list[float]] = {"floor": [], "sni": [], "gtk": []}
    with tempfile.TemporaryDirectory(prefix="traynotify-bench-") as tmp_name:
        tmp = Path(tmp_name)
        with desktop(tmp) as d:
            for run in range(args.runs):
                print(f"bench: run {run + 1} of {args.runs}…", file=sys.stderr, flush=True)
                results["floor"].append(settled_rss(d, "import httpx, PIL.Image", args.settle))
                results["sni"].append(tray_rss(d, tmp, "sni", args.settle))
                results["gtk"].append(tray_rss(d, tmp, "gtk", args.settle))
    med = {k: statistics.median(v) for k, v in results.items()}
    print(
        f"traynotify tray memory, {date.today().isoformat()}: {platform.platform()}, "
        f"Python {platform.python_version()}; xfce4-panel under Xvfb; medians of {args.runs} "
        f"runs, RSS {args.settle:g} s after the menu was opened once.\n"
    )
    print("| tray | idle RSS | over the floor | target |\n|---|---|---|---|")
    print(f"| python + httpx + Pillow (floor) | {med['floor']:.1f} MB | | |")
    gap = med["sni"] - med["floor"]
    print(
        f"| StatusNotifierItem + dbusmenu (jeepney) | {med['sni']:.1f} MB | +{gap:.1f} MB "
        f"| within 10 MB: {'met' if gap <= 10 else '**missed**'} |"
    )
    print(
        f"| pystray gtk (XEmbed, GTK menu) | {med['gtk']:.1f} MB | +{med['gtk'] - med['floor']:.1f} MB | |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
