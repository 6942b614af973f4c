"""``read --all`` through the tray reports what really happened: the poller tells what
its mark-all came to, and the instance channel passes that on when it comes, without
its one thread waiting. The real poller against the contract server on a fake clock,
and the real channel over a real socket."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from traynotify.app import mark_all_later
from traynotify.core.outcome import Done, MarkAllOutcome
from traynotify.core.state import Status
from traynotify.desktop.instance import Instance, Later, request
from traynotify.desktop.paths import state_dir
from traynotify.devserver import ContractServer, Fault

from .conftest import KEY
from .test_instance import TRANSPORTS, Running
from .test_poller import Harness
from .test_statusbar import run


@pytest.fixture
def h(server: ContractServer, tmp_path: Path) -> Iterator[Harness]:
    harness = Harness(server, tmp_path)
    yield harness
    harness.poller.stop()


def mark_all(h: Harness) -> list[MarkAllOutcome]:
    told: list[MarkAllOutcome] = []
    h.poller.mark_all_read(told.append)
    return told


def test_marked_says_how_many(h: Harness) -> None:
    h.turn()
    told = mark_all(h)
    h.poller.step()
    assert told == [MarkAllOutcome(Done.MARKED, 3)]
    assert h.server.store.unread_count("alice") == 0


def test_nothing_unread_when_taken_says_nothing(h: Harness) -> None:
    h.server.store.mark_all_read("alice")
    h.turn()
    assert h.state.count == 0
    told = mark_all(h)
    h.poller.step()
    assert told == [MarkAllOutcome(Done.NOTHING)]
    assert h.requests("/mark-all-read") == 0


def test_read_elsewhere_meanwhile_says_nothing(h: Harness) -> None:
    h.turn()
    h.server.store.mark_all_read("alice")  # in the console, after the last poll
    told = mark_all(h)
    h.poller.step()
    assert told == [MarkAllOutcome(Done.NOTHING)]
    assert h.requests("/mark-all-read") == 0


def test_no_key_says_signed_out(h: Harness) -> None:
    h.turn()
    h.key = None  # logged out meanwhile
    told = mark_all(h)
    h.poller.step()
    assert [t.done for t in told] == [Done.SIGNED_OUT]
    assert told[0].problem


def test_signed_out_since_it_was_asked_says_signed_out(h: Harness) -> None:
    h.turn()
    h.server.store.revoke_key(KEY)
    h.turn()
    told = mark_all(h)  # asked while the tray still showed 3 (its answer on the way)
    h.poller.step()
    assert [t.done for t in told] == [Done.SIGNED_OUT]
    assert h.requests("/mark-all-read") == 0


def test_a_401_says_signed_out(h: Harness) -> None:
    h.turn()
    h.server.store.revoke_key(KEY)
    told = mark_all(h)
    h.poller.step()
    assert [t.done for t in told] == [Done.SIGNED_OUT]
    assert "revoked" in told[0].problem
    assert h.state.status is Status.SIGNED_OUT


def test_no_network_says_offline(h: Harness) -> None:
    h.turn()
    h.server.inject(Fault("drop"))
    told = mark_all(h)
    h.poller.step()
    assert [t.done for t in told] == [Done.OFFLINE]
    assert told[0].problem
    h.server.clear_faults()


def test_a_refusal_says_failed_with_the_reason(h: Harness) -> None:
    h.turn()
    h.server.inject(Fault("status", status=500), times=1)
    told = mark_all(h)
    h.poller.step()
    assert [t.done for t in told] == [Done.FAILED]
    assert "HTTP 500" in told[0].problem
    assert h.server.store.unread_count("alice") == 3


def test_during_a_back_off_the_answer_comes_when_it_is_sent(h: Harness) -> None:
    h.turn()
    h.server.inject(Fault("status", status=503, retry_after="30"), times=1)
    h.poller.refresh()
    h.poller.step()  # the poll meets a 503: no request for 30 s
    assert h.state.status is Status.ERROR
    told = mark_all(h)
    h.poller.step()
    assert told == []  # waits with the back-off
    assert h.requests("/mark-all-read") == 0
    h.turn()  # the back-off ends
    assert told == [MarkAllOutcome(Done.MARKED, 3)]


def test_a_reply_that_fails_does_not_hurt_the_poller(h: Harness) -> None:
    h.turn()

    def broken(outcome: MarkAllOutcome) -> None:
        raise RuntimeError("gone")

    h.poller.mark_all_read(broken)
    h.poller.step()
    assert h.server.store.unread_count("alice") == 0
    assert h.state.status is Status.OK
    h.server.store.add("alice", "admin.org.member.add", "Ana joined")
    h.turn()
    assert h.state.count == 1


# -- the channel's answer that comes later ----------------------------------------------


@pytest.fixture(params=TRANSPORTS)
def later(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Running, list[Any]]]:
    """A channel whose read-all answers later: each Future it handed out, in order."""
    futures: list[Any] = []
    wait = {"s": 20.0}

    def answer(command: str) -> Mapping[str, Any] | Later | None:
        if command != "read-all":
            return {"said": command}
        future: Future[Mapping[str, Any] | None] = Future()
        futures.append((future, wait))
        return Later(future, {"done": "sent", "count": 2}, wait["s"])

    running = Running(tmp_path / "state", request.param, answer)
    yield running, futures
    running.instance.close()


def ask(folder: Path, command: str, timeout: float = 30.0) -> tuple[threading.Thread, list[Any]]:
    got: list[Any] = []
    worker = threading.Thread(target=lambda: got.append(request(folder, command, timeout)))
    worker.start()
    return worker, got


def test_the_answer_comes_when_it_resolves_and_others_are_answered_meanwhile(
    later: tuple[Running, list[Any]],
) -> None:
    running, futures = later
    worker, got = ask(running.folder, "read-all")
    assert running.arrived.wait(10)
    for _ in range(3):  # the one thread is not held up by the waiting caller
        assert request(running.folder, "state", 10) == {"said": "state", "ok": True}
    assert worker.is_alive()
    futures[0][0].set_result({"done": "marked", "count": 3, "problem": ""})
    worker.join(30)
    assert got == [{"done": "marked", "count": 3, "problem": "", "ok": True}]


def test_an_answer_that_does_not_come_in_time_says_handed_over(
    later: tuple[Running, list[Any]],
) -> None:
    running, futures = later
    worker, got = ask(running.folder, "read-all")
    assert running.arrived.wait(10)
    futures[0][1]["s"] = 0.0  # later callers: at once (the first waits its 20 s)
    worker2, got2 = ask(running.folder, "read-all")
    worker2.join(30)
    assert got2 == [{"done": "sent", "count": 2, "ok": True}]
    futures[1][0].set_result({"done": "marked", "count": 2})  # too late: no harm
    futures[0][0].set_result({"done": "nothing", "count": 0, "problem": ""})
    worker.join(30)
    assert got == [{"done": "nothing", "count": 0, "problem": "", "ok": True}]
    assert request(running.folder, "state", 10) == {"said": "state", "ok": True}


def test_a_caller_that_goes_away_meanwhile_costs_nothing(
    later: tuple[Running, list[Any]],
) -> None:
    running, futures = later
    conn = running.connect()
    message = {"command": "read-all", **{k: v for k, v in running.info().items() if k == "token"}}
    conn.sendall(json.dumps(message).encode() + b"\n")
    assert running.arrived.wait(10)
    conn.close()  # gone before the answer
    assert request(running.folder, "state", 10) == {"said": "state", "ok": True}
    futures[0][0].set_result({"done": "marked", "count": 1})  # to no one
    assert request(running.folder, "state", 10) == {"said": "state", "ok": True}
    # and a failure to resolve is answered as one
    worker, got = ask(running.folder, "read-all")
    while len(futures) < 2:
        running.arrived.wait(0.05)
    futures[1][0].set_exception(RuntimeError("broken"))
    worker.join(30)
    assert got == [{"ok": False, "error": "failed"}]


def test_read_all_through_the_channel_answers_the_poller_s_outcome(
    h: Harness, tmp_path: Path
) -> None:
    h.turn()
    instance = Instance(tmp_path / "tray")
    assert instance.acquire()
    instance.serve(lambda command: mark_all_later(h.state, h.poller.mark_all_read))
    try:
        h.server.inject(Fault("status", status=500), times=1)
        worker, got = ask(tmp_path / "tray", "read-all")
        while worker.is_alive():  # the poller takes the command, sends it, answers
            h.poller.step()
            worker.join(0.05)
        assert got[0]["done"] == "failed"
        assert got[0]["ok"] is True
        assert h.server.store.unread_count("alice") == 3
        h.turn()  # the back-off after the 500 ends with a poll
        worker, got = ask(tmp_path / "tray", "read-all")
        while worker.is_alive():
            h.poller.step()
            worker.join(0.05)
        assert got == [{"done": "marked", "count": 3, "problem": "", "ok": True}]
    finally:
        instance.close()


@pytest.mark.parametrize(
    ("fault", "code", "out", "err"),
    [
        (None, 0, "Marked 3 notifications read.\n", ""),
        (
            Fault("status", status=500),
            4,
            "",
            "traynotify: The running tray app could not mark all as read: ",
        ),
    ],
    ids=["marked", "refused"],
)
def test_the_command_prints_what_the_poller_did(
    h: Harness, server: ContractServer, fault: Fault | None, code: int, out: str, err: str
) -> None:
    """``traynotify read --all`` beside a tray: the real channel, the real poller."""
    h.turn()
    instance = Instance(state_dir())
    assert instance.acquire()
    instance.serve(lambda command: mark_all_later(h.state, h.poller.mark_all_read))
    env = {"BYTESPIKE_API_URL": server.url, "BYTESPIKE_API_KEY": KEY}
    got: list[tuple[int, str, str]] = []
    try:
        if fault is not None:
            server.inject(fault, times=1)
        worker = threading.Thread(target=lambda: got.append(run(["read", "--all"], env)))
        worker.start()
        while worker.is_alive():  # the poller takes the command, sends it, answers
            h.poller.step()
            worker.join(0.05)
    finally:
        instance.close()
    assert got[0][:2] == (code, out)
    assert got[0][2].startswith(err)
    assert server.store.unread_count("alice") == (0 if fault is None else 3)
