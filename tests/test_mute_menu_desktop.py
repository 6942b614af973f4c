""" "Pop-ups for… ▸ <type>" clicked in the running tray's StatusNotifierItem menu, as a
panel clicks it over dbusmenu, on a virtual desktop with a real notification daemon."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from traynotify.desktop.settings_file import read_settings
from traynotify.devserver import ContractServer

from .conftest import Launch
from .desktop import Desktop, arrives, wait_for
from .sni import Host, unpack
from .test_desktop_life import traynotify

pytestmark = pytest.mark.desktop

TYPES = "Pop-ups for…"
REVOKE = "org.api_key.revoke"
REVOKE_ROW = "Org API keys revoked"


@pytest.fixture
def host(desktop: Desktop) -> Iterator[Host]:
    """The panel's side of the bus: a StatusNotifierWatcher and host, so the app shows
    its StatusNotifierItem (with its dbusmenu) rather than an XEmbed icon."""
    h = Host(desktop.bus_address)
    yield h
    h.close()


class Item:
    """The app's StatusNotifierItem as the panel reads it."""

    def __init__(self, host: Host) -> None:
        self.host = host

    def title(self) -> str:
        return str(self.host.props()["Title"])

    def ticks(self) -> dict[str, int]:
        """Each row of "Pop-ups for…" and its tick (1: pops up, 0: muted)."""
        return {p["label"]: p["toggle-state"] for _i, p in self.host.submenu(TYPES)}

    def click(self, row: str) -> int:
        """Open the menu, then "Pop-ups for…", read its rows and click ``row``, with the
        calls a panel makes; the row's id."""
        self.host.menu("AboutToShow", "i", (0,))
        parent = self.host.row_id(TYPES)
        self.host.menu("AboutToShow", "i", (parent,))
        _revision, (node, _props, children) = self.host.menu("GetLayout", "iias", (parent, -1, []))
        assert node == parent
        rows = [unpack(c) for c in children]
        row_id = next(i for i, p, _c in rows if p.get("label") == row)
        self.host.menu("Event", "isvu", (row_id, "clicked", ("i", 0), 0))
        return row_id

    def ticks_sent(self, row_id: int) -> list[int]:
        """The toggle-state of ``row_id`` in each ItemsPropertiesUpdated, in order: all
        GNOME's extension and libdbusmenu-qt go by for a row they already show."""
        sent: list[int] = []
        for updated, _removed in self.host.signals_of("ItemsPropertiesUpdated"):
            for id_, props in updated:
                if id_ == row_id and "toggle-state" in props:
                    sent.append(props["toggle-state"][1])
        return sent


def test_a_click_on_a_type_in_the_menu_mutes_it_and_a_second_click_unmutes_it(
    host: Host, launch: Launch, server: ContractServer, desktop: Desktop
) -> None:
    before = len(desktop.toasts())
    app = launch(backend=None)  # the app's own choice: the watcher is there, so an item
    item = Item(host)
    wait_for("the count", lambda: item.title() == "traynotify: 3 unread")
    wait_for("the first-start summary", lambda: desktop.toasts()[before:])
    everything = {
        "Payments received": 1,
        "Low balance": 1,
        "New org members": 1,
        "Personal API keys revoked": 1,
        REVOKE_ROW: 1,
    }
    assert item.ticks() == everything

    def config_line() -> str:
        done = traynotify("config", "show", env=app.env)
        assert done.returncode == 0, done.stderr
        return next(ln for ln in done.stdout.splitlines() if ln.strip().startswith("muted_types"))

    done = traynotify("config", "path", env=app.env)
    settings = Path(done.stdout.strip())

    row = item.click(REVOKE_ROW)
    wait_for(
        "the tick to go",
        lambda: item.ticks() == {**everything, REVOKE_ROW: 0},
        seen=lambda: str(item.ticks()),
    )
    assert item.ticks_sent(row)[-1:] == [0]  # hosts that keep the rows they show see it too
    assert host.row_id(REVOKE_ROW) == row  # the same row, untouched but for its tick
    wait_for("the choice to be saved", lambda: REVOKE in config_line(), seen=config_line)
    assert config_line().split() == ["muted_types", "=", REVOKE, "(settings", "file)"]
    muted: Any = read_settings(settings).values.get("muted_types")
    assert tuple(muted) == (REVOKE,)

    # that type counts on the badge but no longer pops up; another type still does
    assert arrives(desktop, server, item, "Key revoked quietly", 4, REVOKE) == []
    popped = arrives(desktop, server, item, "Payment loudly", 5, "system.payment.received")
    assert "Payment loudly" in popped

    assert item.click(REVOKE_ROW) == row  # ticked again
    wait_for(
        "the tick to come back",
        lambda: item.ticks() == everything,
        seen=lambda: str(item.ticks()),
    )
    assert item.ticks_sent(row)[-2:] == [0, 1]
    wait_for("the unmute to be saved", lambda: REVOKE not in config_line(), seen=config_line)
    assert "muted_types" not in read_settings(settings).values
    assert "Key revoked loudly" in arrives(desktop, server, item, "Key revoked loudly", 6, REVOKE)
    assert app.proc.poll() is None  # the same tray throughout
    assert "Traceback" not in app.stderr()
