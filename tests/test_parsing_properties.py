"""Whatever the server sends, parsing either yields valid values or one typed error."""

from __future__ import annotations

import json
from typing import Any

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from traynotify import errors
from traynotify.api.client import Client, parse_retry_after
from traynotify.api.models import parse_count, parse_page

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)

item = st.fixed_dictionaries(
    {
        "id": st.one_of(st.integers(), st.text(), st.none(), st.booleans()),
        "type": st.one_of(st.text(), st.integers()),
        "title": st.one_of(st.text(), st.none()),
        "body": st.one_of(st.text(), st.none(), st.integers()),
        "link": st.one_of(st.text(), st.none(), st.integers()),
        "read_at": st.one_of(st.none(), st.text(), st.just("2026-05-22T08:00:00Z")),
        "created_at": st.one_of(st.text(), st.just("2026-05-22T08:08:00Z"), st.integers()),
    }
)
pages = st.fixed_dictionaries(
    {
        "items": st.one_of(st.lists(item, max_size=4), json_values),
        "total": st.one_of(st.integers(), st.text()),
        "page": st.one_of(st.integers(), st.none()),
        "page_size": st.one_of(st.integers(), st.none()),
    }
)


@given(st.one_of(pages, json_values))
def test_page_parsing_never_crashes(data: Any) -> None:
    try:
        page = parse_page(data)
    except errors.UnexpectedResponseError as exc:
        assert str(exc).startswith("The server's answer was not understood:")  # noqa: PT017 - either outcome is allowed
        return
    assert page.total >= 0
    assert page.page >= 1
    assert page.page_size >= 1
    assert page.rows == len(data["items"])  # each row either counts or is skipped, never lost
    assert len({s.index for s in page.skipped}) == len(page.skipped)
    for note in page.items:
        assert 1 <= note.id <= 2**63 - 1
        assert isinstance(note.id, int)
        assert not isinstance(note.id, bool)
        assert isinstance(note.title, str)
        assert note.created_at.tzinfo is not None
        assert note.link is None or isinstance(note.link, str)


@given(st.one_of(st.text(max_size=40), st.from_regex(r"\A\s*\d{1,12}\s*\Z")))
def test_retry_after_is_seconds_in_range_or_nothing(value: str) -> None:
    seconds = parse_retry_after(value, 1_800_000_000.0)
    stripped = value.strip(" \t")
    if stripped and all("0" <= ch <= "9" for ch in stripped):
        assert seconds == min(float(int(stripped)), 6 * 3600)
    elif seconds is not None:
        assert 0 <= seconds <= 6 * 3600


@given(json_values)
def test_count_parsing_never_crashes(data: Any) -> None:
    try:
        count = parse_count(data)
    except errors.UnexpectedResponseError:
        return
    assert isinstance(count, int)
    assert count >= 0


@settings(max_examples=60)
@given(
    st.binary(max_size=200),
    st.sampled_from([200, 400, 401, 404, 429, 500, 503, 302]),
    st.one_of(st.none(), st.text(max_size=30)),
)
def test_any_http_answer_is_a_value_or_a_typed_error(
    body: bytes, status: int, retry_after: str | None
) -> None:
    headers = {}
    if retry_after is not None and retry_after.isascii() and retry_after.isprintable():
        headers["Retry-After"] = retry_after

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers=headers)

    with Client("https://api.example.test", "k", transport=httpx.MockTransport(handler)) as c:
        try:
            value = c.unread_count()
        except errors.ApiError as exc:
            assert str(exc)  # noqa: PT017
            if isinstance(exc, errors.RetryableError) and exc.retry_after is not None:
                assert 0 <= exc.retry_after <= 6 * 3600  # noqa: PT017
            return
    assert status == 200
    assert value == json.loads(body)["count"]
