"""Test-side pieces for the StatusNotifierItem tray: a private session bus, a
StatusNotifierWatcher/host that reads the item the way panels do, and a Python
without PyGObject or dbus-python to run the app from."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from jeepney import HeaderFields, MatchRule, Message

from traynotify.desktop.dbus import (
    Bus,
    Interface,
    Method,
    Property,
    bus_call,
)

from .desktop import wait_for

REPO = Path(__file__).resolve().parent.parent
WATCHER = "org.kde.StatusNotifierWatcher"
ITEM = "org.kde.StatusNotifierItem"
MENU = "com.canonical.dbusmenu"
PROPS = "org.freedesktop.DBus.Properties"
DBUS = "org.freedesktop.DBus"


def private_bus() -> Iterator[str]:
    """A session bus of our own; yields its address."""
    if shutil.which("dbus-daemon") is None:
        pytest.skip("dbus-daemon is missing (apt package dbus)")
    out = subprocess.run(
        ["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
        capture_output=True,
        text=True,
        timeout=15,
        check=True,
    ).stdout.split()
    address, pid = out[0], int(out[1])
    try:
        yield address
    finally:
        os.kill(pid, signal.SIGTERM)


class Client:
    """Reads an item the way a host does (GetAll, GetLayout), on the given bus."""

    def __init__(self, address: str) -> None:
        self.bus = Bus.connect(address)
        self.items: list[str] = []
        self.signals: list[tuple[str, str, tuple[Any, ...]]] = []
        """(sender, member, body) of every item and menu signal."""
        self._lock = threading.Lock()
        for iface in (ITEM, MENU):
            self.bus.subscribe(MatchRule(type="signal", interface=iface), self._signal)

    def _signal(self, msg: Message) -> None:
        fields = msg.header.fields
        with self._lock:
            self.signals.append(
                (fields[HeaderFields.sender], fields[HeaderFields.member], tuple(msg.body))
            )

    def close(self) -> None:
        self.bus.close()

    def call(
        self,
        dest: str,
        path: str,
        iface: str,
        method: str,
        sig: str = "",
        body: tuple[Any, ...] = (),
    ) -> tuple[Any, ...]:
        return self.bus.call_sync(bus_call(dest, path, iface, method, sig, body), timeout=10)

    def item_service(self) -> str:
        def on_bus() -> str | None:
            (names,) = self.call(DBUS, "/org/freedesktop/DBus", DBUS, "ListNames")
            mine = [n for n in names if n.startswith("org.kde.StatusNotifierItem-")]
            return mine[-1] if mine else None

        return wait_for("the item on the bus", on_bus)

    def item(self, method: str, sig: str = "", body: tuple[Any, ...] = ()) -> tuple[Any, ...]:
        return self.call(self.item_service(), "/StatusNotifierItem", ITEM, method, sig, body)

    def props(self) -> dict[str, Any]:
        (values,) = self.call(
            self.item_service(), "/StatusNotifierItem", PROPS, "GetAll", "s", (ITEM,)
        )
        return {k: v[1] for k, v in values.items()}

    def menu(self, method: str, sig: str = "", body: tuple[Any, ...] = ()) -> tuple[Any, ...]:
        path = self.props()["Menu"]
        return self.call(self.item_service(), path, MENU, method, sig, body)

    def layout(self) -> list[tuple[int, dict[str, Any]]]:
        """The menu's rows as (id, properties) as a host sees them (GetLayout 0, -1)."""
        _revision, (_root, _props, children) = self.menu("GetLayout", "iias", (0, -1, []))
        return [(c[1][0], {k: v[1] for k, v in c[1][1].items()}) for c in children]

    def labels(self) -> list[str]:
        return [p["label"] for _i, p in self.layout() if "label" in p]

    def tree(self) -> list[tuple[int, dict[str, Any], list[Any]]]:
        """The menu's rows with their submenus' rows: (id, properties, children)."""
        _revision, (_root, _props, children) = self.menu("GetLayout", "iias", (0, -1, []))
        return [unpack(c) for c in children]

    def every_row(self) -> list[tuple[int, dict[str, Any]]]:
        """Each row, and after a submenu its rows, at every level."""
        return flatten(self.tree())

    def submenu(self, label: str) -> list[tuple[int, dict[str, Any]]]:
        """The rows of the submenu ``label`` as (id, properties)."""
        node = next(n for n in self.tree() if n[1].get("label") == label)
        assert node[1].get("children-display") == "submenu"
        return [(c[0], c[1]) for c in node[2]]

    def row_id(self, label_start: str) -> int:
        """The id of the first row (submenus' rows too) whose label starts so."""
        return next(i for i, p in self.every_row() if p.get("label", "").startswith(label_start))

    def signals_of(self, member: str) -> list[tuple[Any, ...]]:
        with self._lock:
            return [body for _s, m, body in self.signals if m == member]


def unpack(child: Any) -> tuple[int, dict[str, Any], list[Any]]:
    """A layout node (a "(ia{sv}av)" variant) as (id, plain properties, children)."""
    id_, props, children = child[1]
    return id_, {k: v[1] for k, v in props.items()}, [unpack(c) for c in children]


def flatten(
    nodes: list[tuple[int, dict[str, Any], list[Any]]],
) -> list[tuple[int, dict[str, Any]]]:
    out: list[tuple[int, dict[str, Any]]] = []
    for id_, props, children in nodes:
        out.append((id_, props))
        out += flatten(children)
    return out


class Host(Client):
    """A StatusNotifierWatcher that is also the host: items register with it."""

    def __init__(self, address: str, *, lists_items: bool = True) -> None:
        super().__init__(address)
        self.registrations: list[str] = []
        """Every RegisterStatusNotifierItem call, in order."""
        self.lists_items = lists_items
        """False: forget items without a signal (RegisteredStatusNotifierItems says so)."""
        self.bus.export(
            "/StatusNotifierWatcher",
            Interface(
                WATCHER,
                methods={"RegisterStatusNotifierItem": Method("s", "", self._register)},
                properties={
                    "RegisteredStatusNotifierItems": Property(
                        "as", lambda: list(self.items) if self.lists_items else []
                    ),
                    "IsStatusNotifierHostRegistered": Property("b", lambda: True),
                    "ProtocolVersion": Property("i", lambda: 0),
                },
                signals={
                    "StatusNotifierItemRegistered": "s",
                    "StatusNotifierItemUnregistered": "s",
                },
            ),
        )
        self.call(DBUS, "/org/freedesktop/DBus", DBUS, "RequestName", "su", (WATCHER, 4))

    def _register(self, service: str) -> tuple[()]:
        with self._lock:
            self.registrations.append(service)
            if service not in self.items:
                self.items.append(service)
        self.bus.emit(
            "/StatusNotifierWatcher", WATCHER, "StatusNotifierItemRegistered", "s", (service,)
        )
        return ()

    def drop(self, service: str, *, signal: bool = True) -> None:
        """Forget an item, as GNOME's extension does when it fails to read one."""
        with self._lock:
            self.items.remove(service)
        if signal:
            self.bus.emit(
                "/StatusNotifierWatcher", WATCHER, "StatusNotifierItemUnregistered", "s", (service,)
            )

    def registered_times(self) -> int:
        with self._lock:
            return len(self.registrations)

    def item_service(self) -> str:
        return wait_for("the item to register", lambda: self.items[-1] if self.items else None)


class MenuMirror:
    """The menu as a host keeps it, updated only the way that host updates it (the
    rows of submenus after each, as if every submenu had been opened).

    ``gnome``: GNOME's AppIndicator extension (dbusMenu.js): on LayoutUpdated it
    reads the layout with only ``type`` and ``children-display``, fetches every
    property of ids it has not seen (GetGroupProperties), and otherwise changes a
    row only on ItemsPropertiesUpdated; a property it never got has its default.
    ``qt``: libdbusmenu-qt as in Plasma 5.27 (dbusmenuimporter.cpp): on LayoutUpdated
    it reads the layout with all properties, creates new rows from them and updates
    known rows from the properties present only (``type`` and ``toggle-type`` once).
    """

    DEFAULTS: ClassVar[dict[str, Any]] = {"enabled": True, "visible": True, "type": "standard"}
    ONCE = ("type", "toggle-type", "children-display")

    def __init__(self, client: Client, kind: str) -> None:
        assert kind in ("gnome", "qt")
        self.client = client
        self.kind = kind
        self.order: list[int] = []
        self.props: dict[int, dict[str, Any]] = {}
        self._seen = 0  # signals already applied
        self._read_layout()
        with client._lock:
            self._seen = len(client.signals)

    def _read_layout(self) -> None:
        names = ["type", "children-display"] if self.kind == "gnome" else []
        _rev, (_root, _props, children) = self.client.menu("GetLayout", "iias", (0, -1, names))
        rows = flatten([unpack(c) for c in children])  # submenus' rows after each
        new = [i for i, _p in rows if i not in self.props]
        for id_, props in rows:
            if id_ not in self.props:
                self.props[id_] = props
            elif self.kind == "qt":
                self.props[id_].update({k: v for k, v in props.items() if k not in self.ONCE})
        if self.kind == "gnome" and new:
            (found,) = self.client.menu("GetGroupProperties", "aias", (new, []))
            for id_, props in found:
                self.props[id_].update({k: v[1] for k, v in props.items()})
        self.order = [i for i, _p in rows]
        self.props = {i: self.props[i] for i in self.order}

    def sync(self) -> None:
        """Apply the menu signals the item sent since the last sync, in order."""
        with self.client._lock:
            pending = [(m, b) for _s, m, b in self.client.signals[self._seen :]]
            self._seen = len(self.client.signals)
        for member, body in pending:
            if member == "LayoutUpdated":
                self._read_layout()
            elif member == "ItemsPropertiesUpdated":
                updated, removed = body
                for id_, props in updated:
                    if id_ in self.props:
                        self.props[id_].update({k: v[1] for k, v in props.items()})
                for id_, names in removed:
                    for name in names:
                        self.props.get(id_, {}).pop(name, None)

    def rows(self) -> list[dict[str, Any]]:
        """What the host shows, defaults filled in, in menu order."""
        self.sync()
        return [{**self.DEFAULTS, **self.props[i]} for i in self.order]

    def row(self, label_start: str) -> dict[str, Any]:
        return next(r for r in self.rows() if str(r.get("label", "")).startswith(label_start))

    def header(self) -> str:
        return str(self.rows()[0].get("label", ""))


def pure_python(cache: Path) -> Path:
    """A venv with traynotify installed the plain way (``pip install -e .``), so no
    PyGObject and no dbus-python: the Linux install most users get. Built once per
    pyproject.toml (about 20 s with a warm pip cache), then reused."""
    stamp_text = hashlib.sha256((REPO / "pyproject.toml").read_bytes()).hexdigest()
    venv = cache / ".venv-pure"
    python = venv / "bin" / "python"
    stamp = venv / "traynotify-stamp"
    if stamp.exists() and stamp.read_text() == stamp_text and python.exists():
        return python
    shutil.rmtree(venv, ignore_errors=True)
    base = getattr(sys, "_base_executable", None) or shutil.which("python3") or sys.executable
    subprocess.run([base, "-m", "venv", str(venv)], check=True, timeout=120)
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "-e", str(REPO)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        pytest.fail("could not build the plain-install venv:\n" + result.stderr[-2000:])
    stamp.write_text(stamp_text)
    return python


GUARD = REPO / "tests" / "no_gtk_run.py"
"""Runs traynotify, failing the import of gi or dbus (see that file)."""
