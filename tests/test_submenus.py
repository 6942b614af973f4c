"""The tray menu's submenus over dbusmenu, as hosts read and click them: the layout at
each depth, clicks on their rows, the signals a change in them sends, and the hold
while one is open."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from traynotify.api.models import KNOWN_TYPES
from traynotify.core.menu import Action
from traynotify.core.menuhold import QUIET
from traynotify.core.state import Status, TrayState
from traynotify.desktop.dbus import MethodError
from traynotify.desktop.tray.dbusmenu import INTERFACE, PATH

from .test_still_menu import ARRIVED, BEFORE, HostedMenu, titles

MEMBERS = "admin.org.member.add"


class RecordingBus:
    """The edge a menu talks to, keeping the signals it sends."""

    def __init__(self) -> None:
        self.order = threading.RLock()
        self.signals: list[tuple[str, tuple[Any, ...]]] = []

    def in_order(self) -> threading.RLock:
        return self.order

    def export(self, path: str, *interfaces: object) -> None:
        pass

    def emit(self, path: str, interface: str, member: str, sig: str, body: Any) -> None:
        assert (path, interface) == (PATH, INTERFACE)
        self.signals.append((member, tuple(body)))


Node = tuple[int, dict[str, Any], list[Any]]


def label(node: Node) -> str:
    props = node[1]
    if props.get("type") == ("s", "separator"):
        return "---"
    return str(props.get("label", ("s", ""))[1])


class Menu(HostedMenu):
    """A DBusMenu over a state we publish, read as a host reads it."""

    bus: RecordingBus

    def __init__(self, state: TrayState = BEFORE) -> None:
        super().__init__(state, RecordingBus())

    def layout(self, parent: int = 0, depth: int = -1) -> Node:
        _revision, node = self.menu.get_layout(parent, depth, [])
        return node

    def top(self) -> list[Node]:
        return [child for _sig, child in self.layout()[2]]

    def submenu(self, name: str) -> Node:
        return next(node for node in self.top() if label(node) == name)

    def rows(self, name: str) -> list[Node]:
        return [child for _sig, child in self.submenu(name)[2]]

    def row(self, name: str, row: str) -> Node:
        return next(node for node in self.rows(name) if label(node).startswith(row))

    def click(self, name: str, row: str) -> None:
        self.menu.event(self.row(name, row)[0], "clicked", ("i", 0), 0)


@pytest.fixture
def menu() -> Menu:
    return Menu()


def test_the_layout_nests_both_submenus_at_every_depth(menu: Menu) -> None:
    pause = menu.submenu("Pause pop-ups")
    assert pause[1]["children-display"] == ("s", "submenu")
    assert pause[1]["enabled"] == ("b", True)
    assert [label(n) for n in menu.rows("Pause pop-ups")] == [
        "For 1 hour",
        "Until tomorrow 09:00",
        "Until I resume",
        "---",
        "Resume now",
    ]
    assert menu.row("Pause pop-ups", "Resume now")[1]["enabled"] == ("b", False)  # not paused
    types = menu.rows("Pop-ups for…")
    assert [label(n) for n in types] == [
        "Payments received",
        "Low balance",
        "New org members",
        "Personal API keys revoked",
        "Org API keys revoked",
    ]
    assert all(n[1]["toggle-type"] == ("s", "checkmark") for n in types)
    assert all(n[1]["toggle-state"] == ("i", 1) for n in types)
    # depth 0: the root alone; depth 1: the top rows, the submenus without their rows
    assert menu.layout(0, 0)[2] == []
    one = [child for _sig, child in menu.layout(0, 1)[2]]
    assert [n[0] for n in one] == [n[0] for n in menu.top()]
    assert all(n[2] == [] for n in one)
    # a submenu asked for by its id: itself, with its rows at depth -1 and 1, none at 0
    assert menu.layout(pause[0], -1) == pause
    assert menu.layout(pause[0], 1) == pause
    assert menu.layout(pause[0], 0) == (pause[0], pause[1], [])
    # every row's id is its own: none of a submenu's rows shares an id with another row
    ids = [n[0] for n in menu.top()] + [
        n[0] for name in ("Pause pop-ups", "Pop-ups for…") for n in menu.rows(name)
    ]
    assert len(ids) == len(set(ids))


def test_properties_of_a_submenus_rows(menu: Menu) -> None:
    one_hour = menu.row("Pause pop-ups", "For 1 hour")[0]
    assert menu.menu.get_property(one_hour, "label") == (("s", "For 1 hour"),)
    members = menu.row("Pop-ups for…", "New org members")[0]
    (found,) = menu.menu.get_group_properties([members], ["toggle-state"])
    assert found == [(members, {"toggle-state": ("i", 1)})]
    (everything,) = menu.menu.get_group_properties([], [])
    assert {one_hour, members} <= {i for i, _p in everything}


@pytest.mark.parametrize(
    ("name", "row", "action"),
    [
        ("Pause pop-ups", "For 1 hour", Action("snooze", value="1h")),
        ("Pause pop-ups", "Until tomorrow", Action("snooze", value="tomorrow")),
        ("Pause pop-ups", "Until I resume", Action("snooze", value="forever")),
        *(
            ("Pop-ups for…", name, Action("mute_type", value=t))
            for name, t in zip(
                ["Payments received", "Low balance", "New org members", "Personal", "Org API"],
                KNOWN_TYPES,
                strict=True,
            )
        ),
    ],
)
def test_a_click_in_a_submenu_asks_for_its_row(
    menu: Menu, name: str, row: str, action: Action
) -> None:
    menu.click(name, row)
    assert menu.clicks == [action]


def test_resume_is_offered_only_while_paused(menu: Menu) -> None:
    menu.click("Pause pop-ups", "Resume now")
    assert menu.clicks == []  # greyed out: nothing to resume
    menu.publish(TrayState(Status.OK, count=3, items=BEFORE.items, popups_paused=True))
    menu.click("Pause pop-ups", "Resume now")
    assert menu.clicks == [Action("resume")]


def test_a_muted_type_loses_its_tick_by_a_properties_signal(menu: Menu) -> None:
    """GNOME's extension and libdbusmenu-qt change a known row only from
    ItemsPropertiesUpdated (see the dbusmenu module): the tick's change must be in it."""
    members = menu.row("Pop-ups for…", "New org members")[0]
    before = menu.top()
    menu.bus.signals.clear()
    menu.publish(TrayState(Status.OK, count=3, items=BEFORE.items, muted_types=(MEMBERS,)))
    (props, layout) = menu.bus.signals
    assert props == ("ItemsPropertiesUpdated", ([(members, {"toggle-state": ("i", 0)})], []))
    assert layout == ("LayoutUpdated", (menu.menu.revision, 0))
    assert menu.row("Pop-ups for…", "New org members") == (
        members,
        {
            "label": ("s", "New org members"),
            "enabled": ("b", True),
            "visible": ("b", True),
            "toggle-type": ("s", "checkmark"),
            "toggle-state": ("i", 0),
        },
        [],
    )
    # the same rows under the same ids: a host that reads the layout again loses nothing
    assert [n[0] for n in menu.top()] == [n[0] for n in before]
    menu.publish(TrayState(Status.OK, count=3, items=BEFORE.items))
    assert menu.row("Pop-ups for…", "New org members")[1]["toggle-state"] == ("i", 1)


def test_a_pause_changes_rows_in_place_and_adds_its_end(menu: Menu) -> None:
    resume = menu.row("Pause pop-ups", "Resume now")[0]
    menu.bus.signals.clear()
    menu.publish(TrayState(Status.OK, count=3, items=BEFORE.items, popups_paused=True))
    (props, layout) = menu.bus.signals
    assert props[0] == "ItemsPropertiesUpdated"
    assert (resume, {"enabled": ("b", True)}) in props[1][0]
    assert layout[0] == "LayoutUpdated"
    labels = [label(n) for n in menu.top()]
    assert labels[labels.index("Pause pop-ups") - 1] == "Pop-ups paused until you resume them"


@pytest.mark.parametrize("root_first", [True, False])
@pytest.mark.parametrize("opens", ["AboutToShow", "AboutToShowGroup", "opened"])
def test_an_open_submenu_holds_the_menu_still(opens: str, root_first: bool) -> None:
    """The host opens the menu (or says nothing of it), then a submenu, and the user
    waits in it: a notification that arrives meanwhile waits too, and a click in the
    submenu does what it showed."""
    menu = Menu()
    if root_first:
        menu.menu.about_to_show_group([0])
        menu.clock.now += QUIET - 1  # reading the menu for a while
    types = menu.submenu("Pop-ups for…")[0]
    if opens == "AboutToShow":
        menu.menu.about_to_show(types)
    elif opens == "AboutToShowGroup":
        menu.menu.about_to_show_group([types])
    else:
        menu.menu.event(types, "opened", ("i", 0), 0)
    menu.clock.now += QUIET - 1  # ... and the submenu: the menu still counts as open
    menu.publish(ARRIVED)
    assert "New" not in titles([label(n) for n in menu.top()])
    menu.menu.event(types, "closed", ("i", 0), 0)  # the submenu closes, the menu stays
    assert "New" not in titles([label(n) for n in menu.top()])
    menu.click("Pop-ups for…", "Low balance")
    assert menu.clicks == [Action("mute_type", value="system.balance.notify.dispatched")]
    assert titles([label(n) for n in menu.top()])[1] == "New"  # the click closed it


def test_unknown_ids_stay_errors(menu: Menu) -> None:
    with pytest.raises(MethodError):
        menu.menu.about_to_show(424242)
    with pytest.raises(MethodError):
        menu.menu.get_layout(424242, -1, [])
    assert menu.menu.about_to_show_group([424242]) == ([], [424242])


def test_pystray_draws_the_same_submenus() -> None:
    """Where the tray is pystray's (XEmbed, macOS, Windows): a row with rows of its own
    is a pystray submenu, its check items ticked as the state says, its clicks asked for."""
    from traynotify.desktop.tray.pystray_tray import Tray

    clicks: list[Action] = []
    tray = Tray(clicks.append, backend="dummy")
    tray.set_menu_options(10, "07:30")
    tray._state = TrayState(Status.OK, muted_types=(MEMBERS,))  # its dummy icon cannot draw
    items = {item.text: item for item in tray._items()}
    pause, types = items["Pause pop-ups"], items["Pop-ups for…"]
    assert pause.enabled
    assert [(i.text, i.enabled) for i in pause.submenu.items if i.text != "- - - -"] == [
        ("For 1 hour", True),
        ("Until tomorrow 07:30", True),
        ("Until I resume", True),
        ("Resume now", False),
    ]
    assert [(i.text, i.checked) for i in types.submenu.items] == [
        ("Payments received", True),
        ("Low balance", True),
        ("New org members", False),
        ("Personal API keys revoked", True),
        ("Org API keys revoked", True),
    ]
    pause.submenu.items[1](tray._icon)
    types.submenu.items[2](tray._icon)
    assert clicks == [Action("snooze", value="tomorrow"), Action("mute_type", value=MEMBERS)]
