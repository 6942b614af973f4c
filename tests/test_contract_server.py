"""The contract server against every row of the spec's tables, over a real socket.

These talk raw HTTP (not traynotify's client), so the server is checked on its own.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from traynotify.api.models import KNOWN_TYPES
from traynotify.devserver import ContractServer, Fault

from .conftest import KEY, OTHER_KEY

BASE = "/api/v1/me/notifications"


@pytest.fixture
def http(server: ContractServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}) as c:
        yield c


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def error_type(response: httpx.Response) -> str:
    etype: str = response.json()["error"]["type"]
    return etype


# -- auth: "All require a logged-in key" / 401 authentication_error ----------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", BASE),
        ("GET", f"{BASE}/unread-count"),
        ("POST", f"{BASE}/5001/mark-read"),
        ("POST", f"{BASE}/mark-all-read"),
    ],
)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer nope"},
        {"Authorization": "Basic dGVzdA=="},
        {"Authorization": "Bearer"},
    ],
    ids=["missing", "unknown", "wrong-scheme", "empty"],
)
def test_every_endpoint_needs_a_valid_key(
    server: ContractServer, method: str, path: str, headers: dict[str, str]
) -> None:
    response = httpx.request(method, server.url + path, headers=headers)
    assert response.status_code == 401
    assert error_type(response) == "authentication_error"
    # and nothing changed
    assert server.store.unread_count("alice") == 3


def test_revoked_key_gets_401_while_the_users_other_key_still_works(
    server: ContractServer, http: httpx.Client
) -> None:
    server.store.revoke_key(KEY)
    assert http.get(f"{BASE}/unread-count").status_code == 401
    other = httpx.get(
        server.url + f"{BASE}/unread-count", headers={"Authorization": "Bearer test-key-alice-2"}
    )
    assert ok(other) == {"count": 3}


# -- list ---------------------------------------------------------------------------


def test_list_is_newest_created_first_with_documented_fields(http: httpx.Client) -> None:
    data = ok(http.get(BASE))
    assert [i["id"] for i in data["items"]] == [5001, 5003, 5006, 5004, 5002]
    assert data["total"] == 5
    assert data["page"] == 1
    assert data["page_size"] == 50  # the documented default
    first = data["items"][0]
    assert set(first) == {"id", "type", "title", "body", "link", "read_at", "created_at"}
    assert first["created_at"] == "2026-05-22T16:00:00Z"
    assert first["read_at"] is None
    assert next(i for i in data["items"] if i["id"] == 5004)["link"] is None


def test_unread_filter_total_is_the_unread_count(http: httpx.Client) -> None:
    data = ok(http.get(BASE, params={"unread": "true", "page_size": 2}))
    assert [i["id"] for i in data["items"]] == [5001, 5003]
    assert all(i["read_at"] is None for i in data["items"])
    assert data["total"] == 3 == ok(http.get(f"{BASE}/unread-count"))["count"]


def test_read_filter_returns_only_read_rows(http: httpx.Client) -> None:
    data = ok(http.get(BASE, params={"read": "true"}))
    assert [i["id"] for i in data["items"]] == [5006, 5002]
    assert all(i["read_at"] for i in data["items"])


def test_false_and_empty_filters_mean_no_filter(http: httpx.Client) -> None:
    assert ok(http.get(BASE, params={"unread": "false"}))["total"] == 5
    assert ok(http.get(f"{BASE}?unread=&type=&page=&page_size="))["total"] == 5


def test_type_filter(http: httpx.Client) -> None:
    data = ok(http.get(BASE, params={"type": "system.payment.received"}))
    assert [i["id"] for i in data["items"]] == [5001, 5006]
    assert data["total"] == 2
    both = ok(http.get(BASE, params={"type": "system.payment.received", "unread": "true"}))
    assert [i["id"] for i in both["items"]] == [5001]


@pytest.mark.parametrize("etype", KNOWN_TYPES)
def test_each_documented_type_is_a_valid_filter(http: httpx.Client, etype: str) -> None:
    assert http.get(BASE, params={"type": etype}).status_code == 200


def test_total_is_independent_of_the_page(http: httpx.Client) -> None:
    pages = [ok(http.get(BASE, params={"page": p, "page_size": 2})) for p in (1, 2, 3, 4)]
    assert [len(p["items"]) for p in pages] == [2, 2, 1, 0]
    assert {p["total"] for p in pages} == {5}
    ids = [i["id"] for p in pages for i in p["items"]]
    assert ids == [5001, 5003, 5006, 5004, 5002]


def test_page_size_200_is_served_and_201_refused(
    server: ContractServer, http: httpx.Client
) -> None:
    """The spec's maximum is 200: a client that asks for more is told, not quietly capped."""
    for n in range(250):
        server.store.add("alice", "system.payment.received", f"n{n}")
    data = ok(http.get(BASE, params={"page_size": 200}))
    assert data["page_size"] == 200
    assert len(data["items"]) == 200
    assert data["total"] == 255
    for too_many in ("201", "500"):
        response = http.get(BASE, params={"page_size": too_many})
        assert response.status_code == 400
        assert error_type(response) == "invalid_request_error"


def test_the_caller_sees_only_their_own_rows(server: ContractServer) -> None:
    bob = httpx.get(server.url + BASE, headers={"Authorization": f"Bearer {OTHER_KEY}"})
    assert [i["id"] for i in ok(bob)["items"]] == [7001]


# -- 400 invalid_request_error --------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"read": "true", "unread": "true"},
        {"type": "admin.org.member.remove"},
        {"type": "nonsense"},
        {"unread": "maybe"},
        {"page": "0"},
        {"page": "two"},
        {"page_size": "-5"},
        {"page": "²"},
        {"page_size": "²"},
        {"page": "１"},  # full-width digit one
        {"page_size": "２０"},
        {"page": "١"},  # Arabic-Indic digit one
        {"page": "9" * 5000},  # longer than int() takes
        {"page_size": "201"},
    ],
)
def test_bad_list_requests_are_400(http: httpx.Client, params: dict[str, str]) -> None:
    response = http.get(BASE, params=params)
    assert response.status_code == 400
    assert error_type(response) == "invalid_request_error"
    assert response.json()["error"]["message"]


# -- unread-count ----------------------------------------------------------------------


def test_unread_count(http: httpx.Client, server: ContractServer) -> None:
    assert ok(http.get(f"{BASE}/unread-count")) == {"count": 3}
    server.store.add("alice", "admin.org.member.add", "new")
    assert ok(http.get(f"{BASE}/unread-count")) == {"count": 4}


# -- mark-read ------------------------------------------------------------------------


def test_mark_read_answers_the_documented_shape_and_is_idempotent(
    http: httpx.Client, server: ContractServer
) -> None:
    first = ok(http.post(f"{BASE}/5001/mark-read"))
    assert first == {
        "id": 5001,
        "type": "system.payment.received",
        "read_at": "2026-05-23T08:00:00Z",
    }
    assert ok(http.get(f"{BASE}/unread-count")) == {"count": 2}
    # a later call on an already-read row leaves read_at unchanged
    server.store._clock = lambda: first_time_plus_hour()
    second = ok(http.post(f"{BASE}/5001/mark-read"))
    assert second == first
    # an already-read seed row keeps its original read_at
    assert ok(http.post(f"{BASE}/5006/mark-read"))["read_at"] == "2026-05-22T14:00:00Z"


def first_time_plus_hour() -> Any:
    from datetime import datetime, timezone

    return datetime(2026, 5, 23, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("ident", ["7001", "999999", "abc", "-1"])
def test_mark_read_of_an_id_that_is_not_the_callers_is_404(
    http: httpx.Client, server: ContractServer, ident: str
) -> None:
    response = http.post(f"{BASE}/{ident}/mark-read")
    assert response.status_code == 404
    assert error_type(response) == "not_found_error"
    note = server.store.get(7001)
    assert note is not None
    assert note.unread  # Bob's row untouched


# -- mark-all-read ------------------------------------------------------------------


def test_mark_all_read_returns_the_count_flipped_then_zero(
    http: httpx.Client, server: ContractServer
) -> None:
    assert ok(http.post(f"{BASE}/mark-all-read")) == {"marked_read": 3}
    assert ok(http.post(f"{BASE}/mark-all-read")) == {"marked_read": 0}
    assert ok(http.get(f"{BASE}/unread-count")) == {"count": 0}
    assert server.store.unread_count("bob") == 1  # other users untouched


# -- outside the table ----------------------------------------------------------------


def test_wrong_method_and_unknown_path(http: httpx.Client) -> None:
    assert http.get(f"{BASE}/mark-all-read").status_code == 405
    assert http.post(BASE).status_code == 405
    response = http.get("/api/v1/me/elsewhere")
    assert response.status_code == 404
    assert error_type(response) == "not_found_error"


def test_it_refuses_to_listen_beyond_loopback() -> None:
    with pytest.raises(ValueError, match="loopback"):
        ContractServer(host="0.0.0.0")  # noqa: S104


def test_requests_are_recorded(http: httpx.Client, server: ContractServer) -> None:
    http.get(f"{BASE}/unread-count")
    http.get(BASE, params={"unread": "true"})
    assert [r.path for r in server.requests()] == [f"{BASE}/unread-count", BASE]
    assert server.requests("/unread-count")[0].status == 200
    assert server.requests()[1].query == {"unread": ["true"]}


def test_injected_faults_apply_the_given_number_of_times(
    http: httpx.Client, server: ContractServer
) -> None:
    server.inject(Fault("status", status=429, retry_after="7"), times=2)
    first = http.get(f"{BASE}/unread-count")
    assert first.status_code == 429
    assert first.headers["Retry-After"] == "7"
    assert http.get(f"{BASE}/unread-count").status_code == 429
    assert ok(http.get(f"{BASE}/unread-count")) == {"count": 3}


def test_fault_kinds(http: httpx.Client, server: ContractServer) -> None:
    server.inject(Fault("not_json"), times=1)
    assert http.get(f"{BASE}/unread-count").headers["content-type"] == "text/html"
    server.inject(Fault("wrong_shape"), times=1)
    assert http.get(f"{BASE}/unread-count").json() == {"count": "many", "items": {}}
    server.inject(Fault("drop"), times=1)
    with pytest.raises(httpx.RemoteProtocolError):
        http.get(f"{BASE}/unread-count")
    server.inject(Fault("slow", delay=2.0), times=1)
    with pytest.raises(httpx.ReadTimeout):
        http.get(f"{BASE}/unread-count", timeout=0.2)


def test_a_held_request_waits_for_release_and_answers_from_the_store_then(
    server: ContractServer,
) -> None:
    held = server.hold("/notifications", unread="true", page_size="1")
    answers: list[httpx.Response] = []

    def ask() -> None:
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}) as c:
            answers.append(c.get(BASE, params={"unread": "true", "page_size": "1"}))

    asker = threading.Thread(target=ask)
    asker.start()
    held.wait()
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}) as c:
        # other requests are not held, and the hold is used up by the first match
        assert ok(c.get(f"{BASE}/unread-count")) == {"count": 3}
        server.store.mark_read("alice", 5001)
        assert answers == []
        held.release()
        asker.join(5)
        assert ok(c.get(BASE, params={"unread": "true", "page_size": "1"}))["total"] == 2
    assert ok(answers[0])["total"] == 2
    assert [n["id"] for n in ok(answers[0])["items"]] == [5003]


def test_cleared_holds_hold_nothing(server: ContractServer) -> None:
    held = server.hold("/unread-count")
    server.clear_holds()
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}) as c:
        assert ok(c.get(f"{BASE}/unread-count", timeout=5)) == {"count": 3}
    assert not held.arrived.is_set()
