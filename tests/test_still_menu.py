"""The StatusNotifierItem's menu holds still while the host may be showing it."""

from __future__ import annotations

from typing import Any

import pytest

from traynotify.core.menu import Action, build_menu
from traynotify.core.menuhold import QUIET
from traynotify.core.state import Status, TrayState
from traynotify.desktop.tray.dbusmenu import DBusMenu

from .test_tray_choice import NOW, _Bus, note

A, B, C = note(7, "A", 3), note(5, "B", 4), note(3, "C", 5)
NEW = note(9, "New", 0)
BEFORE = TrayState(status=Status.OK, count=3, items=(A, B, C))
ARRIVED = TrayState(status=Status.OK, count=4, items=(NEW, A, B, C))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class HostedMenu:
    """A DBusMenu over a state we publish and a clock we move, on ``bus``."""

    def __init__(self, state: TrayState = BEFORE, bus: Any = None) -> None:
        self.state = state
        self.clock = Clock()
        self.bus = _Bus() if bus is None else bus
        self.clicks: list[Action] = []
        self.menu = DBusMenu(
            self.bus,
            lambda: build_menu(self.state, NOW),
            self.clicks.append,
            clock=self.clock,
        )

    def publish(self, state: TrayState) -> None:
        self.state = state
        self.menu.refresh()


class Menu(HostedMenu):
    """A DBusMenu as a host sees it, over a state we publish and a clock we move."""

    def labels(self) -> list[str]:
        _rev, (_root, _props, children) = self.menu.get_layout(0, -1, [])
        return [dict(child[1][1]).get("label", ("s", "—"))[1] for child in children]

    def row(self, label: str) -> int:
        _rev, (_root, _props, children) = self.menu.get_layout(0, -1, [])
        return next(
            child[1][0]
            for child in children
            if dict(child[1][1]).get("label", ("s", ""))[1].startswith(label)
        )

    def click(self, label: str) -> None:
        self.menu.event_group([(self.row(label), "clicked", ("i", 0), 0)])


def titles(labels: list[str]) -> list[str]:
    return [label.split(" · ")[0] for label in labels]


@pytest.fixture
def menu() -> Menu:
    return Menu()


@pytest.mark.parametrize("opens", ["AboutToShowGroup", "AboutToShow", "opened"])
def test_a_row_that_arrives_while_open_waits_for_the_close(menu: Menu, opens: str) -> None:
    before = menu.labels()
    if opens == "AboutToShowGroup":
        menu.menu.about_to_show_group([0])
    elif opens == "AboutToShow":
        menu.menu.about_to_show(0)
    else:
        menu.menu.event(0, "opened", ("i", 0), 0)
    menu.publish(ARRIVED)
    held = menu.labels()
    assert held.index("Mark all as read") == before.index("Mark all as read")
    assert "New" not in titles(held)
    assert held[0] == "4 unread notifications"  # the header counts at once, in its place
    menu.menu.event(0, "closed", ("i", 0), 0)
    assert titles(menu.labels())[1] == "New"


def test_a_click_where_mark_all_was_marks_all(menu: Menu) -> None:
    menu.menu.about_to_show_group([0])
    mark_all = menu.row("Mark all as read")
    menu.publish(ARRIVED)
    menu.menu.event_group([(mark_all, "clicked", ("i", 0), 0)])
    assert [a.kind for a in menu.clicks] == ["mark_all"]
    assert titles(menu.labels())[1] == "New"  # the click closed the menu: applied


def test_a_click_on_a_row_acts_on_what_it_showed(menu: Menu) -> None:
    menu.menu.about_to_show_group([0])
    menu.publish(TrayState(status=Status.OK, count=2, items=(A, C)))  # B read elsewhere
    assert "B" in titles(menu.labels())  # still there, in its place
    menu.click("B")
    (action,) = menu.clicks
    assert (action.kind, action.notification_id, action.subject) == ("open", B.id, B)
    assert "B" not in titles(menu.labels())


def test_a_quiet_host_lets_the_rows_move_again(menu: Menu) -> None:
    """xfce4-panel never says "closed": QUIET seconds without a word end the hold."""
    menu.menu.about_to_show_group([0])
    menu.publish(ARRIVED)
    menu.clock.now += QUIET - 1
    menu.menu.refresh()
    assert "New" not in titles(menu.labels())
    menu.clock.now += 1
    menu.menu.refresh()  # what its timer does at the deadline
    assert titles(menu.labels())[1] == "New"


def test_hovering_keeps_it_open(menu: Menu) -> None:
    menu.menu.about_to_show_group([0])
    menu.publish(ARRIVED)
    menu.clock.now += QUIET - 1
    menu.menu.event(menu.row("Refresh now"), "hovered", ("i", 0), 0)
    menu.clock.now += QUIET - 1
    menu.menu.refresh()
    assert "New" not in titles(menu.labels())
    assert menu.clicks == []


def test_opening_again_without_a_close_keeps_it_held(menu: Menu) -> None:
    """Closed without a word (xfce4-panel), opened again: the host draws what it read
    last, the held rows; the new one comes when the host has been quiet long enough."""
    menu.menu.about_to_show_group([0])
    menu.publish(ARRIVED)
    menu.clock.now += 20
    menu.menu.about_to_show_group([0])
    assert "New" not in titles(menu.labels())
    menu.clock.now += QUIET
    menu.menu.refresh()
    assert titles(menu.labels())[1] == "New"


def test_a_closed_menu_follows_the_state_at_once(menu: Menu) -> None:
    menu.publish(ARRIVED)
    assert titles(menu.labels())[1] == "New"


def test_the_console_rows_keep_apart(menu: Menu) -> None:
    """ "and 3 more…" and "Open notifications in console" do the same: when the first
    goes while the menu is held, the second must not take its place and label."""
    menu.publish(TrayState(status=Status.OK, count=6, items=(A, B, C)))
    menu.menu.about_to_show_group([0])
    menu.publish(BEFORE)  # the three others were read elsewhere
    labels: list[Any] = menu.labels()
    assert labels.count("Open notifications in console") == 1
    assert "and 3 more…" in labels


def test_gnome_first_read_does_not_hold_the_menu_it_opens_later(menu: Menu) -> None:
    """GNOME's extension calls AboutToShow when it first reads the menu (at start-up,
    with nothing shown); when the user opens it seconds later ("opened", then
    AboutToShow) it shows what is true now, and holds that still."""
    menu.menu.about_to_show(0)  # the extension's first read
    menu.publish(ARRIVED)
    assert "New" not in titles(menu.labels())  # it may be showing: held
    menu.clock.now += 8
    revision = menu.menu.revision
    menu.menu.event(0, "opened", ("i", 0), 0)
    menu.menu.about_to_show(0)
    assert titles(menu.labels())[1] == "New"
    assert menu.menu.revision > revision  # announced (the extension reads no layout)
    menu.publish(BEFORE)  # New read elsewhere while the menu is open: it stays in place
    assert titles(menu.labels())[1] == "New"
