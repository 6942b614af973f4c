"""Idle memory of the Linux tray kinds, with a working menu, in one run:
the StatusNotifierItem over jeepney, pystray's GTK icon, and the floor beside them.

    .venv/bin/python bench/sni.py [--runs 3] [--settle 10]

(``bench/run.py`` runs the same measurement as part of the whole benchmark.)
Starts its own Xvfb, a session D-Bus, xfce4-panel (which hosts both SNI items and
XEmbed icons) and dunst, and the contract server on loopback. Each tray is started,
its menu opened once by a right click (so the menu's code has run), then left
alone for ``--settle`` seconds before its resident memory is read.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from desktops import MB, PY, machine, on_xvfb, settled_rss, wait  # puts the repository on sys.path
from tls import TlsFront

from tests.xfce import XfceDesktop, start_xfce
from traynotify.devserver.demo import DemoServer
from traynotify.devserver.samples import DEMO_KEY

KINDS = ("floor", "sni", "sni_https", "gtk")
"""The floor; the SNI tray against the contract server over plain http (loopback) and
over https (:class:`tls.TlsFront`, the CA bundle loaded as against the real API); GTK."""


def tray_rss(d: XfceDesktop, tmp: Path, kind: str, settle: float) -> float:
    demo = DemoServer()
    demo.server.start()
    env = d.env
    state = tempfile.mkdtemp(dir=tmp)
    url = demo.url
    front = None
    if kind == "sni_https":
        front = TlsFront(int(demo.url.rsplit(":", 1)[1]), Path(state))
        url = front.url
        env["SSL_CERT_FILE"] = str(front.bundle)
    env.update(
        BYTESPIKE_API_URL=url,
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
        wait("the icon in the panel", lambda: _lit(d), 30, 0.1)
        time.sleep(2)  # first count, first list
        d.right_click(12, 12)
        wait("the menu", lambda: d.menu_height() > 0, 10, 0.1)
        d.key("Escape")
        wait("the menu to close", lambda: d.menu_height() == 0, 10, 0.1)
        time.sleep(settle)
        return psutil.Process(proc.pid).memory_info().rss / MB
    finally:
        proc.terminate()
        proc.wait(10)
        if front is not None:
            front.close()
        demo.close()
        wait("the icon to leave", lambda: not _lit(d), 20, 0.1)
        d.close_toasts()


def _lit(d: XfceDesktop) -> bool:
    """Something (the bell) drawn in the panel's first icon slot."""
    image = d.screenshot((0, 0, 24, 24)).convert("RGB")
    return any(b > 180 and r < 120 for r, _g, b in image.get_flattened_data())  # type: ignore[misc]


def measure(tmp: Path, runs: int, settle: float) -> dict[str, float]:
    """Median idle RSS (MB) of the floor and of each tray kind, on one xfce4-panel."""
    results: dict[str, list[float]] = {kind: [] for kind in KINDS}
    with on_xvfb(start_xfce, tmp) as d:
        for run in range(runs):
            print(f"bench: trays on xfce4-panel, run {run + 1} of {runs}…", file=sys.stderr)
            results["floor"].append(settled_rss("import httpx, PIL.Image", d.env, min(settle, 2)))
            for kind in KINDS[1:]:
                results[kind].append(tray_rss(d, tmp, kind, settle))
    return {kind: statistics.median(values) for kind, values in results.items()}


def table(med: dict[str, float]) -> str:
    rows = [
        "| tray | idle RSS | over the floor | target |",
        "|---|---|---|---|",
        f"| python + httpx + Pillow (floor) | {med['floor']:.1f} MB | | |",
    ]
    for kind, how in (("sni", "plain http, loopback"), ("sni_https", "https, CA bundle")):
        gap = med[kind] - med["floor"]
        rows.append(
            f"| StatusNotifierItem + dbusmenu (jeepney), {how} | {med[kind]:.1f} MB "
            f"| +{gap:.1f} MB | within 10 MB: {'met' if gap <= 10 else '**missed**'} |"
        )
    gap = med["gtk"] - med["floor"]
    rows.append(f"| pystray gtk (XEmbed, GTK menu) | {med['gtk']:.1f} MB | +{gap:.1f} MB | |")
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--settle", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="traynotify-bench-") as tmp_name:
        med = measure(Path(tmp_name), args.runs, args.settle)
    print(
        f"traynotify tray memory, {machine()}; xfce4-panel under Xvfb; medians of {args.runs} "
        f"runs, RSS {args.settle:g} s after the menu was opened once.\n"
    )
    print(table(med))
    return 0


if __name__ == "__main__":
    sys.exit(main())
