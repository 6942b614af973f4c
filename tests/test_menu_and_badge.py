"""The menu, tooltip and icon drawn from a state: pure functions, and real pixels."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image

from traynotify.api.models import KNOWN_TYPES, Notification
from traynotify.core.badge import Look, badge_text, look_for, tooltip
from traynotify.core.menu import Action, Entry, build_menu
from traynotify.core.state import Status, TrayState
from traynotify.desktop.icons import render_icon

NOW = datetime(2026, 5, 22, 12, 0, tzinfo=timezone.utc)


def note(i: int, title: str = "", minutes: int = 5) -> Notification:
    return Notification(
        i,
        "system.payment.received",
        title or f"Payment {i}",
        "b",
        "/billing",
        None,
        NOW - timedelta(minutes=minutes),
    )


def labels(state: TrayState, length: int = 10) -> list[str]:
    return [e.label if not e.separator else "---" for e in build_menu(state, NOW, length)]


def test_menu_for_unread_items() -> None:
    state = TrayState(Status.OK, count=2, items=(note(2, minutes=1), note(1, minutes=90)))
    entries = build_menu(state, NOW)
    assert labels(state) == [
        "2 unread notifications",
        "Payment 2 · 1 min ago",
        "Payment 1 · 1 h ago",
        "---",
        "Mark all as read",
        "Open notifications in console",
        "Refresh now",
        "Pause pop-ups",
        "Pop-ups for…",
        "---",
        "Quit",
    ]
    header = entries[0]
    assert not header.enabled
    assert header.action is None
    assert entries[1].action == Action("open", 2)
    assert entries[4].enabled
    assert entries[7].children  # a submenu
    assert [e.default for e in entries].count(True) == 1


def test_menu_shows_at_most_menu_length_and_points_to_the_rest() -> None:
    items = tuple(note(i, minutes=i) for i in range(30))
    rows = labels(TrayState(Status.OK, count=42, items=items), length=10)
    assert rows[0] == "42 unread notifications"
    assert rows[1:11] == [
        f"Payment {i} · {'just now' if i == 0 else f'{i} min ago'}" for i in range(10)
    ]
    assert rows[11] == "and 32 more…"


def test_menu_with_nothing_unread_disables_mark_all() -> None:
    entries = build_menu(TrayState(Status.OK, count=0), NOW)
    assert entries[0].label == "No unread notifications"
    mark_all = next(e for e in entries if e.label == "Mark all as read")
    assert not mark_all.enabled


def test_menu_when_offline_keeps_the_stale_items_and_says_so() -> None:
    state = TrayState(
        Status.OFFLINE,
        count=1,
        items=(note(1),),
        stale=True,
        updated_at=NOW,
        problem="Cannot reach the server",
    )
    entries = build_menu(state, NOW)
    assert entries[0].label.startswith("1 unread notification (as of ")
    assert entries[0].label.endswith(", Cannot reach the server)")
    assert entries[1].action == Action("open", 1)


def test_menu_when_signed_out_explains_how_to_sign_in() -> None:
    state = TrayState(Status.SIGNED_OUT, problem="no API key")
    rows = labels(state)
    assert rows[0] == "Signed out: no API key"
    assert "How to sign in…" in rows
    assert "Mark all as read" not in rows


def test_menu_shows_the_notice_and_the_pause() -> None:
    state = TrayState(Status.OK, notice="Could not mark “x” read: offline", popups_paused=True)
    entries = build_menu(state, NOW)
    assert entries[1].label == "⚠ Could not mark “x” read: offline"
    assert not entries[1].enabled
    assert "Pop-ups paused until you resume them" in [e.label for e in entries]


def rows_of(entry: Entry) -> list[tuple[str, Action | None, bool, bool | None]]:
    return [
        ("---", None, c.enabled, None) if c.separator else (c.label, c.action, c.enabled, c.checked)
        for c in entry.children
    ]


def submenu(entries: list[Entry], label: str) -> Entry:
    (found,) = [e for e in entries if e.label == label and e.children]
    assert found.action is None
    assert found.enabled
    return found


ZONE = timezone(timedelta(hours=2))
"""A fixed zone: the labels read the same whatever TZ the tests run in."""


@pytest.mark.parametrize(
    ("state", "morning", "info", "resume"),
    [
        (TrayState(Status.OK), "09:00", None, False),
        (
            TrayState(Status.OK, popups_paused=True, paused_until=NOW + timedelta(minutes=58)),
            "09:00",
            "Pop-ups paused until 14:58 (58 min)",
            True,
        ),
        (
            TrayState(Status.OK, popups_paused=True, paused_until=NOW + timedelta(hours=20)),
            "07:30",
            "Pop-ups paused until tomorrow 10:00 (20 h)",
            True,
        ),
        (
            TrayState(Status.OK, popups_paused=True),
            "09:00",
            "Pop-ups paused until you resume them",
            True,
        ),
        (
            TrayState(Status.SIGNED_OUT, popups_paused=True),
            "09:00",
            "Pop-ups paused until you resume them",
            True,
        ),
        # the popups setting off: "Resume now" could not bring them back, so it is
        # greyed out and a line says what holds them back
        (
            TrayState(Status.OK, popups_setting_off=True),
            "09:00",
            "Pop-ups are off in the settings (popups = false)",
            False,
        ),
        (
            TrayState(Status.OK, popups_paused=True, popups_setting_off=True),
            "09:00",
            "Pop-ups are off in the settings (popups = false)",
            True,
        ),
    ],
)
def test_the_pause_submenu(state: TrayState, morning: str, info: str | None, resume: bool) -> None:
    entries = build_menu(state, NOW, morning=morning, zone=ZONE)
    pause = submenu(entries, "Pause pop-ups")
    assert rows_of(pause) == [
        ("For 1 hour", Action("snooze", value="1h"), True, None),
        (f"Until tomorrow {morning}", Action("snooze", value="tomorrow"), True, None),
        ("Until I resume", Action("snooze", value="forever"), True, None),
        ("---", None, True, None),
        ("Resume now", Action("resume"), resume, None),
    ]
    # the pause's end, as a line of its own just above the submenu
    above = entries[entries.index(pause) - 1]
    if info is None:
        assert not any(e.label.startswith("Pop-ups paused") for e in entries)
    else:
        assert (above.label, above.enabled, above.action) == (info, False, None)
    # a pause of the user's is named whatever the setting says
    paused = any(e.label.startswith("Pop-ups paused") for e in entries)
    assert paused == state.popups_paused


@pytest.mark.parametrize(
    ("muted", "ticked"),
    [
        ((), [True, True, True, True, True]),
        (("system.payment.received",), [False, True, True, True, True]),
        (
            ("admin.org.member.add", "org.api_key.revoke"),
            [True, True, False, True, False],
        ),
        (KNOWN_TYPES, [False] * 5),
    ],
)
def test_the_types_submenu_ticks_what_pops_up(muted: tuple[str, ...], ticked: list[bool]) -> None:
    entries = build_menu(TrayState(Status.OK, muted_types=muted), NOW, zone=ZONE)
    types = submenu(entries, "Pop-ups for…")
    assert rows_of(types) == [
        (label, Action("mute_type", value=t), True, tick)
        for label, t, tick in zip(
            [
                "Payments received",
                "Low balance",
                "New org members",
                "Personal API keys revoked",
                "Org API keys revoked",
            ],
            KNOWN_TYPES,
            ticked,
            strict=True,
        )
    ]
    # the pause submenu comes just before it, the other rows as before
    assert entries[entries.index(types) - 1].label == "Pause pop-ups"


def test_start_at_login_is_a_check_item_where_the_system_offers_it() -> None:
    assert "Start at login" not in labels(TrayState(Status.OK))
    for enabled in (True, False):
        entries = build_menu(TrayState(Status.OK, autostart=enabled), NOW)
        item = next(e for e in entries if e.label == "Start at login")
        assert (item.checked, item.action) == (enabled, Action("toggle_autostart"))
        assert entries[-1].label == "Quit"


def test_menu_titles_are_single_line_and_short() -> None:
    state = TrayState(Status.OK, count=1, items=(note(1, title="a\nb\u202e" + "z" * 500),))
    label = build_menu(state, NOW)[1].label
    assert label.startswith("a b")
    assert "\n" not in label
    assert "\u202e" not in label
    assert len(label) <= 60


@pytest.mark.parametrize(
    ("count", "text"), [(0, ""), (1, "1"), (99, "99"), (100, "99+"), (5000, "99+"), (-1, "")]
)
def test_badge_text(count: int, text: str) -> None:
    assert badge_text(count) == text


def test_looks_and_tooltips() -> None:
    assert look_for(TrayState(Status.OK, count=0)) is Look.NONE
    assert look_for(TrayState(Status.OK, count=3)) is Look.UNREAD
    assert look_for(TrayState(Status.OFFLINE, count=3)) is Look.OFFLINE
    assert look_for(TrayState(Status.ERROR, count=3)) is Look.OFFLINE
    assert look_for(TrayState(Status.SIGNED_OUT)) is Look.SIGNED_OUT
    assert tooltip(TrayState(Status.OK, count=7)) == "traynotify: 7 unread"
    assert tooltip(TrayState(Status.OFFLINE, count=7, problem="server down")) == (
        "traynotify: 7 unread · server down"
    )
    assert tooltip(TrayState(Status.SIGNED_OUT, problem="key revoked")) == (
        "traynotify: signed out (key revoked)"
    )
    assert tooltip(TrayState(Status.OK, count=1), has_menu=False).endswith(
        "no menu on this desktop: install the 'linux' extra"
    )


@pytest.mark.parametrize(
    ("state", "text"),
    [
        (TrayState(Status.OK, count=2), "traynotify: 2 unread"),
        (
            TrayState(
                Status.OK, count=2, popups_paused=True, paused_until=NOW + timedelta(hours=1)
            ),
            "traynotify: 2 unread · pop-ups paused until 15:00",
        ),
        (
            TrayState(
                Status.OK, count=2, popups_paused=True, paused_until=NOW + timedelta(hours=19)
            ),
            "traynotify: 2 unread · pop-ups paused until tomorrow 09:00",
        ),
        (
            TrayState(Status.OK, count=0, popups_paused=True),
            "traynotify: 0 unread · pop-ups paused until you resume them",
        ),
        (
            TrayState(Status.OFFLINE, count=1, problem="server down", popups_paused=True),
            "traynotify: 1 unread · server down · pop-ups paused until you resume them",
        ),
        (
            TrayState(Status.OK, count=2, popups_setting_off=True),
            "traynotify: 2 unread · pop-ups off in the settings",
        ),
        (
            TrayState(
                Status.OK,
                count=2,
                popups_paused=True,
                popups_setting_off=True,
                paused_until=NOW + timedelta(hours=1),
            ),
            "traynotify: 2 unread · pop-ups off in the settings",  # what holds them longer
        ),
    ],
)
def test_the_tooltip_says_when_a_pause_ends(state: TrayState, text: str) -> None:
    assert tooltip(state, now=NOW, zone=ZONE) == text


def test_the_tooltip_reads_a_pause_against_the_clock_by_default() -> None:
    until = datetime.now(timezone.utc) + timedelta(minutes=5)
    state = TrayState(Status.OK, count=1, popups_paused=True, paused_until=until)
    assert tooltip(state) in (
        f"traynotify: 1 unread · pop-ups paused until {until.astimezone().strftime('%H:%M')}",
        f"traynotify: 1 unread · pop-ups paused until tomorrow "
        f"{until.astimezone().strftime('%H:%M')}",
    )


# -- pixels ------------------------------------------------------------------------


def colour_share(image: Image.Image, test) -> float:  # type: ignore[no-untyped-def]
    data = image.convert("RGBA").tobytes()
    pixels = [data[i : i + 4] for i in range(0, len(data), 4)]
    return sum(1 for p in pixels if p[3] > 200 and test(p)) / len(pixels)


def is_red(p: bytes) -> bool:
    return p[0] > 180 and p[1] < 90 and p[2] < 90


def is_blue(p: bytes) -> bool:
    return p[2] > 180 and p[0] < 90


def is_grey(p: bytes) -> bool:
    return abs(p[0] - p[1]) < 20 and abs(p[1] - p[2]) < 25 and 60 < p[0] < 200


@pytest.mark.parametrize("size", [16, 22, 24, 32, 48, 64, 128])
def test_icon_size_and_mode(size: int) -> None:
    image = render_icon(Look.UNREAD, 7, size)
    assert image.size == (size, size)
    assert image.mode == "RGBA"
    assert image.getpixel((0, size - 1))[3] == 0  # transparent corner


@pytest.mark.parametrize("size", [16, 22, 32, 64])
def test_unread_badge_is_red_in_the_top_right(size: int) -> None:
    image = render_icon(Look.UNREAD, 7, size)
    h, third = size // 2, size // 3
    top_right = image.crop((h, 0, size, h))
    bottom_left = image.crop((0, size - third, third, size))
    assert colour_share(top_right, is_red) > 0.3
    assert colour_share(bottom_left, is_red) == 0
    assert colour_share(bottom_left, is_blue) > 0.1
    # white digits inside the badge
    assert colour_share(top_right, lambda p: min(p[:3]) > 230) > 0.05


def test_no_unread_has_no_badge() -> None:
    image = render_icon(Look.NONE, 0, 32)
    assert colour_share(image, is_red) == 0
    assert colour_share(image, is_blue) > 0.2


def test_offline_is_grey_and_keeps_a_grey_count() -> None:
    image = render_icon(Look.OFFLINE, 4, 32)
    assert colour_share(image, is_blue) == 0
    assert colour_share(image, is_red) == 0
    assert colour_share(image, is_grey) > 0.2


def test_signed_out_is_grey_with_a_red_slash() -> None:
    image = render_icon(Look.SIGNED_OUT, 0, 32)
    assert colour_share(image, is_blue) == 0
    assert colour_share(image, is_red) > 0.03
    # the slash runs corner to corner
    assert is_red(bytes(image.getpixel((16, 16))))


def test_the_badge_grows_for_99_plus() -> None:
    narrow = colour_share(render_icon(Look.UNREAD, 7, 64), is_red)
    wide = colour_share(render_icon(Look.UNREAD, 150, 64), is_red)
    assert wide > narrow * 1.3


def test_distinct_looks_are_distinct_images() -> None:
    images = {look: render_icon(look, 3, 32).tobytes() for look in Look}
    assert len(set(images.values())) == len(Look)


# -- the whole menu, row by row: what each row says, does, and whether it can be clicked ------
Row = tuple[str, "Action | None", bool, "bool | None", bool]


def drawn(entries: list[Entry]) -> list[Row]:
    """label, action, enabled, checked, default; a submenu as its label and "▸"."""
    return [
        ("---", None, True, None, False)
        if e.separator
        else (e.label + (" ▸" if e.children else ""), e.action, e.enabled, e.checked, e.default)
        for e in entries
    ]


FOOT: list[Row] = [
    ("Open notifications in console", Action("open_console"), True, None, True),
    ("Refresh now", Action("refresh"), True, None, False),
    ("Pause pop-ups ▸", None, True, None, False),
    ("Pop-ups for… ▸", None, True, None, False),
    ("---", None, True, None, False),
    ("Quit", Action("quit"), True, None, False),
]


def test_every_row_of_a_menu_with_more_unread_than_it_lists() -> None:
    items = tuple(note(i, minutes=i + 1) for i in range(12))
    state = TrayState(Status.OK, count=15, items=items)
    entries = build_menu(state, NOW)  # ten rows unless the setting says otherwise
    assert drawn(entries) == [
        ("15 unread notifications", None, False, None, False),
        *[
            (f"Payment {i} · {i + 1} min ago", Action("open", i), True, None, False)
            for i in range(10)
        ],
        ("and 5 more…", Action("open_console"), True, None, False),
        ("---", None, True, None, False),
        ("Mark all as read", Action("mark_all"), True, None, False),
        *FOOT,
    ]
    # a row's click carries the notification it showed, even if the list moves on
    assert [e.action.subject for e in entries[1:11] if e.action] == list(items[:10])


def test_every_row_of_a_menu_with_one_unread_a_notice_and_a_short_length() -> None:
    state = TrayState(Status.OK, count=1, items=(note(7),), notice="n" * 200)
    assert drawn(build_menu(state, NOW, menu_length=3)) == [
        ("1 unread notification", None, False, None, False),
        ("⚠ " + "n" * 89 + "…", None, False, None, False),  # one line of at most 90
        ("Payment 7 · 5 min ago", Action("open", 7), True, None, False),
        ("---", None, True, None, False),
        ("Mark all as read", Action("mark_all"), True, None, False),  # one is enough
        *FOOT,
    ]


@pytest.mark.parametrize(
    ("state", "head"),
    [
        (TrayState(Status.STARTING), "Connecting…"),
        (TrayState(Status.SIGNED_OUT), "Signed out: no API key"),
        (
            TrayState(Status.SIGNED_OUT, problem="the key was rejected"),
            "Signed out: the key was rejected",
        ),
        (TrayState(Status.ERROR, count=2), "2 unread notifications (as of ?, offline)"),
        (
            TrayState(Status.OFFLINE, count=0, problem="p" * 200),
            "No unread notifications (as of ?, " + "p" * 200 + ")",
        ),
    ],
)
def test_the_header_says_what_the_tray_knows(state: TrayState, head: str) -> None:
    entries = build_menu(state, NOW)
    want = head if len(head) <= 90 else head[:89] + "…"  # one line of at most 90
    assert (entries[0].label, entries[0].enabled, entries[0].action) == (want, False, None)
    if state.status is Status.SIGNED_OUT:
        assert ("How to sign in…", Action("sign_in"), True, None, False) in drawn(entries)


def test_the_header_names_the_local_time_of_the_last_answer() -> None:
    answered = datetime(2026, 5, 22, 9, 41, tzinfo=timezone.utc)
    state = TrayState(Status.OFFLINE, count=1, updated_at=answered)
    local = answered.astimezone().strftime("%H:%M")
    assert build_menu(state, NOW)[0].label == f"1 unread notification (as of {local}, offline)"


def test_a_row_is_as_wide_as_the_menu_allows_and_names_an_untitled_one() -> None:
    from traynotify.core.menu import ITEM_WIDTH, item_label, type_name

    long = item_label("x" * 300, NOW - timedelta(minutes=5), NOW)
    assert len(long) == ITEM_WIDTH
    assert long.endswith("… · 5 min ago")
    assert item_label("  \n ", NOW - timedelta(minutes=5), NOW) == "(no title) · 5 min ago"
    assert type_name("billing.invoice.issued") == "billing.invoice.issued"  # a type not yet named


@pytest.mark.parametrize(
    ("state", "has_menu", "text"),
    [
        (TrayState(Status.STARTING), True, "traynotify: connecting…"),
        (TrayState(Status.SIGNED_OUT), True, "traynotify: signed out (no API key)"),
        (TrayState(Status.ERROR, count=1), True, "traynotify: 1 unread · offline"),
        (
            TrayState(Status.OK, count=1),
            False,
            "traynotify: 1 unread · no menu on this desktop: install the 'linux' extra",
        ),
    ],
)
def test_the_tooltip_in_each_status(state: TrayState, has_menu: bool, text: str) -> None:
    assert tooltip(state, has_menu, now=NOW, zone=ZONE) == text


def test_one_unread_is_the_unread_look() -> None:
    assert look_for(TrayState(Status.OK, count=1)) is Look.UNREAD
    assert look_for(TrayState(Status.OK, count=0)) is Look.NONE


def test_one_more_than_the_menu_lists() -> None:
    items = tuple(note(i) for i in range(11))
    entries = build_menu(TrayState(Status.OK, count=11, items=items), NOW)
    assert (entries[11].label, entries[11].action) == ("and 1 more…", Action("open_console"))
