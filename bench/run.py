"""traynotify's benchmark: what it costs while it sits in the tray, next to baselines.

    .venv/bin/python bench/run.py [--runs 3] [--window 20] [--soak-polls 1000]

Starts its own virtual desktop (Xvfb, trayer, a session D-Bus, dunst) and the contract
server on loopback, runs every measurement ``--runs`` times and prints one markdown
table of medians, then the change-detection table of ``bench/traffic.py`` (old way and
new way, one simulated hour each on a fake clock), the status-bar table, the Linux trays
on xfce4-panel (``bench/sni.py``, on a second virtual desktop) and the profile of
``bench/footprint.py``: every table of the README's benchmark section, from one run
(``--only oversized``: just the tray's peak RSS on two 64 MB answers beside its idle RSS).
Time is scaled where a real hour would be too long: clients poll every 1 s instead of
60 s, so "per hour" figures are per 60 polls (one hour at the default interval), and
"one new notification a minute" is one per poll.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import sni
from desktops import MB, PY, REPO, machine, on_xvfb, settled_rss, wait  # puts REPO on sys.path
from tls import TlsFront
from traffic import CountingProxy
from traffic import table as change_detection_table

from tests.desktop import ICON_NAME, Desktop, start_desktop
from traynotify.devserver.demo import DemoServer
from traynotify.devserver.faults import Huge, MiB
from traynotify.devserver.samples import DEMO_KEY


class Bench:
    def __init__(self, desktop: Desktop, tmp: Path) -> None:
        self.desktop = desktop
        self.tmp = tmp

    def fresh_server(self) -> tuple[DemoServer, CountingProxy]:
        demo = DemoServer()
        demo.server.start()
        return demo, CountingProxy(int(demo.url.rsplit(":", 1)[1]))

    def env(self, url: str, **extra: str) -> dict[str, str]:
        env = self.desktop.env
        state = tempfile.mkdtemp(dir=self.tmp)
        env.update(
            BYTESPIKE_API_URL=url,
            BYTESPIKE_API_KEY=DEMO_KEY,
            XDG_STATE_HOME=state,
            XDG_CONFIG_HOME=state,
            LANGUAGE="en",
        )
        env.update(extra)
        return env

    def spawn(self, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def tray(self, url: str, backend: str) -> subprocess.Popen[bytes]:
        return self.spawn(
            [PY, "-m", "traynotify", "run", "--interval", "1"],
            self.env(url, PYSTRAY_BACKEND=backend),
        )

    def icon_title(self) -> str:
        window = self.desktop.find_window(ICON_NAME)
        return self.desktop.window_name(window) if window else ""

    def gone(self, proc: subprocess.Popen[bytes]) -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        wait("the icon to leave", lambda: self.desktop.find_window(ICON_NAME) is None, 20, 0.1)

    # -- traffic -----------------------------------------------------------------------
    def traffic(self, client: str, window: float, new_each_poll: bool) -> dict[str, float]:
        demo, proxy = self.fresh_server()
        try:
            if client == "traynotify":
                proc = self.tray(proxy.url, "xorg")
            else:
                kind = "spec" if client == "spec" else "list"
                proc = self.spawn(
                    [PY, str(REPO / "bench" / "clients.py"), kind, proxy.url, "1"],
                    self.env(proxy.url),
                )
            wait("the first requests", lambda: len(demo.server.requests()) >= 3, 30)
            time.sleep(1.5)  # start-up done: measure the steady state only
            demo.server.clear_requests()
            proxy.take()
            stop = threading.Event()
            if new_each_poll:

                def feed() -> None:
                    while not stop.wait(1.0):
                        demo.add()

                threading.Thread(target=feed, daemon=True).start()
            time.sleep(window)
            stop.set()
            records = demo.server.requests()
            sent = proxy.take()
            self.gone(proc) if client == "traynotify" else (proc.terminate(), proc.wait(10))
        finally:
            demo.close()
        per_hour = 60.0 / window  # 1 s polls: `window` polls; an hour at 60 s: 60 polls
        return {
            "requests_per_hour": len(records) * per_hour,
            "kb_per_hour": sent * per_hour / 1024,
        }

    # -- memory, CPU, start-up ------------------------------------------------------------
    def floor_rss(self) -> float:
        """A Python that has imported httpx and Pillow, and no more."""
        return settled_rss("import httpx, PIL.Image", self.desktop.env)

    def gtk_floor_rss(self) -> float:
        """A Python that has imported httpx, Pillow and GTK 3 through PyGObject, and no more."""
        return settled_rss(
            "import httpx, PIL.Image, gi; gi.require_version('Gtk', '3.0'); "
            "from gi.repository import Gtk",
            self.desktop.env,
        )

    def idle(self, backend: str, window: float) -> dict[str, float]:
        demo, _proxy = self.fresh_server()
        proc = self.tray(demo.url, backend)
        try:
            me = psutil.Process(proc.pid)
            started = time.monotonic()
            docked = wait("the icon", lambda: self.desktop.find_window(ICON_NAME), 30)
            shown = wait("the first count", lambda: "unread" in self.icon_title(), 30)
            time.sleep(8)  # settle: first list fetch, first-start toast, GC
            demo.server.clear_requests()
            cpu0 = sum(me.cpu_times()[:2])
            time.sleep(window)
            cpu = sum(me.cpu_times()[:2]) - cpu0
            polls = len(demo.server.requests())  # one request per idle poll
            rss = me.memory_info().rss / MB
        finally:
            self.gone(proc)
            demo.close()
        return {
            "rss_mb": rss,
            "cpu_ms_per_poll": cpu * 1000 / max(polls, 1),
            "cpu_s_per_hour": cpu / window * 60,  # 60 polls' worth of running
            "dock_s": docked - started,
            "first_count_s": shown - started,
        }

    def startup(self, rounds: int) -> dict[str, float]:
        """``traynotify count`` with no tray, over plain http to the contract server on
        loopback and over https through :class:`tls.TlsFront` (what a user of the real API
        pays: the TLS context and its CA bundle), beside ``python -c "import httpx"``,
        interleaved; medians in ms."""
        demo, _ = self.fresh_server()
        front = TlsFront(int(demo.url.rsplit(":", 1)[1]), Path(tempfile.mkdtemp(dir=self.tmp)))
        envs = {
            "count": self.env(demo.url),
            "count_https": self.env(front.url, SSL_CERT_FILE=str(front.bundle)),
            "import": self.env(demo.url),
        }
        argvs = {
            "count": [PY, "-m", "traynotify", "count"],
            "count_https": [PY, "-m", "traynotify", "count"],
            "import": [PY, "-c", "import httpx"],
        }
        times: dict[str, list[float]] = {name: [] for name in argvs}
        try:
            for _ in range(rounds):
                for name, argv in argvs.items():
                    t0 = time.perf_counter()
                    subprocess.run(argv, env=envs[name], check=True, stdout=subprocess.DEVNULL)
                    times[name].append(time.perf_counter() - t0)
        finally:
            front.close()
            demo.close()
        return {k: statistics.median(v) * 1000 for k, v in times.items()}

    # -- an oversized answer ------------------------------------------------------------
    def oversized(self, answers: int = 2) -> dict[str, float]:
        """The tray's peak RSS while it receives ``answers`` answers of 64 MB (chunked: no
        size up front, so it reads up to its cap), beside its idle RSS just before."""
        demo, _proxy = self.fresh_server()
        proc = self.tray(demo.url, "xorg")
        try:
            me = psutil.Process(proc.pid)
            wait("the first count", lambda: "unread" in self.icon_title(), 30)
            time.sleep(8)  # settle, as for the idle row
            idle = me.memory_info().rss / MB
            # The kernel's high-water mark, reset now: the peak from here on, not sampled.
            Path(f"/proc/{proc.pid}/clear_refs").write_text("5")
            huge = Huge(size=64 * MiB, declare_length=False)
            armed = demo.server.faults.arm(huge, times=answers)
            wait("the oversized answers", lambda: armed.hits >= answers, 60 * answers, 0.1)
            seen = len(demo.server.requests())
            wait("a good answer after them", lambda: len(demo.server.requests()) > seen, 120, 0.1)
            time.sleep(1)
            peak = _peak_rss_mb(proc.pid)
            after = me.memory_info().rss / MB
        finally:
            self.gone(proc)
            demo.close()
        return {"idle_mb": idle, "peak_mb": peak, "after_mb": after}

    # -- status bars ----------------------------------------------------------------------
    def statusbar(self, rounds: int) -> dict[str, float]:
        """A bar's ``count`` with the tray running: wall time and requests per refresh,
        beside ``import httpx``, and what the same refresh costs with ``--direct`` (the
        old way: every refresh its own request)."""
        demo, _proxy = self.fresh_server()
        env = self.env(demo.url, PYSTRAY_BACKEND="xorg")  # tray and bar: one user
        # A long interval, so the tray's own polls do not mix with the bar's requests.
        tray = self.spawn([PY, "-m", "traynotify", "run", "--interval", "3600"], env)
        times: dict[str, list[float]] = {"count_tray": [], "import": []}
        try:
            wait("the first count", lambda: "unread" in self.icon_title(), 30)
            time.sleep(1.0)
            demo.server.clear_requests()
            for _ in range(rounds):
                for name, argv in (
                    ("count_tray", [PY, "-m", "traynotify", "count", "--format", "waybar"]),
                    ("import", [PY, "-c", "import httpx"]),
                ):
                    t0 = time.perf_counter()
                    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
                    times[name].append(time.perf_counter() - t0)
            new_way = len(demo.server.requests()) / rounds
            demo.server.clear_requests()
            for _ in range(rounds):
                subprocess.run(
                    [PY, "-m", "traynotify", "count", "--format", "waybar", "--direct"],
                    env=env,
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
            old_way = len(demo.server.requests()) / rounds
            demo.server.clear_requests()
            watch = subprocess.Popen(
                [PY, "-m", "traynotify", "watch", "--format", "waybar"],
                env=env,
                stdout=subprocess.PIPE,
            )
            assert watch.stdout is not None
            watch.stdout.readline()
            time.sleep(10.0)  # ten asks of the tray's state
            watch.terminate()
            watch.wait(10)
            watch.stdout.close()
            watch_requests = len(demo.server.requests())
        finally:
            self.gone(tray)
            demo.close()
        result = {k: statistics.median(v) * 1000 for k, v in times.items()}
        result.update(
            new_per_refresh=new_way, old_per_refresh=old_way, watch_per_10s=watch_requests
        )
        return result

    # -- reaction -------------------------------------------------------------------------
    def notify_times(self) -> list[tuple[float, str]]:
        text = self.desktop.monitor_log.read_text(encoding="utf-8", errors="replace")
        out = []
        for block in re.split(r"\n(?=method call )", text):
            head = block.splitlines()[0] if block else ""
            if "member=Notify" in head:
                stamp = re.search(r"time=(\d+\.\d+)", head)
                summary = re.findall(r'^\s+string "(.*)"$', block, flags=re.MULTILINE)
                if stamp and len(summary) >= 3:
                    out.append((float(stamp.group(1)), summary[2]))
        return out

    def reaction(self) -> dict[str, float]:
        demo, _ = self.fresh_server()
        proc = self.tray(demo.url, "gtk")
        try:
            wait("the first count", lambda: "unread" in self.icon_title(), 30)
            time.sleep(3)
            earlier = len(self.notify_times())
            added_at = time.time()
            note = demo.add()

            def toasted() -> list[float]:
                return [t for t, title in self.notify_times()[earlier:] if title == note.title]

            wait("the toast", toasted, 10)
            toast = toasted()[0] - added_at

            window = self.desktop.find_window(ICON_NAME)
            assert window
            x, y, w, h = self.desktop.geometry(window)

            def choose(key: str) -> float:
                """Open the menu, move to an entry, press Return; when Return went out."""
                before = set(self.visible_menus())
                self.desktop.right_click(x + w // 2, y + h // 2)
                wait("the menu", lambda: set(self.visible_menus()) - before, 10)
                time.sleep(0.3)
                self.desktop.key(key)
                pressed = time.monotonic()
                self.desktop.run("xdotool", "key", "Return")
                return pressed

            clicked = choose("Down")  # the newest item: the first entry after the header
            wait("the mark-read", lambda: demo.server.requests("/mark-read"), 10)
            mark = demo.server.requests("/mark-read")[0].at - clicked
            pressed = choose("Up")  # Quit: the last entry
            proc.wait(10)
            quit_s = time.monotonic() - pressed
        finally:
            self.gone(proc)
            demo.close()
        return {"toast_s": toast, "mark_read_s": mark, "quit_s": quit_s}

    def visible_menus(self) -> list[str]:
        return self.desktop.run(
            "xdotool", "search", "--onlyvisible", "--classname", "^traynotify$", check=False
        ).split()

    # -- soak -----------------------------------------------------------------------------
    def soak(self, polls: int) -> dict[str, float]:
        demo, _ = self.fresh_server()
        try:
            done = subprocess.run(
                [
                    PY,
                    str(REPO / "bench" / "soak_child.py"),
                    demo.url,
                    DEMO_KEY,
                    str(polls),
                    str(Path(tempfile.mkdtemp(dir=self.tmp)) / "seen.json"),
                ],
                env={**self.env(demo.url), "PYSTRAY_BACKEND": "gtk"},
                capture_output=True,
                text=True,
                timeout=1800,
                check=True,
            )
        finally:
            demo.close()
        result = json.loads(done.stdout.strip().splitlines()[-1])
        return {
            "rss_10_mb": result["rss_10"] / MB,
            "rss_end_mb": result["rss_end"] / MB,
            "growth_mb": (result["rss_end"] - result["rss_10"]) / MB,
        }


def _peak_rss_mb(pid: int) -> float:
    """VmHWM of ``pid``: its peak resident memory since the last reset, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / MB
    raise SystemExit("bench: no VmHWM in /proc (not Linux?)")


def oversized_row(big: dict[str, float]) -> tuple[str, str, str, str]:
    growth = big["peak_mb"] - big["idle_mb"]
    return (
        "Peak RSS while receiving two 64 MB answers (xorg; the cap reads 8 MiB of each)",
        f"{big['peak_mb']:.1f} MB (+{growth:.1f} MB; {big['after_mb']:.1f} MB after)",
        f"idle RSS, same process just before: {big['idle_mb']:.1f} MB",
        "≤ idle + 20 MB: " + ("met" if growth <= 20 else "**missed**"),
    )


def oversized_report(args, big) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(
        [
            f"traynotify oversized-answer benchmark, {machine()}; medians of {args.runs} runs.",
            "",
            "| measure | traynotify | baseline, same run | target |",
            "|---|---|---|---|",
            "| {} | {} | {} | {} |".format(*oversized_row(big)),
        ]
    )


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="repeat each measurement (median)")
    parser.add_argument("--window", type=float, default=20.0, help="seconds per traffic/CPU run")
    parser.add_argument("--soak-polls", type=int, default=1000)
    parser.add_argument(
        "--only",
        choices=("all", "statusbar", "oversized"),
        default="all",
        help="statusbar: only the status-bar measures (count with and without a tray); "
        "oversized: only the tray's peak RSS on oversized answers",
    )
    args = parser.parse_args()
    for tool in ("Xvfb", "trayer", "xfce4-panel", "dunst", "dbus-daemon", "xdotool"):
        if shutil.which(tool) is None:
            raise SystemExit(f"bench: {tool} is missing (see .ci/apt-packages.txt)")

    with tempfile.TemporaryDirectory(prefix="traynotify-bench-") as tmp_name:
        tmp = Path(tmp_name)
        with on_xvfb(start_desktop, tmp) as desktop:
            bench = Bench(desktop, tmp)
            say = lambda what: print(f"bench: {what}…", file=sys.stderr, flush=True)  # noqa: E731
            if args.only == "oversized":
                say("oversized answers")
                print(
                    oversized_report(args, median_of([bench.oversized() for _ in range(args.runs)]))
                )
                return 0
            say("status bars")
            bars = median_of([bench.statusbar(max(5, args.runs * 3)) for _ in range(args.runs)])
            say("count with no tray")
            startup = bench.startup(max(15, args.runs * 5))
            if args.only == "statusbar":
                print(statusbar_report(args, bars, startup))
                return 0
            traffic: dict[tuple[str, bool], dict[str, float]] = {}
            for new in (False, True):
                for client in ("traynotify", "spec", "list"):
                    say(f"traffic, {client}, {'one new a minute' if new else 'steady'}")
                    traffic[(client, new)] = median_of(
                        [bench.traffic(client, args.window, new) for _ in range(args.runs)]
                    )
            say("idle memory floor")
            floor = statistics.median(bench.floor_rss() for _ in range(args.runs))
            gtk_floor = statistics.median(bench.gtk_floor_rss() for _ in range(args.runs))
            idle = {}
            for backend in ("xorg", "gtk"):
                say(f"idle, {backend}")
                idle[backend] = median_of(
                    [bench.idle(backend, args.window) for _ in range(args.runs)]
                )
            say("oversized answers")
            big = median_of([bench.oversized() for _ in range(args.runs)])
            say("reaction")
            reaction = median_of([bench.reaction() for _ in range(args.runs)])
            say(f"soak, {args.soak_polls} polls")
            soak = median_of([bench.soak(args.soak_polls) for _ in range(args.runs)])
            say("profile")
            profile = subprocess.run(
                [PY, str(REPO / "bench" / "footprint.py")],
                env=bench.env("http://127.0.0.1:9"),
                capture_output=True,
                text=True,
                timeout=300,
                check=True,
            ).stdout.strip()
        trays = sni.measure(tmp, args.runs, SNI_SETTLE)

    print(report(args, traffic, floor, gtk_floor, idle, startup, reaction, soak, big))
    print()
    print(statusbar_report(args, bars, startup))
    print()
    print(
        f"Linux trays on xfce4-panel: medians of {args.runs} runs, RSS {SNI_SETTLE:g} s after "
        "the menu was opened once.\n"
    )
    print(sni.table(trays))
    print()
    print(profile)
    return 0


SNI_SETTLE = 10.0
"""Seconds a tray on xfce4-panel sits idle after its menu was opened, before its RSS is read."""
BAR_REFRESHES_PER_HOUR = 3600 / 10
TRAY_POLLS_PER_HOUR = 60


def count_rows(startup: dict[str, float], what: str) -> list[tuple[str, str, str, str]]:
    """``count`` with no tray beside ``import httpx``: over loopback http, and over https."""
    rows = []
    for key, how in (("count", "plain http, loopback"), ("count_https", "https, CA bundle")):
        ratio = startup[key] / startup["import"]
        rows.append(
            (
                f"`traynotify count`{what}, {how}",
                f"{startup[key]:.0f} ms",
                f'`python -c "import httpx"`: {startup["import"]:.0f} ms',
                f"≤ 1.5×: {'met' if ratio <= 1.5 else '**missed**'} ({ratio:.2f}×)",
            )
        )
    return rows


def statusbar_report(args, bars, startup) -> str:  # type: ignore[no-untyped-def]
    """Status bars beside the tray: one table, every figure from this run."""
    ok = lambda good: "met" if good else "**missed**"  # noqa: E731
    old = bars["old_per_refresh"] * BAR_REFRESHES_PER_HOUR
    new = bars["new_per_refresh"] * BAR_REFRESHES_PER_HOUR
    rows = [
        (
            "`traynotify count --format waybar`, tray running",
            f"{bars['count_tray']:.0f} ms",
            f'`python -c "import httpx"`: {bars["import"]:.0f} ms',
            "< 0.5×: "
            + ok(bars["count_tray"] < 0.5 * bars["import"])
            + f" ({bars['count_tray'] / bars['import']:.2f}×)",
        ),
        *count_rows(startup, ", no tray (one request)"),
        (
            "Requests/hour, bar refreshing every 10 s beside the tray (60 s interval)",
            f"bar {new:.0f} + tray {TRAY_POLLS_PER_HOUR} = {new + TRAY_POLLS_PER_HOUR:.0f}",
            f"old way (each refresh asks the server): bar {old:.0f} + tray "
            f"{TRAY_POLLS_PER_HOUR} = {old + TRAY_POLLS_PER_HOUR:.0f}",
            "the bar adds nothing: " + ok(new == 0),
        ),
        (
            "Requests in 10 s of `traynotify watch` beside the tray",
            f"{bars['watch_per_10s']:.0f}",
            "",
            "none: " + ok(bars["watch_per_10s"] == 0),
        ),
    ]
    lines = [
        f"traynotify status-bar benchmark, {machine()}; medians of "
        f"{args.runs} runs; requests counted by the contract server per bar refresh, "
        "scaled to 360 refreshes an hour.",
        "",
        "| measure | traynotify | baseline, same run | target |",
        "|---|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines)


def report(args, traffic, floor, gtk_floor, idle, startup, reaction, soak, big) -> str:  # type: ignore[no-untyped-def]
    def t(client: str, new: bool) -> str:
        r = traffic[(client, new)]
        return f"{r['requests_per_hour']:.0f} requests, {r['kb_per_hour']:.0f} KB"

    steady = traffic[("traynotify", False)]
    ok = lambda good: "met" if good else "**missed**"  # noqa: E731
    rows = [
        (
            "Requests/hour, steady (60 s interval)",
            t("traynotify", False),
            f"spec loop: {t('spec', False)}; list every poll: {t('list', False)}",
            "1 request/interval: " + ok(round(steady["requests_per_hour"]) == 60),
        ),
        (
            "Requests/hour, one new notification a minute",
            t("traynotify", True),
            f"spec loop: {t('spec', True)}; list every poll: {t('list', True)}",
            "",
        ),
        (
            "Idle RSS, xorg backend",
            f"{idle['xorg']['rss_mb']:.1f} MB",
            f"python + httpx + Pillow: {floor:.1f} MB",
            "within 10 MB: " + ok(idle["xorg"]["rss_mb"] - floor <= 10),
        ),
        (
            "Idle RSS, gtk backend (menu)",
            f"{idle['gtk']['rss_mb']:.1f} MB",
            f"python + httpx + Pillow + `import Gtk`: {gtk_floor:.1f} MB",
            "≤ 65 MB: " + ok(idle["gtk"]["rss_mb"] <= 65),
        ),
        oversized_row(big),
        (
            "CPU per idle poll",
            f"xorg {idle['xorg']['cpu_ms_per_poll']:.2f} ms, gtk {idle['gtk']['cpu_ms_per_poll']:.2f} ms",
            "",
            "< 5 ms: " + ok(max(idle[b]["cpu_ms_per_poll"] for b in idle) < 5),
        ),
        (
            "CPU per idle hour (60 polls)",
            f"xorg {idle['xorg']['cpu_s_per_hour']:.2f} s, gtk {idle['gtk']['cpu_s_per_hour']:.2f} s",
            "",
            "",
        ),
        *count_rows(startup, " wall time, no tray"),
        (
            "`traynotify run` to icon docked / first count",
            f"xorg {idle['xorg']['dock_s']:.2f} s / {idle['xorg']['first_count_s']:.2f} s; gtk {idle['gtk']['dock_s']:.2f} s / {idle['gtk']['first_count_s']:.2f} s",
            "",
            "first poll waits a random 0–0.5 s at a 1 s interval",
        ),
        (
            "New notification → toast on the bus (1 s interval)",
            f"{reaction['toast_s']:.2f} s",
            "",
            "≤ 1.5 s: " + ok(reaction["toast_s"] <= 1.5),
        ),
        (
            "Menu click → mark-read at the server",
            f"{reaction['mark_read_s'] * 1000:.0f} ms",
            "",
            "",
        ),
        ("Menu Quit → process gone", f"{reaction['quit_s'] * 1000:.0f} ms", "", ""),
        (
            f"RSS after 10 → {args.soak_polls} polls (gtk)",
            f"{soak['rss_10_mb']:.1f} → {soak['rss_end_mb']:.1f} MB ({soak['growth_mb']:+.1f} MB)",
            "",
            "no growth beyond noise (≤ 1 MB): " + ok(soak["growth_mb"] <= 1.0),
        ),
    ]
    lines = [
        f"traynotify benchmark, {machine()}; medians of {args.runs} runs; "
        f"{args.window:g} s windows at a 1 s interval, scaled to a 60 s interval.",
        "",
        "| measure | traynotify | baseline, same run | target |",
        "|---|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join([*lines, "", change_detection_table()])


if __name__ == "__main__":
    sys.exit(main())
