"""A state folder another account made first, with the real app on the virtual desktop."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from traynotify.devserver import ContractServer

from .conftest import Launch
from .desktop import Desktop, wait_for
from .test_local_trust import NOBODY, Impostor, nobodys, tray_answer

pytestmark = [
    pytest.mark.desktop,
    pytest.mark.skipif(
        not hasattr(os, "geteuid") or os.geteuid() != 0,
        reason="needs root, to make files and processes of another account",
    ),
]


def test_the_app_starts_beside_another_accounts_folder_and_its_seen_file_silences_nothing(
    launch: Launch, desktop: Desktop, server: ContractServer, tmp_path: Path
) -> None:
    state = nobodys(tmp_path / "state" / "traynotify")
    seen = {"version": 1, "accounts": {server.url: [5001, 5003, 5004]}}  # all three unread
    (state / "seen.json").write_text(json.dumps(seen))
    os.chown(state / "seen.json", NOBODY, NOBODY)
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    impostor = Impostor(state, tray_answer(42, server.url))
    try:
        baseline = len(desktop.toasts())
        app = launch(extra_env={"XDG_RUNTIME_DIR": str(runtime)})
        wait_for("the count", lambda: app.title() == "traynotify: 3 unread")
        # the first-start summary: the planted ids were not taken as shown
        wait_for("a pop-up for the unread", lambda: len(desktop.toasts()) > baseline)
        assert app.proc.poll() is None
        said = [line for line in app.stderr().splitlines() if "not this user's alone" in line]
        assert len(said) == 1, app.stderr()
        assert (runtime / "traynotify" / "instance.json").exists()
        wait_for("its own shown ids", (runtime / "traynotify" / "seen.json").exists)
    finally:
        impostor.close()
    assert impostor.heard == []
    assert json.loads((state / "seen.json").read_text()) == seen
