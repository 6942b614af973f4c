"""The poller's request thread: one request at a time, commands taken meanwhile."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from traynotify.core.requests import Requests, Stopped
from traynotify.errors import ApiTimeoutError


@pytest.fixture
def events() -> tuple[threading.Event, threading.Event]:
    return threading.Event(), threading.Event()


@pytest.fixture
def requests(events: tuple[threading.Event, threading.Event]) -> Iterator[Requests]:
    wake, stop = events
    made = Requests(wake, stop)
    yield made
    stop.set()
    made.close()


def test_a_request_runs_on_the_request_thread_and_its_answer_comes_back(
    requests: Requests,
) -> None:
    caller = threading.current_thread()
    ran_on: list[threading.Thread] = []

    def request() -> int:
        ran_on.append(threading.current_thread())
        return 42

    assert requests.run(request, lambda: None) == 42
    assert requests.run(request, lambda: None) == 42
    assert ran_on[0] is not caller
    assert ran_on[0] is ran_on[1]  # one thread for every request


def test_the_owner_takes_commands_while_the_answer_is_on_its_way(
    requests: Requests, events: tuple[threading.Event, threading.Event]
) -> None:
    wake, _stop = events
    answer_may_come = threading.Event()
    taken: list[str] = []

    def slow() -> str:
        assert answer_may_come.wait(10)
        return "answer"

    def meanwhile() -> None:
        taken.append("command")
        answer_may_come.set()  # a command taken while the request was still out

    wake.set()  # a command arrived
    assert requests.run(slow, meanwhile) == "answer"
    assert taken  # taken before the answer came


def test_what_a_request_raises_reaches_the_owner(requests: Requests) -> None:
    def broken() -> None:
        raise ValueError("not understood")

    with pytest.raises(ValueError, match="not understood"):
        requests.run(broken, lambda: None)
    assert requests.run(lambda: "next", lambda: None) == "next"  # the thread lives on


def test_quit_abandons_a_request_in_flight(
    requests: Requests, events: tuple[threading.Event, threading.Event]
) -> None:
    wake, stop = events
    never = threading.Event()

    def quit_now() -> None:
        stop.set()
        wake.set()

    wake.set()
    with pytest.raises(Stopped):
        requests.run(lambda: never.wait(10), quit_now)
    never.set()


def test_requests_never_overlap(requests: Requests) -> None:
    running = 0
    most = 0
    lock = threading.Lock()

    def request() -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        threading.Event().wait(0.01)
        with lock:
            running -= 1

    owners = [threading.Thread(target=requests.run, args=(request, lambda: None)) for _ in range(4)]
    for owner in owners:
        owner.start()
    for owner in owners:
        owner.join(10)
    assert most == 1


def test_no_answer_by_the_deadline_is_a_timeout_and_the_owner_goes_on(
    requests: Requests,
) -> None:
    hung = threading.Event()

    with pytest.raises(ApiTimeoutError):
        requests.run(lambda: hung.wait(30), lambda: None, deadline=0.2)
    # the next one queues behind the hung one: it misses its deadline too, and is
    # never sent once the owner gave up on it
    sent: list[str] = []
    with pytest.raises(ApiTimeoutError):
        requests.run(lambda: sent.append("late"), lambda: None, deadline=0.2)
    hung.set()
    assert requests.run(lambda: "again", lambda: None, deadline=10) == "again"
    assert sent == []


def test_an_answer_within_the_deadline_is_taken(requests: Requests) -> None:
    assert requests.run(lambda: "in time", lambda: None, deadline=30) == "in time"
