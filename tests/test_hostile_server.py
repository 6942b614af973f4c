"""A server that misbehaves, as HTTP allows, never wedges, fools or floods the app.

Through the real HTTP client (and the command line) against the contract server, the
fault front standing in each bad case; a mock transport only where no server can
express the case (a pure function's table, the deadline's plumbing).
"""

from __future__ import annotations

import json
import logging
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from traynotify import errors
from traynotify.api import client as client_module
from traynotify.api import models
from traynotify.api.client import MAX_BODY, MAX_RETRY_AFTER, Client, parse_retry_after
from traynotify.api.models import MAX_ID, parse_page, to_json
from traynotify.core.badge import tooltip
from traynotify.core.menu import build_menu
from traynotify.core.reconcile import MAX_PAGES
from traynotify.devserver import ContractServer
from traynotify.devserver.faults import (
    COUNT,
    EXTREME_TIMES,
    HUGE_ID,
    LIST,
    MARK_ALL,
    MARK_READ,
    Answer,
    Drip,
    Huge,
    Rows,
)

from .conftest import KEY
from .test_cli import run
from .test_poller import Harness


@pytest.fixture
def env(server: ContractServer) -> dict[str, str]:
    return {"BYTESPIKE_API_URL": server.url, "BYTESPIKE_API_KEY": KEY}


EVIL = "Your traynotify key was revoked. Re-enter it at https://evil.example/login"


@pytest.fixture(autouse=True)
def forget_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    """What is warned about once per process is warned about again in each test."""
    monkeypatch.setattr(models, "_warned", set())
    monkeypatch.setattr(client_module, "_odd_retry_after", set())


@pytest.fixture
def harness(server: ContractServer, tmp_path: Path) -> Iterator[Harness]:
    """The real poller, on a fake clock, with a 1 s request deadline (tests/test_poller.py)."""
    made = Harness(server, tmp_path)
    yield made
    made.poller.stop()


@pytest.fixture
def quick(server: ContractServer) -> Iterator[Client]:
    """A client with a 0.5 s read timeout: its deadline is 1 s."""
    with Client(server.url, KEY, timeout=0.5) as c:
        yield c


# -- 1. a slow answer: every request has a deadline ---------------------------------


@pytest.mark.parametrize("headers", [False, True], ids=["body", "headers-too"])
def test_a_dripping_answer_ends_at_the_deadline(
    server: ContractServer, quick: Client, headers: bool
) -> None:
    # 2,000 bytes, one every 0.1 s: each read is well within the 0.5 s read timeout,
    # and the whole answer would take 200 s.
    server.faults.arm(Drip(chunk=1, every=0.1, pad_to=2000, headers=headers), path=COUNT)
    assert quick.deadline == 1.0
    started = time.monotonic()
    with pytest.raises(errors.ApiTimeoutError, match="took longer than 1 s") as info:
        quick.unread_count()
    assert time.monotonic() - started < 60  # generous: far below the 200 s of the drip
    assert "\n" not in str(info.value)
    assert quick.unread_count() == 3  # and the next answer is taken as usual


def test_a_drip_that_ends_in_time_is_an_answer(server: ContractServer) -> None:
    server.faults.arm(Drip(chunk=8, every=0.01), path=COUNT)
    with Client(server.url, KEY, timeout=5) as c:
        assert c.unread_count() == 3


def test_the_deadline_is_twice_the_read_timeout_by_default() -> None:
    with Client("http://127.0.0.1:1", KEY) as c:
        assert c.deadline == 2 * 10.0
    with Client("http://127.0.0.1:1", KEY, timeout=3) as c:
        assert c.deadline == 6.0
    with Client("http://127.0.0.1:1", KEY, deadline=7.5) as c:
        assert c.deadline == 7.5


@pytest.mark.parametrize(
    "url", ["https://api.example.test", "http://127.0.0.1:8080"], ids=["https", "loopback"]
)
def test_every_connection_pool_gets_the_deadline(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """Direct and proxied transports alike (this fails if httpx stops exposing them)."""
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:3128")
    with Client(url, KEY) as c:
        http = c._http
        pools = [http._transport, *(t for t in http._mounts.values() if t is not None)]
        assert len(pools) >= 2  # the direct transport and the environment's proxies
        assert client_module._with_deadlines(http) == len(pools)
        for transport in pools:
            backend = transport._pool._network_backend  # type: ignore[attr-defined]
            assert isinstance(backend, client_module._DeadlineBackend)


def test_a_dripping_answer_makes_the_tray_stale_within_the_deadline(
    server: ContractServer, harness: Harness
) -> None:
    harness.turn()
    assert harness.state.stale is False
    server.faults.arm(Drip(chunk=1, every=0.1, pad_to=5000), path=LIST, times=None)
    server.faults.arm(Drip(chunk=1, every=0.1, pad_to=5000), path=COUNT, times=None)
    harness.clock.advance(10_000)  # past any schedule: the next step polls
    started = time.monotonic()
    harness.poller.step()
    assert time.monotonic() - started < 60  # the drip would take 500 s
    assert harness.state.stale is True
    assert "took longer than" in (harness.state.problem or "")
    server.faults.clear()
    harness.clock.advance(10_000)
    harness.poller.step()
    assert harness.state.stale is False


# -- 2. a huge answer: every body has a size cap ------------------------------------


@pytest.mark.parametrize("declare_length", [True, False], ids=["content-length", "chunked"])
def test_a_huge_answer_is_cut_off_with_memory_bounded(
    server: ContractServer, client: Client, declare_length: bool
) -> None:
    server.faults.arm(Huge(size=64 * 1024 * 1024, declare_length=declare_length), times=3)
    kept: list[BaseException] = []  # as a caller may (a Future's result, until a collection)
    tracemalloc.start()
    try:
        for call in (lambda: client.list(unread=True), client.unread_count, client.mark_all_read):
            with pytest.raises(errors.UnexpectedResponseError, match="larger than 8 MB") as info:
                call()
            kept.append(info.value)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3 * MAX_BODY  # no 64 MiB answer was ever held
    assert held < MAX_BODY // 4  # and the errors keep none of what was read
    assert all("\n" not in str(e) for e in kept)
    assert client.unread_count() == 3
    assert server.store.unread_count("alice") == 3  # the cut-off mark all changed nothing


@pytest.mark.parametrize("value", [b"{}", b"[]", b'"ab"', b"1000"])
@pytest.mark.parametrize("status", [200, 503])
def test_an_answer_under_the_cap_made_of_millions_of_tiny_values_is_refused(
    server: ContractServer, client: Client, value: bytes, status: int
) -> None:
    """Eight MiB of ``{},{},...`` would parse into some 230 MB of objects: refused
    before parsing, as an answer not understood; an error's body is just not read."""
    filler = (value + b",") * ((MAX_BODY - 100) // (len(value) + 1))
    body = b'{"count": 1, "items": [' + filler + value + b"]}"
    assert len(body) < MAX_BODY
    server.faults.arm(Answer(status, body=body))
    tracemalloc.start()
    try:
        with pytest.raises(errors.ApiError) as info:
            client.unread_count()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * MAX_BODY
    if status == 200:
        assert isinstance(info.value, errors.UnexpectedResponseError)
        assert "not understood" in str(info.value)
    else:
        assert isinstance(info.value, errors.ServerError)
    assert client.unread_count() == 3


def test_an_answer_with_many_commas_in_its_text_is_read(
    server: ContractServer, client: Client
) -> None:
    for n in range(200):
        server.store.add("alice", "system.payment.received", f"row {n}", ",:[{" * 500)
    page = client.list(unread=True, page_size=200)
    assert len(page.items) == 200


def test_the_cap_is_far_above_a_full_page(server: ContractServer, client: Client) -> None:
    long = "長" * 300  # three bytes each in UTF-8, six escaped in JSON
    for n in range(200):
        server.store.add("alice", "system.payment.received", f"{long} {n}", long * 3)
    page = client.list(unread=True, page_size=200)
    assert len(page.items) == 200
    body = len(json.dumps({"items": [to_json(n) for n in page.items]}))
    assert body * 4 < MAX_BODY


# -- 3./4. Retry-After per RFC 9110, on every endpoint ------------------------------

NOW = datetime(2026, 5, 22, 8, 0, 0, tzinfo=timezone.utc)


def http_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 120 ", 120.0),
        ("\t120", 120.0),
        ("0", 0.0),
        ("007", 7.0),
        ("0" * 5000 + "30", 30.0),  # many digits, a small number
        ("²", None),  # isdigit() says yes; it is no ASCII digit
        ("１２", None),  # full-width
        ("١٢", None),  # Arabic-Indic
        ("-5", None),
        ("+5", None),
        ("1e3", None),
        ("12.5", None),
        ("1 2", None),
        ("99999999", MAX_RETRY_AFTER),  # capped
        ("9" * 5000, MAX_RETRY_AFTER),  # huge, and past int()'s digit limit
        (http_date(NOW + timedelta(seconds=90)), 90.0),  # IMF-fixdate, future
        (http_date(NOW - timedelta(hours=1)), 0.0),  # past
        (http_date(NOW + timedelta(days=30)), MAX_RETRY_AFTER),
        ("Friday, 22-May-26 08:01:30 GMT", 90.0),  # obsolete RFC 850 form
        ("Fri May 22 08:01:30 2026", 90.0),  # asctime
        ("Fri, 22 May 2026 08:01:30 +0200", None),  # not GMT: no HTTP-date
        ("22 May 2026 08:01:30 GMT", None),
        ("Fri, 32 May 2026 08:01:30 GMT", None),
        ("soon", None),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_retry_after_table(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, NOW.timestamp()) == seconds


@pytest.mark.skipif(not hasattr(time, "tzset"), reason="no time.tzset on Windows")
def test_a_retry_after_date_never_depends_on_local_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    try:
        for value in (
            "Fri May 22 08:01:30 2026",
            "Fri, 22 May 2026 08:01:30 GMT",
            "Friday, 22-May-26 08:01:30 GMT",
        ):
            assert parse_retry_after(value, NOW.timestamp()) == 90.0
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize(
    ("method", "path", "call"),
    [
        ("GET", COUNT, lambda c: c.unread_count()),
        ("GET", LIST, lambda c: c.list(unread=True)),
        ("POST", MARK_READ, lambda c: c.mark_read(5001)),
        ("POST", MARK_ALL, lambda c: c.mark_all_read()),
    ],
    ids=["count", "list", "mark-read", "mark-all"],
)
@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_reaches_the_error_on_every_endpoint(
    server: ContractServer, client: Client, method: str, path: str, call: Any, status: int
) -> None:
    server.faults.arm(Answer(status, {"Retry-After": "120"}), path=path, method=method)
    with pytest.raises(errors.RetryableError) as info:
        call(client)
    assert info.value.retry_after == 120.0
    assert info.value.status == status
    server.faults.arm(Answer(status, {"Retry-After": "²"}), path=path, method=method)
    with pytest.raises(errors.RetryableError) as odd:
        call(client)
    assert odd.value.retry_after is None  # ignored: the caller's own back-off applies


def test_an_odd_retry_after_is_logged_once(
    server: ContractServer, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    server.faults.arm(Answer(429, {"Retry-After": "1e3"}), path=COUNT, times=3)
    with caplog.at_level(logging.WARNING, logger="traynotify.api.server"):
        for _ in range(3):
            with pytest.raises(errors.RateLimitedError):
                client.unread_count()
    lines = [r.getMessage() for r in caplog.records if "Retry-After" in r.getMessage()]
    assert lines == ["Ignored a Retry-After that is neither seconds nor a date: '1e3'"]


def test_a_retry_after_date_is_read_by_the_clients_wall_clock(server: ContractServer) -> None:
    server.faults.arm(Answer(503, {"Retry-After": http_date(NOW + timedelta(minutes=5))}))
    with (
        Client(server.url, KEY, wall_clock=NOW.timestamp) as c,
        pytest.raises(errors.ServerError) as info,
    ):
        c.unread_count()
    assert info.value.retry_after == 300.0


@pytest.mark.parametrize("value", ["²", "１２", "-5", "1e3", "garbage"])
def test_count_direct_with_an_odd_retry_after_exits_4_with_one_line(
    server: ContractServer, env: dict[str, str], value: str
) -> None:
    server.faults.arm(Answer(429, {"Retry-After": value}), path=COUNT)
    code, out, err = run(["count", "--direct"], env)
    assert (code, out) == (4, "")
    assert err == "traynotify: The server is rate limiting requests.\n"


# -- 6. one bad row: the rest of the page counts --------------------------------------

REQUIRED = ("id", "type", "title", "created_at")


@pytest.mark.parametrize("name", REQUIRED)
def test_every_required_field_when_absent_makes_a_malformed_row_that_names_it(
    server: ContractServer, client: Client, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    server.faults.arm(Rows.missing(1, name), path=LIST)
    with caplog.at_level(logging.WARNING, logger="traynotify.api.models"):
        page = client.list(unread=True, page_size=3)
    assert [n.id for n in page.items] == [5001, 5004]  # 5003 left out, the rest kept
    assert len(page.skipped) == 1
    skipped = page.skipped[0]
    assert skipped.field == name
    assert skipped.problem == "is missing"
    assert skipped.id == (None if name == "id" else 5003)
    assert page.rows == 3
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert name in warnings[0]
    assert ("5003" in warnings[0]) is (name != "id")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("id", "5003"),
        ("id", 5003.0),
        ("id", True),
        ("id", 0),
        ("id", -1),
        ("id", MAX_ID + 1),
        ("id", HUGE_ID),
        ("type", 7),
        ("type", "admin.org.member.remove"),  # not one of the spec's five
        ("title", None),
        ("title", ["x"]),
        ("body", 3),
        ("link", 42),
        ("link", {"href": "/billing"}),
        ("read_at", 1716364800),
        ("read_at", "yesterday"),
        ("created_at", None),
        ("created_at", "2026-13-01T00:00:00Z"),
        ("created_at", EXTREME_TIMES[0]),
        ("created_at", EXTREME_TIMES[1]),
        ("read_at", EXTREME_TIMES[1]),
    ],
)
def test_a_malformed_row_is_skipped_and_named(
    server: ContractServer, client: Client, name: str, value: Any
) -> None:
    server.faults.arm(Rows.corrupt(0, name, value), path=LIST)
    page = client.list(unread=True, page_size=3)
    assert [n.id for n in page.items] == [5003, 5004]
    (skipped,) = page.skipped
    assert skipped.field == name
    assert skipped.index == 0
    assert skipped.id == (None if name == "id" else 5001)


def test_the_largest_id_is_a_row(server: ContractServer, client: Client) -> None:
    server.faults.arm(Rows.corrupt(0, "id", MAX_ID), path=LIST)
    page = client.list(unread=True, page_size=3)
    assert page.items[0].id == MAX_ID
    assert page.skipped == ()


def test_a_row_that_is_not_an_object_is_skipped() -> None:
    page = parse_page(
        {"items": ["oops", {"id": 1}], "total": 2, "page": 1, "page_size": 50}, page_size=50
    )
    assert page.items == ()
    assert [(s.index, s.id, s.field) for s in page.skipped] == [(0, None, ""), (1, 1, "type")]
    assert str(page.skipped[0]) == "row 1 (no valid id): is not a JSON object"


def test_a_malformed_row_is_warned_about_once_however_often_it_comes(
    server: ContractServer, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    server.faults.arm(Rows.corrupt(1, "link", 9), path=LIST, times=None)
    with caplog.at_level(logging.WARNING, logger="traynotify.api.models"):
        for _ in range(3):
            assert len(client.list(unread=True).skipped) == 1
    assert [r.getMessage() for r in caplog.records] == [
        "Skipped a malformed row: id 5003: link is not a string or null"
    ]


def test_a_page_whose_rows_are_all_malformed_is_not_taken_for_the_last(
    server: ContractServer, client: Client
) -> None:
    server.faults.arm(Rows(drop_fields={0: ("title",)}), path=LIST, query={"page": "1"}, times=None)
    notes = list(client.iter_all(unread=True, page_size=1, max_pages=10))
    assert [n.id for n in notes] == [5003, 5004]  # pages 2 and 3, after the bad page 1


def test_the_page_shape_stays_strict(server: ContractServer, client: Client) -> None:
    server.faults.arm(Answer(200, body=b'{"items": [], "total": "3", "page": 1, "page_size": 50}'))
    with pytest.raises(errors.UnexpectedResponseError, match="total"):
        client.list()


def test_list_shows_the_good_rows_of_a_page_with_a_bad_one(
    server: ContractServer, env: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    server.faults.arm(Rows.corrupt(0, "link", 42), path=LIST)
    code, out, _ = run(["list", "--unread", "--json"], env)
    assert code == 0
    assert [n["id"] for n in json.loads(out)["items"]] == [5003, 5004]
    assert "Skipped a malformed row: id 5001: link is not a string or null" in caplog.text


# -- 5. a duplicated row, at the client's level -------------------------------------


def test_list_all_shows_a_row_that_moved_between_pages_once(
    server: ContractServer, env: dict[str, str]
) -> None:
    server.faults.arm(Rows.corrupt(0, "id", 5001), path=LIST, query={"page": "2"})
    code, out, _ = run(["list", "--unread", "--all", "--page-size", "1", "--json"], env)
    assert code == 0
    assert [n["id"] for n in json.loads(out)["items"]] == [5001, 5004]


def test_list_all_shows_the_later_copy_of_a_row_read_between_pages(
    server: ContractServer, env: dict[str, str]
) -> None:
    """Page 2 holds 5001 again, read by now: as in the tray, the later copy wins."""
    read = {"id": 5001, "read_at": "2026-01-02T09:00:00Z"}
    server.faults.arm(Rows(set_fields={0: read}), path=LIST, query={"page": "2"})
    code, out, _ = run(["list", "--all", "--page-size", "1", "--json"], env)
    assert code == 0
    items = json.loads(out)["items"]
    assert [n["id"] for n in items].count(5001) == 1
    assert [n["read_at"] for n in items if n["id"] == 5001] == [read["read_at"]]


# -- 7. pages bigger than asked, and list --all's bound ------------------------------


def test_more_rows_than_asked_is_server_trouble(server: ContractServer, client: Client) -> None:
    server.faults.arm(Rows.more(5), path=LIST)
    with pytest.raises(errors.UnexpectedResponseError, match="8 rows, more than the 3 asked"):
        client.list(unread=True, page_size=3)


def test_twenty_thousand_rows_for_two_hundred_asked(server: ContractServer, client: Client) -> None:
    server.faults.arm(Rows.more(20_000), path=LIST, times=None)
    with pytest.raises(errors.UnexpectedResponseError):
        client.list(unread=True, page_size=200)
    with pytest.raises(errors.UnexpectedResponseError):
        list(client.iter_all(unread=True, max_pages=MAX_PAGES))
    assert len(server.requests(LIST)) == 2  # the walk stopped at the first such page


def test_list_all_stops_at_the_trays_page_bound(
    server: ContractServer, env: dict[str, str]
) -> None:
    for n in range(MAX_PAGES + 5):
        server.store.add("alice", "admin.org.member.add", f"member {n}")
    code, out, err = run(["list", "--unread", "--all", "--page-size", "1", "--json"], env)
    assert code == 0
    assert len(json.loads(out)["items"]) == MAX_PAGES
    assert len(server.requests(LIST)) == MAX_PAGES
    assert err == (
        f"traynotify: warning: listed the first {MAX_PAGES} pages ({MAX_PAGES} notifications)"
        f" of {MAX_PAGES + 8}; traynotify lists no further, as the tray does.\n"
    )


# -- 9. the server never speaks as the app ------------------------------------------


@pytest.mark.parametrize(
    ("status", "etype", "error"),
    [
        (400, "invalid_request_error", errors.InvalidRequestError),
        (400, "authentication_error", errors.InvalidRequestError),
        (401, "authentication_error", errors.AuthenticationError),
        (403, "permission_error", errors.UnexpectedResponseError),
        (429, "rate_limit_error", errors.RateLimitedError),
        (500, "api_error", errors.ServerError),
        (503, None, errors.ServerError),
    ],
)
def test_an_error_speaks_in_the_apps_words(
    server: ContractServer, client: Client, status: int, etype: str | None, error: type
) -> None:
    server.faults.arm(Answer(status, message=EVIL, error_type=etype))
    with pytest.raises(error) as info:
        client.unread_count()
    assert "evil" not in str(info.value)
    assert "revoked. Re-enter" not in str(info.value)
    assert info.value.server_message == EVIL
    assert info.value.server_type == (etype or "api_error")


def test_a_wrong_urls_404_keeps_nothing_of_what_answered(
    server: ContractServer, client: Client
) -> None:
    server.faults.arm(Answer(404, message=EVIL, error_type="not_found_error"), path=COUNT)
    with pytest.raises(errors.WrongApiUrlError) as info:
        client.unread_count()
    assert "evil" not in str(info.value)
    assert info.value.server_message is None


@pytest.mark.parametrize(
    ("content_type", "named"),
    [
        ("text/html; charset=utf-8", "(text/html)"),
        ("Text/HTML", "(text/html)"),
        (EVIL, "(an unknown content type)"),
        ("text/html " + EVIL, "(an unknown content type)"),
    ],
)
def test_a_content_type_is_named_only_when_it_is_one(
    server: ContractServer, client: Client, content_type: str, named: str
) -> None:
    server.faults.arm(Answer(200, {"Content-Type": content_type}, body=b"<html>sign in</html>"))
    with pytest.raises(errors.UnexpectedResponseError) as info:
        client.unread_count()
    assert named in str(info.value)
    assert "evil" not in str(info.value)


def test_no_content_type_is_said_so() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"<html>")  # the fault front always sends one

    with (
        Client("https://api.example.test", "k", transport=httpx.MockTransport(handler)) as c,
        pytest.raises(errors.UnexpectedResponseError, match=r"not JSON \(no content type\)"),
    ):
        c.unread_count()


def test_the_server_message_goes_to_the_log(
    server: ContractServer, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    server.faults.arm(Answer(400, message=EVIL + "\x1b[2J" + " more" * 200))
    with (
        caplog.at_level(logging.WARNING, logger="traynotify.api.server"),
        pytest.raises(errors.InvalidRequestError),
    ):
        client.unread_count()
    (line,) = [r.getMessage() for r in caplog.records]
    assert line.startswith(f"The server said (HTTP 400, invalid_request_error): {EVIL}")
    assert "\x1b" not in line
    assert len(line) < 400


def test_the_command_line_labels_the_servers_words_and_cuts_them_short(
    server: ContractServer, env: dict[str, str]
) -> None:
    server.faults.arm(Answer(400, message=EVIL + " Thank you." * 30), path=COUNT)
    code, out, err = run(["count", "--direct"], env)
    assert (code, out) == (5, "")
    assert err.startswith(
        "traynotify: The server rejected the request. (the server said: “Your traynotify key"
    )
    assert err.endswith("…”)\n")
    assert len(err) < 200
    assert err.count("\n") == 1


def test_read_labels_the_servers_words_per_id(server: ContractServer, env: dict[str, str]) -> None:
    server.faults.arm(Answer(404, message=EVIL, error_type="not_found_error"), path=MARK_READ)
    code, out, err = run(["read", "5001", "5003"], env)
    assert code == 5
    assert out == "Marked 1 notification read.\n"
    assert err == (
        "traynotify: 5001: That notification does not exist or is not yours."
        f" (the server said: “{EVIL}”)\n"
    )


def test_the_tray_shows_the_apps_words_only(server: ContractServer, harness: Harness) -> None:
    """Pop-ups, the menu and the tooltip, after a poll, a mark-read and a mark all that
    each got a 400 whose message pretends to be the app's."""
    harness.turn()
    server.faults.arm(Answer(400, message=EVIL), path=MARK_READ)
    harness.poller.mark_read(5001)
    harness.poller.step()
    server.faults.arm(Answer(400, message=EVIL), times=None)
    harness.poller.mark_all_read()
    harness.poller.step()
    harness.clock.advance(10_000)
    harness.poller.step()
    assert harness.state.problem == "The server rejected the request."
    now = datetime.now(timezone.utc)
    shown = [f"{t.title} {t.body}" for t in harness.toasts]
    for state in harness.states:
        shown += [tooltip(state), *(entry.label for entry in build_menu(state, now))]
    assert len(harness.toasts) >= 2  # the refused mark-read and mark all popped up
    assert any("rejected the request" in text for text in shown)
    assert not [text for text in shown if "evil" in text or "Re-enter" in text]


# -- 10. extreme timestamps -----------------------------------------------------------


@pytest.mark.parametrize(
    "when", ["0001-01-02T00:00:00Z", "9999-12-30T23:59:59Z", "0001-01-02T01:00:00+01:00"]
)
def test_the_earliest_and_latest_timestamps_list_and_format(
    server: ContractServer, env: dict[str, str], when: str
) -> None:
    server.faults.arm(Rows.corrupt(0, "created_at", when), path=LIST, times=2)
    code, out, err = run(["list", "--unread", "--json"], env)
    assert (code, err) == (0, "")
    assert json.loads(out)["items"][0]["created_at"] in (
        "0001-01-02T00:00:00Z",
        "9999-12-30T23:59:59Z",
    )
    code, out, err = run(["list", "--unread"], env)
    assert (code, err) == (0, "")
    assert "5001" in out


@pytest.mark.parametrize("when", EXTREME_TIMES)
def test_an_unrepresentable_timestamp_is_a_malformed_row(
    server: ContractServer, env: dict[str, str], when: str, caplog: pytest.LogCaptureFixture
) -> None:
    server.faults.arm(Rows.corrupt(0, "created_at", when), path=LIST)
    code, out, _ = run(["list", "--unread", "--json"], env)
    assert code == 0
    assert [n["id"] for n in json.loads(out)["items"]] == [5003, 5004]
    assert "id 5001: created_at is not a timestamp in range" in caplog.text


# -- an unexpected exception in a command ---------------------------------------------


def test_an_unexpected_exception_in_a_command_is_exit_4_with_one_line(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: Client) -> int:
        raise ValueError("could not convert string to float: '²'")

    monkeypatch.setattr(Client, "unread_count", broken)
    code, out, err = run(["count", "--direct"], env)
    assert (code, out) == (4, "")
    assert err == (
        "traynotify: unexpected error (ValueError: could not convert string to float: '²');"
        " run with --debug for details.\n"
    )
    code, _, err = run(["count", "--direct", "--debug"], env)
    assert code == 4
    assert "Traceback (most recent call last)" in err
    assert err.endswith("run with --debug for details.\n")


def test_mock_transport_clients_still_read_bodies_whole() -> None:
    """A transport with no network (tests, MockTransport) goes through the same reading."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b'{"count": 4}' + b" " * (MAX_BODY - 11))

    with (
        Client("https://api.example.test", "k", transport=httpx.MockTransport(handler)) as c,
        pytest.raises(errors.UnexpectedResponseError, match="larger than"),
    ):
        c.unread_count()


def gzipped_zeros(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(1024 * 1024)
    parts = [packer.compress(block) for _ in range(size // len(block))]
    return b"".join(parts) + packer.flush()


def test_a_compressed_answer_is_inflated_no_further_than_the_cap(
    server: ContractServer, client: Client
) -> None:
    bomb = gzipped_zeros(512 * 1024 * 1024)  # half a GB of zeros in about half a MB
    assert len(bomb) < MAX_BODY // 8
    server.faults.arm(Answer(200, {"Content-Encoding": "gzip"}, body=bomb), path=COUNT)
    tracemalloc.start()
    try:
        with pytest.raises(errors.UnexpectedResponseError, match="larger than 8 MB"):
            client.unread_count()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3 * MAX_BODY


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_compressed_answer_is_read(server: ContractServer, client: Client, encoding: str) -> None:
    wbits = zlib.MAX_WBITS | 16 if encoding == "gzip" else zlib.MAX_WBITS
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
    body = packer.compress(b'{"count": 12}') + packer.flush()
    server.faults.arm(Answer(200, {"Content-Encoding": encoding}, body=body), path=COUNT)
    assert client.unread_count() == 12


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("gzip", b"not gzip at all"),
        ("gzip", zlib.compress(b'{"count": 1}')[:-4] + b""),  # cut short
        ("br", b"\x0b\x02\x80{}\x03"),  # not asked for
    ],
)
def test_an_answer_that_cannot_be_decoded_is_one_typed_error(
    server: ContractServer, client: Client, encoding: str, body: bytes
) -> None:
    server.faults.arm(Answer(200, {"Content-Encoding": encoding}, body=body), path=COUNT)
    with pytest.raises(errors.UnexpectedResponseError, match="could not be decoded"):
        client.unread_count()
    assert client.unread_count() == 3


def test_only_gzip_is_asked_for(server: ContractServer, client: Client) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Accept-Encoding"])
        return httpx.Response(200, json={"count": 1})

    with Client("https://api.example.test", "k", transport=httpx.MockTransport(handler)) as c:
        c.unread_count()
    assert seen == ["gzip"]
