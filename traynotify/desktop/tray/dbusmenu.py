"""The tray menu over ``com.canonical.dbusmenu`` (versions 2 and 3).

The rows come from :func:`traynotify.core.menu.build_menu`. Each row keeps its id for
as long as it means the same thing (the same action on the same notification, drawn
the same way), so a click on a menu the host drew a moment ago still does what it
showed.

What hosts read, and so what a change must say (from their sources):

- GNOME's AppIndicator extension reads only ``type`` and ``children-display`` on a
  layout update, and a row's other properties once, when its id is new; after that,
  only ``ItemsPropertiesUpdated`` changes them.
- libdbusmenu-qt (Plasma, LXQt) updates a known row from the properties present in
  the layout: one left out keeps its old value, so every property is sent, defaults
  too. ``type`` and ``toggle-type`` it reads only when it first sees an id.
- libdbusmenu-gtk (waybar, Xfce, MATE) re-reads the layout on ``LayoutUpdated`` with
  a higher revision, and applies ``ItemsPropertiesUpdated``.

So a change to a row's properties is sent as ``ItemsPropertiesUpdated`` (changed and
removed properties), a change to the rows themselves as ``LayoutUpdated`` with a new
revision, and a row that would be drawn differently (a separator, a check item) gets
a new id. A submenu is a row with ``children-display`` "submenu" and its rows as
children in the layout; its rows' ids are kept the same way, within it, their
changes travel the same two signals (``LayoutUpdated`` always names the root, which
every host reads in full), and a host about to show a submenu counts as showing the
menu (it holds still, see :mod:`traynotify.core.menuhold`). Replies and these signals
leave in the order the menu changed (see :meth:`traynotify.desktop.dbus.Bus.in_order`),
so a host never reads an old row after the signal that replaced it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ...core import menuhold
from ...core.menu import Action, Entry
from ..dbus import Bus, Interface, Method, MethodError, Property

log = logging.getLogger(__name__)

PATH = "/MenuBar"
INTERFACE = "com.canonical.dbusmenu"
VERSION = 3
UNKNOWN_ID = "com.canonical.dbusmenu.Error.UnknownId"
ROOT = 0
ROOT_PROPS = {"children-display": ("s", "submenu")}

Props = dict[str, tuple[str, Any]]


@dataclass(frozen=True)
class Row:
    """One menu item as the host sees it."""

    id: int
    props: tuple[tuple[str, tuple[str, Any]], ...]
    action: Action | None
    enabled: bool
    children: tuple[Row, ...] = ()
    """The rows of its submenu (then it has ``children-display`` "submenu")."""


def mnemonic_safe(label: str) -> str:
    """Hosts read "_x" as a keyboard mnemonic: show underscores as typed."""
    return label.replace("_", "__")


def entry_props(entry: Entry) -> Props:
    """Every property of the item, defaults included (a host may keep a stale one).

    ``type`` is left out for standard items: GNOME's extension rebuilds a row each
    time it is told its type, and a row's type never changes under one id.
    """
    if entry.separator:
        return {"type": ("s", "separator"), "visible": ("b", True)}
    props: Props = {
        "label": ("s", mnemonic_safe(entry.label)),
        "enabled": ("b", entry.enabled and (entry.action is not None or bool(entry.children))),
        "visible": ("b", True),
    }
    if entry.children:
        props["children-display"] = ("s", "submenu")
    if entry.checked is not None:
        props["toggle-type"] = ("s", "checkmark")
        props["toggle-state"] = ("i", 1 if entry.checked else 0)
    return props


def shape(entry: Entry) -> str:
    """How a host draws the row; hosts read it once per id, so it is part of the id."""
    if entry.separator:
        return "separator"
    if entry.children:
        return "submenu"
    return "check" if entry.checked is not None else "standard"


def _meaning(entry: Entry, position: int) -> tuple[object, ...]:
    """What a row is, whatever its label says now."""
    if entry.action is not None:
        # "default": "and 3 more…" and the console's own row do the same thing
        return (
            entry.action.kind,
            entry.action.notification_id,
            entry.action.value,
            entry.default,
        )
    if entry.separator:
        return ("separator",)
    if entry.children:  # a submenu is what its rows do
        return ("submenu", *(_meaning(c, 0) for c in entry.children if c.action is not None))
    return ("info", position)  # an informational line: the header, a notice


class Ids:
    """Stable item ids: the same row (by what it does and how it is drawn, and the
    submenu it is in) keeps its id across rebuilds; a row whose meaning changed gets a
    new one."""

    def __init__(self) -> None:
        self._ids: dict[tuple[object, ...], int] = {}

    def assign(self, entries: Sequence[Entry], parent: tuple[object, ...] = ()) -> list[int]:
        return [id_ for id_, _key in self._assign(entries, parent)]

    def _assign(
        self, entries: Sequence[Entry], parent: tuple[object, ...]
    ) -> list[tuple[int, tuple[object, ...]]]:
        seen: dict[tuple[object, ...], int] = {}
        out = []
        for position, entry in enumerate(entries):
            base = (*_meaning(entry, position), shape(entry))
            occurrence = seen.get(base, 0)
            seen[base] = occurrence + 1
            key = (*parent, base, occurrence)
            if key not in self._ids:
                self._ids[key] = len(self._ids) + 1  # 0 is the root
            out.append((self._ids[key], key))
        return out

    def rows(self, entries: Sequence[Entry], parent: tuple[object, ...] = ()) -> tuple[Row, ...]:
        return tuple(
            Row(
                id_,
                tuple(sorted(entry_props(entry).items())),
                entry.action,
                entry.enabled and entry.action is not None,
                self.rows(entry.children, key) if entry.children else (),
            )
            for (id_, key), entry in zip(self._assign(entries, parent), entries, strict=True)
        )


def rows_for(entries: Sequence[Entry], ids: Ids) -> tuple[Row, ...]:
    return ids.rows(entries)


def every_row(rows: Sequence[Row]) -> Iterator[Row]:
    """The rows and, after each submenu, its rows, at every level."""
    for row in rows:
        yield row
        yield from every_row(row.children)


def tree(rows: Sequence[Row]) -> tuple[tuple[int, object], ...]:
    """Which rows are where: what a layout says besides properties."""
    return tuple((r.id, tree(r.children)) for r in rows)


@dataclass(frozen=True)
class Changes:
    """What a host must be told after a rebuild."""

    updated: list[tuple[int, Props]]
    """(id, changed properties) of rows the host already knows."""
    removed: list[tuple[int, list[str]]]
    """(id, names of properties that are gone) of rows the host already knows."""
    layout: bool
    """Rows came, went or moved (in a submenu too): the host must read the layout again."""


def changes(old: Sequence[Row], new: Sequence[Row]) -> Changes:
    """The difference between two menus, as dbusmenu's two signals carry it."""
    before = {r.id: dict(r.props) for r in every_row(old)}
    updated: list[tuple[int, Props]] = []
    removed: list[tuple[int, list[str]]] = []
    for row in every_row(new):
        was = before.get(row.id)
        if was is None:
            continue
        now = dict(row.props)
        changed = {k: v for k, v in now.items() if was.get(k) != v}
        gone = sorted(k for k in was if k not in now)
        if changed:
            updated.append((row.id, changed))
        if gone:
            removed.append((row.id, gone))
    layout = tree(old) != tree(new)
    return Changes(updated, removed, layout)


def _filter(props: Props, names: Sequence[str]) -> Props:
    return {k: v for k, v in props.items() if k in names} if names else props


class DBusMenu:
    """Serves the menu; ``entries`` gives the rows now; clicks go to ``on_click``."""

    def __init__(
        self,
        bus: Bus,
        entries: Callable[[], list[Entry]],
        on_click: Callable[[Action], None],
        *,
        clock: Callable[[], float] = time.monotonic,
        hold_quiet: float = menuhold.QUIET,
    ) -> None:
        self._bus = bus
        self._entries = entries
        self._on_click = on_click
        self._ids = Ids()
        self._lock = threading.Lock()
        self._clock = clock
        self._quiet = menuhold.quiet_time(hold_quiet)
        self._hold: menuhold.Hold[Row] = menuhold.Hold()
        """While the host may be showing the menu, its rows stay put (core.menuhold)."""
        self._timer: threading.Timer | None = None
        self._rows: tuple[Row, ...] = ()
        self._by_id: dict[int, Row] = {}
        self.revision = 0
        self.refresh(announce=False)
        bus.export(PATH, self.interface())

    def interface(self) -> Interface:
        return Interface(
            INTERFACE,
            methods={
                "GetLayout": Method("iias", "u(ia{sv}av)", self.get_layout),
                "GetGroupProperties": Method("aias", "a(ia{sv})", self.get_group_properties),
                "GetProperty": Method("is", "v", self.get_property),
                "Event": Method("isvu", "", self.event),
                "EventGroup": Method("a(isvu)", "ai", self.event_group),
                "AboutToShow": Method("i", "b", self.about_to_show),
                "AboutToShowGroup": Method("ai", "aiai", self.about_to_show_group),
            },
            properties={
                "Version": Property("u", lambda: VERSION),
                "TextDirection": Property("s", lambda: "ltr"),
                "Status": Property("s", lambda: "normal"),
                "IconThemePath": Property("as", lambda: []),
            },
            signals={
                "ItemsPropertiesUpdated": "a(ia{sv})a(ias)",
                "LayoutUpdated": "ui",
                "ItemActivationRequested": "iu",
            },
        )

    # -- the model --------------------------------------------------------------------
    def refresh(self, announce: bool = True, call: menuhold.Call | None = None) -> bool:
        """Rebuild the rows; if they changed, bump the revision and tell the host.

        Called on the poller's thread (a new state) and the bus thread (the host
        opens the menu): the rows are read, set and announced in the bus's order,
        so a rebuild from an older state cannot land after a newer one (a clicked
        row would come back), two rebuilds never hand out the same id, and no reply
        computed from the old rows leaves after the signals that replace them.
        ``call``: what the host did, for the hold (see :mod:`traynotify.core.menuhold`).
        """
        with self._bus.in_order(), self._lock:
            latest = rows_for(self._entries(), self._ids)
            now = self._clock()
            if call is not None:
                self._hold = menuhold.after(self._hold, call, now, latest, self._quiet)
                self._arm(now)
                log.debug("Menu: the host's %s; held: %s", call.value, self._hold.shown is not None)
            rows = menuhold.serve(self._hold, now, latest, self._quiet)
            if rows == self._rows:
                return False
            diff = changes(self._rows, rows)
            self._rows = rows
            self._by_id = {r.id: r for r in every_row(rows)}
            self.revision += 1
            if announce:
                self._announce(diff, self.revision)
        return True

    def _arm(self, now: float) -> None:
        """Apply what waited when the hold runs out by itself (under the lock)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        end = menuhold.deadline(self._hold, self._quiet)
        if end is not None:
            self._timer = threading.Timer(max(0.0, end - now) + 0.05, self.refresh)
            self._timer.daemon = True
            self._timer.start()

    def _host_asked(self) -> None:
        """A word from the host that keeps an open menu open (and opens nothing)."""
        with self._lock:
            now = self._clock()
            held = menuhold.held(self._hold, now, self._quiet)
            self._hold = menuhold.after(self._hold, menuhold.Call.ASK, now, (), self._quiet)
            if held:
                self._arm(now)

    def _announce(self, diff: Changes, revision: int) -> None:
        if diff.updated or diff.removed:
            self._bus.emit(
                PATH,
                INTERFACE,
                "ItemsPropertiesUpdated",
                "a(ia{sv})a(ias)",
                (diff.updated, diff.removed),
            )
        # always: a host that reads only layouts (or missed a signal) catches up here
        self._bus.emit(PATH, INTERFACE, "LayoutUpdated", "ui", (revision, ROOT))

    def _node(self, row: Row, names: Sequence[str], depth: int) -> tuple[int, Props, list[Any]]:
        """``row`` with its submenu ``depth`` levels down (-1: all of it)."""
        return (row.id, _filter(dict(row.props), names), self._children(row.children, names, depth))

    def _children(self, rows: Sequence[Row], names: Sequence[str], depth: int) -> list[Any]:
        if depth == 0:
            return []
        return [("(ia{sv}av)", self._node(r, names, depth - 1 if depth > 0 else -1)) for r in rows]

    # -- methods ----------------------------------------------------------------------
    def get_layout(
        self, parent: int, depth: int, names: list[str]
    ) -> tuple[int, tuple[int, Props, list[Any]]]:
        with self._lock:
            rows, revision = self._rows, self.revision
            row = self._by_id.get(parent)
        if parent == ROOT:
            children = self._children(rows, names, depth)
            return revision, (ROOT, _filter(dict(ROOT_PROPS), names), children)
        if row is None:
            raise MethodError(UNKNOWN_ID, f"no menu item {parent}")
        return revision, self._node(row, names, depth)

    def get_group_properties(
        self, ids: list[int], names: list[str]
    ) -> tuple[list[tuple[int, Props]]]:
        with self._lock:
            rows = self._rows
            by_id = self._by_id
        wanted = ids or [ROOT, *(r.id for r in every_row(rows))]
        found = [(i, self._props(i, by_id)) for i in wanted]
        return ([(i, _filter(p, names)) for i, p in found if p is not None],)

    def get_property(self, id_: int, name: str) -> tuple[tuple[str, Any]]:
        with self._lock:
            props = self._props(id_, self._by_id)
        if props is None:
            raise MethodError(UNKNOWN_ID, f"no menu item {id_}")
        if name not in props:
            raise MethodError(UNKNOWN_ID, f"menu item {id_} has no property {name}")
        return (props[name],)

    @staticmethod
    def _props(id_: int, by_id: dict[int, Row]) -> Props | None:
        if id_ == ROOT:
            return dict(ROOT_PROPS)
        row = by_id.get(id_)
        return dict(row.props) if row else None

    def event(self, id_: int, event_id: str, data: Any, timestamp: int) -> tuple[()]:
        if not self._event(id_, event_id):
            raise MethodError(UNKNOWN_ID, f"no menu item {id_}")
        return ()

    def event_group(self, events: list[tuple[int, str, Any, int]]) -> tuple[list[int]]:
        errors = [id_ for id_, event_id, _data, _ts in events if not self._event(id_, event_id)]
        if events and len(errors) == len(events):
            raise MethodError(UNKNOWN_ID, f"no menu items {errors}")
        return (errors,)

    def about_to_show(self, id_: int) -> tuple[bool]:
        """Rebuild (relative times age); a change is announced by signal, so the answer
        is False. With True, libdbusmenu-qt reads the layout itself and then ignores
        the next LayoutUpdated, which would be the one after a later, real change."""
        if id_ != ROOT and id_ not in self._by_id:
            raise MethodError(UNKNOWN_ID, f"no menu item {id_}")
        if self._opens([id_]):
            self.refresh(call=menuhold.Call.SHOW)
        else:
            self._host_asked()
        return (False,)

    def about_to_show_group(self, ids: list[int]) -> tuple[list[int], list[int]]:
        with self._lock:
            known = set(self._by_id) | {ROOT}
        errors = [i for i in ids if i not in known]
        if self._opens(ids):
            self.refresh(call=menuhold.Call.SHOW)
        elif ids:
            self._host_asked()
        return [], errors

    def _opens(self, ids: Sequence[int]) -> bool:
        """Whether the host is about to show the menu or one of its submenus (which
        is shown only while the menu is)."""
        with self._lock:
            by_id = self._by_id
        return any(i == ROOT or (i in by_id and bool(by_id[i].children)) for i in ids)

    def _event(self, id_: int, event_id: str) -> bool:
        """Act on one event; False if the id is not in the menu."""
        with self._lock:
            row = self._by_id.get(id_)
        if id_ == ROOT:
            if event_id in ("opened", "closed"):
                call = menuhold.Call.OPENED if event_id == "opened" else menuhold.Call.CLOSE
                self.refresh(call=call)
            else:
                self._host_asked()
            return True
        if row is None:
            return False
        if event_id == "opened" and row.children:  # a submenu: the menu is open
            self.refresh(call=menuhold.Call.SHOW)
        elif event_id == "clicked" and row.enabled and row.action is not None:
            log.debug("Menu click: %s", row.action)
            try:
                self._on_click(row.action)  # the row as the host showed it
            except Exception:  # a failing click must not take the menu down
                log.exception("Menu action %s failed.", row.action.kind)
            self.refresh(call=menuhold.Call.CLICK)  # the menu closes: apply what waited
        else:
            self._host_asked()
        return True
