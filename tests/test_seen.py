"""Shown ids on disk: round trip, per API URL, pruning, broken files set aside."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from traynotify.desktop.files import write_atomic
from traynotify.desktop.seen import KEEP_IDS, SeenStore

URL = "https://llm.bytespike.ai"


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "state" / "seen.json"
    store = SeenStore(path, URL)
    assert store.first_run
    store.add([5001, 5006])
    again = SeenStore(path, URL)
    assert not again.first_run
    assert 5001 in again
    assert 5006 in again
    assert 5002 not in again


def test_each_api_url_has_its_own_ids(tmp_path: Path) -> None:
    path = tmp_path / "seen.json"
    SeenStore(path, URL).add([1])
    other = SeenStore(path, "http://127.0.0.1:9")
    assert other.first_run
    assert 1 not in other
    other.add([2])
    assert 1 in SeenStore(path, URL)


def test_recording_nothing_still_ends_the_first_run(tmp_path: Path) -> None:
    SeenStore(tmp_path / "seen.json", URL).add([])
    assert not SeenStore(tmp_path / "seen.json", URL).first_run


def test_only_the_most_recent_read_ids_are_kept(tmp_path: Path) -> None:
    store = SeenStore(tmp_path / "seen.json", URL)
    store.add(range(KEEP_IDS + 500), unread=())
    again = SeenStore(tmp_path / "seen.json", URL)
    assert 0 not in again
    assert KEEP_IDS + 499 in again


def test_a_still_unread_id_is_never_forgotten(tmp_path: Path) -> None:
    """5,000 unread and a stream of newer ids read at once: the old unread stay known."""
    store = SeenStore(tmp_path / "seen.json", URL)
    backlog = range(5000)
    store.add(backlog, unread=backlog)
    for start in range(100_000, 100_000 + 3 * KEEP_IDS, 100):
        store.add(range(start, start + 100), unread=backlog)
    again = SeenStore(tmp_path / "seen.json", URL)
    assert all(i in again for i in backlog)
    assert 100_000 not in again  # read ones are bounded
    assert 100_000 + 3 * KEEP_IDS - 1 in again
    size = (tmp_path / "seen.json").stat().st_size
    assert size < 8 * (5000 + KEEP_IDS) + 200


@pytest.mark.parametrize(
    "content",
    ["", "{", "[]", '{"accounts": 3}', "\x00\x01garbage", '{"accounts": {"x": "notalist"}'],
)
def test_a_broken_file_is_set_aside_and_the_app_goes_on(
    tmp_path: Path, content: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "seen.json"
    path.write_text(content, encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        store = SeenStore(path, URL)
    assert store.first_run  # one summary rather than a flood
    kept = list(tmp_path.glob("seen.json.broken-*"))
    assert len(kept) == 1
    assert kept[0].read_text(encoding="utf-8") == content
    assert "was not a valid state file" in caplog.text
    store.add([7])
    assert json.loads(path.read_text())["accounts"][URL] == [7]


def test_odd_values_inside_a_valid_file_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "seen.json"
    path.write_text(json.dumps({"accounts": {URL: [1, "2", True, 3.5, 4]}}))
    store = SeenStore(path, URL)
    assert 1 in store
    assert 4 in store
    assert 2 not in store


def test_an_unwritable_state_dir_is_a_warning_not_a_crash(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = SeenStore(blocker / "seen.json", URL)  # parent is a file: cannot create
    with caplog.at_level(logging.WARNING):
        store.add([1])
    assert "toasts may repeat after a restart" in caplog.text
    assert 1 in store


def test_write_atomic_leaves_no_temporary_files(tmp_path: Path) -> None:
    target = tmp_path / "f.json"
    write_atomic(target, "one")
    write_atomic(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]
