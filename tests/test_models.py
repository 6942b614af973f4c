"""The API's value objects and the parsing of its JSON, as invariants (pure, no network).

A mutation run over ``traynotify/api/models.py`` (see the README's development notes)
checks that these tests notice every change to the parsing that matters.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from traynotify import errors
from traynotify.api import models
from traynotify.api.models import (
    EARLIEST,
    KNOWN_TYPES,
    LATEST,
    MAX_ID,
    Malformed,
    Notification,
    Page,
    Skipped,
    format_time,
    newest_first,
    parse_count,
    parse_mark_read,
    parse_marked_all,
    parse_notification,
    parse_page,
    parse_time,
    to_json,
)

ROW: dict[str, Any] = {
    "id": 5001,
    "type": "system.payment.received",
    "title": "Payment received",
    "body": "Your top-up has cleared.",
    "link": "/billing",
    "read_at": None,
    "created_at": "2026-05-22T08:08:00Z",
}
REQUIRED = ("id", "type", "title", "created_at")
OPTIONAL = ("body", "link", "read_at")
UTC = timezone.utc


@pytest.fixture(autouse=True)
def forget_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(models, "_warned", set())


def page_of(*rows: Any, total: int = 1, page: int = 1, page_size: int = 50) -> dict[str, Any]:
    return {"items": list(rows), "total": total, "page": page, "page_size": page_size}


def without(name: str) -> dict[str, Any]:
    return {k: v for k, v in ROW.items() if k != name}


def malformed(data: object, where: str = "item") -> Malformed:
    with pytest.raises(Malformed) as info:
        parse_notification(data, where)
    return info.value


# -- one row ---------------------------------------------------------------------------


def test_a_good_row_is_read_field_by_field() -> None:
    note = parse_notification(ROW)
    assert note == Notification(
        id=5001,
        type="system.payment.received",
        title="Payment received",
        body="Your top-up has cleared.",
        link="/billing",
        read_at=None,
        created_at=datetime(2026, 5, 22, 8, 8, tzinfo=UTC),
    )
    assert note.unread
    read = parse_notification({**ROW, "read_at": "2026-05-22T09:00:00Z"})
    assert read.read_at == datetime(2026, 5, 22, 9, 0, tzinfo=UTC)
    assert not read.unread


@pytest.mark.parametrize("name", REQUIRED)
def test_every_required_field_when_absent_makes_a_malformed_row_that_names_it(name: str) -> None:
    error = malformed(without(name), "items[3]")
    assert error.where == f"items[3].{name}"
    assert error.problem == "is missing"
    assert str(error) == f"items[3].{name} is missing"


@pytest.mark.parametrize("name", OPTIONAL)
def test_an_optional_field_may_be_absent_or_null(name: str) -> None:
    for data in (without(name), {**ROW, name: None}):
        note = parse_notification(data)
        assert getattr(note, name) == ("" if name == "body" else None)


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("id", "5001", "is not a whole number >= 1"),
        ("id", 5001.0, "is not a whole number >= 1"),
        ("id", True, "is not a whole number >= 1"),
        ("id", False, "is not a whole number >= 1"),
        ("id", None, "is not a whole number >= 1"),
        ("id", 0, "is not a whole number >= 1"),
        ("id", -7, "is not a whole number >= 1"),
        ("id", MAX_ID + 1, f"is above {MAX_ID}"),
        ("id", 10**4000, f"is above {MAX_ID}"),
        ("type", 3, "is not a string"),
        ("type", None, "is not a string"),
        ("type", "system.payment", "is not one of the five event types"),
        ("type", "", "is not one of the five event types"),
        ("title", None, "is not a string"),
        ("title", 1, "is not a string"),
        ("body", 1, "is not a string or null"),
        ("link", 42, "is not a string or null"),
        ("link", ["/billing"], "is not a string or null"),
        ("read_at", 0, "is not a string or null"),
        ("read_at", "soon", "is not a timestamp in range"),
        ("created_at", None, "is not a string"),
        ("created_at", 1716364800, "is not a string"),
        ("created_at", "", "is not a timestamp in range"),
        ("created_at", "0001-01-01T00:00:00+01:00", "is not a timestamp in range"),
        ("created_at", "9999-12-31T23:59:59-01:00", "is not a timestamp in range"),
        ("created_at", "0001-01-01T00:00:00Z", "is not a timestamp in range"),
        ("created_at", "9999-12-31T00:00:00Z", "is not a timestamp in range"),
    ],
)
def test_a_wrong_value_makes_a_malformed_row_that_names_it(
    name: str, value: Any, problem: str
) -> None:
    error = malformed({**ROW, name: value}, "items[0]")
    assert error.where == f"items[0].{name}"
    assert error.problem == problem


def test_a_row_names_where_it_is() -> None:
    with pytest.raises(Malformed) as info:
        parse_notification(without("title"))
    assert info.value.where == "item.title"
    assert malformed(without("title"), "items[7]").where == "items[7].title"
    assert malformed("x").where == "item"
    assert malformed(["x"], "items[2]").problem == "is not a JSON object"


@pytest.mark.parametrize("type_", KNOWN_TYPES)
def test_each_of_the_five_types_is_a_row(type_: str) -> None:
    assert parse_notification({**ROW, "type": type_}).type == type_


def test_the_ids_at_both_ends_are_rows() -> None:
    assert parse_notification({**ROW, "id": 1}).id == 1
    assert parse_notification({**ROW, "id": MAX_ID}).id == MAX_ID
    assert MAX_ID == 9_223_372_036_854_775_807


# -- timestamps -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2026-05-22T08:08:00Z", datetime(2026, 5, 22, 8, 8, tzinfo=UTC)),
        ("2026-05-22T08:08:00z", datetime(2026, 5, 22, 8, 8, tzinfo=UTC)),
        (" 2026-05-22T08:08:00Z ", datetime(2026, 5, 22, 8, 8, tzinfo=UTC)),
        ("2026-05-22T10:08:00+02:00", datetime(2026, 5, 22, 8, 8, tzinfo=UTC)),
        ("2026-05-22T08:08:00", datetime(2026, 5, 22, 8, 8, tzinfo=UTC)),  # naive: UTC
        ("2026-05-22T08:08:00.5Z", datetime(2026, 5, 22, 8, 8, 0, 500000, tzinfo=UTC)),
    ],
)
def test_timestamps_become_utc(text: str, moment: datetime) -> None:
    parsed = parse_time(text)
    assert parsed == moment
    assert parsed.utcoffset() == timedelta(0)


def test_the_range_of_timestamps_is_a_day_inside_what_datetime_holds() -> None:
    assert datetime(1, 1, 2, tzinfo=UTC) == EARLIEST
    assert datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=UTC) == LATEST
    assert parse_time("0001-01-02T00:00:00Z") == EARLIEST
    assert parse_time("9999-12-30T23:59:59.999999Z") == LATEST
    for outside in ("0001-01-01T23:59:59Z", "9999-12-31T00:00:00Z", "0001-01-02T00:00:00+00:01"):
        with pytest.raises(ValueError, match="out of range"):
            parse_time(outside)
    for overflowing in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"):
        with pytest.raises(ValueError, match="out of range"):
            parse_time(overflowing)
    # what is in range can be shown in any local time, and have a second taken off
    for zone in (timezone(timedelta(hours=-23)), timezone(timedelta(hours=23))):
        assert EARLIEST.astimezone(zone) - timedelta(seconds=1) < LATEST.astimezone(zone)


@pytest.fixture
def far_east(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time 8 hours ahead of UTC: nothing the API reads or writes may depend on it."""
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.skipif(not hasattr(time, "tzset"), reason="no time.tzset on Windows")
@pytest.mark.usefixtures("far_east")
def test_timestamps_never_depend_on_local_time() -> None:
    assert time.localtime(0).tm_hour == 8  # the zone took
    naive = parse_time("2026-05-22T08:08:00")
    assert naive == datetime(2026, 5, 22, 8, 8, tzinfo=UTC)
    assert naive.utcoffset() == timedelta(0)
    offset = parse_time("2026-05-22T10:08:00+02:00")
    assert offset.utcoffset() == timedelta(0)
    assert format_time(datetime(2026, 5, 22, 8, 8, tzinfo=UTC)) == "2026-05-22T08:08:00Z"
    assert format_time(offset) == "2026-05-22T08:08:00Z"


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2026, 5, 22, 8, 8, 0, 750000, tzinfo=UTC), "2026-05-22T08:08:00Z"),
        (datetime(2026, 5, 22, 10, 8, tzinfo=timezone(timedelta(hours=2))), "2026-05-22T08:08:00Z"),
        (EARLIEST, "0001-01-02T00:00:00Z"),
        (LATEST, "9999-12-30T23:59:59Z"),
        (datetime(999, 1, 1, tzinfo=UTC), "0999-01-01T00:00:00Z"),
    ],
)
def test_format_time_is_the_servers_form(moment: datetime, text: str) -> None:
    assert format_time(moment) == text
    assert parse_time(text) == moment.replace(microsecond=0)


def test_to_json_is_the_inverse_of_parsing() -> None:
    for row in (ROW, {**ROW, "read_at": "2026-05-22T09:00:00Z", "link": None, "body": ""}):
        assert to_json(parse_notification(row)) == row


def test_newest_first_orders_by_time_then_id() -> None:
    a = parse_notification({**ROW, "id": 9, "created_at": "2026-05-22T08:00:00Z"})
    b = parse_notification({**ROW, "id": 3, "created_at": "2026-05-22T09:00:00Z"})
    c = parse_notification({**ROW, "id": 4, "created_at": "2026-05-22T09:00:00Z"})
    assert newest_first(b) == (b.created_at, 3)
    assert sorted([a, b, c], key=newest_first, reverse=True) == [c, b, a]


# -- a page -------------------------------------------------------------------------------


def test_a_page_with_a_bad_row_keeps_the_rest_and_says_what_it_skipped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rows = [ROW, {**ROW, "id": 5002, "link": 3}, "oops", {**without("id"), "title": 1}]
    rows.append({**ROW, "id": 5005})
    with caplog.at_level(logging.DEBUG, logger="traynotify.api.models"):
        page = parse_page(page_of(*rows, total=9, page=2, page_size=5), page_size=5)
    assert [n.id for n in page.items] == [5001, 5005]
    assert page.skipped == (
        Skipped(1, 5002, "link", "is not a string or null"),
        Skipped(2, None, "", "is not a JSON object"),
        Skipped(3, None, "id", "is missing"),
    )
    assert (page.total, page.page, page.page_size, page.rows) == (9, 2, 5, 5)
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.WARNING, "Skipped a malformed row: id 5002: link is not a string or null"),
        (logging.WARNING, "Skipped a malformed row: row 3 (no valid id): is not a JSON object"),
        (logging.WARNING, "Skipped a malformed row: row 4 (no valid id): id is missing"),
    ]


def test_a_skipped_row_is_warned_about_once_then_at_debug(
    caplog: pytest.LogCaptureFixture,
) -> None:
    data = page_of({**ROW, "title": None})
    with caplog.at_level(logging.DEBUG, logger="traynotify.api.models"):
        for _ in range(3):
            assert parse_page(data).skipped[0].field == "title"
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.WARNING, "Skipped a malformed row: id 5001: title is not a string"),
        (logging.DEBUG, "Skipped a malformed row again: id 5001: title is not a string"),
        (logging.DEBUG, "Skipped a malformed row again: id 5001: title is not a string"),
    ]


def test_the_memory_of_warnings_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(models, "_WARNED_MAX", 2)
    for n in range(1, 6):
        parse_page(page_of({**ROW, "id": n, "title": None}))
    assert len(models._warned) == 2


@pytest.mark.parametrize(
    ("value", "named"),
    [
        (1, 1),
        (7, 7),
        (MAX_ID, MAX_ID),
        (0, None),
        (MAX_ID + 1, None),
        (True, None),
        ("7", None),
    ],
)
def test_a_skipped_row_is_named_by_its_id_only_when_valid(value: Any, named: int | None) -> None:
    page = parse_page(page_of({**ROW, "id": value, "title": None}))
    assert page.skipped[0].id == named


def test_skipped_says_which_and_what() -> None:
    assert str(Skipped(0, 12, "title", "is missing")) == "id 12: title is missing"
    assert str(Skipped(4, None, "", "is not a JSON object")) == (
        "row 5 (no valid id): is not a JSON object"
    )


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        ([], "the response is not a JSON object"),
        ({"total": 0, "page": 1, "page_size": 50}, "items is missing"),
        ({"items": {}, "total": 0, "page": 1, "page_size": 50}, "items is not a list"),
        ({"items": [], "page": 1, "page_size": 50}, "total is missing"),
        (
            {"items": [], "total": -1, "page": 1, "page_size": 50},
            "total is not a whole number >= 0",
        ),
        ({"items": [], "total": "1", "page": 1, "page_size": 50}, "total is not a whole number"),
        ({"items": [], "total": 0, "page": 0, "page_size": 50}, "page is not a whole number >= 1"),
        ({"items": [], "total": 0, "page_size": 50}, "page is missing"),
        ({"items": [], "total": 0, "page": 1, "page_size": 0}, "page_size is not a whole number"),
        ({"items": [], "total": 0, "page": 1}, "page_size is missing"),
    ],
)
def test_the_page_shape_stays_strict(data: Any, detail: str) -> None:
    with pytest.raises(errors.UnexpectedResponseError) as info:
        parse_page(data)
    assert str(info.value).startswith(f"The server's answer was not understood: {detail}")
    assert str(info.value).endswith(".")


def test_a_page_of_one_row() -> None:
    page = parse_page(page_of(ROW, total=1, page=1, page_size=1), page_size=1)
    assert (page.rows, page.page, page.page_size) == (1, 1, 1)


def test_a_page_of_exactly_the_size_asked_is_fine_one_more_is_not() -> None:
    rows = [{**ROW, "id": n} for n in range(1, 4)]
    assert parse_page(page_of(*rows, total=3), page_size=3).rows == 3
    assert parse_page(page_of(*rows, total=3)).rows == 3  # nothing asked: nothing to check
    with pytest.raises(errors.UnexpectedResponseError) as info:
        parse_page(page_of(*rows, total=3), page_size=2)
    assert str(info.value) == (
        "The server's answer was not understood: items holds 3 rows, more than the 2 asked."
    )
    # bad rows count as rows: the server sent them
    with pytest.raises(errors.UnexpectedResponseError):
        parse_page(page_of(ROW, "x", "y", total=3), page_size=2)


@pytest.mark.parametrize(
    ("total", "size", "last"), [(0, 50, 1), (1, 50, 1), (50, 50, 1), (51, 50, 2), (142, 10, 15)]
)
def test_last_page(total: int, size: int, last: int) -> None:
    assert Page((), total, 1, size).last_page == last


def test_page_rows_count_skipped_ones() -> None:
    note = parse_notification(ROW)
    page = Page((note,), 3, 1, 50, (Skipped(1, None, "", "x"), Skipped(2, None, "", "y")))
    assert page.rows == 3
    assert Page((), 0, 1, 50).rows == 0


# -- the other answers ------------------------------------------------------------------


def test_count_and_marked_all() -> None:
    assert parse_count({"count": 0}) == 0
    assert parse_count({"count": 7}) == 7
    assert parse_marked_all({"marked_read": 3}) == 3
    for bad, detail in (
        ({"count": -1}, "count is not a whole number >= 0"),
        ({"count": True}, "count is not a whole number >= 0"),
        ({"count": "7"}, "count is not a whole number >= 0"),
        ({}, "count is missing"),
        ([7], "the response is not a JSON object"),
    ):
        with pytest.raises(errors.UnexpectedResponseError) as info:
            parse_count(bad)
        assert str(info.value) == f"The server's answer was not understood: {detail}."
    with pytest.raises(errors.UnexpectedResponseError) as missing:
        parse_marked_all({"count": 3})
    assert str(missing.value) == "The server's answer was not understood: marked_read is missing."


def test_mark_read_answer() -> None:
    result = parse_mark_read(
        {"id": 5001, "type": "system.payment.received", "read_at": "2026-05-22T08:14:32Z"}
    )
    assert (result.id, result.type) == (5001, "system.payment.received")
    assert result.read_at == datetime(2026, 5, 22, 8, 14, 32, tzinfo=UTC)
    for bad, where in (
        ({"id": 0, "type": "t", "read_at": "2026-05-22T08:14:32Z"}, "id"),
        ({"id": MAX_ID + 1, "type": "t", "read_at": "2026-05-22T08:14:32Z"}, "id"),
        ({"id": 1, "type": 2, "read_at": "2026-05-22T08:14:32Z"}, "type"),
        ({"id": 1, "type": "t", "read_at": None}, "read_at"),
        ({"id": 1, "type": "t"}, "read_at is missing"),
    ):
        with pytest.raises(errors.UnexpectedResponseError, match=f"understood: {where}"):
            parse_mark_read(bad)
